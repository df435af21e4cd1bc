package payout_test

import (
	"errors"
	"testing"
	"time"

	"github.com/accruehq/accrue/payout"
	"github.com/accruehq/accrue/payout/payouttest"
	"pgregory.net/rapid"
)

// TestExecutorStateMachine drives executors, webhooks, bounces, clock
// moves and provider faults in rapid-chosen orders and checks after every
// step that the ledger never contradicts the provider: no key paid twice;
// an item the ledger calls paid was paid by the provider; one it calls
// failed or returned has no money out at the provider; every currency sums
// to zero.
func TestExecutorStateMachine(t *testing.T) { rapid.Check(t, executorMachine) }

// FuzzExecutorStateMachine runs the state machine under go test -fuzz.
func FuzzExecutorStateMachine(f *testing.F) { f.Fuzz(rapid.MakeFuzz(executorMachine)) }

func executorMachine(t *rapid.T) {
	e := newEnv(t, nil, payout.Config{ItemLimit: 2})
	for _, id := range []string{"a", "b", "c"} {
		e.partner(id)
		e.earn(t, id, usd, rapid.Int64Range(100, 10000).Draw(t, "earn"))
	}
	run := e.build(t, "r")
	e.approve(t, run)
	var next []payouttest.Fault
	fake := payouttest.NewFake(e.clock, payouttest.WithName("paypal"),
		payouttest.WithCapabilities(payout.Capabilities{MaxItems: 2, DedupWindow: 24 * time.Hour, Lookup: rapid.Bool().Draw(t, "lookup")}),
		payouttest.WithProgram(func(op, key string) payouttest.Fault {
			if op != "submit" || len(next) == 0 {
				return payouttest.FaultNone
			}
			f := next[0]
			next = next[1:]
			return f
		}))
	var queue []payout.Update
	var batchIDs []string
	for _, b := range run.Batches {
		batchIDs = append(batchIDs, b.ID)
	}
	x := func() *payout.Executor {
		x, err := e.svc.Executor("paypal", fake)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	t.Repeat(map[string]func(*rapid.T){
		"execute": func(t *rapid.T) {
			id := rapid.SampledFrom(batchIDs).Draw(t, "batch")
			if _, err := x().Execute(e.ctx, id); err != nil {
				t.Fatalf("execute %s: %v", id, err)
			}
		},
		"fault": func(t *rapid.T) {
			next = append(next, payouttest.Fault(rapid.IntRange(0, 4).Draw(t, "fault")))
		},
		"clock": func(t *rapid.T) {
			e.clock.Advance(time.Duration(rapid.IntRange(1, 30).Draw(t, "hours")) * time.Hour)
		},
		"bounce": func(t *rapid.T) {
			keys := fake.PaidKeys()
			if len(keys) == 0 {
				return // nothing paid yet: a no-op, not a skip, so fuzzed inputs cannot run out of actions
			}
			if _, err := fake.Bounce(rapid.SampledFrom(keys).Draw(t, "key"), "closed"); errors.Is(err, payout.ErrNotFound) {
				return // the provider forgot the key
			} else if err != nil {
				t.Fatal(err)
			}
		},
		"webhooks": func(t *rapid.T) {
			queue = append(queue, fake.Updates(nil, 0)...)
			if len(queue) == 0 {
				return
			}
			perm := rapid.Permutation(queue).Draw(t, "order")
			dup := rapid.IntRange(0, len(perm)).Draw(t, "dup")
			for _, u := range append(perm, perm[:dup]...) {
				if _, err := x().Apply(e.ctx, u); err != nil {
					t.Fatalf("apply %+v: %v", u, err)
				}
			}
			queue = nil
		},
		"": func(t *rapid.T) {
			if m := fake.MaxPaid(); m > 1 {
				t.Fatalf("a key was paid %d times", m)
			}
			for _, b := range run.Batches {
				sts, err := e.svc.Status(e.ctx, b.ID)
				if err != nil {
					t.Fatal(err)
				}
				for _, st := range sts {
					switch st.State {
					case payout.StatePaid:
						if !fake.EverPaid(st.Key) {
							t.Fatalf("ledger says %s paid, provider never paid it", st.Item)
						}
					case payout.StateFailed, payout.StateReturned:
						if fake.Paid(st.Key) != 0 {
							t.Fatalf("ledger says %s %s, provider has money out", st.Item, st.State)
						}
					}
				}
			}
			checkZeroSum(t, e)
		},
	})
}
