package rules

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// PlanSet holds the versions of one or more plans and picks the version in
// force at an event's time. Versions of one plan must not overlap in time and
// must share currency and time zone (their running totals are shared). A
// PlanSet keeps old versions so that clawbacks reverse at the version that
// produced the original lines. It is immutable and safe for concurrent use.
type PlanSet struct {
	byID   map[string][]*Compiled // sorted by ValidFrom
	byHash map[string]*Compiled
	ids    []string
}

// NewPlanSet returns a set of the given versions. A version given twice (same
// hash) is kept once; versions of one plan whose effective periods overlap,
// or that differ in currency or time zone, are an *OverlapError (matching
// ErrOverlap) naming both versions. With several conflicts, the one
// reported is the first by plan id, then effective date.
func NewPlanSet(plans ...*Compiled) (*PlanSet, error) {
	s := &PlanSet{byID: map[string][]*Compiled{}, byHash: map[string]*Compiled{}}
	for _, c := range plans {
		if c == nil {
			continue
		}
		if _, dup := s.byHash[c.hash]; dup {
			continue
		}
		s.byHash[c.hash] = c
		s.byID[c.plan.ID] = append(s.byID[c.plan.ID], c)
	}
	for id := range s.byID {
		s.ids = append(s.ids, id)
	}
	sort.Strings(s.ids) // the first overlap reported does not depend on map order
	for _, id := range s.ids {
		vs := s.byID[id]
		slices.SortFunc(vs, func(a, b *Compiled) int {
			if c := a.plan.ValidFrom.Compare(b.plan.ValidFrom); c != 0 {
				return c
			}
			return strings.Compare(a.hash, b.hash)
		})
		for i := 1; i < len(vs); i++ {
			prev, next := vs[i-1], vs[i]
			if prev.plan.ValidUntil.IsZero() || prev.plan.ValidUntil.After(next.plan.ValidFrom) {
				return nil, newOverlap(prev, next, "")
			}
			if prev.currency != next.currency {
				return nil, newOverlap(prev, next, "currency")
			}
			if prev.plan.TimeZone != next.plan.TimeZone {
				return nil, newOverlap(prev, next, "time zone")
			}
		}
	}
	return s, nil
}

// newOverlap describes the conflict between versions a and b of one plan.
func newOverlap(a, b *Compiled, mismatch string) *OverlapError {
	v := func(c *Compiled) PlanVersion {
		return PlanVersion{Version: c.plan.Version, Hash: c.hash, ValidFrom: c.plan.ValidFrom, ValidUntil: c.plan.ValidUntil}
	}
	return &OverlapError{Plan: a.plan.ID, A: v(a), B: v(b), Mismatch: mismatch}
}

// At returns the version of plan id in force at t; id "" means the set's only
// plan. It returns an error wrapping ErrNoPlan if there is none.
func (s *PlanSet) At(id string, t time.Time) (*Compiled, error) {
	if id == "" && len(s.ids) == 1 {
		id = s.ids[0]
	}
	vs := s.byID[id]
	// The last version starting at or before t.
	i := sort.Search(len(vs), func(i int) bool { return vs[i].plan.ValidFrom.After(t) }) - 1
	if i >= 0 {
		if c := vs[i]; c.plan.ValidUntil.IsZero() || t.Before(c.plan.ValidUntil) {
			return c, nil
		}
	}
	return nil, fmt.Errorf("%w: plan %q at %s", ErrNoPlan, clipText(id), t.Format(time.RFC3339))
}

// Version returns the version with the given content hash.
func (s *PlanSet) Version(hash string) (*Compiled, bool) {
	c, ok := s.byHash[hash]
	return c, ok
}

// Plans returns every version, by plan id then effective date.
func (s *PlanSet) Plans() []*Compiled {
	var out []*Compiled
	for _, id := range s.ids {
		out = append(out, s.byID[id]...)
	}
	return out
}

// Cache compiles each plan version once, keyed by content hash. The zero
// value is ready to use; it is safe for concurrent use.
type Cache struct {
	mu sync.Mutex
	m  map[string]*Compiled
}

// Compile returns the compiled version of p, compiling it only if no plan
// with the same hash was compiled before.
func (c *Cache) Compile(p Plan) (*Compiled, error) {
	h := p.Hash()
	c.mu.Lock()
	if v, ok := c.m[h]; ok {
		c.mu.Unlock()
		return v, nil
	}
	c.mu.Unlock()
	v, err := Compile(p)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*Compiled{}
	}
	if old, ok := c.m[h]; ok {
		return old, nil
	}
	c.m[h] = v
	return v, nil
}

// Len returns the number of versions cached.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
