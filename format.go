package accrue

import (
	"bytes"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// Bounds on amounts read from text (ParseMoney, ParseAmount, JSON, SQL). They
// keep every input exactly representable and every operation on it bounded.
const (
	// MaxIntegerDigits is the most digits an amount may have before its
	// decimal point.
	MaxIntegerDigits = 24
	// MaxFractionDigits is the most digits an amount may have after its
	// decimal point.
	MaxFractionDigits = 30
)

// String formats m as "<amount> <code>", e.g. "12.34 USD", "-5 JPY". The
// amount shows exactly the currency's minor units, or more digits when m is
// finer than the minor unit (it is never rounded for display). ParseMoney
// reads this form back for ISO currencies.
func (m Money) String() string {
	if m.currency.IsZero() {
		return m.amountText()
	}
	return m.amountText() + " " + m.currency.code
}

// amountText is the amount as written in String and JSON.
func (m Money) amountText() string {
	places := m.currency.MinorUnits()
	if m.IsRounded() {
		return m.amount.StringFixed(places)
	}
	return m.amount.String()
}

// ParseMoney parses "<amount> <code>" (one space), as String writes it, with
// an ISO 4217 code: "12.34 USD", "-0.5 EUR", "100 JPY". The amount is a plain
// decimal: an optional '-' or '+', digits, optionally '.' and digits; no
// exponent, grouping or spaces. Money in custom units is parsed with
// ParseAmount and the host's Currency value.
func ParseMoney(s string) (Money, error) {
	amount, code, ok := strings.Cut(s, " ")
	if !ok {
		return Money{}, fmt.Errorf("%w: %q: want \"<amount> <currency>\"", ErrInvalidAmount, clip(s))
	}
	d, err := parseDecimal(amount)
	if err != nil {
		return Money{}, err
	}
	c, err := LookupCurrency(code)
	if err != nil {
		return Money{}, err
	}
	return Money{amount: d, currency: c}, nil
}

// MustParseMoney is like ParseMoney but panics on error. It is meant for
// constants in programs and tests.
func MustParseMoney(s string) Money {
	m, err := ParseMoney(s)
	if err != nil {
		panic(err)
	}
	return m
}

// ParseAmount parses a plain decimal amount (see ParseMoney) in currency c.
// The amount may be finer than c's minor unit; it is kept exactly.
func ParseAmount(amount string, c Currency) (Money, error) {
	if c.IsZero() {
		return Money{}, fmt.Errorf("%w: no currency given", ErrUnknownCurrency)
	}
	d, err := parseDecimal(amount)
	if err != nil {
		return Money{}, err
	}
	return Money{amount: d, currency: c}, nil
}

// parseDecimal parses the plain decimal grammar of ParseMoney within the
// digit bounds, wrapping ErrInvalidAmount or ErrOverflow.
func parseDecimal(s string) (decimal.Decimal, error) {
	body := s
	if len(body) > 0 && (body[0] == '-' || body[0] == '+') {
		body = body[1:]
	}
	intPart, frac, hasPoint := strings.Cut(body, ".")
	if intPart == "" || (hasPoint && frac == "") {
		return decimal.Decimal{}, fmt.Errorf("%w: %q is not a decimal number", ErrInvalidAmount, clip(s))
	}
	for _, part := range [...]string{intPart, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return decimal.Decimal{}, fmt.Errorf("%w: %q is not a decimal number", ErrInvalidAmount, clip(s))
			}
		}
	}
	if n := len(strings.TrimLeft(intPart, "0")); n > MaxIntegerDigits {
		return decimal.Decimal{}, fmt.Errorf("%w: %q has %d integer digits (at most %d)", ErrOverflow, clip(s), n, MaxIntegerDigits)
	}
	if len(frac) > MaxFractionDigits {
		return decimal.Decimal{}, fmt.Errorf("%w: %q has %d fraction digits (at most %d)", ErrOverflow, clip(s), len(frac), MaxFractionDigits)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%w: %q: %v", ErrInvalidAmount, clip(s), err)
	}
	return d, nil
}

// moneyJSON is the wire form of Money.
type moneyJSON struct {
	Amount     json.RawMessage `json:"amount"`
	Currency   string          `json:"currency"`
	MinorUnits *int            `json:"minor_units,omitempty"`
}

// MarshalJSON encodes m as {"amount":"12.34","currency":"USD"}: the amount is
// a JSON string, never a number, so no decoder turns it into a float. Money in
// a custom unit adds "minor_units" so that it decodes without a registry.
func (m Money) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"amount":"`)
	b.WriteString(m.amountText())
	b.WriteString(`","currency":`)
	code, _ := json.Marshal(m.currency.code)
	b.Write(code)
	if m.currency.custom {
		fmt.Fprintf(&b, `,"minor_units":%d`, m.currency.minor)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON decodes the form MarshalJSON writes. Unknown fields, a
// numeric amount, an unknown currency and a custom unit without
// "minor_units" are errors. {"amount":"0","currency":""} decodes to the zero
// Money.
func (m *Money) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var w moneyJSON
	if err := dec.Decode(&w); err != nil {
		return fmt.Errorf("%w: money JSON: %v", ErrInvalidAmount, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: money JSON: trailing data", ErrInvalidAmount)
	}
	var amount string
	if err := json.Unmarshal(w.Amount, &amount); err != nil || len(w.Amount) == 0 {
		return fmt.Errorf("%w: money JSON: amount must be a string such as \"12.34\", got %s", ErrInvalidAmount, clip(string(w.Amount)))
	}
	d, err := parseDecimal(amount)
	if err != nil {
		return err
	}
	var c Currency
	switch {
	case w.Currency == "" && d.IsZero() && w.MinorUnits == nil:
		*m = Money{}
		return nil
	case w.MinorUnits != nil:
		c, err = NewUnit(w.Currency, *w.MinorUnits)
	default:
		c, err = LookupCurrency(w.Currency)
	}
	if err != nil {
		return err
	}
	*m = Money{amount: d, currency: c}
	return nil
}

// Value implements driver.Valuer so that a database adapter can store Money
// in one text column: ISO money as String writes it ("12.34 USD"), money in a
// custom unit as its JSON form (which carries the unit's minor units).
// Adapters that keep amount and currency in separate columns use Amount and
// Currency instead.
func (m Money) Value() (driver.Value, error) {
	if m.currency.custom {
		b, err := m.MarshalJSON()
		return string(b), err
	}
	return m.String(), nil
}

// Scan implements sql.Scanner, reading what Value writes from a string or
// []byte column. A NULL is an error; use sql.Null[accrue.Money] for nullable
// columns.
func (m *Money) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	case nil:
		return fmt.Errorf("%w: scan NULL into Money (use sql.Null[accrue.Money])", ErrInvalidAmount)
	default:
		return fmt.Errorf("%w: scan %T into Money", ErrInvalidAmount, src)
	}
	if strings.HasPrefix(s, "{") {
		return m.UnmarshalJSON([]byte(s))
	}
	v, err := ParseMoney(s)
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// MarshalText implements encoding.TextMarshaler with the code, so a Currency
// can be a JSON field or map key.
func (c Currency) MarshalText() ([]byte, error) { return []byte(c.code), nil }

// UnmarshalText implements encoding.TextUnmarshaler for ISO 4217 codes.
// Custom units are values the host keeps and are not decoded from a bare code.
func (c *Currency) UnmarshalText(text []byte) error {
	v, err := LookupCurrency(string(text))
	if err != nil {
		return err
	}
	*c = v
	return nil
}
