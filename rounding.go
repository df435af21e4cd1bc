package accrue

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// RoundingMode names how an exact amount is brought to a currency's minor
// units. Every place in Accrue that rounds takes a RoundingMode; none rounds
// silently.
//
// The zero value is not a valid mode, so a forgotten mode is caught rather
// than defaulted.
type RoundingMode uint8

// Rounding modes. The examples round to 0 decimals.
const (
	// HalfUp rounds to nearest, ties away from zero (commercial rounding):
	// 2.5 → 3, -2.5 → -3.
	HalfUp RoundingMode = iota + 1
	// HalfEven rounds to nearest, ties to the even neighbour (banker's
	// rounding): 2.5 → 2, 3.5 → 4, -2.5 → -2.
	HalfEven
	// Down rounds toward zero (truncates): 2.7 → 2, -2.7 → -2.
	Down
	// Up rounds away from zero: 2.1 → 3, -2.1 → -3.
	Up
	// Ceiling rounds toward positive infinity: 2.1 → 3, -2.7 → -2.
	Ceiling
	// Floor rounds toward negative infinity: 2.7 → 2, -2.1 → -3.
	Floor
)

var roundingNames = [...]string{"", "half-up", "half-even", "down", "up", "ceiling", "floor"}

// String returns the mode's name as used in explanations: "half-up",
// "half-even", "down", "up", "ceiling", "floor".
func (m RoundingMode) String() string {
	if m.valid() {
		return roundingNames[m]
	}
	return fmt.Sprintf("RoundingMode(%d)", uint8(m))
}

// ParseRoundingMode returns the mode named by s, one of the names String
// returns.
func ParseRoundingMode(s string) (RoundingMode, error) {
	for i := 1; i < len(roundingNames); i++ {
		if roundingNames[i] == s {
			return RoundingMode(i), nil
		}
	}
	return 0, fmt.Errorf("%w: %q", ErrInvalidRoundingMode, clip(s))
}

func (m RoundingMode) valid() bool { return m >= HalfUp && m <= Floor }

// RoundDecimal rounds d to places decimal places in mode m. It panics on an
// invalid mode (a programmer error: modes are constants).
func (m RoundingMode) RoundDecimal(d decimal.Decimal, places int32) decimal.Decimal {
	if d.Exponent() >= -places {
		return d
	}
	switch m {
	case HalfUp:
		return d.Round(places)
	case HalfEven:
		return d.RoundBank(places)
	case Down:
		return d.RoundDown(places)
	case Up:
		return d.RoundUp(places)
	case Ceiling:
		return d.RoundCeil(places)
	case Floor:
		return d.RoundFloor(places)
	}
	panic(fmt.Sprintf("accrue: invalid rounding mode %d", uint8(m)))
}

// quoRound returns n/d rounded to places decimal places in mode m, exactly:
// the decision is taken on the true quotient, not on a truncated expansion.
// d must not be zero.
func quoRound(n, d decimal.Decimal, places int32, m RoundingMode) decimal.Decimal {
	q, r := n.QuoRem(d, places)
	if r.IsZero() {
		return q
	}
	// The true quotient is q + r/d, with |r/d| below one unit in the last
	// place; sign is the sign of that fraction.
	sign := r.Sign() * d.Sign()
	ulp := decimal.New(1, -places)
	away := false // whether to move one ulp away from q in the direction of sign
	switch m {
	case Down:
	case Up:
		away = true
	case Ceiling:
		away = sign > 0
	case Floor:
		away = sign < 0
	case HalfUp, HalfEven:
		// Compare |r| with half of |d|·ulp, i.e. 2|r| with |d|·ulp.
		c := r.Abs().Add(r.Abs()).Cmp(d.Abs().Mul(ulp))
		switch {
		case c > 0:
			away = true
		case c == 0 && m == HalfUp:
			away = true
		case c == 0 && m == HalfEven:
			// Tie: move away only if q's last digit is odd.
			last := q.Shift(places).BigInt()
			away = last.Bit(0) == 1
		}
	default:
		panic(fmt.Sprintf("accrue: invalid rounding mode %d", uint8(m)))
	}
	if !away {
		return q
	}
	if sign > 0 {
		return q.Add(ulp)
	}
	return q.Sub(ulp)
}
