package reconcile

import (
	"context"
	"fmt"
	"slices"
	"sync"
)

// MemoryQueue is a Queue kept in memory, for tests, examples and hosts that
// persist resolutions elsewhere. The zero value is ready to use; it is safe
// for concurrent use.
type MemoryQueue struct {
	mu      sync.Mutex
	entries map[string]*Entry
	order   []string
}

// Raise implements Queue.
func (q *MemoryQueue) Raise(ctx context.Context, b Break) (Entry, bool, error) {
	if err := ctx.Err(); err != nil {
		return Entry{}, false, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if e, ok := q.entries[b.ID]; ok {
		return copyEntry(e), false, nil
	}
	if q.entries == nil {
		q.entries = map[string]*Entry{}
	}
	b.Resolution = nil
	e := &Entry{Break: copyBreak(b)}
	q.entries[b.ID] = e
	q.order = append(q.order, b.ID)
	return copyEntry(e), true, nil
}

// Resolve implements Queue.
func (q *MemoryQueue) Resolve(ctx context.Context, id string, r Resolution) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return fmt.Errorf("break %s: %w", id, err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	e, ok := q.entries[id]
	if !ok {
		return fmt.Errorf("%w: %s", ErrUnknownBreak, id)
	}
	if e.Resolution != nil {
		if e.Resolution.Equal(r) {
			return nil
		}
		return fmt.Errorf("%w: %s was resolved (%s) by %s at %s", ErrAlreadyResolved, id, e.Resolution.Kind, e.Resolution.By, e.Resolution.At.Format("2006-01-02T15:04:05Z07:00"))
	}
	r.MatchedIDs = slices.Clone(r.MatchedIDs)
	e.Resolution = &r
	return nil
}

// Get implements Queue.
func (q *MemoryQueue) Get(ctx context.Context, id string) (Entry, bool, error) {
	if err := ctx.Err(); err != nil {
		return Entry{}, false, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	e, ok := q.entries[id]
	if !ok {
		return Entry{}, false, nil
	}
	return copyEntry(e), true, nil
}

// Open returns the unresolved entries in the order they were raised.
func (q *MemoryQueue) Open() []Entry {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []Entry
	for _, id := range q.order {
		if e := q.entries[id]; e.Resolution == nil {
			out = append(out, copyEntry(e))
		}
	}
	return out
}

// OpenBreaks implements OpenLister: the unresolved entries of the leg
// between leftSide and rightSide, in the order they were raised.
func (q *MemoryQueue) OpenBreaks(ctx context.Context, leftSide, rightSide string) ([]Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []Entry
	for _, id := range q.order {
		if e := q.entries[id]; e.Resolution == nil && e.Break.LeftSide == leftSide && e.Break.RightSide == rightSide {
			out = append(out, copyEntry(e))
		}
	}
	return out, nil
}

// Len returns how many breaks the queue holds.
func (q *MemoryQueue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.order)
}

// copyEntry returns a copy of e that shares no memory with it.
func copyEntry(e *Entry) Entry {
	c := Entry{Break: copyBreak(e.Break)}
	if e.Resolution != nil {
		r := *e.Resolution
		r.MatchedIDs = slices.Clone(r.MatchedIDs)
		c.Resolution = &r
	}
	return c
}

// copyBreak returns a copy of b that shares no slices with it.
func copyBreak(b Break) Break {
	b.LeftIDs, b.RightIDs = slices.Clone(b.LeftIDs), slices.Clone(b.RightIDs)
	b.Left, b.Right = slices.Clone(b.Left), slices.Clone(b.Right)
	b.Candidates = slices.Clone(b.Candidates)
	return b
}
