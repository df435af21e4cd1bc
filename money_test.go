package accrue

import (
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func TestLookupCurrency(t *testing.T) {
	tests := []struct {
		code  string
		minor int32
	}{
		{"USD", 2}, {"EUR", 2}, {"JPY", 0}, {"GBP", 2}, {"CNY", 2}, {"AUD", 2}, {"CAD", 2},
		{"CHF", 2}, {"HKD", 2}, {"SGD", 2}, {"SEK", 2}, {"KRW", 0}, {"NOK", 2}, {"NZD", 2},
		{"INR", 2}, {"MXN", 2}, {"TWD", 2}, {"ZAR", 2}, {"BRL", 2}, {"DKK", 2}, {"PLN", 2},
		{"THB", 2}, {"ILS", 2}, {"IDR", 2}, {"CZK", 2}, {"AED", 2}, {"TRY", 2}, {"HUF", 2},
		{"CLP", 0}, {"SAR", 2}, {"PHP", 2}, {"MYR", 2}, {"BHD", 3}, {"KWD", 3}, {"JOD", 3},
	}
	for _, tt := range tests {
		c, err := LookupCurrency(tt.code)
		if err != nil {
			t.Fatalf("LookupCurrency(%s): %v", tt.code, err)
		}
		if c.Code() != tt.code || c.MinorUnits() != tt.minor || c.IsCustom() {
			t.Errorf("LookupCurrency(%s) = %q/%d/custom=%v", tt.code, c.Code(), c.MinorUnits(), c.IsCustom())
		}
	}
	for _, bad := range []string{"", "usd", "US", "USDX", "XXX", "PTS"} {
		if _, err := LookupCurrency(bad); !errors.Is(err, ErrUnknownCurrency) {
			t.Errorf("LookupCurrency(%q) err = %v, want ErrUnknownCurrency", bad, err)
		}
	}
}

func TestNewUnit(t *testing.T) {
	pts, err := NewUnit("POINTS", 0)
	if err != nil {
		t.Fatal(err)
	}
	if !pts.IsCustom() || pts.MinorUnits() != 0 || pts.Code() != "POINTS" {
		t.Errorf("NewUnit = %+v", pts)
	}
	other, _ := NewUnit("POINTS", 2)
	if pts == other {
		t.Error("units with different minor units compare equal")
	}
	for _, tt := range []struct {
		code  string
		minor int
	}{
		{"USD", 2}, {"P", 0}, {"points", 0}, {"1PTS", 0}, {"PTS-X", 0}, {"PTS", -1}, {"PTS", 19},
		{"ABCDEFGHIJKLMNOPQ", 0},
	} {
		if _, err := NewUnit(tt.code, tt.minor); !errors.Is(err, ErrInvalidCurrency) {
			t.Errorf("NewUnit(%q, %d) err = %v, want ErrInvalidCurrency", tt.code, tt.minor, err)
		}
	}
}

func TestArithmetic(t *testing.T) {
	usd := MustCurrency("USD")
	a := MustParseMoney("12.34 USD")
	b := MustParseMoney("0.66 USD")
	sum, err := a.Add(b)
	if err != nil || sum.String() != "13.00 USD" {
		t.Errorf("Add = %v, %v", sum, err)
	}
	diff, err := b.Sub(a)
	if err != nil || diff.String() != "-11.68 USD" {
		t.Errorf("Sub = %v, %v", diff, err)
	}
	if c, err := a.Cmp(b); err != nil || c != 1 {
		t.Errorf("Cmp = %d, %v", c, err)
	}
	if got := a.Mul(decimal.RequireFromString("0.3")); got.String() != "3.702 USD" || got.IsRounded() {
		t.Errorf("Mul = %v (rounded %v)", got, got.IsRounded())
	}
	if got := a.Neg().Abs(); !got.Equal(a) {
		t.Errorf("Neg.Abs = %v", got)
	}
	var zero Money
	if s, err := zero.Add(a); err != nil || !s.Equal(a) {
		t.Errorf("zero.Add = %v, %v", s, err)
	}
	if s, err := a.Sub(zero); err != nil || !s.Equal(a) {
		t.Errorf("Sub zero = %v, %v", s, err)
	}
	if !Zero(usd).IsZero() || Zero(usd).Currency() != usd {
		t.Error("Zero(USD)")
	}
	if FromMinorUnits(-1234, usd).String() != "-12.34 USD" {
		t.Error("FromMinorUnits")
	}
	if n, err := MustParseMoney("-12.30 USD").MinorUnits(); err != nil || n != -1230 {
		t.Errorf("MinorUnits = %d, %v", n, err)
	}
	if _, err := MustParseMoney("0.001 USD").MinorUnits(); !errors.Is(err, ErrInvalidAmount) {
		t.Errorf("MinorUnits of 0.001 USD: %v", err)
	}
	if _, err := MustParseMoney("100000000000000000000 USD").MinorUnits(); !errors.Is(err, ErrOverflow) {
		t.Errorf("MinorUnits of 1e20 USD: %v", err)
	}
	if _, err := a.Quo(decimal.Zero, HalfUp); !errors.Is(err, ErrDivisionByZero) {
		t.Errorf("Quo by zero: %v", err)
	}
}

func TestCurrencyMismatch(t *testing.T) {
	usd := MustParseMoney("1.00 USD")
	eur := MustParseMoney("1.00 EUR")
	_, err := usd.Add(eur)
	var me *MismatchError
	if !errors.Is(err, ErrCurrencyMismatch) || !errors.As(err, &me) || me.Op != "add" {
		t.Fatalf("Add across currencies: %v", err)
	}
	if err.Error() != "accrue: add: currency mismatch: USD vs EUR" {
		t.Errorf("text = %q", err)
	}
	if _, err := usd.Sub(eur); !errors.Is(err, ErrCurrencyMismatch) {
		t.Errorf("Sub: %v", err)
	}
	if _, err := usd.Cmp(eur); !errors.Is(err, ErrCurrencyMismatch) {
		t.Errorf("Cmp: %v", err)
	}
	if usd.Equal(eur) {
		t.Error("Equal across currencies")
	}
	// A zero amount in a currency does not adopt another currency.
	if _, err := Zero(usd.Currency()).Add(eur); !errors.Is(err, ErrCurrencyMismatch) {
		t.Errorf("Zero(USD).Add(EUR): %v", err)
	}
}

func TestParseMoney(t *testing.T) {
	good := []struct{ in, out string }{
		{"12.34 USD", "12.34 USD"}, {"12.3 USD", "12.30 USD"}, {"-0.5 EUR", "-0.50 EUR"},
		{"+7 JPY", "7 JPY"}, {"100 JPY", "100 JPY"}, {"1.2345 KWD", "1.2345 KWD"}, {"0.000 BHD", "0.000 BHD"},
		{"007.10 USD", "7.10 USD"},
	}
	for _, tt := range good {
		m, err := ParseMoney(tt.in)
		if err != nil {
			t.Errorf("ParseMoney(%q): %v", tt.in, err)
			continue
		}
		if m.String() != tt.out {
			t.Errorf("ParseMoney(%q) = %q, want %q", tt.in, m, tt.out)
		}
	}
	bad := []struct {
		in   string
		want error
	}{
		{"12.34", ErrInvalidAmount}, {"12.34  USD", ErrUnknownCurrency}, {"12.34 usd", ErrUnknownCurrency},
		{"abc USD", ErrInvalidAmount}, {"1.2.3 USD", ErrInvalidAmount}, {"1e5 USD", ErrInvalidAmount},
		{". USD", ErrInvalidAmount}, {"1. USD", ErrInvalidAmount}, {".5 USD", ErrInvalidAmount},
		{"NaN USD", ErrInvalidAmount}, {"Inf USD", ErrInvalidAmount}, {"- USD", ErrInvalidAmount},
		{"1,000.00 USD", ErrInvalidAmount}, {" 1 USD", ErrInvalidAmount}, {"--1 USD", ErrInvalidAmount},
		{strings.Repeat("9", 25) + " USD", ErrOverflow}, {"0." + strings.Repeat("1", 31) + " USD", ErrOverflow},
		{"1 XYZ", ErrUnknownCurrency},
	}
	for _, tt := range bad {
		if _, err := ParseMoney(tt.in); !errors.Is(err, tt.want) {
			t.Errorf("ParseMoney(%q) err = %v, want %v", tt.in, err, tt.want)
		}
	}
	if _, err := ParseAmount("1", Currency{}); !errors.Is(err, ErrUnknownCurrency) {
		t.Errorf("ParseAmount with zero currency: %v", err)
	}
}

func TestMoneyJSON(t *testing.T) {
	pts, _ := NewUnit("PTS", 0)
	tests := []struct {
		m    Money
		want string
	}{
		{MustParseMoney("12.34 USD"), `{"amount":"12.34","currency":"USD"}`},
		{MustParseMoney("-0.5 EUR"), `{"amount":"-0.50","currency":"EUR"}`},
		{MustParseMoney("0.015 USD"), `{"amount":"0.015","currency":"USD"}`},
		{FromMinorUnits(250, pts), `{"amount":"250","currency":"PTS","minor_units":0}`},
		{Money{}, `{"amount":"0","currency":""}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.m)
		if err != nil || string(b) != tt.want {
			t.Errorf("Marshal(%v) = %s, %v; want %s", tt.m, b, err, tt.want)
		}
		var back Money
		if err := json.Unmarshal(b, &back); err != nil || !back.Equal(tt.m) {
			t.Errorf("Unmarshal(%s) = %v, %v", b, back, err)
		}
	}
	var direct Money
	if err := direct.UnmarshalJSON([]byte(`{"amount":"1","currency":"USD"} {}`)); !errors.Is(err, ErrInvalidAmount) {
		t.Errorf("UnmarshalJSON with trailing data: %v", err)
	}
	bad := []struct {
		in   string
		want error
	}{
		{`{"amount":12.34,"currency":"USD"}`, ErrInvalidAmount},
		{`{"amount":"12.34","currency":"USD","fee":"1"}`, ErrInvalidAmount},
		{`{"amount":"12.34","currency":"ZZZ"}`, ErrUnknownCurrency},
		{`{"amount":"12.34","currency":"USD","minor_units":2}`, ErrInvalidCurrency},
		{`{"amount":"1e3","currency":"USD"}`, ErrInvalidAmount},
		{`{"amount":"5","currency":""}`, ErrUnknownCurrency},
		{`{"currency":"USD"}`, ErrInvalidAmount},
		{`[]`, ErrInvalidAmount},
	}
	for _, tt := range bad {
		var m Money
		if err := json.Unmarshal([]byte(tt.in), &m); !errors.Is(err, tt.want) {
			t.Errorf("Unmarshal(%s) err = %v, want %v", tt.in, err, tt.want)
		}
	}
}

func TestMoneySQL(t *testing.T) {
	pts, _ := NewUnit("PTS", 0)
	for _, m := range []Money{MustParseMoney("12.34 USD"), MustParseMoney("-3 JPY"), FromMinorUnits(7, pts)} {
		v, err := m.Value()
		if err != nil {
			t.Fatal(err)
		}
		var back Money
		if err := back.Scan(v); err != nil || !back.Equal(m) {
			t.Errorf("Scan(Value(%v)) = %v, %v", m, back, err)
		}
		if err := back.Scan([]byte(v.(string))); err != nil || !back.Equal(m) {
			t.Errorf("Scan([]byte) = %v, %v", back, err)
		}
	}
	var m Money
	for _, src := range []any{nil, 12, 1.5} {
		if err := m.Scan(src); !errors.Is(err, ErrInvalidAmount) {
			t.Errorf("Scan(%v) err = %v", src, err)
		}
	}
}

func TestCurrencyText(t *testing.T) {
	type doc struct {
		C Currency `json:"c"`
	}
	b, _ := json.Marshal(doc{MustCurrency("KWD")})
	if string(b) != `{"c":"KWD"}` {
		t.Errorf("Marshal = %s", b)
	}
	var d doc
	if err := json.Unmarshal(b, &d); err != nil || d.C != MustCurrency("KWD") {
		t.Errorf("Unmarshal = %v, %v", d, err)
	}
	if err := json.Unmarshal([]byte(`{"c":"QQQ"}`), &d); !errors.Is(err, ErrUnknownCurrency) {
		t.Errorf("Unmarshal unknown: %v", err)
	}
}

// TestMinorUnitsFastPathBounds checks the conversion at the edges of the
// allocation-free path (15-digit coefficients, exponents up to three above
// the minor unit) and beyond it, where the general path answers: both must
// agree with the exact value.
func TestMinorUnitsFastPathBounds(t *testing.T) {
	usd, jpy := MustCurrency("USD"), MustCurrency("JPY")
	pts, err := NewUnit("PTS", MaxMinorUnits)
	if err != nil {
		t.Fatal(err)
	}
	// 2^64 + 5: a coefficient whose low 64 bits read as 5.
	wide, _ := new(big.Int).SetString("18446744073709551621", 10)
	tests := []struct {
		name  string
		m     Money
		units int64
		err   error
	}{
		{"15 digits", New(decimal.New(999_999_999_999_999, -2), usd), 999_999_999_999_999, nil},
		{"-15 digits", New(decimal.New(-999_999_999_999_999, -2), usd), -999_999_999_999_999, nil},
		{"16 digits", New(decimal.New(1_000_000_000_000_000, -2), usd), 1_000_000_000_000_000, nil},
		{"exponent 3 above the minor unit", New(decimal.New(7, 1), usd), 7000, nil},
		{"exponent 4 above the minor unit", New(decimal.New(7, 2), usd), 70000, nil},
		{"no minor unit, scaled", New(decimal.New(123, 3), jpy), 123000, nil},
		{"18 decimals", New(decimal.New(5, -MaxMinorUnits), pts), 5, nil},
		{"finer than the minor unit", New(decimal.New(5, -3), usd), 0, ErrInvalidAmount},
		{"coefficient beyond 64 bits", New(decimal.NewFromBigInt(wide, -2), usd), 0, ErrOverflow},
		{"negative coefficient beyond 64 bits", New(decimal.NewFromBigInt(new(big.Int).Neg(wide), -2), usd), 0, ErrOverflow},
		{"largest int64", New(decimal.New(math.MaxInt64, -2), usd), math.MaxInt64, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.m.MinorUnits()
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("MinorUnits(%s) = %d, %v; want %v", tt.m, got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.units {
				t.Fatalf("MinorUnits(%s) = %d, %v; want %d", tt.m, got, err, tt.units)
			}
		})
	}
}
