package accrue

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func decs(ss ...string) []decimal.Decimal {
	out := make([]decimal.Decimal, len(ss))
	for i, s := range ss {
		out[i] = decimal.RequireFromString(s)
	}
	return out
}

func texts(ms []Money) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.amountText()
	}
	return strings.Join(parts, " ")
}

func TestAllocate(t *testing.T) {
	tests := []struct {
		total   string
		weights []string
		want    string
	}{
		{"100.00 USD", []string{"1", "1", "1"}, "33.34 33.33 33.33"},
		{"0.01 USD", []string{"1", "1", "1"}, "0.01 0.00 0.00"},
		{"0.02 USD", []string{"1", "1", "1"}, "0.01 0.01 0.00"},
		{"-100.00 USD", []string{"1", "1", "1"}, "-33.34 -33.33 -33.33"},
		{"10.00 USD", []string{"30", "70"}, "3.00 7.00"},
		{"10.00 USD", []string{"0.3", "0.7"}, "3.00 7.00"},
		{"0.05 USD", []string{"0.3", "0.7"}, "0.02 0.03"}, // 1.5/3.5 cents: remainders tie, earlier first
		{"1.00 USD", []string{"1", "0", "2"}, "0.33 0.00 0.67"},
		{"100 JPY", []string{"1", "1", "1"}, "34 33 33"},
		{"1.000 KWD", []string{"1", "2", "3", "4", "5", "6"}, "0.048 0.095 0.143 0.190 0.238 0.286"},
		{"0.00 USD", []string{"1", "2"}, "0.00 0.00"},
		{"5.00 USD", []string{"7"}, "5.00"},
		// Weights far beyond 64 bits take the big-integer path with the same rule.
		{"1.00 USD", []string{"0.333333333333333333333333333333", "0.333333333333333333333333333333", "0.333333333333333333333333333334"}, "0.33 0.33 0.34"},
		{"1.00 USD", []string{"100000000000000000000000", "100000000000000000000000", "100000000000000000000000"}, "0.34 0.33 0.33"},
	}
	for _, tt := range tests {
		parts, err := Allocate(MustParseMoney(tt.total), decs(tt.weights...))
		if err != nil {
			t.Errorf("Allocate(%s, %v): %v", tt.total, tt.weights, err)
			continue
		}
		if got := texts(parts); got != tt.want {
			t.Errorf("Allocate(%s, %v) = %s, want %s", tt.total, tt.weights, got, tt.want)
		}
	}
}

func TestAllocateErrors(t *testing.T) {
	usd := MustParseMoney("1.00 USD")
	tests := []struct {
		total   Money
		weights []decimal.Decimal
		want    error
	}{
		{usd, nil, ErrInvalidWeights},
		{usd, decs("0", "0"), ErrInvalidWeights},
		{usd, decs("1", "-1"), ErrInvalidWeights},
		{MustParseMoney("1.005 USD"), decs("1"), ErrInvalidAmount},
		{MustParseMoney("100000000000000000000 USD"), decs("1"), ErrOverflow},
		{usd, []decimal.Decimal{decimal.New(1, -400), decimal.New(1, 0)}, ErrOverflow},
	}
	for _, tt := range tests {
		if _, err := Allocate(tt.total, tt.weights); !errors.Is(err, tt.want) {
			t.Errorf("Allocate(%v, %v) err = %v, want %v", tt.total, tt.weights, err, tt.want)
		}
	}
	if _, err := Split(usd, 0); !errors.Is(err, ErrInvalidWeights) {
		t.Errorf("Split(0) err = %v", err)
	}
	if _, err := AllocateUnits(nil, 10, []uint64{math.MaxUint64, 1}); !errors.Is(err, ErrOverflow) {
		t.Errorf("AllocateUnits overflowing weights: %v", err)
	}
	if _, err := AllocateUnits(nil, 10, []uint64{0}); !errors.Is(err, ErrInvalidWeights) {
		t.Errorf("AllocateUnits zero weights: %v", err)
	}
}

func TestSplit(t *testing.T) {
	tests := []struct {
		total string
		n     int
		want  string
	}{
		{"100.00 USD", 3, "33.34 33.33 33.33"},
		{"-0.05 USD", 3, "-0.02 -0.02 -0.01"},
		{"7 JPY", 7, "1 1 1 1 1 1 1"},
		{"0.001 KWD", 2, "0.001 0.000"},
	}
	for _, tt := range tests {
		parts, err := Split(MustParseMoney(tt.total), tt.n)
		if err != nil || texts(parts) != tt.want {
			t.Errorf("Split(%s, %d) = %s, %v; want %s", tt.total, tt.n, texts(parts), err, tt.want)
		}
	}
}

func TestAllocateExtremes(t *testing.T) {
	jpy := MustCurrency("JPY")
	for _, total := range []int64{math.MaxInt64, math.MinInt64, math.MinInt64 + 1} {
		parts, err := AllocateUnits(nil, total, []uint64{1, 1, 1})
		if err != nil {
			t.Fatalf("AllocateUnits(%d): %v", total, err)
		}
		if got := sumUnits(parts); got != total {
			t.Errorf("AllocateUnits(%d) sums to %d", total, got)
		}
		ms, err := Split(FromMinorUnits(total, jpy), 2)
		if err != nil {
			t.Fatal(err)
		}
		var s Money
		for _, m := range ms {
			s, _ = s.Add(m)
		}
		if n, _ := s.MinorUnits(); n != total {
			t.Errorf("Split(%d) sums to %d", total, n)
		}
	}
	one, err := AllocateUnits(nil, math.MinInt64, []uint64{5})
	if err != nil || one[0] != math.MinInt64 {
		t.Errorf("AllocateUnits(MinInt64, one weight) = %v, %v", one, err)
	}
}

func TestParseWeights(t *testing.T) {
	w, err := ParseWeights("30%", "0.7", "2")
	if err != nil || w[0].String() != "30" || w[1].String() != "0.7" || w[2].String() != "2" {
		t.Errorf("ParseWeights = %v, %v", w, err)
	}
	for _, bad := range []string{"NaN", "Inf", "-1", "1e5", "", "%", "0x10"} {
		if _, err := ParseWeights(bad); !errors.Is(err, ErrInvalidWeights) {
			t.Errorf("ParseWeights(%q) err = %v", bad, err)
		}
	}
}

func sumUnits(parts []int64) int64 {
	var s int64
	for _, p := range parts {
		s += p
	}
	return s
}
