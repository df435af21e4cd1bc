package reconcile

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/accruehq/accrue"
)

// CSVReader reads records from a CSV stream one row at a time, so a file of
// any size is read in constant memory (beyond the records the caller keeps).
type CSVReader struct {
	m       Mapping
	r       *csv.Reader
	started bool
	fatal   error

	id, amount, debit, credit, flag, cur, date, cp, status int
	refs                                                   []int
	meta                                                   []metaColumn
	width                                                  int // fields a row needs
	headerLen                                              int // fields of the header row, 0 without one

	lastCode string
	lastCur  accrue.Currency
	slab     []string // backing for single references
}

type metaColumn struct {
	key string
	i   int
}

// NewCSVReader returns a reader of r under mapping m. It returns
// ErrInvalidMapping when m cannot work whatever the file holds; header
// problems surface on the first Read.
func NewCSVReader(r io.Reader, m Mapping) (*CSVReader, error) {
	m, err := m.check()
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(r)
	cr.Comma = m.Comma
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	if !validDelim(m.Comma) {
		return nil, fmt.Errorf("%w: %s: separator %q", ErrInvalidMapping, m.File, m.Comma)
	}
	return &CSVReader{m: m, r: cr}, nil
}

func validDelim(r rune) bool {
	return r != 0 && r != '"' && r != '\r' && r != '\n' && r != 0xFFFD && strconv.IsPrint(r) || r == '\t'
}

// Read returns the next record. At the end it returns io.EOF. A malformed
// row returns a *RowError (ErrMalformedRow) and the next Read continues with
// the following row; any other error (an unreadable header, a failing
// reader) is final and returned again by every later Read.
func (c *CSVReader) Read() (Record, error) {
	if c.fatal != nil {
		return Record{}, c.fatal
	}
	if !c.started {
		if err := c.start(); err != nil {
			c.fatal = err
			return Record{}, err
		}
	}
	row, err := c.r.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return Record{}, &RowError{File: c.m.File, Line: pe.StartLine, Reason: pe.Err.Error(), Err: pe.Err}
		}
		if err != io.EOF {
			err = fmt.Errorf("reconcile: %s: %w", c.m.File, err)
		}
		c.fatal = err
		return Record{}, err
	}
	line, _ := c.r.FieldPos(0)
	return c.record(row, line)
}

// start skips the leading rows and resolves the columns.
func (c *CSVReader) start() error {
	c.started = true
	for i := 0; i < c.m.SkipRows; i++ {
		if _, err := c.r.Read(); err == io.EOF {
			return io.EOF
		} else if err != nil && !isParseError(err) {
			return fmt.Errorf("reconcile: %s: %w", c.m.File, err)
		}
	}
	var header []string
	if c.m.Header {
		row, err := c.r.Read()
		if isParseError(err) {
			return fmt.Errorf("%w: %s: header: %v", ErrInvalidMapping, c.m.File, err)
		}
		if err == io.EOF {
			return io.EOF
		}
		if err != nil {
			return fmt.Errorf("reconcile: %s: %w", c.m.File, err)
		}
		header = slices.Clone(row)
		c.headerLen = len(header)
		for i := range header {
			header[i] = strings.TrimSpace(strings.TrimPrefix(header[i], "\uFEFF"))
		}
	}
	resolve := func(col Column) (int, error) {
		switch {
		case col.Name != "":
			i := slices.Index(header, col.Name)
			if i < 0 {
				return -1, fmt.Errorf("%w: %s: no column %s in header", ErrInvalidMapping, c.m.File, col)
			}
			c.width = max(c.width, i+1)
			return i, nil
		case col.pos > 0:
			c.width = max(c.width, col.pos)
			return col.pos - 1, nil
		}
		return -1, nil
	}
	var err error
	for _, f := range []struct {
		dst *int
		col Column
	}{{&c.id, c.m.ID}, {&c.amount, c.m.Amount}, {&c.debit, c.m.Debit}, {&c.credit, c.m.Credit}, {&c.flag, c.m.Flag},
		{&c.cur, c.m.Currency}, {&c.date, c.m.Date}, {&c.cp, c.m.Counterparty}, {&c.status, c.m.Status}} {
		if *f.dst, err = resolve(f.col); err != nil {
			return err
		}
	}
	for _, col := range c.m.References {
		i, err := resolve(col)
		if err != nil {
			return err
		}
		if i >= 0 {
			c.refs = append(c.refs, i)
		}
	}
	keys := make([]string, 0, len(c.m.Metadata))
	for k := range c.m.Metadata {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		i, err := resolve(c.m.Metadata[k])
		if err != nil {
			return err
		}
		if i >= 0 {
			c.meta = append(c.meta, metaColumn{k, i})
		}
	}
	return nil
}

func isParseError(err error) bool {
	var pe *csv.ParseError
	return errors.As(err, &pe)
}

// record converts one row.
func (c *CSVReader) record(row []string, line int) (Record, error) {
	fail := func(col, reason string, err error) (Record, error) {
		return Record{}, &RowError{File: c.m.File, Line: line, Column: col, Reason: reason, Err: err}
	}
	if c.headerLen > 0 && len(row) != c.headerLen {
		// An unquoted decimal comma splits a field: refuse rows that do
		// not have the header's shape rather than read shifted columns.
		return fail("", fmt.Sprintf("%d fields, the header has %d", len(row), c.headerLen), nil)
	}
	if len(row) < c.width {
		return fail("", fmt.Sprintf("%d fields, the mapping needs %d", len(row), c.width), nil)
	}
	cell := func(i int) string {
		if i < 0 {
			return ""
		}
		return strings.TrimSpace(row[i])
	}
	rec := Record{Source: c.m.Source, Counterparty: cell(c.cp), Status: cell(c.status)}
	if c.id >= 0 {
		if rec.ID = cell(c.id); rec.ID == "" {
			return fail(c.m.ID.String(), "empty id", nil)
		}
	} else {
		rec.ID = c.m.File + ":" + strconv.Itoa(line)
	}
	if len(c.refs) == 1 {
		if v := cell(c.refs[0]); v != "" {
			rec.References = c.oneRef(v)
		}
	} else {
		for _, i := range c.refs {
			if v := cell(i); v != "" {
				rec.References = append(rec.References, v)
			}
		}
	}

	cur := c.m.DefaultCurrency
	if c.cur >= 0 {
		code := cell(c.cur)
		if code != c.lastCode || c.lastCur.IsZero() {
			v, err := accrue.LookupCurrency(code)
			if err != nil {
				return fail(c.m.Currency.String(), fmt.Sprintf("currency %q: %v", clip(code), err), err)
			}
			c.lastCode, c.lastCur = code, v
		}
		cur = c.lastCur
	}
	units, col, err := c.units(cell, cur)
	if err != nil {
		return fail(col, err.Error(), err)
	}
	rec.Amount = accrue.FromMinorUnits(units, cur)
	ds := cell(c.date)
	var derr error
	for _, layout := range c.m.DateLayouts {
		if rec.Date, derr = parseDate(layout, ds); derr == nil {
			break
		}
	}
	if derr != nil {
		return fail(c.m.Date.String(), fmt.Sprintf("date %q matches none of the layouts %q", clip(ds), c.m.DateLayouts), derr)
	}
	if len(c.meta) > 0 {
		rec.Metadata = make(map[string]string, len(c.meta))
		for _, mc := range c.meta {
			rec.Metadata[mc.key] = cell(mc.i)
		}
	}
	return rec, nil
}

// oneRef returns a one-element references slice carved from a shared slab
// (capacity-limited, so appending to it never touches a neighbour), saving
// one small allocation per row.
func (c *CSVReader) oneRef(v string) []string {
	if len(c.slab) == cap(c.slab) {
		c.slab = make([]string, 0, 4096)
	}
	c.slab = append(c.slab, v)
	n := len(c.slab)
	return c.slab[n-1 : n : n]
}

// parseDate is time.Parse in UTC with a fast path for "2006-01-02".
func parseDate(layout, s string) (time.Time, error) {
	if layout == "2006-01-02" && len(s) == 10 && s[4] == '-' && s[7] == '-' {
		y, ok1 := digits(s[0:4])
		m, ok2 := digits(s[5:7])
		d, ok3 := digits(s[8:10])
		if ok1 && ok2 && ok3 && m >= 1 && m <= 12 && d >= 1 && d <= 31 {
			t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
			if t.Day() == d {
				return t, nil
			}
		}
	}
	return time.Parse(layout, s)
}

// digits parses a run of ASCII digits.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// units reads the signed amount by the sign convention; on error it names
// the column at fault.
func (c *CSVReader) units(cell func(int) string, cur accrue.Currency) (int64, string, error) {
	minor := cur.MinorUnits()
	var u int64
	switch c.m.Sign {
	case SignAmount, SignFlag:
		v, err := parseUnits(cell(c.amount), minor, c.m.DecimalComma, c.m.Thousands)
		if err != nil {
			return 0, c.m.Amount.String(), err
		}
		u = v
		if c.m.Sign == SignFlag {
			if u < 0 {
				return 0, c.m.Amount.String(), errors.New("signed amount with a debit/credit flag")
			}
			switch f := cell(c.flag); {
			case strings.EqualFold(f, c.m.DebitFlag):
				u = -u
			case strings.EqualFold(f, c.m.CreditFlag):
			default:
				return 0, c.m.Flag.String(), fmt.Errorf("flag %q is neither %q nor %q", clip(f), c.m.DebitFlag, c.m.CreditFlag)
			}
		}
	case SignDebitCredit:
		d, cr := cell(c.debit), cell(c.credit)
		switch {
		case d != "" && cr != "":
			return 0, c.m.Debit.String(), errors.New("both debit and credit are filled")
		case d == "" && cr == "":
			return 0, c.m.Debit.String(), errors.New("neither debit nor credit is filled")
		case d != "":
			v, err := parseUnits(d, minor, c.m.DecimalComma, c.m.Thousands)
			if err != nil {
				return 0, c.m.Debit.String(), err
			}
			u = -v
		default:
			v, err := parseUnits(cr, minor, c.m.DecimalComma, c.m.Thousands)
			if err != nil {
				return 0, c.m.Credit.String(), err
			}
			u = v
		}
	}
	if c.m.Negate {
		u = -u
	}
	return u, "", nil
}

// ReadCSV reads every record of r under m. Malformed rows are returned as
// row errors, in file order, and reading goes on; with m.StopOnError the
// first one ends the read and is also returned as the error. The returned
// error is otherwise ErrInvalidMapping or the reader's failure.
func ReadCSV(r io.Reader, m Mapping) ([]Record, []*RowError, error) {
	cr, err := NewCSVReader(r, m)
	if err != nil {
		return nil, nil, err
	}
	// Records gather in fixed-size chunks and are copied once at the end:
	// growing one slice by append would copy a large file's records several
	// times over.
	var chunks [][]Record
	cur := make([]Record, 0, 1024)
	var bad []*RowError
	done := func() []Record {
		n := len(cur)
		for _, c := range chunks {
			n += len(c)
		}
		if len(chunks) == 0 {
			return cur
		}
		out := make([]Record, 0, n)
		for _, c := range chunks {
			out = append(out, c...)
		}
		return append(out, cur...)
	}
	for {
		rec, err := cr.Read()
		var re *RowError
		switch {
		case err == nil:
			if len(cur) == cap(cur) {
				chunks = append(chunks, cur)
				cur = make([]Record, 0, min(2*cap(cur), 1<<16))
			}
			cur = append(cur, rec)
		case err == io.EOF:
			return done(), bad, nil
		case errors.As(err, &re):
			bad = append(bad, re)
			if cr.m.StopOnError {
				return done(), bad, err
			}
		default:
			return done(), bad, err
		}
	}
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
