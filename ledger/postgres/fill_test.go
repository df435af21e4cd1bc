package postgres

import (
	"testing"
	"time"
)

// TestFillWaitsForAnsweredCallers: fill takes what is queued, waits (at
// most WithGroupWait) while the group is smaller than the previous round,
// and never waits when it is not.
func TestFillWaitsForAnsweredCallers(t *testing.T) {
	newStore := func(wait time.Duration, answered int64) *Store {
		s := &Store{queue: make(chan *request, 16), stop: make(chan struct{}), maxGroup: 8, groupWait: wait}
		s.answered.Store(answered)
		return s
	}
	// Three answered callers come back, one late: the group takes all.
	s := newStore(time.Second, 3)
	s.queue <- &request{}
	go func() {
		s.queue <- &request{}
		time.Sleep(5 * time.Millisecond)
		s.queue <- &request{}
	}()
	var group []*request
	s.fill(&group)
	if len(group) != 3 {
		t.Errorf("group of %d, want the 3 callers of the previous round", len(group))
	}
	// Nobody comes back: fill gives up after the wait.
	s = newStore(2*time.Millisecond, 5)
	s.queue <- &request{}
	group = group[:0]
	start := time.Now()
	s.fill(&group)
	if len(group) != 1 || time.Since(start) < 2*time.Millisecond {
		t.Errorf("group of %d after %v, want 1 after the 2ms wait", len(group), time.Since(start))
	}
	// A lone caller (previous round answered one) never waits; neither
	// does a store with no wait.
	for _, s := range []*Store{newStore(time.Hour, 1), newStore(0, 5)} {
		s.queue <- &request{}
		group = group[:0]
		done := make(chan struct{})
		go func() { s.fill(&group); close(done) }()
		select {
		case <-done:
		case <-time.After(time.Second):
			t.Fatal("fill waited with nothing to wait for")
		}
	}
	// The group never exceeds WithMaxGroup.
	s = newStore(time.Hour, 100)
	for range 12 {
		s.queue <- &request{}
	}
	group = group[:0]
	s.fill(&group)
	if len(group) != 8 {
		t.Errorf("group of %d, want WithMaxGroup = 8", len(group))
	}
}
