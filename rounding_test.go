package accrue

import (
	"errors"
	"testing"

	"github.com/shopspring/decimal"
)

func TestRoundingModes(t *testing.T) {
	usd, jpy, kwd := MustCurrency("USD"), MustCurrency("JPY"), MustCurrency("KWD")
	tests := []struct {
		in   string
		c    Currency
		mode RoundingMode
		want string
	}{
		// Zero decimals.
		{"2.5", jpy, HalfUp, "3"}, {"-2.5", jpy, HalfUp, "-3"}, {"2.4", jpy, HalfUp, "2"},
		{"2.5", jpy, HalfEven, "2"}, {"3.5", jpy, HalfEven, "4"}, {"-2.5", jpy, HalfEven, "-2"}, {"-3.5", jpy, HalfEven, "-4"},
		{"2.7", jpy, Down, "2"}, {"-2.7", jpy, Down, "-2"},
		{"2.1", jpy, Up, "3"}, {"-2.1", jpy, Up, "-3"},
		{"2.1", jpy, Ceiling, "3"}, {"-2.7", jpy, Ceiling, "-2"},
		{"2.7", jpy, Floor, "2"}, {"-2.1", jpy, Floor, "-3"},
		{"7", jpy, Up, "7"}, {"-7", jpy, Floor, "-7"},
		// Two decimals.
		{"0.125", usd, HalfUp, "0.13"}, {"-0.125", usd, HalfUp, "-0.13"},
		{"0.125", usd, HalfEven, "0.12"}, {"0.135", usd, HalfEven, "0.14"}, {"-0.125", usd, HalfEven, "-0.12"},
		{"0.129", usd, Down, "0.12"}, {"-0.129", usd, Down, "-0.12"},
		{"0.121", usd, Up, "0.13"}, {"-0.121", usd, Up, "-0.13"},
		{"0.121", usd, Ceiling, "0.13"}, {"-0.129", usd, Ceiling, "-0.12"},
		{"0.129", usd, Floor, "0.12"}, {"-0.121", usd, Floor, "-0.13"},
		{"12.3", usd, Up, "12.30"}, {"-0.001", usd, HalfUp, "0.00"},
		// Three decimals.
		{"1.0005", kwd, HalfUp, "1.001"}, {"-1.0005", kwd, HalfUp, "-1.001"},
		{"1.0005", kwd, HalfEven, "1.000"}, {"1.0015", kwd, HalfEven, "1.002"},
		{"1.0009", kwd, Down, "1.000"}, {"-1.0009", kwd, Down, "-1.000"},
		{"1.0001", kwd, Up, "1.001"}, {"-1.0001", kwd, Up, "-1.001"},
		{"1.0001", kwd, Ceiling, "1.001"}, {"-1.0009", kwd, Ceiling, "-1.000"},
		{"1.0009", kwd, Floor, "1.000"}, {"-1.0001", kwd, Floor, "-1.001"},
	}
	for _, tt := range tests {
		m, err := ParseAmount(tt.in, tt.c)
		if err != nil {
			t.Fatal(err)
		}
		got := m.Round(tt.mode)
		if s := got.amountText(); s != tt.want {
			t.Errorf("%s %s Round(%s) = %s, want %s", tt.in, tt.c, tt.mode, s, tt.want)
		}
		if !got.IsRounded() {
			t.Errorf("%s %s Round(%s) = %s is not rounded", tt.in, tt.c, tt.mode, got)
		}
	}
}

// TestQuoMatchesRoundOfExactQuotient checks Quo against rounding an exactly
// representable quotient, for every mode.
func TestQuoRounding(t *testing.T) {
	usd := MustCurrency("USD")
	tests := []struct {
		n, d string
		mode RoundingMode
		want string
	}{
		{"1.00", "3", HalfUp, "0.33"}, {"2.00", "3", HalfUp, "0.67"}, {"-2.00", "3", HalfUp, "-0.67"},
		{"1.00", "3", Up, "0.34"}, {"-1.00", "3", Up, "-0.34"}, {"1.00", "3", Ceiling, "0.34"}, {"-1.00", "3", Ceiling, "-0.33"},
		{"1.00", "3", Floor, "0.33"}, {"-1.00", "3", Floor, "-0.34"}, {"1.00", "3", Down, "0.33"},
		{"0.25", "2", HalfEven, "0.12"}, {"0.35", "2", HalfEven, "0.18"}, {"-0.25", "2", HalfEven, "-0.12"}, {"0.25", "2", HalfUp, "0.13"},
		{"0.25", "-2", HalfUp, "-0.13"}, {"1.00", "-3", Floor, "-0.34"}, {"1.00", "-3", Ceiling, "-0.33"},
		// A quotient just above a tie is not a tie.
		{"0.2500000000000000000000001", "2", HalfEven, "0.13"},
		{"0.2400000000000000000000001", "2", Up, "0.13"},
	}
	for _, tt := range tests {
		m, err := ParseAmount(tt.n, usd)
		if err != nil {
			t.Fatal(err)
		}
		got, err := m.Quo(decimal.RequireFromString(tt.d), tt.mode)
		if err != nil {
			t.Fatal(err)
		}
		if s := got.amountText(); s != tt.want {
			t.Errorf("%s / %s (%s) = %s, want %s", tt.n, tt.d, tt.mode, s, tt.want)
		}
	}
}

func TestRoundingModeNames(t *testing.T) {
	for m := HalfUp; m <= Floor; m++ {
		got, err := ParseRoundingMode(m.String())
		if err != nil || got != m {
			t.Errorf("ParseRoundingMode(%q) = %v, %v", m.String(), got, err)
		}
	}
	if _, err := ParseRoundingMode("nearest"); !errors.Is(err, ErrInvalidRoundingMode) {
		t.Errorf("ParseRoundingMode(nearest) = %v, want ErrInvalidRoundingMode", err)
	}
	if s := RoundingMode(0).String(); s != "RoundingMode(0)" {
		t.Errorf("zero mode String = %q", s)
	}
}

// TestInvalidModeIsAnError: the calls that return an error refuse a
// rounding mode out of range with ErrInvalidRoundingMode instead of
// panicking.
func TestInvalidModeIsAnError(t *testing.T) {
	usd, eur := MustCurrency("USD"), MustCurrency("EUR")
	m := MustParseMoney("10.00 USD")
	for _, mode := range []RoundingMode{0, Floor + 1, 255} {
		if _, err := m.Quo(decimal.NewFromInt(3), mode); !errors.Is(err, ErrInvalidRoundingMode) {
			t.Errorf("Quo(mode %d) = %v, want ErrInvalidRoundingMode", mode, err)
		}
		rate := Rate{From: usd, To: eur, Value: decimal.RequireFromString("0.9")}
		if _, err := rate.Convert(m, mode); !errors.Is(err, ErrInvalidRoundingMode) {
			t.Errorf("Convert(mode %d) = %v, want ErrInvalidRoundingMode", mode, err)
		}
	}
}
