package accrue

import (
	"cmp"
	"encoding/json"
	"errors"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

func genCurrency() *rapid.Generator[Currency] {
	pts, _ := NewUnit("PTS", 0)
	gold, _ := NewUnit("GOLD_G", 4)
	return rapid.SampledFrom([]Currency{
		MustCurrency("USD"), MustCurrency("EUR"), MustCurrency("JPY"), MustCurrency("KWD"), MustCurrency("CLF"), pts, gold,
	})
}

// genRounded generates money that is a whole number of minor units.
func genRounded() *rapid.Generator[Money] {
	return rapid.Custom(func(t *rapid.T) Money {
		c := genCurrency().Draw(t, "currency")
		units := rapid.OneOf(rapid.Int64Range(-1000, 1000), rapid.Int64()).Draw(t, "units")
		return FromMinorUnits(units, c)
	})
}

// genMoney generates any money within the parse bounds, possibly finer than
// its minor unit.
func genMoney() *rapid.Generator[Money] {
	return rapid.Custom(func(t *rapid.T) Money {
		c := genCurrency().Draw(t, "currency")
		coef := rapid.Int64().Draw(t, "coef")
		exp := rapid.Int32Range(-20, 4).Draw(t, "exp")
		return New(decimal.New(coef, exp), c)
	})
}

func genWeights() *rapid.Generator[[]decimal.Decimal] {
	return rapid.Custom(func(t *rapid.T) []decimal.Decimal {
		n := rapid.IntRange(1, 30).Draw(t, "n")
		exp := rapid.Int32Range(-8, 2).Draw(t, "exp")
		ws := make([]decimal.Decimal, n)
		for i := range ws {
			ws[i] = decimal.New(rapid.Int64Range(0, 1<<40).Draw(t, "w"), exp)
		}
		if rapid.Bool().Draw(t, "huge") {
			// Push one weight beyond 64 bits to exercise the big path.
			ws[0] = ws[0].Add(decimal.New(1, 25))
		}
		if slices.IndexFunc(ws, func(w decimal.Decimal) bool { return w.Sign() > 0 }) < 0 {
			ws[len(ws)-1] = decimal.New(1, 0)
		}
		return ws
	})
}

// checkAllocation asserts the allocation invariants for parts of total by
// weights: the sum is exact, each part is a whole number of minor units within
// one minor unit of its exact share, and leftover units went to the largest
// remainders.
func checkAllocation(t failer, total Money, weights []decimal.Decimal, parts []Money) {
	t.Helper()
	if len(parts) != len(weights) {
		t.Fatalf("%d parts for %d weights", len(parts), len(weights))
	}
	T, err := total.MinorUnits()
	if err != nil {
		t.Fatal(err)
	}
	W := new(big.Rat)
	for _, w := range weights {
		W.Add(W, w.Rat())
	}
	sum := new(big.Int)
	for i, p := range parts {
		if p.Currency() != total.Currency() {
			t.Fatalf("part %d in %s, total in %s", i, p.Currency(), total.Currency())
		}
		u, err := p.MinorUnits()
		if err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		sum.Add(sum, big.NewInt(u))
		share := new(big.Rat).Mul(new(big.Rat).SetInt64(T), weights[i].Rat())
		share.Quo(share, W)
		diff := new(big.Rat).Sub(new(big.Rat).SetInt64(u), share)
		if diff.Abs(diff).Cmp(big.NewRat(1, 1)) >= 0 {
			t.Fatalf("part %d = %d units, exact share %s: off by a unit or more", i, u, share.FloatString(6))
		}
		if weights[i].IsZero() && u != 0 {
			t.Fatalf("zero weight %d got %d units", i, u)
		}
	}
	if sum.Cmp(big.NewInt(T)) != 0 {
		t.Fatalf("parts sum to %s units, total is %d", sum, T)
	}
}

func TestPropAllocatePreservesTotal(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		total := genRounded().Draw(t, "total")
		weights := genWeights().Draw(t, "weights")
		parts, err := Allocate(total, weights)
		if err != nil {
			t.Fatal(err)
		}
		checkAllocation(t, total, weights, parts)
		again, _ := Allocate(total, weights)
		if !slices.EqualFunc(parts, again, Money.Equal) {
			t.Fatalf("same input, different output: %v vs %v", parts, again)
		}
	})
}

func TestPropAllocatePermutation(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		total := genRounded().Draw(t, "total")
		weights := genWeights().Draw(t, "weights")
		perm := rapid.Permutation(indexes(len(weights))).Draw(t, "perm")
		parts, err := Allocate(total, weights)
		if err != nil {
			t.Fatal(err)
		}
		permuted := make([]decimal.Decimal, len(weights))
		for i, j := range perm {
			permuted[i] = weights[j]
		}
		pparts, err := Allocate(total, permuted)
		if err != nil {
			t.Fatal(err)
		}
		if hasRemainderTies(total, weights) {
			// Ties are broken by position, so only the multiset of
			// floors is fixed; the invariants still hold.
			checkAllocation(t, total, permuted, pparts)
			return
		}
		for i, j := range perm {
			if !pparts[i].Equal(parts[j]) {
				t.Fatalf("permuted part %d = %v, want original part %d = %v", i, pparts[i], j, parts[j])
			}
		}
	})
}

func TestPropSplitIsEqualWeights(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		total := genRounded().Draw(t, "total")
		n := rapid.IntRange(1, 50).Draw(t, "n")
		parts, err := Split(total, n)
		if err != nil {
			t.Fatal(err)
		}
		ws := make([]decimal.Decimal, n)
		for i := range ws {
			ws[i] = decimal.New(1, 0)
		}
		checkAllocation(t, total, ws, parts)
		viaAllocate, _ := Allocate(total, ws)
		if !slices.EqualFunc(parts, viaAllocate, Money.Equal) {
			t.Fatalf("Split %v != Allocate %v", parts, viaAllocate)
		}
	})
}

func TestPropAllocateUnitsMatchesAllocate(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		total := rapid.Int64().Draw(t, "total")
		ws := rapid.SliceOfN(rapid.Uint64Range(0, 1<<50), 1, 40).Draw(t, "weights")
		ws[0]++
		got, err := AllocateUnits(make([]int64, 3), total, ws)
		if err != nil {
			t.Fatal(err)
		}
		dws := make([]decimal.Decimal, len(ws))
		for i, w := range ws {
			dws[i] = decimal.NewFromUint64(w)
		}
		want, err := Allocate(FromMinorUnits(total, MustCurrency("JPY")), dws)
		if err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if u, _ := want[i].MinorUnits(); u != got[i] {
				t.Fatalf("part %d: AllocateUnits %d, Allocate %d", i, got[i], u)
			}
		}
	})
}

func TestPropMoneyRoundTrips(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := genMoney().Draw(t, "m")
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var back Money
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("Unmarshal(%s): %v", b, err)
		}
		if !back.Equal(m) {
			t.Fatalf("JSON round trip: %v → %s → %v", m, b, back)
		}
		if strings.Contains(string(b), `"amount":`) && !strings.Contains(string(b), `"amount":"`) {
			t.Fatalf("amount is not a JSON string: %s", b)
		}
		v, _ := m.Value()
		if err := back.Scan(v); err != nil || !back.Equal(m) {
			t.Fatalf("SQL round trip: %v → %v → %v, %v", m, v, back, err)
		}
		if m.Currency().IsCustom() {
			return
		}
		parsed, err := ParseMoney(m.String())
		if err != nil {
			t.Fatalf("ParseMoney(%q): %v", m.String(), err)
		}
		if !parsed.Equal(m) {
			t.Fatalf("parse(format(%v)) = %v", m, parsed)
		}
	})
}

func TestPropRoundIsWithinOneUnit(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := genMoney().Draw(t, "m")
		mode := rapid.SampledFrom([]RoundingMode{HalfUp, HalfEven, Down, Up, Ceiling, Floor}).Draw(t, "mode")
		r := m.Round(mode)
		if !r.IsRounded() {
			t.Fatalf("%v.Round(%s) = %v is not rounded", m, mode, r)
		}
		ulp := decimal.New(1, -m.Currency().MinorUnits())
		d := r.Amount().Sub(m.Amount())
		if d.Abs().Cmp(ulp) >= 0 {
			t.Fatalf("%v.Round(%s) = %v moved a unit or more", m, mode, r)
		}
		switch mode {
		case Down:
			if r.Amount().Abs().Cmp(m.Amount().Abs()) > 0 {
				t.Fatalf("Down grew the magnitude: %v → %v", m, r)
			}
		case Up:
			if r.Amount().Abs().Cmp(m.Amount().Abs()) < 0 {
				t.Fatalf("Up shrank the magnitude: %v → %v", m, r)
			}
		case Ceiling:
			if d.Sign() < 0 {
				t.Fatalf("Ceiling went down: %v → %v", m, r)
			}
		case Floor:
			if d.Sign() > 0 {
				t.Fatalf("Floor went up: %v → %v", m, r)
			}
		case HalfUp, HalfEven:
			if d.Abs().Mul(decimal.New(2, 0)).Cmp(ulp) > 0 {
				t.Fatalf("%s moved more than half a unit: %v → %v", mode, m, r)
			}
		}
		// Quo by one rounds exactly as Round does.
		q, err := m.Quo(decimal.New(1, 0), mode)
		if err != nil || !q.Equal(r) {
			t.Fatalf("%v.Quo(1, %s) = %v, Round = %v", m, mode, q, r)
		}
	})
}

// failer is what checkAllocation needs of *testing.T and *rapid.T.
type failer interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

func indexes(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// hasRemainderTies reports whether two exact shares have equal fractional
// parts (in minor units), the case where position decides.
func hasRemainderTies(total Money, weights []decimal.Decimal) bool {
	T, _ := total.MinorUnits()
	W := new(big.Rat)
	for _, w := range weights {
		W.Add(W, w.Rat())
	}
	seen := map[string]bool{}
	for _, w := range weights {
		share := new(big.Rat).Mul(new(big.Rat).SetInt64(T), w.Rat())
		share.Quo(share, W)
		num, den := share.Num(), share.Denom()
		frac := new(big.Rat).SetFrac(new(big.Int).Mod(num, den), den).String()
		if seen[frac] {
			return true
		}
		seen[frac] = true
	}
	return false
}

// TestPropMinorUnitsExact checks that MinorUnits (fast and slow paths alike)
// is the exact inverse of FromMinorUnits and refuses amounts finer than the
// minor unit.
func TestPropMinorUnitsExact(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := genMoney().Draw(t, "m")
		units, err := m.MinorUnits()
		switch {
		case !m.IsRounded():
			if !errors.Is(err, ErrInvalidAmount) {
				t.Fatalf("MinorUnits(%s) = %d, %v; want ErrInvalidAmount", m, units, err)
			}
		case errors.Is(err, ErrOverflow):
			if m.amount.Shift(m.currency.MinorUnits()).BigInt().IsInt64() {
				t.Fatalf("MinorUnits(%s) overflowed but fits", m)
			}
		case err != nil:
			t.Fatalf("MinorUnits(%s): %v", m, err)
		default:
			if back := FromMinorUnits(units, m.Currency()); !back.Equal(m) {
				t.Fatalf("MinorUnits(%s) = %d, back to %s", m, units, back)
			}
		}
	})
}

// TestPropSmallSplitMatchesSort checks the allocation-free selection used for
// up to smallSplit parts against the stable sort used for larger splits.
func TestPropSmallSplitMatchesSort(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, smallSplit).Draw(t, "n")
		weights := rapid.SliceOfN(rapid.Uint64Range(0, 20), n, n).Draw(t, "weights")
		total := rapid.Int64Range(-1000, 1000).Draw(t, "total")
		got, err := AllocateUnits(nil, total, weights)
		if err != nil {
			return // all-zero weights
		}
		// Reference: floor shares, then +1 (toward the sign) for the largest
		// remainders in stable-sort order.
		var sum uint64
		for _, w := range weights {
			sum += w
		}
		abs := absUnits(total)
		want := make([]int64, n)
		rems := make([]uint64, n)
		var given uint64
		for i, w := range weights {
			want[i] = int64(abs * w / sum)
			rems[i] = abs * w % sum
			given += abs * w / sum
		}
		order := largestFirst(n, func(i, j int) int { return cmp.Compare(rems[j], rems[i]) })
		for _, i := range order[:abs-given] {
			want[i]++
		}
		for i := range want {
			want[i] = signed(uint64(want[i]), total < 0)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("AllocateUnits(%d, %v) = %v, want %v", total, weights, got, want)
		}
	})
}
