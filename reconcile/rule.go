package reconcile

import (
	"fmt"
	"math/bits"

	"github.com/shopspring/decimal"
)

// RuleKind selects a matching algorithm.
type RuleKind uint8

// The rule kinds.
const (
	// RuleReference pairs records of one currency that share a reference.
	// A one-to-one pair outside the amount tolerance, outside the date
	// window or with differing statuses is held as an amount, date or
	// status break rather than left for looser rules. Several records with
	// one reference are paired by equal amount first, then matched as a
	// group when their sums agree; a leftover equal to another record of
	// its side with the same reference is a duplicate.
	RuleReference RuleKind = iota + 1
	// RuleAmount pairs records of one currency and counterparty whose
	// amounts are equal (within the write-off) and whose dates are within
	// Days, choosing the nearest date.
	RuleAmount
	// RuleTolerance is RuleAmount with Tolerance: fees and FX differences
	// match and the difference is reported.
	RuleTolerance
	// RuleSubset matches one record against several on the other side (one
	// bank line paying several payout items, several payments settling one
	// invoice) by a bounded subset-sum search within Days.
	RuleSubset
)

var kindNames = [...]string{"", "reference", "amount", "tolerance", "subset"}

// String returns the kind's name ("reference", "amount", …).
func (k RuleKind) String() string {
	if int(k) < len(kindNames) && k != 0 {
		return kindNames[k]
	}
	return fmt.Sprintf("RuleKind(%d)", uint8(k))
}

// Tolerance is how far two amounts may differ and still match: up to Units
// minor units, or up to Percent percent of the target's absolute amount (the
// first side's record, or the single record of a subset match), rounded down
// to whole minor units, whichever is larger.
type Tolerance struct {
	Units   int64
	Percent decimal.Decimal
}

// Rule is one matching step. Rules run in the order of Config.Rules; each
// sees only the records earlier rules left open.
type Rule struct {
	// Name is recorded on every match the rule makes ("exact-ref",
	// "bank-batch"). Required and unique.
	Name string
	// Kind selects the algorithm.
	Kind RuleKind
	// Days is the date window: matched records are at most Days calendar
	// days apart (for RuleSubset, every record of the group is within Days
	// of the single record).
	Days int
	// Tolerance widens amount equality. Config.WriteOffUnits is always
	// tolerated.
	Tolerance Tolerance
	// IgnoreCounterparty lets RuleAmount, RuleTolerance and RuleSubset pair
	// records whose counterparties differ (a bank line naming the
	// provider, not the partner).
	IgnoreCounterparty bool
	// MaxGroup bounds the size of the "many" side of a RuleSubset match
	// (and of a RuleReference group); 0 means 4.
	MaxGroup int
	// MaxCandidates bounds how many records a RuleSubset search considers
	// for one target, nearest date first; 0 means 12.
	MaxCandidates int
	// Confidence is the confidence in percent of a match this rule makes
	// at zero days apart; each day apart costs one point. 0 means the
	// kind's default: 100, 95, 85, 75.
	Confidence int

	// pctNum/pctDen is Tolerance.Percent/100 as a fraction of integers,
	// set by check when it fits (pctDen 0 otherwise).
	pctNum, pctDen uint64
}

var defaultConfidence = [...]int{0, 100, 95, 85, 75}

// DefaultRules returns the rules most programs start from, exact before
// approximate: exact reference within 10 days, exact amount and
// counterparty within 3 days, exact groups of up to 4 within 5 days, then a
// 1% tolerance within 3 days (last, so that it cannot take a record that
// belongs to an exact group).
func DefaultRules() []Rule {
	return []Rule{
		{Name: "reference", Kind: RuleReference, Days: 10},
		{Name: "amount-date", Kind: RuleAmount, Days: 3},
		{Name: "subset", Kind: RuleSubset, Days: 5},
		{Name: "tolerance", Kind: RuleTolerance, Days: 3, Tolerance: Tolerance{Percent: decimal.NewFromInt(1)}},
	}
}

// check validates r and fills defaults.
func (r Rule) check() (Rule, error) {
	bad := func(format string, args ...any) (Rule, error) {
		return r, fmt.Errorf("%w: rule %q: %s", ErrInvalidConfig, r.Name, fmt.Sprintf(format, args...))
	}
	switch {
	case r.Name == "":
		return bad("no name")
	case r.Kind < RuleReference || r.Kind > RuleSubset:
		return bad("unknown kind %d", r.Kind)
	case r.Days < 0 || r.Days > 3660:
		return bad("days %d outside 0..3660", r.Days)
	case r.Tolerance.Units < 0:
		return bad("negative tolerance %d units", r.Tolerance.Units)
	case r.Tolerance.Percent.Sign() < 0 || r.Tolerance.Percent.GreaterThan(decimal.NewFromInt(100)):
		return bad("tolerance %s%% outside 0..100", r.Tolerance.Percent)
	case r.MaxGroup < 0 || r.MaxGroup > 8:
		return bad("max group %d outside 0..8", r.MaxGroup)
	case r.MaxCandidates < 0 || r.MaxCandidates > 24:
		return bad("max candidates %d outside 0..24", r.MaxCandidates)
	case r.Confidence < 0 || r.Confidence > 100:
		return bad("confidence %d outside 0..100", r.Confidence)
	}
	if r.MaxGroup == 0 {
		r.MaxGroup = 4
	}
	if r.MaxCandidates == 0 {
		r.MaxCandidates = 12
	}
	if r.Confidence == 0 {
		r.Confidence = defaultConfidence[r.Kind]
	}
	r.pctNum, r.pctDen = 0, 0
	if p := r.Tolerance.Percent; !p.IsZero() && p.NumDigits() <= 18 && p.Exponent() >= -16 && p.Exponent() <= 2 {
		num := uint64(p.CoefficientInt64())
		den := uint64(100)
		if e := p.Exponent(); e >= 0 {
			num *= uint64(pow10[e])
		} else {
			den *= uint64(pow10[-e])
		}
		r.pctNum, r.pctDen = num, den
	}
	return r, nil
}

// confidence is the rule's confidence for records days apart, in [0, 1].
func (r Rule) confidence(days int32) float64 {
	c := r.Confidence - int(abs32(days))
	if c < 1 {
		c = 1
	}
	return float64(c) / 100
}

// tolerance is the number of minor units an amount may differ from the
// target amount under r, at least writeOff.
func (r Rule) tolerance(target int64, writeOff int64) int64 {
	t := max(r.Tolerance.Units, writeOff)
	if r.Tolerance.Percent.IsZero() {
		return t
	}
	if r.pctDen != 0 {
		// |target| ≤ 2^53 and pctNum ≤ pctDen, so the high word of the
		// product is below pctDen and Div64 cannot overflow.
		hi, lo := bits.Mul64(uint64(absUnits(target)), r.pctNum)
		q, _ := bits.Div64(hi, lo, r.pctDen)
		return max(t, int64(q))
	}
	p := decimal.NewFromInt(absUnits(target)).Mul(r.Tolerance.Percent).Shift(-2).Floor()
	return max(t, p.IntPart())
}

func abs32(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}

// absUnits is |v|, saturating at MaxInt64.
func absUnits(v int64) int64 {
	if v < 0 {
		if v == -v {
			return 1<<63 - 1
		}
		return -v
	}
	return v
}
