package payout_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/accruehq/accrue/payout"
	"github.com/accruehq/accrue/payout/payouttest"
)

// TestConcurrentExecutorsAndWebhooks races executors, webhook delivery and
// bounces on the same batches (run it with -race): the ledger decides each
// item once, so afterwards nothing is paid twice and the books tie out.
func TestConcurrentExecutorsAndWebhooks(t *testing.T) {
	for seed := range uint64(5) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			e := newEnv(t, nil, payout.Config{ItemLimit: 3})
			earned := map[string]int64{}
			for i := range 6 {
				id := fmt.Sprintf("p%d", i)
				e.partner(id)
				u := 1000 + rng.Int64N(5000)
				e.earn(t, id, usd, u)
				earned[id] = u
			}
			run := e.build(t, "r")
			e.approve(t, run)
			faults := []payouttest.Fault{payouttest.FaultNone, payouttest.FaultTimeoutAfter, payouttest.FaultFail, payouttest.FaultPending}
			fake := payouttest.NewFake(e.clock, payouttest.WithName("paypal"), payouttest.WithDelay(time.Minute),
				payouttest.WithProgram(func(op, key string) payouttest.Fault { // called under the fake's lock
					return faults[rng.IntN(len(faults))]
				}))
			var wg sync.WaitGroup
			for w := range 3 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range 5 {
						x, _ := e.svc.Executor("paypal", fake)
						_, _ = x.Execute(e.ctx, run.Batches[(w+i)%len(run.Batches)].ID)
					}
				}()
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				x, _ := e.svc.Executor("paypal", fake)
				for range 10 {
					e.clock.Advance(30 * time.Second)
					for _, u := range fake.Updates(nil, 0) {
						if _, err := x.Apply(e.ctx, u); err != nil {
							t.Errorf("apply: %v", err)
						}
					}
					if keys := fake.PaidKeys(); len(keys) > 0 {
						_, _ = fake.Bounce(keys[0], "returned by bank")
					}
				}
			}()
			wg.Wait()
			fake.SetProgram(nil)
			recoverRun(t, seed, e, run, fake, func(x *payout.Executor) int {
				for _, u := range fake.Updates(nil, 0) {
					if _, err := x.Apply(e.ctx, u); err != nil {
						t.Fatalf("apply: %v", err)
					}
				}
				return 0
			})
			checkSimulation(t, seed, e, run, fake, earned)
		})
	}
}
