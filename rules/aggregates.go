package rules

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"
)

// Period is a span over which aggregates accumulate: a calendar month,
// quarter or year in the plan's time zone, or the partner's lifetime.
type Period uint8

// Periods.
const (
	Month Period = iota + 1
	Quarter
	Year
	Lifetime
)

var periodNames = [...]string{"", "month", "quarter", "year", "lifetime"}

// String returns "month", "quarter", "year" or "lifetime".
func (p Period) String() string {
	if p >= Month && p <= Lifetime {
		return periodNames[p]
	}
	return fmt.Sprintf("Period(%d)", uint8(p))
}

// parsePeriod reads a period name; "" is def.
func parsePeriod(s string, def Period) (Period, error) {
	if s == "" {
		return def, nil
	}
	for i := Month; i <= Lifetime; i++ {
		if periodNames[i] == s {
			return i, nil
		}
	}
	return 0, fmt.Errorf("unknown period %q (want month, quarter, year or lifetime)", clipText(s))
}

// start returns the Unix second at which the period containing t begins in
// loc; 0 for Lifetime.
func (p Period) start(t time.Time, loc *time.Location) int64 {
	if p == Lifetime {
		return 0
	}
	y, m, _ := t.In(loc).Date()
	switch p {
	case Quarter:
		m = (m-1)/3*3 + 1
	case Year:
		m = time.January
	}
	return time.Date(y, m, 1, 0, 0, 0, 0, loc).Unix()
}

// Key identifies one running total: a partner's (or, with Partner "", the
// whole plan's) volume, count and commission under a plan, for a scope within
// the plan, in one period.
type Key struct {
	// Partner is the partner id; "" for plan-wide totals (the plan cap).
	Partner string
	// Plan is the plan id (shared by all its versions).
	Plan string
	// Scope is "" for the plan's own totals, or "<kind>:<rule id>" for a
	// rule's tier, milestone or period-cap totals.
	Scope string
	// Period is the kind of period.
	Period Period
	// Start is the Unix second the period begins, in the plan's time zone;
	// 0 for Lifetime.
	Start int64
}

// Totals are running totals in minor units of the plan's currency.
type Totals struct {
	Volume     int64 // sum of event amounts (refunds subtract)
	Count      int64 // number of events (full reversals subtract)
	Commission int64 // sum of commission lines (clawbacks subtract)
}

// Delta is a change to the totals under Key.
type Delta struct {
	Key    Key
	Totals Totals
}

// Aggregates reads and updates period-to-date totals. The host backs it with
// its own storage; MemoryAggregates is the in-memory implementation.
//
// The engine reads totals with Get while evaluating an event, and applies all
// of the event's changes with one Add after the event evaluated without
// error, so a failed evaluation changes nothing. Events of one partner must
// be evaluated one at a time, in event order (shard by partner); events of
// different partners may be evaluated concurrently. Implementations must be
// safe for concurrent use and honour ctx.
type Aggregates interface {
	// Get returns the totals under k; a key never added reads as zero
	// totals and no error.
	Get(ctx context.Context, k Key) (Totals, error)
	// Add adds every delta to its key, all or nothing.
	Add(ctx context.Context, deltas []Delta) error
}

// BatchGetter is an optional capability of an Aggregates: reading several
// keys in one call (one round trip to the host's database). The engine uses
// it, when the Aggregates has it, for the plan-level totals of each event;
// otherwise it calls Get per key.
type BatchGetter interface {
	// GetMany stores the totals under keys[i] in dst[i] (len(dst) ==
	// len(keys)), with Get's contract.
	GetMany(ctx context.Context, keys []Key, dst []Totals) error
}

// MemoryAggregates is an in-memory Aggregates (with BatchGetter). The zero value is ready to
// use; it is safe for concurrent use.
type MemoryAggregates struct {
	mu sync.RWMutex
	m  map[Key]*Totals // pointers: an update hashes its key once
}

// NewMemoryAggregates returns an empty MemoryAggregates.
func NewMemoryAggregates() *MemoryAggregates { return &MemoryAggregates{} }

// Get implements Aggregates.
func (a *MemoryAggregates) Get(ctx context.Context, k Key) (Totals, error) {
	if err := ctx.Err(); err != nil {
		return Totals{}, err
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	if t := a.m[k]; t != nil {
		return *t, nil
	}
	return Totals{}, nil
}

// GetMany implements BatchGetter.
func (a *MemoryAggregates) GetMany(ctx context.Context, keys []Key, dst []Totals) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(dst) != len(keys) {
		return fmt.Errorf("rules: GetMany with %d keys and %d totals", len(keys), len(dst))
	}
	a.mu.RLock()
	for i, k := range keys {
		dst[i] = Totals{}
		if t := a.m[k]; t != nil {
			dst[i] = *t
		}
	}
	a.mu.RUnlock()
	return nil
}

// Add implements Aggregates.
func (a *MemoryAggregates) Add(ctx context.Context, deltas []Delta) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.m == nil {
		a.m = make(map[Key]*Totals)
	}
	for _, d := range deltas {
		t := a.m[d.Key]
		if t == nil {
			t = new(Totals)
			a.m[d.Key] = t
		}
		t.Volume += d.Totals.Volume
		t.Count += d.Totals.Count
		t.Commission += d.Totals.Commission
	}
	return nil
}

// Snapshot returns every key and its totals, sorted by key, for tests and
// diagnostics.
func (a *MemoryAggregates) Snapshot() []Delta {
	a.mu.RLock()
	out := make([]Delta, 0, len(a.m))
	for k, t := range a.m {
		out = append(out, Delta{Key: k, Totals: *t})
	}
	a.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return keyLess(out[i].Key, out[j].Key) })
	return out
}

func keyLess(a, b Key) bool {
	switch {
	case a.Partner != b.Partner:
		return a.Partner < b.Partner
	case a.Plan != b.Plan:
		return a.Plan < b.Plan
	case a.Scope != b.Scope:
		return a.Scope < b.Scope
	case a.Period != b.Period:
		return a.Period < b.Period
	}
	return a.Start < b.Start
}

// clipText shortens text quoted in messages.
func clipText(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
