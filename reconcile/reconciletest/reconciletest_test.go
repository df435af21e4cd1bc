package reconciletest_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accruehq/accrue/reconcile"
	"github.com/accruehq/accrue/reconcile/reconciletest"
)

// bugEnv names the bug TestHostQueueConformance plants in its queue; empty
// (as in a normal test run) means none.
const bugEnv = "RECONCILETEST_BUG"

// TestHostQueueConformance runs the suite against mapQueue, a queue written
// as a host would write one; with bugEnv set (by
// TestSuiteCatchesBrokenQueues, in a child process) the queue has that bug.
func TestHostQueueConformance(t *testing.T) {
	bug := os.Getenv(bugEnv)
	reconciletest.RunQueueConformance(t, func(t *testing.T) reconcile.Queue {
		return &mapQueue{bug: bug, m: map[string]*reconcile.Entry{}}
	})
}

// TestSuiteCatchesBrokenQueues runs TestHostQueueConformance in a child
// process once per bug and checks that the suite fails it, in the subtest
// named.
func TestSuiteCatchesBrokenQueues(t *testing.T) {
	if os.Getenv(bugEnv) != "" {
		t.Fatalf("%s is set in the parent test process", bugEnv)
	}
	bugs := []struct{ bug, subtest string }{
		{"overwrite", "Raise"},
		{"raise-keeps-resolution", "Raise"},
		{"reresolve", "Resolve"},
		{"lenient", "Resolve"},
		{"resolve-unknown", "Resolve"},
		{"get-unknown", "Get"},
		{"alias", "Copies"},
		{"ignore-context", "Context"},
		{"racy-raise", "ConcurrentRaise"},
		{"racy-resolve", "ConcurrentResolve"},
		{"lists-resolved", "OpenLister"},
	}
	for _, tc := range bugs {
		t.Run(tc.bug, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestHostQueueConformance$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), bugEnv+"="+tc.bug)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed a queue with bug %q:\n%s", tc.bug, out)
			}
			if want := "--- FAIL: TestHostQueueConformance/" + tc.subtest + " "; !strings.Contains(string(out), want) {
				t.Fatalf("bug %q: no %q in the output:\n%s", tc.bug, want, out)
			}
		})
	}
}

// mapQueue is a reconcile.Queue and reconcile.OpenLister over a map under
// a mutex; bug plants one of the faults TestSuiteCatchesBrokenQueues lists.
type mapQueue struct {
	mu    sync.Mutex
	m     map[string]*reconcile.Entry
	order []string
	bug   string
}

func (q *mapQueue) ctxErr(ctx context.Context) error {
	if q.bug == "ignore-context" {
		return nil
	}
	return ctx.Err()
}

func (q *mapQueue) Raise(ctx context.Context, b reconcile.Break) (reconcile.Entry, bool, error) {
	if err := q.ctxErr(ctx); err != nil {
		return reconcile.Entry{}, false, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if e, ok := q.m[b.ID]; ok {
		switch q.bug {
		case "overwrite":
			e.Break = clone(b)
		case "raise-keeps-resolution":
			e.Resolution = b.Resolution
		}
		return q.out(e), false, nil
	}
	if q.bug == "racy-raise" { // checked, then inserted later: not atomic
		q.mu.Unlock()
		time.Sleep(time.Millisecond)
		q.mu.Lock()
	}
	e := &reconcile.Entry{Break: clone(b)}
	if q.bug == "alias" {
		e.Break = b
	}
	if q.bug != "raise-keeps-resolution" {
		e.Break.Resolution = nil
	} else {
		e.Resolution = b.Resolution
	}
	if _, ok := q.m[b.ID]; !ok {
		q.order = append(q.order, b.ID)
	}
	q.m[b.ID] = e
	return q.out(e), true, nil
}

func (q *mapQueue) Resolve(ctx context.Context, id string, r reconcile.Resolution) error {
	if err := q.ctxErr(ctx); err != nil {
		return err
	}
	if err := r.Validate(); err != nil && q.bug != "lenient" {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	e, ok := q.m[id]
	if !ok {
		if q.bug == "resolve-unknown" {
			return nil
		}
		return fmt.Errorf("%w: %s", reconcile.ErrUnknownBreak, id)
	}
	if e.Resolution != nil && q.bug != "reresolve" {
		if e.Resolution.Equal(r) {
			return nil
		}
		return fmt.Errorf("%w: %s", reconcile.ErrAlreadyResolved, id)
	}
	if q.bug == "racy-resolve" { // checked, then written later: not atomic
		q.mu.Unlock()
		time.Sleep(time.Millisecond)
		q.mu.Lock()
	}
	if q.bug != "alias" {
		r.MatchedIDs = slices.Clone(r.MatchedIDs)
	}
	e.Resolution = &r
	return nil
}

func (q *mapQueue) Get(ctx context.Context, id string) (reconcile.Entry, bool, error) {
	if err := q.ctxErr(ctx); err != nil {
		return reconcile.Entry{}, false, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	e, ok := q.m[id]
	if !ok {
		if q.bug == "get-unknown" {
			return reconcile.Entry{}, false, fmt.Errorf("%w: %s", reconcile.ErrUnknownBreak, id)
		}
		return reconcile.Entry{}, false, nil
	}
	return q.out(e), true, nil
}

func (q *mapQueue) OpenBreaks(ctx context.Context, left, right string) ([]reconcile.Entry, error) {
	if err := q.ctxErr(ctx); err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []reconcile.Entry
	for _, id := range q.order {
		e := q.m[id]
		if (e.Resolution == nil || q.bug == "lists-resolved") && e.Break.LeftSide == left && e.Break.RightSide == right {
			out = append(out, q.out(e))
		}
	}
	return out, nil
}

// out returns what the queue hands out for e: a copy (with bug "alias",
// e itself).
func (q *mapQueue) out(e *reconcile.Entry) reconcile.Entry {
	if q.bug == "alias" {
		return *e
	}
	c := reconcile.Entry{Break: clone(e.Break)}
	if e.Resolution != nil {
		r := *e.Resolution
		r.MatchedIDs = slices.Clone(r.MatchedIDs)
		c.Resolution = &r
	}
	return c
}

// clone copies b's slices.
func clone(b reconcile.Break) reconcile.Break {
	b.LeftIDs, b.RightIDs = slices.Clone(b.LeftIDs), slices.Clone(b.RightIDs)
	b.Left, b.Right, b.Candidates = slices.Clone(b.Left), slices.Clone(b.Right), slices.Clone(b.Candidates)
	return b
}
