package accrue

import (
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
)

// MaxWeightBits bounds the size of allocation weights once scaled to integers
// (a weight of 0.125 among weights with at most three decimals scales to 125).
// 256 bits is about 77 significant decimal digits.
const MaxWeightBits = 256

// Allocate splits total into len(weights) parts proportional to weights, each
// a whole number of minor units, summing exactly to total. Weights may be
// ratios (1, 2), percentages (30, 70) or fractions (0.3, 0.7): only their
// proportions matter.
//
// The rule, in order:
//
//  1. total must be a whole number of minor units (see Money.Round), else
//     ErrInvalidAmount; its count of minor units must fit an int64, else
//     ErrOverflow.
//  2. weights must be non-empty, each ≥ 0, not all zero, else
//     ErrInvalidWeights.
//  3. each part gets the floor of its exact share |total|·wᵢ/Σw in minor units;
//  4. the minor units left over (fewer than len(weights)) go one each to the
//     parts with the largest remainders; equal remainders are broken by
//     position, the earlier part first (largest-remainder method);
//  5. for a negative total, the parts of |total| are negated.
//
// So every part is within one minor unit of its exact share, a zero weight
// gets zero, and the same input always gives the same output. Allocate is the
// one implementation of split rounding in Accrue; other packages call it.
func Allocate(total Money, weights []decimal.Decimal) ([]Money, error) {
	units, err := total.MinorUnits()
	if err != nil {
		return nil, fmt.Errorf("accrue: allocate %s: %w", total, err)
	}
	minExp, err := checkWeights(weights)
	if err != nil {
		return nil, err
	}
	parts := make([]int64, len(weights))
	if small, ok := smallWeights(weights, minExp); ok {
		err = allocateUint64(parts, units, small)
	} else {
		var ints []*big.Int
		if ints, err = scaleWeights(weights, minExp); err == nil {
			err = allocateBig(parts, units, ints)
		}
	}
	if err != nil {
		return nil, err
	}
	return toMoney(parts, total.currency), nil
}

// Split splits total into n equal parts (Allocate with n equal weights): the
// first |total| mod n parts get one minor unit more.
func Split(total Money, n int) ([]Money, error) {
	if n <= 0 {
		return nil, fmt.Errorf("%w: split into %d parts", ErrInvalidWeights, n)
	}
	units, err := total.MinorUnits()
	if err != nil {
		return nil, fmt.Errorf("accrue: split %s: %w", total, err)
	}
	neg := units < 0
	u := absUnits(units)
	q, r := u/uint64(n), u%uint64(n)
	parts := make([]int64, n)
	for i := range parts {
		p := q
		if uint64(i) < r {
			p++
		}
		parts[i] = signed(p, neg)
	}
	return toMoney(parts, total.currency), nil
}

// AllocateUnits is Allocate on integers: it splits total minor units by
// integer weights into dst (resized to len(weights)) and returns it. It is for
// hot paths that keep amounts as minor units and reuse buffers; its rule and
// results are those of Allocate.
func AllocateUnits(dst []int64, total int64, weights []uint64) ([]int64, error) {
	dst = slices.Grow(dst[:0], len(weights))[:len(weights)]
	if err := allocateUint64(dst, total, weights); err != nil {
		return nil, err
	}
	return dst, nil
}

// ParseWeights parses allocation weights from text: plain decimals ("0.3",
// "2") or percentages ("30%"). Anything else — "NaN", "Inf", "1e5", a negative
// weight — is ErrInvalidWeights.
func ParseWeights(texts ...string) ([]decimal.Decimal, error) {
	out := make([]decimal.Decimal, len(texts))
	for i, t := range texts {
		d, err := parseDecimal(strings.TrimSuffix(t, "%"))
		if err != nil {
			return nil, fmt.Errorf("%w: weight %d %q: %v", ErrInvalidWeights, i, clip(t), err)
		}
		if d.Sign() < 0 {
			return nil, fmt.Errorf("%w: weight %d is negative (%s)", ErrInvalidWeights, i, d)
		}
		out[i] = d
	}
	return out, nil
}

// checkWeights validates weights and returns the smallest exponent among the
// non-zero ones: the common scale that makes them all integers.
func checkWeights(weights []decimal.Decimal) (int32, error) {
	if len(weights) == 0 {
		return 0, fmt.Errorf("%w: no weights", ErrInvalidWeights)
	}
	minExp := int32(0)
	nonzero := false
	for i, w := range weights {
		if w.Sign() < 0 {
			return 0, fmt.Errorf("%w: weight %d is negative (%s)", ErrInvalidWeights, i, w)
		}
		if w.Sign() > 0 {
			nonzero = true
			if e := w.Exponent(); e < minExp {
				minExp = e
			}
		}
	}
	if !nonzero {
		return 0, fmt.Errorf("%w: all %d weights are zero", ErrInvalidWeights, len(weights))
	}
	return minExp, nil
}

// pow10 holds the powers of ten that fit a uint64.
var pow10 = func() (p [20]uint64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// smallWeights scales the weights to integers at exponent minExp without
// allocating big integers, if every scaled weight and their sum fit a uint64.
func smallWeights(weights []decimal.Decimal, minExp int32) ([]uint64, bool) {
	out := make([]uint64, len(weights))
	var sum uint64
	for i, w := range weights {
		if w.Sign() == 0 {
			continue
		}
		if w.NumDigits() > 18 {
			return nil, false
		}
		shift := w.Exponent() - minExp
		if shift >= int32(len(pow10)) {
			return nil, false
		}
		hi, lo := bits.Mul64(uint64(w.CoefficientInt64()), pow10[shift])
		if hi != 0 {
			return nil, false
		}
		var carry uint64
		if sum, carry = bits.Add64(sum, lo, 0); carry != 0 {
			return nil, false
		}
		out[i] = lo
	}
	return out, true
}

// scaleWeights scales checked weights to big integers at exponent minExp.
func scaleWeights(weights []decimal.Decimal, minExp int32) ([]*big.Int, error) {
	ints := make([]*big.Int, len(weights))
	for i, w := range weights {
		if w.Sign() == 0 {
			ints[i] = new(big.Int)
			continue
		}
		// The scaled weight has about log2(10)·(digits + exponent - minExp)
		// bits; refuse before building a huge integer.
		if float64(w.NumDigits())+float64(w.Exponent())-float64(minExp) > MaxWeightBits*0.30103 {
			return nil, fmt.Errorf("%w: weight %d (%s) needs more than %d bits at the common scale", ErrOverflow, i, clipDecimal(w), MaxWeightBits)
		}
		ints[i] = w.Coefficient()
		if shift := w.Exponent() - minExp; shift > 0 {
			ints[i].Mul(ints[i], new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(shift)), nil))
		}
	}
	return ints, nil
}

func clipDecimal(d decimal.Decimal) string {
	if d.NumDigits() > 40 {
		return fmt.Sprintf("%d-digit decimal", d.NumDigits())
	}
	return d.String()
}

// allocateUint64 is the largest-remainder split with 128-bit intermediate
// products: no allocation beyond the remainder table.
func allocateUint64(parts []int64, total int64, weights []uint64) error {
	if len(weights) == 0 {
		return fmt.Errorf("%w: no weights", ErrInvalidWeights)
	}
	var sum uint64
	for _, w := range weights {
		var carry uint64
		sum, carry = bits.Add64(sum, w, 0)
		if carry != 0 {
			return fmt.Errorf("%w: weights sum beyond 64 bits", ErrOverflow)
		}
	}
	if sum == 0 {
		return fmt.Errorf("%w: all %d weights are zero", ErrInvalidWeights, len(weights))
	}
	neg := total < 0
	t := absUnits(total)
	// Small splits (the common case: a handful of touches or partners) keep
	// their remainders on the stack so that hot paths do not allocate.
	var small [smallSplit]uint64
	var rems []uint64
	if len(weights) <= smallSplit {
		rems = small[:len(weights)]
	} else {
		rems = make([]uint64, len(weights))
	}
	var given uint64
	for i, w := range weights {
		hi, lo := bits.Mul64(t, w)
		// hi < sum because t·w/sum ≤ t < 2⁶⁴.
		q, r := bits.Div64(hi, lo, sum)
		parts[i] = int64(q) // reinterpreted below with the sign
		rems[i] = r
		given += q
	}
	if left := t - given; left > 0 {
		giveLargestRemainders(parts, rems, left)
	}
	for i := range parts {
		parts[i] = signed(uint64(parts[i]), neg)
	}
	return nil
}

// allocateBig is allocateUint64 for weights beyond 64 bits.
func allocateBig(parts []int64, total int64, weights []*big.Int) error {
	neg := total < 0
	t := new(big.Int).SetUint64(absUnits(total))
	sum := new(big.Int)
	for _, w := range weights {
		sum.Add(sum, w)
	}
	rems := make([]*big.Int, len(weights))
	var given uint64
	prod := new(big.Int)
	for i, w := range weights {
		q, r := new(big.Int), new(big.Int)
		q.QuoRem(prod.Mul(t, w), sum, r)
		parts[i] = int64(q.Uint64())
		rems[i] = r
		given += q.Uint64()
	}
	left := absUnits(total) - given
	if left > 0 {
		order := largestFirst(len(weights), func(i, j int) int { return -rems[i].Cmp(rems[j]) })
		for _, i := range order[:left] {
			parts[i]++
		}
	}
	for i := range parts {
		parts[i] = signed(uint64(parts[i]), neg)
	}
	return nil
}

// smallSplit is the number of parts up to which allocateUint64 works
// without allocating.
const smallSplit = 16

// giveLargestRemainders adds one unit to each of the left parts with the
// largest remainders, ties to the earlier position. The remainders sum to
// left·sum with each below sum, so more than left of them are non-zero.
func giveLargestRemainders(parts []int64, rems []uint64, left uint64) {
	if len(rems) > smallSplit {
		order := largestFirst(len(rems), func(i, j int) int {
			switch {
			case rems[i] > rems[j]:
				return -1
			case rems[i] < rems[j]:
				return 1
			}
			return 0
		})
		for _, i := range order[:left] {
			parts[i]++
		}
		return
	}
	// Selection without a sort: left < len(rems) ≤ smallSplit. A chosen
	// remainder is zeroed; since only non-zero remainders are ever chosen,
	// it cannot be chosen twice.
	for ; left > 0; left-- {
		best := 0
		for i, r := range rems {
			if r > rems[best] {
				best = i
			}
		}
		parts[best]++
		rems[best] = 0
	}
}

// largestFirst returns the indexes 0..n-1 ordered by cmp, ties by index.
func largestFirst(n int, cmp func(i, j int) int) []int {
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, cmp)
	return order
}

func absUnits(v int64) uint64 {
	if v < 0 {
		return uint64(-(v + 1)) + 1 // safe for math.MinInt64
	}
	return uint64(v)
}

func signed(u uint64, neg bool) int64 {
	if neg {
		if u == uint64(math.MaxInt64)+1 {
			return math.MinInt64
		}
		return -int64(u)
	}
	return int64(u)
}

func toMoney(parts []int64, c Currency) []Money {
	out := make([]Money, len(parts))
	for i, p := range parts {
		out[i] = FromMinorUnits(p, c)
	}
	return out
}
