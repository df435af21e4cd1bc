package reconciletest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/accruehq/accrue/reconcile"
)

// modelEntry is the model's view of one break.
type modelEntry struct {
	b   reconcile.Break
	res *reconcile.Resolution
}

// testStateMachine drives random raises, resolutions and reads against a
// model of the contract and checks every entry (and, for an OpenLister,
// every leg's open list) after each step. All runs share q, each under an
// id prefix of its own.
func testStateMachine(t *testing.T, q reconcile.Queue) {
	ctx := context.Background()
	lister, lists := q.(reconcile.OpenLister)
	runs := 0
	rapid.Check(t, func(t *rapid.T) {
		runs++
		prefix := fmt.Sprintf("sm%d-", runs)
		ids := []string{prefix + "a", prefix + "b", prefix + "c", prefix + "d"}
		model := map[string]*modelEntry{}
		drawID := func(t *rapid.T) string {
			return rapid.SampledFrom(append(ids, prefix+"unknown")).Draw(t, "id")
		}
		t.Repeat(map[string]func(*rapid.T){
			"raise": func(t *rapid.T) {
				id := drawID(t)
				b := sample(id, rapid.IntRange(0, 1).Draw(t, "leg"), rapid.Int64Range(-500, 500).Draw(t, "units"))
				e, created, err := q.Raise(ctx, b)
				if err != nil {
					t.Fatalf("Raise %s: %v", id, err)
				}
				m, known := model[id]
				if created == known {
					t.Fatalf("Raise %s: created %v, but the id was raised before: %v", id, created, known)
				}
				if !known {
					m = &modelEntry{b: b}
					model[id] = m
				}
				checkEntry(t, "Raise "+id, e, m.b, m.res)
			},
			"resolve": func(t *rapid.T) {
				id := drawID(t)
				r := reconcile.Resolution{
					Kind: reconcile.ResolutionKind(rapid.IntRange(0, int(reconcile.Superseded)+1).Draw(t, "kind")),
					By:   rapid.SampledFrom([]string{"", "ana", "bo"}).Draw(t, "by"),
					At:   rapid.SampledFrom([]time.Time{{}, t0, t0.Add(time.Hour)}).Draw(t, "at"),
					Note: rapid.SampledFrom([]string{"", "fee"}).Draw(t, "note"),
				}
				err := q.Resolve(ctx, id, r)
				m, known := model[id]
				invalid := r.Validate() != nil
				switch {
				case invalid && !known:
					if !errors.Is(err, reconcile.ErrInvalidResolution) && !errors.Is(err, reconcile.ErrUnknownBreak) {
						t.Fatalf("Resolve %s with an invalid resolution: %v, want ErrInvalidResolution or ErrUnknownBreak", id, err)
					}
				case invalid:
					if !errors.Is(err, reconcile.ErrInvalidResolution) {
						t.Fatalf("Resolve %s with an invalid resolution: %v, want ErrInvalidResolution", id, err)
					}
				case !known:
					if !errors.Is(err, reconcile.ErrUnknownBreak) {
						t.Fatalf("Resolve %s (never raised): %v, want ErrUnknownBreak", id, err)
					}
				case m.res == nil:
					if err != nil {
						t.Fatalf("Resolve %s (open): %v", id, err)
					}
					m.res = &r
				case m.res.Equal(r):
					if err != nil {
						t.Fatalf("Resolve %s again with an Equal resolution: %v", id, err)
					}
				default:
					if !errors.Is(err, reconcile.ErrAlreadyResolved) {
						t.Fatalf("Resolve %s (resolved) with another resolution: %v, want ErrAlreadyResolved", id, err)
					}
				}
			},
			"": func(t *rapid.T) {
				for _, id := range append(ids, prefix+"unknown") {
					e, found, err := q.Get(ctx, id)
					m, known := model[id]
					if err != nil || found != known {
						t.Fatalf("Get %s: found %v, %v; raised: %v", id, found, err, known)
					}
					if known {
						checkEntry(t, "Get "+id, e, m.b, m.res)
					}
				}
				if !lists {
					return
				}
				open := map[string]reconcile.Break{}
				for id, m := range model {
					if m.res == nil {
						open[id] = m.b
					}
				}
				for _, leg := range legs {
					checkOpen(t, lister, leg, open, prefix)
				}
			},
		})
	})
}
