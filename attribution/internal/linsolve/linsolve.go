// Package linsolve solves small dense linear systems exactly as floating
// point allows, deterministically: Gaussian elimination with partial
// pivoting in a fixed order.
package linsolve

import (
	"errors"
	"math"
)

// ErrSingular reports a matrix without a usable pivot.
var ErrSingular = errors.New("linsolve: singular matrix")

// Solve solves a·x = b for x, where a is n×n in row-major order. It
// overwrites a and b; the solution is left in b. Pivots are chosen by the
// largest absolute value in the column, ties by the lowest row, so the same
// input always gives the same bits.
func Solve(a []float64, b []float64, n int) error {
	if len(a) != n*n || len(b) != n {
		return errors.New("linsolve: dimension mismatch")
	}
	for col := 0; col < n; col++ {
		p, best := col, math.Abs(a[col*n+col])
		for r := col + 1; r < n; r++ {
			if v := math.Abs(a[r*n+col]); v > best {
				p, best = r, v
			}
		}
		if best == 0 || math.IsNaN(best) {
			return ErrSingular
		}
		if p != col {
			for k := col; k < n; k++ {
				a[p*n+k], a[col*n+k] = a[col*n+k], a[p*n+k]
			}
			b[p], b[col] = b[col], b[p]
		}
		piv := a[col*n+col]
		for r := col + 1; r < n; r++ {
			f := a[r*n+col] / piv
			if f == 0 {
				continue
			}
			a[r*n+col] = 0
			for k := col + 1; k < n; k++ {
				a[r*n+k] -= f * a[col*n+k]
			}
			b[r] -= f * b[col]
		}
	}
	for r := n - 1; r >= 0; r-- {
		s := b[r]
		for k := r + 1; k < n; k++ {
			s -= a[r*n+k] * b[k]
		}
		b[r] = s / a[r*n+r]
	}
	return nil
}
