package reconcile

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/accruehq/accrue"
)

// Metrics are the program figures a dashboard shows, computed from the first
// leg of a report (the internal side against the first external one).
type Metrics struct {
	// Internal is the number of records on the first side; Clean is how
	// many of them were matched with a zero difference (no write-off, no
	// tolerance, no manual resolution).
	Internal, Clean int
	// Accuracy is Clean / Internal (payout accuracy), 0 without records.
	Accuracy float64
	// CycleMean and CycleP95 summarise Match.Latency: from the event (the
	// internal record's date) to the payment (the external record's date).
	CycleMean, CycleP95 time.Duration
	// Tiers is the variance per partner tier and currency, sorted by tier
	// then currency code.
	Tiers []TierVariance
}

// TierVariance compares, for one tier and currency, what was owed with what
// was paid.
type TierVariance struct {
	// Tier is the internal records' value of the tier metadata key ("" when
	// absent).
	Tier     string
	Currency accrue.Currency
	// Records counts the tier's internal records, Matched those matched.
	Records, Matched int
	// Expected sums the internal amounts; Paid sums the external side of
	// the matches, each match counted in the tier of its first internal
	// record; Variance is Paid − Expected (unpaid items and differences).
	Expected, Paid, Variance accrue.Money
}

// Metrics computes the program metrics, reading each internal record's tier
// from Metadata[tierKey].
func (r *Report) Metrics(tierKey string) Metrics {
	var m Metrics
	if len(r.Legs) == 0 {
		return m
	}
	leg := &r.Legs[0]
	internal := r.side(leg.LeftSide).Records
	m.Internal = len(internal)
	m.CycleMean, m.CycleP95 = leg.Latency.Mean, leg.Latency.P95
	type key struct {
		tier string
		cur  accrue.Currency
	}
	type acc struct {
		records, matched int
		expected, paid   sum128
	}
	tiers := map[key]*acc{}
	get := func(rec *Record) *acc {
		k := key{rec.Metadata[tierKey], rec.Amount.Currency()}
		a := tiers[k]
		if a == nil {
			a = &acc{}
			tiers[k] = a
		}
		return a
	}
	for i := range internal {
		u, err := minorUnits(internal[i].Amount)
		if err != nil {
			continue // Run refused such records; a report cannot hold one
		}
		a := get(&internal[i])
		a.records++
		a.expected.add(u)
	}
	for i := range leg.MatchCount() {
		mt := leg.Match(i)
		if mt.ru == mt.lu {
			m.Clean += len(mt.Left)
		}
		a := get(&internal[mt.Left[0]])
		a.matched += len(mt.Left)
		a.paid.add(mt.ru)
	}
	if m.Internal > 0 {
		m.Accuracy = float64(m.Clean) / float64(m.Internal)
	}
	for k, a := range tiers {
		tv := TierVariance{Tier: k.tier, Currency: k.cur, Records: a.records, Matched: a.matched,
			Expected: a.expected.money(k.cur), Paid: a.paid.money(k.cur)}
		tv.Variance, _ = tv.Paid.Sub(tv.Expected)
		m.Tiers = append(m.Tiers, tv)
	}
	slices.SortFunc(m.Tiers, func(a, b TierVariance) int {
		if c := strings.Compare(a.Tier, b.Tier); c != 0 {
			return c
		}
		return cmp.Compare(a.Currency.Code(), b.Currency.Code())
	})
	return m
}
