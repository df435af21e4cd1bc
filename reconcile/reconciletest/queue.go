package reconciletest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/internal/racer"
	"github.com/accruehq/accrue/reconcile"
)

var (
	t0  = time.Date(2026, 3, 31, 17, 0, 0, 0, time.UTC)
	usd = accrue.MustCurrency("USD")
)

// legs are the two legs the suite's breaks belong to, as (left, right)
// side names.
var legs = [2][2]string{{"ledger", "provider"}, {"provider", "bank"}}

// sample returns an amount break of leg (0 or 1) over one record each side,
// units apart, with every field set, including those a queue need not keep.
func sample(id string, leg int, units int64) reconcile.Break {
	return reconcile.Break{
		ID: id, Reason: reconcile.ReasonAmount, LeftSide: legs[leg][0], RightSide: legs[leg][1],
		LeftIDs: []string{id + "-l"}, RightIDs: []string{id + "-r1", id + "-r2"}, Left: []int{0}, Right: []int{1, 2},
		LeftTotal: accrue.FromMinorUnits(10_000, usd), RightTotal: accrue.FromMinorUnits(10_000+units, usd),
		Difference: accrue.FromMinorUnits(units, usd), Date: t0.AddDate(0, 0, -3), Age: 3,
		Candidates: []reconcile.Candidate{{Side: legs[leg][1], ID: "cand", Index: 7}},
	}
}

// kept compares breaks on the fields a queue must keep.
var kept = cmp.Options{
	cmp.Comparer(func(a, b accrue.Money) bool { return a.Equal(b) }),
	cmpopts.IgnoreFields(reconcile.Break{}, "Left", "Right", "Age", "Candidates", "Resolution"),
	cmpopts.EquateEmpty(),
}

// RunQueueConformance checks a reconcile.Queue against its contract (see
// the package documentation); newQueue returns a fresh, empty queue for
// each subtest.
func RunQueueConformance(t *testing.T, newQueue func(t *testing.T) reconcile.Queue) {
	t.Helper()
	t.Run("Raise", func(t *testing.T) { testRaise(t, newQueue(t)) })
	t.Run("Resolve", func(t *testing.T) { testResolve(t, newQueue(t)) })
	t.Run("Get", func(t *testing.T) { testGet(t, newQueue(t)) })
	t.Run("Copies", func(t *testing.T) { testCopies(t, newQueue(t)) })
	t.Run("Context", func(t *testing.T) { testContext(t, newQueue(t)) })
	t.Run("ConcurrentRaise", func(t *testing.T) { testConcurrentRaise(t, newQueue(t)) })
	t.Run("ConcurrentResolve", func(t *testing.T) { testConcurrentResolve(t, newQueue(t)) })
	// One more queue, to learn whether the implementation lists.
	if _, ok := newQueue(t).(reconcile.OpenLister); ok {
		t.Run("OpenLister", func(t *testing.T) { testOpenLister(t, newQueue(t).(reconcile.OpenLister)) })
	}
	t.Run("StateMachine", func(t *testing.T) { testStateMachine(t, newQueue(t)) })
	t.Run("WithReconciler", func(t *testing.T) { testWithReconciler(t, newQueue(t)) })
}

// mustRaise raises b and fails the test unless it was created.
func mustRaise(t *testing.T, q reconcile.Queue, b reconcile.Break) {
	t.Helper()
	if _, created, err := q.Raise(context.Background(), b); err != nil || !created {
		t.Fatalf("Raise %s of a new id: created %v, %v", b.ID, created, err)
	}
}

// wantEntry fails the test unless the queue holds id with break b and
// resolution res (nil: open).
func wantEntry(t *testing.T, q reconcile.Queue, b reconcile.Break, res *reconcile.Resolution) {
	t.Helper()
	e, found, err := q.Get(context.Background(), b.ID)
	if err != nil || !found {
		t.Fatalf("Get %s: found %v, %v", b.ID, found, err)
	}
	checkEntry(t, "Get "+b.ID, e, b, res)
}

// fataler is what the checks need of a *testing.T or a *rapid.T.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

// checkEntry fails the test unless e holds break b and resolution res.
func checkEntry(t fataler, what string, e reconcile.Entry, b reconcile.Break, res *reconcile.Resolution) {
	t.Helper()
	if d := cmp.Diff(b, e.Break, kept); d != "" {
		t.Fatalf("%s: break (-want +got):\n%s", what, d)
	}
	if msg := diffResolution(res, e.Resolution); msg != "" {
		t.Fatalf("%s: %s", what, msg)
	}
}

// diffResolution says how got differs from want, or "" when they are Equal
// (or both nil).
func diffResolution(want, got *reconcile.Resolution) string {
	switch {
	case want == nil && got == nil:
		return ""
	case want == nil:
		return fmt.Sprintf("resolution %+v, want open", *got)
	case got == nil:
		return fmt.Sprintf("open, want resolution %+v", *want)
	case !want.Equal(*got):
		return fmt.Sprintf("resolution %+v, want %+v", *got, *want)
	}
	return ""
}

func testRaise(t *testing.T, q reconcile.Queue) {
	ctx := context.Background()
	b := sample("b1", 0, 100)
	e, created, err := q.Raise(ctx, b)
	if err != nil || !created {
		t.Fatalf("first Raise: created %v, %v", created, err)
	}
	checkEntry(t, "first Raise", e, b, nil)

	// The same id with other content: the first stays.
	e, created, err = q.Raise(ctx, sample("b1", 1, 999))
	if err != nil || created {
		t.Fatalf("second Raise: created %v, %v; want the stored entry", created, err)
	}
	checkEntry(t, "second Raise", e, b, nil)
	wantEntry(t, q, b, nil)

	// A resolution on the raised break is ignored: breaks are raised open.
	c := sample("b2", 0, 5)
	c.Resolution = &reconcile.Resolution{Kind: reconcile.WriteOff, By: "someone", At: t0}
	e, created, err = q.Raise(ctx, c)
	if err != nil || !created {
		t.Fatalf("Raise with a resolution set: created %v, %v", created, err)
	}
	checkEntry(t, "Raise with a resolution set", e, c, nil)
	wantEntry(t, q, c, nil)

	// Raising a resolved break again keeps its resolution.
	res := reconcile.Resolution{Kind: reconcile.AcceptDifference, By: "ana@finance", At: t0, Note: "fee"}
	if err := q.Resolve(ctx, "b1", res); err != nil {
		t.Fatal(err)
	}
	e, created, err = q.Raise(ctx, b)
	if err != nil || created {
		t.Fatalf("Raise of a resolved break: created %v, %v", created, err)
	}
	checkEntry(t, "Raise of a resolved break", e, b, &res)
	wantEntry(t, q, b, &res)
}

func testResolve(t *testing.T, q reconcile.Queue) {
	ctx := context.Background()
	valid := reconcile.Resolution{Kind: reconcile.ManualMatch, By: "ana@finance", At: t0,
		Amount: accrue.FromMinorUnits(250, usd), MatchedIDs: []string{"e7", "e9"}, Note: "matched by hand"}
	if err := q.Resolve(ctx, "never-raised", valid); !errors.Is(err, reconcile.ErrUnknownBreak) {
		t.Fatalf("Resolve of an unknown id: %v, want ErrUnknownBreak", err)
	}
	b := sample("b1", 0, 250)
	mustRaise(t, q, b)
	invalid := map[string]reconcile.Resolution{
		"no kind":      {By: "ana", At: t0},
		"unknown kind": {Kind: 200, By: "ana", At: t0},
		"no author":    {Kind: reconcile.WriteOff, At: t0},
		"no time":      {Kind: reconcile.WriteOff, By: "ana"},
	}
	for name, r := range invalid {
		if err := q.Resolve(ctx, "b1", r); !errors.Is(err, reconcile.ErrInvalidResolution) {
			t.Fatalf("Resolve with %s: %v, want ErrInvalidResolution", name, err)
		}
		wantEntry(t, q, b, nil)
	}
	if err := q.Resolve(ctx, "b1", valid); err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	wantEntry(t, q, b, &valid)

	// An Equal resolution again succeeds (the same instant in another
	// zone is the same time); a different one is refused.
	again := valid
	again.At = t0.In(time.FixedZone("CEST", 2*3600))
	again.MatchedIDs = []string{"e7", "e9"}
	if err := q.Resolve(ctx, "b1", again); err != nil {
		t.Fatalf("repeating an Equal resolution: %v", err)
	}
	for name, change := range map[string]func(*reconcile.Resolution){
		"kind":   func(r *reconcile.Resolution) { r.Kind = reconcile.WriteOff },
		"author": func(r *reconcile.Resolution) { r.By = "bo@finance" },
		"time":   func(r *reconcile.Resolution) { r.At = t0.Add(time.Second) },
		"amount": func(r *reconcile.Resolution) { r.Amount = accrue.FromMinorUnits(251, usd) },
		"ids":    func(r *reconcile.Resolution) { r.MatchedIDs = []string{"e7"} },
		"note":   func(r *reconcile.Resolution) { r.Note = "other" },
	} {
		other := valid
		other.MatchedIDs = []string{"e7", "e9"}
		change(&other)
		if err := q.Resolve(ctx, "b1", other); !errors.Is(err, reconcile.ErrAlreadyResolved) {
			t.Fatalf("second resolution with another %s: %v, want ErrAlreadyResolved", name, err)
		}
		wantEntry(t, q, b, &valid)
	}
}

func testGet(t *testing.T, q reconcile.Queue) {
	ctx := context.Background()
	if e, found, err := q.Get(ctx, "never-raised"); err != nil || found {
		t.Fatalf("Get of an unknown id: %+v, found %v, %v; want not found and no error", e, found, err)
	}
	bs := []reconcile.Break{sample("b1", 0, 1), sample("b2", 1, 2), sample("b3", 0, 3)}
	for _, b := range bs {
		mustRaise(t, q, b)
	}
	for _, b := range bs {
		wantEntry(t, q, b, nil)
	}
}

func testCopies(t *testing.T, q reconcile.Queue) {
	ctx := context.Background()
	in := sample("b1", 0, 100)
	want := sample("b1", 0, 100)
	mustRaise(t, q, in)
	in.LeftIDs[0], in.RightIDs[1] = "changed", "changed"
	wantEntry(t, q, want, nil)

	e, _, err := q.Get(ctx, "b1")
	if err != nil {
		t.Fatal(err)
	}
	e.Break.LeftIDs[0], e.Break.RightIDs[0] = "changed", "changed"
	wantEntry(t, q, want, nil)

	res := reconcile.Resolution{Kind: reconcile.ManualMatch, By: "ana", At: t0, MatchedIDs: []string{"e1", "e2"}}
	wantRes := res
	wantRes.MatchedIDs = []string{"e1", "e2"}
	if err := q.Resolve(ctx, "b1", res); err != nil {
		t.Fatal(err)
	}
	res.MatchedIDs[0] = "changed"
	wantEntry(t, q, want, &wantRes)
	e, _, err = q.Get(ctx, "b1")
	if err != nil || e.Resolution == nil {
		t.Fatalf("Get: %+v, %v", e, err)
	}
	e.Resolution.MatchedIDs[1] = "changed"
	e.Resolution.Note = "changed"
	wantEntry(t, q, want, &wantRes)
}

func testContext(t *testing.T, q reconcile.Queue) {
	bg := context.Background()
	done, cancel := context.WithCancel(bg)
	cancel()
	b := sample("b1", 0, 1)
	if _, _, err := q.Raise(done, b); !errors.Is(err, context.Canceled) {
		t.Fatalf("Raise with a cancelled context: %v, want context.Canceled", err)
	}
	if _, found, err := q.Get(bg, "b1"); err != nil || found {
		t.Fatalf("after a cancelled Raise: found %v, %v; want nothing stored", found, err)
	}
	mustRaise(t, q, b)
	res := reconcile.Resolution{Kind: reconcile.WriteOff, By: "ana", At: t0}
	if err := q.Resolve(done, "b1", res); !errors.Is(err, context.Canceled) {
		t.Fatalf("Resolve with a cancelled context: %v, want context.Canceled", err)
	}
	wantEntry(t, q, b, nil)
	if _, _, err := q.Get(done, "b1"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Get with a cancelled context: %v, want context.Canceled", err)
	}
	if l, ok := q.(reconcile.OpenLister); ok {
		if _, err := l.OpenBreaks(done, legs[0][0], legs[0][1]); !errors.Is(err, context.Canceled) {
			t.Fatalf("OpenBreaks with a cancelled context: %v, want context.Canceled", err)
		}
	}
	expired, cancel2 := context.WithDeadline(bg, t0)
	defer cancel2()
	if _, _, err := q.Raise(expired, sample("b2", 0, 2)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Raise past the deadline: %v, want context.DeadlineExceeded", err)
	}
	if _, found, err := q.Get(bg, "b2"); err != nil || found {
		t.Fatalf("after a Raise past the deadline: found %v, %v; want nothing stored", found, err)
	}
}

// racers is how many goroutines the race subtests run; raceIDs how many
// breaks they race over.
const (
	racers  = 8
	raceIDs = 24
)

func testConcurrentRaise(t *testing.T, q reconcile.Queue) {
	ctx := context.Background()
	winners := race(t, "Raises creating it", func(g, i int) (bool, error) {
		_, created, err := q.Raise(ctx, sample(fmt.Sprintf("b%d", i), g%2, int64(g+1)))
		return created, err
	})
	for i, g := range winners {
		wantEntry(t, q, sample(fmt.Sprintf("b%d", i), g%2, int64(g+1)), nil)
	}
}

func testConcurrentResolve(t *testing.T, q reconcile.Queue) {
	ctx := context.Background()
	for i := range raceIDs {
		mustRaise(t, q, sample(fmt.Sprintf("b%d", i), 0, 1))
	}
	winners := race(t, "different Resolves", func(g, i int) (bool, error) {
		err := q.Resolve(ctx, fmt.Sprintf("b%d", i), racerResolution(g))
		if errors.Is(err, reconcile.ErrAlreadyResolved) {
			return false, nil
		}
		return err == nil, err
	})
	for i, g := range winners {
		res := racerResolution(g)
		wantEntry(t, q, sample(fmt.Sprintf("b%d", i), 0, 1), &res)
	}
}

// race runs racers goroutines, released together, each calling try(g, i)
// for every id i in the same order (so that they race on every id), and
// returns the racer whose try won each id. It fails t on an error or
// unless exactly one racer won each id.
func race(t *testing.T, what string, try func(g, i int) (bool, error)) []int {
	t.Helper()
	won := make([][]bool, racers)
	for g := range won {
		won[g] = make([]bool, raceIDs)
	}
	err := racer.Run(racers, raceIDs, func(g, i int) (err error) {
		won[g][i], err = try(g, i)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	winners := make([]int, raceIDs)
	for i := range raceIDs {
		n := 0
		for g := range racers {
			if won[g][i] {
				n, winners[i] = n+1, g
			}
		}
		if n != 1 {
			t.Fatalf("break b%d: %d %s, want exactly 1", i, n, what)
		}
	}
	return winners
}

// racerResolution is racer g's resolution, different from every other
// racer's.
func racerResolution(g int) reconcile.Resolution {
	return reconcile.Resolution{Kind: reconcile.Adjust, By: fmt.Sprintf("racer-%d", g), At: t0.Add(time.Duration(g) * time.Minute)}
}

func testOpenLister(t *testing.T, q reconcile.OpenLister) {
	ctx := context.Background()
	queue := q.(reconcile.Queue)
	open := map[string]reconcile.Break{}
	for i, b := range []reconcile.Break{sample("a1", 0, 1), sample("a2", 0, 2), sample("a3", 0, 3), sample("c1", 1, 4), sample("c2", 1, 5)} {
		mustRaise(t, queue, b)
		open[b.ID] = b
		if i%2 == 1 { // a2 and c1
			if err := queue.Resolve(ctx, b.ID, reconcile.Resolution{Kind: reconcile.WriteOff, By: "ana", At: t0}); err != nil {
				t.Fatal(err)
			}
			delete(open, b.ID)
		}
	}
	checkOpen(t, q, legs[0], open, "")
	checkOpen(t, q, legs[1], open, "")
	if got, err := q.OpenBreaks(ctx, legs[0][1], legs[0][0]); err != nil || len(got) != 0 {
		t.Fatalf("OpenBreaks of the reversed leg: %d entries, %v; want none (a leg has a direction)", len(got), err)
	}
}

// checkOpen fails t unless OpenBreaks of leg lists, among the ids starting
// with prefix, exactly the breaks of open on that leg, each open.
func checkOpen(t fataler, q reconcile.OpenLister, leg [2]string, open map[string]reconcile.Break, prefix string) {
	t.Helper()
	got, err := q.OpenBreaks(context.Background(), leg[0], leg[1])
	if err != nil {
		t.Fatalf("OpenBreaks %s/%s: %v", leg[0], leg[1], err)
	}
	seen := map[string]bool{}
	for _, e := range got {
		if !strings.HasPrefix(e.Break.ID, prefix) {
			continue
		}
		b, ok := open[e.Break.ID]
		if !ok || b.LeftSide != leg[0] || b.RightSide != leg[1] {
			t.Fatalf("OpenBreaks %s/%s lists %s, which is not an open break of that leg", leg[0], leg[1], e.Break.ID)
		}
		if seen[e.Break.ID] {
			t.Fatalf("OpenBreaks %s/%s lists %s twice", leg[0], leg[1], e.Break.ID)
		}
		seen[e.Break.ID] = true
		checkEntry(t, "OpenBreaks "+e.Break.ID, e, b, nil)
	}
	for id, b := range open {
		if b.LeftSide == leg[0] && b.RightSide == leg[1] && !seen[id] {
			t.Fatalf("OpenBreaks %s/%s does not list the open break %s", leg[0], leg[1], id)
		}
	}
}
