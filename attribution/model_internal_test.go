package attribution

import (
	"errors"
	"math"
	"slices"
	"testing"
)

func TestFixedPoint(t *testing.T) {
	tests := []struct {
		name string
		in   []float64
		want []uint64
	}{
		{"integers stay exact", []float64{3, 1, 2}, []uint64{3, 1, 2}},
		{"powers of two stay exact", []float64{1, 0.5, 0.25, 0}, []uint64{4, 2, 1, 0}},
		{"all zero", []float64{0, 0}, []uint64{0, 0}},
		// 1 and 2⁻⁷⁰ span more than 58 bits: fixed point relative to the
		// largest, the tiny weight truncated to 0.
		{"wide range falls back", []float64{1, math.Ldexp(1, -70)}, []uint64{1 << 60, 0}},
	}
	for _, tt := range tests {
		got := make([]uint64, len(tt.in))
		if err := fixedPoint(got, tt.in); err != nil {
			t.Fatal(err)
		}
		// Only proportions matter: compare after dividing out the gcd.
		g := uint64(0)
		for _, v := range got {
			g = gcd(g, v)
		}
		for i := range got {
			if g > 0 && tt.want[i] != 1<<60 {
				got[i] /= g
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
	third := []float64{1.0 / 3, 2.0 / 3, math.Pi}
	a, b := make([]uint64, 3), make([]uint64, 3)
	_ = fixedPoint(a, third)
	_ = fixedPoint(b, third)
	if !slices.Equal(a, b) {
		t.Errorf("not deterministic: %v vs %v", a, b)
	}
	for i := range third {
		if r := float64(a[i]) / float64(a[2]); math.Abs(r-third[i]/math.Pi) > 1e-15 {
			t.Errorf("weight %d: ratio %v, want %v", i, r, third[i]/math.Pi)
		}
	}
	for _, bad := range []float64{math.NaN(), math.Inf(1), -1} {
		if err := fixedPoint(make([]uint64, 2), []float64{1, bad}); !errors.Is(err, ErrInvalidWeight) {
			t.Errorf("%v: err = %v", bad, err)
		}
	}
}
