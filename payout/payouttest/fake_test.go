package payouttest_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/payout"
	"github.com/accruehq/accrue/payout/payouttest"
)

func TestFakeConformance(t *testing.T) {
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	payouttest.RunProviderConformance(t, func(t *testing.T) payout.Provider {
		return payouttest.NewFake(accrue.NewManualClock(start))
	})
	t.Run("WithReversalAndSmallBatches", func(t *testing.T) {
		payouttest.RunProviderConformance(t, func(t *testing.T) payout.Provider {
			return payouttest.NewFake(accrue.NewManualClock(start), payouttest.WithCapabilities(payout.Capabilities{
				MaxItems: 1, DedupWindow: time.Hour, Lookup: true, Reversal: true,
			}))
		})
	})
	t.Run("WithoutLookup", func(t *testing.T) {
		payouttest.RunProviderConformance(t, func(t *testing.T) payout.Provider {
			return payouttest.NewFake(accrue.NewManualClock(start), payouttest.WithCapabilities(payout.Capabilities{
				MaxItems: 5, DedupWindow: time.Hour,
			}))
		})
	})
}

func TestFakeFaults(t *testing.T) {
	usd := accrue.MustCurrency("USD")
	item := payout.SubmitItem{Key: "k1", Partner: "p1", Method: payout.PayPal, Amount: accrue.FromMinorUnits(500, usd)}
	tests := []struct {
		name      string
		fault     payouttest.Fault
		wantErr   bool // single-item unknown outcomes surface as an error
		wantPaid  int  // payments after the call
		afterWait int  // payments after the delay passed
		lookup    payout.Status
	}{
		{"none", payouttest.FaultNone, false, 1, 1, payout.StatusPaid},
		{"timeout before", payouttest.FaultTimeoutBefore, true, 0, 0, 255},
		{"timeout after", payouttest.FaultTimeoutAfter, true, 1, 1, payout.StatusPaid},
		{"fail", payouttest.FaultFail, false, 0, 0, payout.StatusFailed},
		{"pending", payouttest.FaultPending, false, 0, 1, payout.StatusPaid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := accrue.NewManualClock(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
			f := payouttest.NewFake(clock, payouttest.WithProgram(func(op, key string) payouttest.Fault {
				if op == "submit" {
					return tc.fault
				}
				return payouttest.FaultNone
			}))
			_, err := f.Submit(t.Context(), []payout.SubmitItem{item})
			if (err != nil) != tc.wantErr {
				t.Fatalf("Submit error = %v, want error %v", err, tc.wantErr)
			}
			if got := f.Paid("k1"); got != tc.wantPaid {
				t.Errorf("Paid = %d, want %d", got, tc.wantPaid)
			}
			clock.Advance(2 * time.Hour)
			if got := f.Paid("k1"); got != tc.afterWait {
				t.Errorf("Paid after delay = %d, want %d", got, tc.afterWait)
			}
			out, err := f.Lookup(t.Context(), "k1")
			if tc.lookup == 255 {
				if err == nil {
					t.Errorf("Lookup found an item the provider never accepted: %+v", out)
				}
				return
			}
			if err != nil || out.Status != tc.lookup {
				t.Errorf("Lookup = %+v, %v; want %s", out, err, tc.lookup)
			}
		})
	}
}

func TestFakeForgetsAfterDedupWindow(t *testing.T) {
	usd := accrue.MustCurrency("USD")
	clock := accrue.NewManualClock(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	f := payouttest.NewFake(clock)
	item := payout.SubmitItem{Key: "k", Partner: "p", Amount: accrue.FromMinorUnits(1, usd)}
	for range 2 {
		if _, err := f.Submit(t.Context(), []payout.SubmitItem{item}); err != nil {
			t.Fatal(err)
		}
	}
	if f.MaxPaid() != 1 {
		t.Fatalf("paid %d times within the window", f.MaxPaid())
	}
	clock.Advance(25 * time.Hour)
	if _, err := f.Submit(t.Context(), []payout.SubmitItem{item}); err != nil {
		t.Fatal(err)
	}
	if f.MaxPaid() != 2 {
		t.Fatalf("after the window a resubmission must pay again (that is the hazard); paid %d", f.MaxPaid())
	}
}

func TestFakeUpdatesDuplicatedAndReordered(t *testing.T) {
	usd := accrue.MustCurrency("USD")
	clock := accrue.NewManualClock(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	f := payouttest.NewFake(clock, payouttest.WithProgram(func(op, key string) payouttest.Fault { return payouttest.FaultPending }))
	if _, err := f.Submit(t.Context(), []payout.SubmitItem{{Key: "k", Partner: "p", Amount: accrue.FromMinorUnits(1, usd)}}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Hour)
	ups := f.Updates(rand.New(rand.NewPCG(1, 2)), 1)
	if len(ups) != 4 {
		t.Fatalf("got %d updates, want pending+paid each twice", len(ups))
	}
	seen := map[string]int{}
	for _, u := range ups {
		seen[u.EventID]++
	}
	for id, n := range seen {
		if n != 2 {
			t.Errorf("event %s delivered %d times", id, n)
		}
	}
}

func TestMemoryStoreConformance(t *testing.T) {
	payouttest.RunStoreConformance(t, func(t *testing.T) payout.Store { return payout.NewMemoryStore() })
}
