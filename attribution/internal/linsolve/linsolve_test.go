package linsolve

import (
	"errors"
	"math"
	"testing"
)

func TestSolve(t *testing.T) {
	// 2x + y = 5, x + 3y = 10 → x = 1, y = 3; the zero first pivot forces
	// a row swap in the second case.
	tests := []struct {
		a, b, want []float64
	}{
		{[]float64{2, 1, 1, 3}, []float64{5, 10}, []float64{1, 3}},
		{[]float64{0, 1, 1, 0}, []float64{7, 4}, []float64{4, 7}},
	}
	for _, tt := range tests {
		if err := Solve(tt.a, tt.b, 2); err != nil {
			t.Fatal(err)
		}
		for i := range tt.want {
			if math.Abs(tt.b[i]-tt.want[i]) > 1e-12 {
				t.Errorf("x = %v, want %v", tt.b, tt.want)
			}
		}
	}
	if err := Solve([]float64{1, 2, 2, 4}, []float64{1, 2}, 2); !errors.Is(err, ErrSingular) {
		t.Errorf("singular: err = %v", err)
	}
	if err := Solve([]float64{1}, []float64{1, 2}, 2); err == nil {
		t.Error("dimension mismatch accepted")
	}
}
