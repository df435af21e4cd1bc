package attribution

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/expr-lang/expr/vm"
)

// Model decides how a conversion's credit is shared among the touches of its
// eligible journey. The models of this package are values safe for
// concurrent use; a host's own Model must be too, since batch attribution
// calls it from several goroutines.
type Model interface {
	// Name returns the model's name with its parameters, e.g.
	// "u_shaped(first=40,middle=20,last=40)". It is recorded on every
	// Result for lineage, so two models with different parameters must
	// have different names.
	Name() string

	// Weigh writes an integer weight for each touch of j into dst, which
	// has len(j.Touches) elements, all zero on entry. Only proportions
	// matter; the sum must fit a uint64. All zero means the model credits
	// no touch. j.Touches is never empty. Weigh must not retain j or dst.
	Weigh(j *Journey, dst []uint64) error
}

// Journey is what a Model sees: the conversion and its eligible touches,
// sorted by time, then id. The touches point into the conversion's journey:
// a model must not modify them.
type Journey struct {
	Conversion *Conversion
	Touches    []*Touchpoint

	floats []float64 // scratch for float-weighted models, reused
	vm     *vm.VM    // scratch for CustomExpr
	env    ExprEnv   // scratch for CustomExpr
}

// scratch returns a zeroed float buffer of n elements, reused between calls.
func (j *Journey) scratch(n int) []float64 {
	if cap(j.floats) < n {
		j.floats = make([]float64, n)
	}
	j.floats = j.floats[:n]
	clear(j.floats)
	return j.floats
}

// fixedPoint converts float weights to integer weights deterministically.
// Floats are dyadic rationals, so when the weights span few enough bits
// (integers, halves, powers of two — what hand-written weights usually
// are) they are scaled by a common power of two exactly. Otherwise each
// weight is divided by the largest and scaled by a power of two so that the
// sum fits a uint64, then truncated: relative error per weight below 2⁻⁵⁰
// for journeys up to 2¹⁰ touches. The same floats always give the same
// integers. Every weight must be finite and ≥ 0; all zero gives all zero.
func fixedPoint(dst []uint64, w []float64) error {
	maxw := 0.0
	for i, x := range w {
		if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
			return fmt.Errorf("%w: touch %d weighs %v", ErrInvalidWeight, i, x)
		}
		if x > maxw {
			maxw = x
		}
	}
	if maxw == 0 {
		clear(dst)
		return nil
	}
	room := 62 - bits.Len(uint(len(w))) // bits per weight so that the sum fits
	if exactDyadic(dst, w, room) {
		return nil
	}
	for i, x := range w {
		dst[i] = uint64(math.Ldexp(x/maxw, room))
	}
	return nil
}

// exactDyadic writes w scaled by a common power of two into dst if every
// scaled weight fits in room bits, and reports whether it did.
func exactDyadic(dst []uint64, w []float64, room int) bool {
	low, high := math.MaxInt, math.MinInt
	for _, x := range w {
		if x == 0 {
			continue
		}
		m, e := dyadic(x)
		low = min(low, e)
		high = max(high, e+bits.Len64(m))
		if high-low > room {
			return false
		}
	}
	for i, x := range w {
		if x == 0 {
			dst[i] = 0
			continue
		}
		m, e := dyadic(x)
		dst[i] = m << uint(e-low)
	}
	return true
}

// dyadic returns the odd integer m and exponent e with x = m·2^e, for a
// finite x > 0, read from the float's bits.
func dyadic(x float64) (uint64, int) {
	b := math.Float64bits(x)
	exp := int(b>>52) & 0x7ff
	m := b & (1<<52 - 1)
	if exp == 0 {
		exp = 1 // subnormal
	} else {
		m |= 1 << 52
	}
	e := exp - 1075
	tz := bits.TrailingZeros64(m)
	return m >> uint(tz), e + tz
}
