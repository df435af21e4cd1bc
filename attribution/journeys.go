package attribution

import (
	"context"
	"slices"
	"sync"
	"time"
)

// MemoryJourneys is the in-memory JourneySource: each customer's
// touchpoints, kept in time order. The zero value is ready to use; it is
// safe for concurrent use.
type MemoryJourneys struct {
	mu    sync.RWMutex
	byCus map[string][]Touchpoint // in touchCompare order; replaced, never changed, by Add
}

// Add records touches of customer. Touches already returned by Journey are
// not affected.
func (m *MemoryJourneys) Add(customer string, touches ...Touchpoint) {
	if len(touches) == 0 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.byCus == nil {
		m.byCus = make(map[string][]Touchpoint)
	}
	// A new slice, so that journeys handed out keep their contents.
	list := slices.Concat(m.byCus[customer], touches)
	slices.SortStableFunc(list, func(a, b Touchpoint) int { return touchCompare(&a, &b) })
	m.byCus[customer] = list
}

// Journey implements JourneySource: the customer's touchpoints at or before
// the given time, in time order. The slice is the source's own memory, as
// the JourneySource contract allows (the Attributor does not modify it);
// it is capped, so appending to it copies.
func (m *MemoryJourneys) Journey(ctx context.Context, customer string, before time.Time) ([]Touchpoint, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	list := m.byCus[customer]
	m.mu.RUnlock()
	n, _ := slices.BinarySearchFunc(list, before, func(t Touchpoint, at time.Time) int {
		if t.Time.After(at) {
			return 1
		}
		return -1
	})
	return list[:n:n], nil
}
