package reconcile

import (
	"time"

	"github.com/accruehq/accrue"
)

// Report is the result of a run. Everything in it is in a canonical order
// that depends only on the input records, never on their order or on
// GOMAXPROCS.
type Report struct {
	// AsOf is the time ages were measured at (Config.AsOf or the latest
	// record date, at midnight UTC).
	AsOf time.Time
	// Sides are the run's sides as given; indexes in matches and breaks
	// refer to their Records.
	Sides []Side
	// Legs holds one entry per pair of adjacent sides.
	Legs []Leg
	// Breaks are every leg's exceptions, leg by leg.
	Breaks []Break
	// Raised counts the breaks this run added to the queue (new ones only).
	Raised int
	// Closed lists, sorted, the ids of earlier open breaks this run closed
	// in the queue: as MatchedLater when it matched all their records, as
	// Superseded when breaks of its own hold some of them (and it matched
	// the rest).
	Closed []string

	agedAfter int
	carry     [][]int // per side, indexes of records still open
}

// Leg is the result of matching two adjacent sides.
type Leg struct {
	LeftSide, RightSide string
	// UnmatchedLeft and UnmatchedRight are the indexes of records no rule
	// matched (each is in exactly one break), in canonical order.
	UnmatchedLeft, UnmatchedRight []int
	// Totals per side and currency; they tie out: Input = Matched +
	// Unmatched, in count and amount.
	Totals []Total
	// Latency summarises Match.Latency over the leg's matches.
	Latency Latency

	// Matches are kept compact (a few int32 per match, indexes in one
	// shared slice) and expanded by Match and Matches on demand.
	matches []compactMatch // in the order the rules made them
	perm    []int32        // report position → index in matches
	idx     []int
	rules   []string
	curs    []accrue.Currency
	wo      int64 // the run's write-off
}

// compactMatch is a Match without its expansions.
type compactMatch struct {
	rule, confidence, cur int32
	lOff, lN, rOff, rN    int32
	lu, ru                int64
	latency               time.Duration
}

// compact returns match i in report order.
func (l *Leg) compact(i int) *compactMatch { return &l.matches[l.perm[i]] }

// MatchCount is the number of matches.
func (l *Leg) MatchCount() int { return len(l.matches) }

// Match returns match i (0 ≤ i < MatchCount), in canonical order of the
// matches' first left record.
func (l *Leg) Match(i int) Match {
	c := l.compact(i)
	d := c.ru - c.lu
	return Match{
		Rule: l.rules[c.rule], Confidence: float64(c.confidence) / 100,
		Left:     l.idx[c.lOff : c.lOff+c.lN : c.lOff+c.lN],
		Right:    l.idx[c.rOff : c.rOff+c.rN : c.rOff+c.rN],
		Currency: l.curs[c.cur], WrittenOff: d != 0 && absUnits(d) <= l.wo,
		Latency: c.latency, lu: c.lu, ru: c.ru,
	}
}

// Matches returns every match (Match for each index); the slices it holds
// share memory with the report, so callers must not modify them.
func (l *Leg) Matches() []Match {
	out := make([]Match, len(l.matches))
	for i := range out {
		out[i] = l.Match(i)
	}
	return out
}

// Match is records paired by one rule.
type Match struct {
	// Rule is the name of the rule that matched.
	Rule string
	// Confidence in [0, 1]: the rule's confidence less one point per day
	// between the records.
	Confidence float64
	// Left and Right are indexes into the leg's sides' Records (one on one
	// side for one-to-one, one-to-many and many-to-one matches).
	Left, Right []int
	// Currency of every record of the match.
	Currency accrue.Currency
	// WrittenOff is set when the difference is non-zero and at most
	// Config.WriteOffUnits: a rounding residual written off automatically.
	WrittenOff bool
	// Latency is from the earliest left record to the latest right record
	// (event to payment when the left side is the internal one).
	Latency time.Duration

	lu, ru int64
}

// LeftTotal is the sum of the left records.
func (m Match) LeftTotal() accrue.Money { return accrue.FromMinorUnits(m.lu, m.Currency) }

// RightTotal is the sum of the right records.
func (m Match) RightTotal() accrue.Money { return accrue.FromMinorUnits(m.ru, m.Currency) }

// Difference is RightTotal − LeftTotal: zero for exact matches, the fee or
// FX difference for tolerance matches, the residual for write-offs.
func (m Match) Difference() accrue.Money { return accrue.FromMinorUnits(m.ru-m.lu, m.Currency) }

// DifferenceUnits is Difference in minor units.
func (m Match) DifferenceUnits() int64 { return m.ru - m.lu }

// Total is one side's count and sum in one currency, split into matched and
// unmatched.
type Total struct {
	Side                                     string
	Currency                                 accrue.Currency
	InputCount, MatchedCount, UnmatchedCount int
	Input, Matched, Unmatched                accrue.Money
}

// Latency summarises durations: the count, the mean (rounded down to the
// nanosecond) and the 95th percentile by nearest rank.
type Latency struct {
	Count     int
	Mean, P95 time.Duration
}

// BreaksWith returns the breaks with reason r, in report order.
func (r *Report) BreaksWith(reason Reason) []Break {
	var out []Break
	for _, b := range r.Breaks {
		if b.Reason == reason {
			out = append(out, b)
		}
	}
	return out
}

// AmountMismatches returns the ReasonAmount breaks.
func (r *Report) AmountMismatches() []Break { return r.BreaksWith(ReasonAmount) }

// Duplicates returns the ReasonDuplicate breaks.
func (r *Report) Duplicates() []Break { return r.BreaksWith(ReasonDuplicate) }

// Aged returns the unresolved breaks older than Config.AgedAfterDays.
func (r *Report) Aged() []Break {
	var out []Break
	for _, b := range r.Breaks {
		if b.Age > r.agedAfter && b.Resolution == nil {
			out = append(out, b)
		}
	}
	return out
}

// Carry returns the sides for the next incremental run: each side's records
// still open in some leg, minus those whose break is resolved, in canonical
// order. Append the next day's records to them (CarryForward does).
func (r *Report) Carry() []Side {
	out := make([]Side, len(r.Sides))
	for i, s := range r.Sides {
		out[i].Name = s.Name
		out[i].Records = make([]Record, 0, len(r.carry[i]))
		for _, k := range r.carry[i] {
			out[i].Records = append(out[i].Records, s.Records[k])
		}
	}
	return out
}

// CarryForward returns prev's open records (Report.Carry) followed by the
// new records of the side with the same name. Sides of next that prev does
// not have are appended as they are. A nil prev returns next.
func CarryForward(prev *Report, next ...Side) []Side {
	if prev == nil {
		return next
	}
	out := prev.Carry()
	for _, n := range next {
		found := false
		for i := range out {
			if out[i].Name == n.Name {
				out[i].Records = append(out[i].Records, n.Records...)
				found = true
				break
			}
		}
		if !found {
			out = append(out, n)
		}
	}
	return out
}
