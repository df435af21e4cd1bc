package payouttest_test

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/payout"
	"github.com/accruehq/accrue/payout/payouttest"
)

func TestFakeSettlement(t *testing.T) {
	usd := accrue.MustCurrency("USD")
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	amt := accrue.FromMinorUnits(500, usd)
	item := payout.SubmitItem{Key: "k1", Partner: "p1", Method: payout.PayPal, Amount: amt}
	paid := func(at time.Time) payouttest.SettlementLine {
		return payouttest.SettlementLine{Key: "k1", Ref: "ref-k1", Partner: "p1", Amount: amt, PaidAt: at}
	}
	tests := []struct {
		name  string
		fault payouttest.Fault
		then  func(t *testing.T, f *payouttest.Fake, clock *accrue.ManualClock)
		want  []payouttest.SettlementLine
	}{
		{name: "paid", fault: payouttest.FaultNone, want: []payouttest.SettlementLine{paid(t0)}},
		{name: "answer lost after paying", fault: payouttest.FaultTimeoutAfter, want: []payouttest.SettlementLine{paid(t0)}},
		{name: "timeout before accepting", fault: payouttest.FaultTimeoutBefore, want: nil},
		{name: "refused", fault: payouttest.FaultFail, want: nil},
		{name: "pending, not yet settled", fault: payouttest.FaultPending,
			then: func(t *testing.T, f *payouttest.Fake, clock *accrue.ManualClock) { clock.Advance(30 * time.Minute) },
			want: nil},
		{name: "pending, settled after the delay", fault: payouttest.FaultPending,
			then: func(t *testing.T, f *payouttest.Fake, clock *accrue.ManualClock) { clock.Advance(2 * time.Hour) },
			want: []payouttest.SettlementLine{paid(t0.Add(time.Hour))}},
		{name: "returned by the bank", fault: payouttest.FaultNone,
			then: func(t *testing.T, f *payouttest.Fake, clock *accrue.ManualClock) {
				clock.Advance(48 * time.Hour)
				if _, err := f.Bounce("k1", "account closed"); err != nil {
					t.Fatal(err)
				}
			},
			want: []payouttest.SettlementLine{{Key: "k1", Ref: "ref-k1", Partner: "p1", Amount: amt, PaidAt: t0,
				Returned: true, ReturnedAt: t0.Add(48 * time.Hour), Reason: "account closed"}}},
		{name: "resubmitted after the dedup window", fault: payouttest.FaultNone,
			then: func(t *testing.T, f *payouttest.Fake, clock *accrue.ManualClock) {
				clock.Advance(25 * time.Hour)
				if _, err := f.Submit(t.Context(), []payout.SubmitItem{item}); err != nil {
					t.Fatal(err)
				}
			},
			want: []payouttest.SettlementLine{paid(t0), paid(t0.Add(25 * time.Hour))}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := accrue.NewManualClock(t0)
			f := payouttest.NewFake(clock, payouttest.WithProgram(func(op, key string) payouttest.Fault {
				if op == "submit" {
					return tc.fault
				}
				return payouttest.FaultNone
			}))
			_, _ = f.Submit(t.Context(), []payout.SubmitItem{item}) // unknown outcomes return an error: expected here
			f.SetProgram(nil)
			if tc.then != nil {
				tc.then(t, f, clock)
			}
			got := f.Settlement()
			if diff := cmp.Diff(tc.want, got, cmp.Comparer(func(a, b accrue.Money) bool { return a.Equal(b) })); diff != "" {
				t.Errorf("Settlement (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFakeSettlementTiesOut drives the fake with random submissions,
// faults, bounces and clock moves and checks after every step that its
// settlement report agrees with its payment counters: per key, the lines
// not returned are Paid(key); per partner and currency, their amounts add
// up to PaidTotals; the lines are in time order.
func TestFakeSettlementTiesOut(t *testing.T) {
	usd := accrue.MustCurrency("USD")
	faults := []payouttest.Fault{payouttest.FaultNone, payouttest.FaultTimeoutBefore, payouttest.FaultTimeoutAfter,
		payouttest.FaultFail, payouttest.FaultPending}
	rapid.Check(t, func(t *rapid.T) {
		clock := accrue.NewManualClock(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
		f := payouttest.NewFake(clock)
		keys := rapid.IntRange(1, 6).Draw(t, "keys")
		t.Repeat(map[string]func(*rapid.T){
			"submit": func(t *rapid.T) {
				k := rapid.IntRange(0, keys-1).Draw(t, "key")
				fault := rapid.SampledFrom(faults).Draw(t, "fault")
				f.SetProgram(func(op, key string) payouttest.Fault { return fault })
				item := payout.SubmitItem{Key: "k" + strconv.Itoa(k), Partner: "p" + strconv.Itoa(k%3),
					Amount: accrue.FromMinorUnits(int64(100+k), usd)}
				_, _ = f.Submit(t.Context(), []payout.SubmitItem{item})
				f.SetProgram(nil)
			},
			"bounce": func(t *rapid.T) {
				if paid := f.PaidKeys(); len(paid) > 0 {
					// A key past the dedup window is forgotten: the bank
					// cannot send back what the provider no longer knows.
					if _, err := f.Bounce(rapid.SampledFrom(paid).Draw(t, "paid"), "closed"); err != nil && !errors.Is(err, payout.ErrNotFound) {
						t.Fatal(err)
					}
				}
			},
			"wait": func(t *rapid.T) {
				clock.Advance(time.Duration(rapid.IntRange(1, 30).Draw(t, "hours")) * time.Hour)
			},
			"": func(t *rapid.T) {
				lines := f.Settlement()
				out := map[string]int{}
				totals := map[string]int64{}
				for i, l := range lines {
					if i > 0 && l.PaidAt.Before(lines[i-1].PaidAt) {
						t.Fatalf("line %d paid at %v, before line %d at %v", i, l.PaidAt, i-1, lines[i-1].PaidAt)
					}
					if !f.EverPaid(l.Key) {
						t.Fatalf("line for %s, which the fake never paid", l.Key)
					}
					if !l.Returned {
						out[l.Key]++
						u, _ := l.Amount.MinorUnits()
						totals[l.Partner+"/"+l.Amount.Currency().Code()] += u
					}
				}
				for k := range keys {
					key := "k" + strconv.Itoa(k)
					if out[key] != f.Paid(key) {
						t.Fatalf("%s: %d lines still out, Paid = %d", key, out[key], f.Paid(key))
					}
				}
				if diff := cmp.Diff(f.PaidTotals(), totals); diff != "" {
					t.Fatalf("report totals differ from PaidTotals (-PaidTotals +report):\n%s", diff)
				}
			},
		})
	})
}
