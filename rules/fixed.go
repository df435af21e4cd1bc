package rules

import (
	"errors"
	"fmt"
	"math"
	"math/bits"

	"github.com/accruehq/accrue"
	"github.com/shopspring/decimal"
)

// Amounts on the hot path are int64 minor units of the plan's currency and
// rates are exact decimal factors; every product is taken in 128 bits and
// rounded once, in the plan's mode. Nothing here is approximate: what does not
// fit is ErrOverflow, never a wrong number.

// plainUnit is the unit decimal texts are parsed in (a value, never mutated).
var plainUnit, _ = accrue.NewUnit("DECIMAL", 0)

// parseDecimalText parses a plain decimal ("12.5", "-3"), with accrue's
// grammar and bounds.
func parseDecimalText(s string) (decimal.Decimal, error) {
	m, err := accrue.ParseAmount(s, plainUnit)
	if err != nil {
		return decimal.Decimal{}, err
	}
	return m.Amount(), nil
}

// pow10 holds the powers of ten that fit a uint64.
var pow10 = func() (p [20]uint64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// factor is an exact non-negative multiplier coef × 10^-shift: a rate of 30%
// is {30, 2}, 12.5% is {125, 3}.
type factor struct {
	coef  uint64
	shift int32
	text  decimal.Decimal // the factor as a decimal, for explanations
}

// maxShift bounds a factor's decimal places so that 10^shift fits a uint64.
const maxShift = 19

// newFactor returns d × 10^-extra as a factor (extra 2 reads d as percent).
func newFactor(d decimal.Decimal, extra int32) (factor, error) {
	if d.Sign() < 0 {
		return factor{}, errors.New("must not be negative")
	}
	if d.NumDigits() > 18 {
		return factor{}, errors.New("has more than 18 significant digits")
	}
	coef := uint64(d.CoefficientInt64())
	shift := extra - d.Exponent()
	for shift < 0 {
		hi, lo := bits.Mul64(coef, 10)
		if hi != 0 {
			return factor{}, errors.New("is too large")
		}
		coef, shift = lo, shift+1
	}
	for shift > 0 && coef%10 == 0 && coef != 0 {
		coef, shift = coef/10, shift-1
	}
	if shift > maxShift {
		return factor{}, fmt.Errorf("has more than %d decimal places", maxShift-extra)
	}
	return factor{coef: coef, shift: shift, text: d.Shift(-extra)}, nil
}

// mulRound returns units × f rounded to an integer in mode, or false if the
// result does not fit an int64.
func mulRound(units int64, f factor, mode accrue.RoundingMode) (int64, bool) {
	if f.shift == 0 {
		return mulInt(units, int64(min(f.coef, math.MaxInt64)))
	}
	return mulDivRound(units, f.coef, pow10[f.shift], mode)
}

// quoRound returns n × num / den rounded to an integer in mode (den > 0), or
// false if it does not fit. It is the pro-rata step of partial clawbacks.
func quoRound(n int64, num, den uint64, mode accrue.RoundingMode) (int64, bool) {
	return mulDivRound(n, num, den, mode)
}

// mulDivRound returns n × num / den, the 128-bit product divided once and
// rounded in mode, or false if the result does not fit an int64.
func mulDivRound(n int64, num, den uint64, mode accrue.RoundingMode) (int64, bool) {
	neg := n < 0
	hi, lo := bits.Mul64(absUnits(n), num)
	if hi >= den {
		return 0, false
	}
	q, r := bits.Div64(hi, lo, den)
	if roundUp(q, r, den, neg, mode) {
		q++
	}
	if q > math.MaxInt64 {
		return 0, false
	}
	return signed(q, neg), true
}

// roundUp decides whether the magnitude q (remainder r of divisor div) rounds
// away from zero in mode, for a value of sign neg.
func roundUp(q, r, div uint64, neg bool, mode accrue.RoundingMode) bool {
	if r == 0 {
		return false
	}
	half := div - r // compare r with div/2 without overflow: r > div-r
	switch mode {
	case accrue.HalfUp:
		return r >= half
	case accrue.HalfEven:
		return r > half || (r == half && q%2 == 1)
	case accrue.Down:
		return false
	case accrue.Up:
		return true
	case accrue.Ceiling:
		return !neg
	case accrue.Floor:
		return neg
	}
	return r >= half
}

// addUnits returns a + b, or false on overflow.
func addUnits(a, b int64) (int64, bool) {
	s := a + b
	if (s > a) != (b > 0) {
		return 0, false
	}
	return s, true
}

// mulInt returns a × b, or false on overflow.
func mulInt(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	hi, lo := bits.Mul64(absUnits(a), absUnits(b))
	neg := (a < 0) != (b < 0)
	if hi != 0 || lo > math.MaxInt64 {
		return 0, false
	}
	return signed(lo, neg), true
}

func absUnits(v int64) uint64 {
	if v < 0 {
		return uint64(-(v + 1)) + 1
	}
	return uint64(v)
}

func signed(u uint64, neg bool) int64 {
	if neg {
		return -int64(u)
	}
	return int64(u)
}

// minorUnits returns m as minor units of its currency without allocating
// in the common case (an amount written at the currency's scale).
func minorUnits(m accrue.Money) (int64, error) {
	d := m.Amount()
	scale := m.Currency().MinorUnits()
	if d.NumDigits() <= 18 {
		switch e := d.Exponent() + scale; {
		case e == 0:
			return d.CoefficientInt64(), nil
		case e > 0 && e < maxShift:
			if v, ok := mulInt(d.CoefficientInt64(), int64(pow10[e])); ok {
				return v, nil
			}
		}
	}
	return m.MinorUnits()
}

// parseUnits parses an amount text into minor units of c, exactly.
func parseUnits(s string, c accrue.Currency) (int64, error) {
	m, err := accrue.ParseAmount(s, c)
	if err != nil {
		return 0, err
	}
	return m.MinorUnits()
}
