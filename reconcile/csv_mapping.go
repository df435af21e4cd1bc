package reconcile

import (
	"fmt"
	"strconv"

	"github.com/accruehq/accrue"
)

// Column selects a CSV column by header name or by position. The zero Column
// selects nothing.
type Column struct {
	// Name is the header cell's text (exact match); it needs a header row.
	Name string
	pos  int // position + 1; 0 when selecting by name or not at all
}

// At selects the column at position i (0-based).
func At(i int) Column { return Column{pos: i + 1} }

// Named selects the column whose header cell is name.
func Named(name string) Column { return Column{Name: name} }

// set reports whether c selects a column.
func (c Column) set() bool { return c.Name != "" || c.pos > 0 }

// String names the column for messages.
func (c Column) String() string {
	if c.Name != "" {
		return strconv.Quote(c.Name)
	}
	return "#" + strconv.Itoa(c.pos-1)
}

// SignConvention says how a row's amount gets its sign.
type SignConvention uint8

// The sign conventions.
const (
	// SignAmount reads a signed amount from the Amount column: "-12.34",
	// "12.34-", "(12.34)".
	SignAmount SignConvention = iota
	// SignDebitCredit reads two columns: Credit (positive) and Debit
	// (negated); exactly one must be non-empty.
	SignDebitCredit
	// SignFlag reads an unsigned amount from Amount and a flag from Flag:
	// DebitFlag negates, CreditFlag keeps.
	SignFlag
)

// Mapping says how to read a CSV file into records.
type Mapping struct {
	// File names the input in errors and in record ids ("bank-2024-05.csv").
	File string
	// Source is copied to every record's Source (File when empty).
	Source string
	// Comma is the field separator; 0 means ','.
	Comma rune
	// SkipRows is how many rows to skip before the header (or the data).
	SkipRows int
	// Header says the first row after SkipRows names the columns.
	Header bool

	// ID selects the record id; when unset the id is "<File>:<line>".
	ID Column
	// References select the reference columns; empty cells are skipped.
	References []Column
	// Amount, Debit, Credit and Flag select the amount columns for the Sign
	// convention.
	Amount, Debit, Credit, Flag Column
	// Sign is the sign convention.
	Sign SignConvention
	// DebitFlag and CreditFlag are the Flag values for SignFlag ("D", "C"
	// when empty). They compare ignoring case and surrounding spaces.
	DebitFlag, CreditFlag string
	// Negate flips every amount (a statement written from the other side).
	Negate bool
	// DecimalComma reads "1.234,56" (',' is the decimal separator).
	DecimalComma bool
	// Thousands is the grouping separator to accept in amounts (',', '.',
	// ' ', '\'', '_'); 0 accepts none. Groups must be of three digits.
	Thousands rune
	// Currency selects the currency column (ISO 4217 codes); when unset
	// every record is in DefaultCurrency.
	Currency        Column
	DefaultCurrency accrue.Currency
	// Date selects the date column, read with the first of DateLayouts that
	// parses ("2006-01-02" when empty), in UTC.
	Date        Column
	DateLayouts []string
	// Counterparty and Status select optional columns.
	Counterparty, Status Column
	// Metadata maps record metadata keys to columns.
	Metadata map[string]Column
	// StopOnError makes the first malformed row end the read (ReadCSV
	// returns it as the error) instead of being reported and skipped.
	StopOnError bool
}

// check validates the mapping and fills defaults.
func (m Mapping) check() (Mapping, error) {
	bad := func(format string, args ...any) (Mapping, error) {
		return m, fmt.Errorf("%w: %s: %s", ErrInvalidMapping, m.File, fmt.Sprintf(format, args...))
	}
	if m.Comma == 0 {
		m.Comma = ','
	}
	if m.DebitFlag == "" {
		m.DebitFlag = "D"
	}
	if m.CreditFlag == "" {
		m.CreditFlag = "C"
	}
	if len(m.DateLayouts) == 0 {
		m.DateLayouts = []string{"2006-01-02"}
	}
	if m.Source == "" {
		m.Source = m.File
	}
	switch m.Sign {
	case SignAmount, SignFlag:
		if !m.Amount.set() {
			return bad("no amount column")
		}
		if m.Sign == SignFlag && !m.Flag.set() {
			return bad("sign flag convention without a flag column")
		}
	case SignDebitCredit:
		if !m.Debit.set() || !m.Credit.set() {
			return bad("debit/credit convention needs both columns")
		}
	default:
		return bad("unknown sign convention %d", m.Sign)
	}
	if !m.Date.set() {
		return bad("no date column")
	}
	if !m.Currency.set() && m.DefaultCurrency.IsZero() {
		return bad("no currency column and no default currency")
	}
	dec := '.'
	if m.DecimalComma {
		dec = ','
	}
	switch m.Thousands {
	case 0, ',', '.', ' ', '\'', '_':
	default:
		return bad("thousands separator %q not one of , . space ' _", m.Thousands)
	}
	if m.Thousands == dec {
		return bad("thousands separator %q equals the decimal separator", m.Thousands)
	}
	if m.SkipRows < 0 {
		return bad("negative rows to skip")
	}
	for _, c := range m.columns() {
		if c.Name != "" && !m.Header {
			return bad("column %s is named but the mapping has no header row", c)
		}
	}
	return m, nil
}

// columns lists every selected column.
func (m *Mapping) columns() []Column {
	cs := []Column{m.ID, m.Amount, m.Debit, m.Credit, m.Flag, m.Currency, m.Date, m.Counterparty, m.Status}
	cs = append(cs, m.References...)
	for _, c := range m.Metadata {
		cs = append(cs, c)
	}
	return cs
}
