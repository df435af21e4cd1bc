package rulestest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/accruehq/accrue/rules"
	"pgregory.net/rapid"
)

// RunAggregates is the conformance suite for a host's rules.Aggregates:
// newAgg must return a fresh, empty store for every subtest. It checks that
// unknown keys read as zero, that Add sums per key and keeps every field of
// Key apart, that a canceled context is refused, that concurrent Adds all
// count, and (a rapid state machine) that any sequence of Adds reads back as
// a plain map would.
func RunAggregates(t *testing.T, newAgg func() rules.Aggregates) {
	t.Helper()
	ctx := context.Background()
	k := rules.Key{Partner: "p1", Plan: "plan", Scope: "tiers:r", Period: rules.Month, Start: 1767225600}
	t.Run("UnknownKeyIsZero", func(t *testing.T) {
		got, err := newAgg().Get(ctx, k)
		if err != nil || got != (rules.Totals{}) {
			t.Fatalf("Get of a new key = %+v, %v; want zero totals and no error", got, err)
		}
	})
	t.Run("AddSumsAndKeepsKeysApart", func(t *testing.T) {
		a := newAgg()
		others := []rules.Key{k, k, k, k, k}
		others[0].Partner = "p2"
		others[1].Plan = "other"
		others[2].Scope = ""
		others[3].Period = rules.Quarter
		others[4].Start++
		deltas := []rules.Delta{{Key: k, Totals: rules.Totals{Volume: 100, Count: 1, Commission: 10}}, {Key: k, Totals: rules.Totals{Volume: -30, Commission: -3}}}
		for i, o := range others {
			deltas = append(deltas, rules.Delta{Key: o, Totals: rules.Totals{Volume: int64(i + 1)}})
		}
		if err := a.Add(ctx, deltas); err != nil {
			t.Fatal(err)
		}
		if got, _ := a.Get(ctx, k); got != (rules.Totals{Volume: 70, Count: 1, Commission: 7}) {
			t.Errorf("Get = %+v, want {70 1 7}", got)
		}
		for i, o := range others {
			if got, _ := a.Get(ctx, o); got.Volume != int64(i+1) {
				t.Errorf("key %+v: volume %d, want %d", o, got.Volume, i+1)
			}
		}
	})
	t.Run("CanceledContext", func(t *testing.T) {
		a := newAgg()
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := a.Add(cctx, []rules.Delta{{Key: k, Totals: rules.Totals{Count: 1}}}); !errors.Is(err, context.Canceled) {
			t.Errorf("Add with a canceled context: %v", err)
		}
		if got, _ := a.Get(ctx, k); got.Count != 0 {
			t.Errorf("a refused Add counted: %+v", got)
		}
		if _, err := a.Get(cctx, k); !errors.Is(err, context.Canceled) {
			t.Errorf("Get with a canceled context: %v", err)
		}
	})
	t.Run("ConcurrentAdds", func(t *testing.T) {
		a := newAgg()
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 50 {
					if err := a.Add(ctx, []rules.Delta{{Key: k, Totals: rules.Totals{Count: 1}}}); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		if got, _ := a.Get(ctx, k); got.Count != 400 {
			t.Errorf("count %d after 400 concurrent adds", got.Count)
		}
	})
	t.Run("GetManyAgreesWithGet", func(t *testing.T) {
		a := newAgg()
		bg, ok := a.(rules.BatchGetter)
		if !ok {
			t.Skip("the Aggregates does not implement rules.BatchGetter")
		}
		other := k
		other.Partner = "p9"
		if err := a.Add(ctx, []rules.Delta{{Key: k, Totals: rules.Totals{Volume: 5, Count: 1, Commission: 2}}}); err != nil {
			t.Fatal(err)
		}
		keys := []rules.Key{other, k, k}
		dst := make([]rules.Totals, len(keys))
		if err := bg.GetMany(ctx, keys, dst); err != nil {
			t.Fatal(err)
		}
		for i, key := range keys {
			if want, _ := a.Get(ctx, key); dst[i] != want {
				t.Errorf("GetMany[%d] = %+v, Get = %+v", i, dst[i], want)
			}
		}
	})
	t.Run("StateMachine", func(t *testing.T) {
		rapid.Check(t, func(t *rapid.T) {
			a := newAgg()
			model := map[rules.Key]rules.Totals{}
			key := rapid.Custom(func(t *rapid.T) rules.Key {
				return rules.Key{
					Partner: rapid.SampledFrom([]string{"", "p1", "p2"}).Draw(t, "partner"),
					Plan:    "plan",
					Scope:   rapid.SampledFrom([]string{"", "cap:r"}).Draw(t, "scope"),
					Period:  rapid.SampledFrom([]rules.Period{rules.Month, rules.Lifetime}).Draw(t, "period"),
					Start:   rapid.Int64Range(0, 2).Draw(t, "start"),
				}
			})
			t.Repeat(map[string]func(*rapid.T){
				"add": func(t *rapid.T) {
					n := rapid.IntRange(1, 4).Draw(t, "n")
					deltas := make([]rules.Delta, n)
					for i := range deltas {
						deltas[i] = rules.Delta{Key: key.Draw(t, "key"), Totals: rules.Totals{
							Volume: rapid.Int64Range(-1000, 1000).Draw(t, "volume"), Count: rapid.Int64Range(-1, 1).Draw(t, "count"),
							Commission: rapid.Int64Range(-100, 100).Draw(t, "commission")}}
					}
					if err := a.Add(context.Background(), deltas); err != nil {
						t.Fatal(err)
					}
					for _, d := range deltas {
						m := model[d.Key]
						m.Volume, m.Count, m.Commission = m.Volume+d.Totals.Volume, m.Count+d.Totals.Count, m.Commission+d.Totals.Commission
						model[d.Key] = m
					}
				},
				"": func(t *rapid.T) {
					for k, want := range model {
						if got, err := a.Get(context.Background(), k); err != nil || got != want {
							t.Fatalf("Get(%+v) = %+v, %v; model says %+v", k, got, err, want)
						}
					}
				},
			})
		})
	})
}
