package accrue

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// FuzzParseMoney checks that ParseMoney never panics and that whatever it
// accepts formats and parses back to the same value, and round-trips through
// JSON and SQL.
func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"12.34 USD", "-0.5 EUR", "100 JPY", "1.2345 KWD", "+0 BHD", "1e5 USD", "NaN USD", "9999999999999999999999999 USD", " USD", "1..2 USD", "0.1 XYZ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMoney(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidAmount) && !errors.Is(err, ErrUnknownCurrency) && !errors.Is(err, ErrOverflow) {
				t.Fatalf("ParseMoney(%q): untyped error %v", s, err)
			}
			return
		}
		back, err := ParseMoney(m.String())
		if err != nil || !back.Equal(m) {
			t.Fatalf("parse(format(%q)) = %v, %v", s, back, err)
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var j Money
		if err := json.Unmarshal(b, &j); err != nil || !j.Equal(m) {
			t.Fatalf("JSON round trip of %q: %s → %v, %v", s, b, j, err)
		}
		var q Money
		if err := q.UnmarshalJSON([]byte(s)); err == nil && q.Currency().IsZero() && !q.IsZero() {
			t.Fatalf("UnmarshalJSON(%q) gave currency-less non-zero money", s)
		}
	})
}

// FuzzAllocate checks that Allocate never panics and either returns a typed
// error or an allocation that satisfies every invariant (see
// checkAllocation). Weights arrive as comma-separated text through
// ParseWeights, so the weight parser is fuzzed too.
func FuzzAllocate(f *testing.F) {
	f.Add(int64(10000), uint8(2), "1,1,1")
	f.Add(int64(1), uint8(2), "1,1,1")
	f.Add(int64(-5), uint8(0), "30%,70%")
	f.Add(int64(0), uint8(3), "0.3,0.7,0")
	f.Add(int64(9223372036854775807), uint8(0), "1,2")
	f.Add(int64(100), uint8(2), "NaN,1")
	f.Add(int64(100), uint8(2), "0,0")
	f.Add(int64(100), uint8(2), "0.000000000000000000000000000001,100000000000000000000000")
	f.Fuzz(func(t *testing.T, units int64, minor uint8, weightText string) {
		c, err := NewUnit("FZ", int(minor%(MaxMinorUnits+1)))
		if err != nil {
			t.Fatal(err)
		}
		total := FromMinorUnits(units, c)
		weights, err := ParseWeights(strings.Split(weightText, ",")...)
		if err != nil {
			if !errors.Is(err, ErrInvalidWeights) {
				t.Fatalf("ParseWeights(%q): untyped error %v", weightText, err)
			}
			return
		}
		parts, err := Allocate(total, weights)
		if err != nil {
			if !errors.Is(err, ErrInvalidWeights) && !errors.Is(err, ErrOverflow) {
				t.Fatalf("Allocate(%v, %q): untyped error %v", total, weightText, err)
			}
			return
		}
		checkAllocation(t, total, weights, parts)
	})
}
