package payout_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/payout"
	"github.com/accruehq/accrue/payout/payouttest"
)

func TestExecutePaysOnceAcrossFaults(t *testing.T) {
	tests := []struct {
		name  string
		fault payouttest.Fault
		want  payout.ItemState
	}{
		{"ok", payouttest.FaultNone, payout.StatePaid},
		{"timeout before accept", payouttest.FaultTimeoutBefore, payout.StatePaid},
		{"timeout after accept", payouttest.FaultTimeoutAfter, payout.StatePaid},
		{"failed", payouttest.FaultFail, payout.StateFailed},
		{"pending", payouttest.FaultPending, payout.StatePaid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, r := oneItem(t, true)
			first := true
			fake := payouttest.NewFake(e.clock, payouttest.WithProgram(func(op, key string) payouttest.Fault {
				if op == "submit" && first {
					first = false
					return tc.fault
				}
				return payouttest.FaultNone
			}))
			for range 3 { // each round a fresh executor: a crash between rounds
				x, err := e.svc.Executor("paypal", fake)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := x.Execute(e.ctx, r.Batches[0].ID); err != nil {
					t.Fatal(err)
				}
				e.clock.Advance(2 * time.Hour)
			}
			st, err := e.svc.Status(e.ctx, r.Batches[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			if st[0].State != tc.want {
				t.Fatalf("state %s, want %s", st[0].State, tc.want)
			}
			if fake.MaxPaid() > 1 {
				t.Fatal("paid twice")
			}
			wantPayable := int64(0)
			if tc.want == payout.StateFailed {
				wantPayable = 1000
			}
			if got := e.available(t, "liabilities:partners:a:payable"); got != wantPayable {
				t.Errorf("payable %d, want %d", got, wantPayable)
			}
		})
	}
}

func TestExecuteUnknownAfterDedupWindowIsAnException(t *testing.T) {
	e, r := oneItem(t, true)
	fake := payouttest.NewFake(e.clock, payouttest.WithProgram(func(op, key string) payouttest.Fault {
		if op == "submit" {
			return payouttest.FaultTimeoutAfter
		}
		return payouttest.FaultLookupError
	}))
	x, _ := e.svc.Executor("paypal", fake)
	if _, err := x.Execute(e.ctx, r.Batches[0].ID); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(25 * time.Hour)
	rep, err := x.Execute(e.ctx, r.Batches[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Exceptions) != 1 || rep.Submitted != 1 {
		t.Fatalf("report %+v, want one exception", rep)
	}
	if fake.MaxPaid() != 1 {
		t.Fatalf("paid %d times", fake.MaxPaid())
	}
	it := r.Batches[0].Items[0]
	if err := e.svc.Resolve(e.ctx, r.Batches[0].ID, it.ID, payout.Outcome{Status: payout.StatusPaid}); err != nil {
		t.Fatal(err)
	}
	if rep, _ = x.Execute(e.ctx, r.Batches[0].ID); rep.Paid != 1 {
		t.Fatalf("after resolution %+v", rep)
	}
}

func TestApplyUpdatesDedupedOneWayAndCompensating(t *testing.T) {
	e, r := oneItem(t, true)
	fake := payouttest.NewFake(e.clock, payouttest.WithName("paypal"), payouttest.WithProgram(func(op, key string) payouttest.Fault { return payouttest.FaultPending }))
	x, _ := e.svc.Executor("paypal", fake)
	if _, err := x.Execute(e.ctx, r.Batches[0].ID); err != nil {
		t.Fatal(err)
	}
	key := r.Batches[0].Items[0].Key
	up := func(id string, s payout.Status) payout.Update {
		return payout.Update{Provider: "paypal", EventID: id, Key: key, Outcome: payout.Outcome{Status: s, Reason: "bounced"}}
	}
	steps := []struct {
		u       payout.Update
		applied bool
		payable int64
	}{
		{up("e1", payout.StatusPaid), true, 0},
		{up("e1", payout.StatusPaid), false, 0},       // duplicate
		{up("e0", payout.StatusPending), false, 0},    // late
		{up("e2", payout.StatusReturned), true, 1000}, // paid -> returned re-credits
		{up("e3", payout.StatusPaid), false, 1000},    // out of order: no way back
		{up("e4", payout.StatusFailed), false, 1000},
	}
	for i, s := range steps {
		got, err := x.Apply(e.ctx, s.u)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got != s.applied {
			t.Errorf("step %d (%s %s): applied %v, want %v", i, s.u.EventID, s.u.Outcome.Status, got, s.applied)
		}
		if p := e.available(t, "liabilities:partners:a:payable"); p != s.payable {
			t.Errorf("step %d: payable %d, want %d", i, p, s.payable)
		}
	}
	if _, err := x.Apply(e.ctx, payout.Update{Provider: "wise", EventID: "x", Key: key}); !errors.Is(err, payout.ErrWrongProvider) {
		t.Errorf("update from another provider: %v", err)
	}
	if _, err := x.Apply(e.ctx, payout.Update{Provider: "paypal", EventID: "x", Key: "nope", Outcome: payout.Outcome{Status: payout.StatusPaid}}); !errors.Is(err, payout.ErrNotFound) {
		t.Errorf("update for an unknown key: %v", err)
	}
}

// tamperStore returns batches whose first item's amount was changed.
type tamperStore struct{ *payout.MemoryStore }

func (s tamperStore) Batch(ctx context.Context, id string) (payout.Batch, error) {
	b, err := s.MemoryStore.Batch(ctx, id)
	if err == nil && len(b.Items) > 0 {
		b.Items[0].Amount = accrue.FromMinorUnits(999999, b.Items[0].Amount.Currency())
	}
	return b, err
}

func TestExecuteRefusesAnotherProvidersBatch(t *testing.T) {
	e, r := oneItem(t, true)
	fake := payouttest.NewFake(e.clock)
	before := e.txCount(t)
	wrong, _ := e.svc.Executor("wise", fake)
	if _, err := wrong.Execute(e.ctx, r.Batches[0].ID); !errors.Is(err, payout.ErrWrongProvider) {
		t.Fatalf("wrong provider: %v", err)
	}
	if after := e.txCount(t); after != before || fake.MaxPaid() != 0 {
		t.Fatalf("refused execution wrote %d transactions / paid %d", after-before, fake.MaxPaid())
	}
}

// oneItem returns an env where partner "a" earned 10.00 USD and run "r"
// was built (and approved if approve).
func oneItem(t *testing.T, approve bool) (*env, payout.Run) {
	t.Helper()
	e := newEnv(t, nil, payout.Config{})
	e.partner("a")
	e.earn(t, "a", usd, 1000)
	r := e.build(t, "r")
	if approve {
		e.approve(t, r)
	}
	return e, r
}

func TestCancelReverseAndPacing(t *testing.T) {
	e := newEnv(t, nil, payout.Config{ItemLimit: 1})
	for _, id := range []string{"a", "b"} {
		e.partner(id)
		e.earn(t, id, usd, 1000)
	}
	r := e.build(t, "r")
	e.approve(t, r)
	fake := payouttest.NewFake(e.clock, payouttest.WithCapabilities(payout.Capabilities{MaxItems: 5, DedupWindow: time.Hour, Lookup: true, Reversal: true, RateLimit: 4}))
	var slept []time.Duration
	x, _ := e.svc.Executor("paypal", fake, payout.WithSleep(func(ctx context.Context, d time.Duration) error {
		slept = append(slept, d)
		return nil
	}))
	if _, err := x.Execute(e.ctx, r.Batches[0].ID); err != nil {
		t.Fatal(err)
	}
	if len(slept) != 1 || slept[0] != 250*time.Millisecond {
		t.Errorf("paced %v, want one 250ms wait at 4 calls/s", slept)
	}
	// b's batch was never executed: cancel releases its reservation.
	n, err := e.svc.Cancel(e.ctx, r.Batches[1].ID, "period re-run")
	if err != nil || n != 1 {
		t.Fatalf("Cancel = %d, %v", n, err)
	}
	if got := e.available(t, "liabilities:partners:b:payable"); got != 1000 {
		t.Errorf("b's payable after cancel %d, want 1000", got)
	}
	// a was paid: reverse it at the provider.
	out, err := x.Reverse(e.ctx, r.Batches[0].ID, r.Batches[0].Items[0].ID, "paid in error")
	if err != nil || out.Status != payout.StatusReturned {
		t.Fatalf("Reverse = %+v, %v", out, err)
	}
	if got := e.available(t, "liabilities:partners:a:payable"); got != 1000 {
		t.Errorf("a's payable after reversal %d, want 1000", got)
	}
	if _, err := x.Reverse(e.ctx, r.Batches[0].ID, r.Batches[0].Items[0].ID, "again"); !errors.Is(err, payout.ErrIllegalTransition) {
		t.Errorf("second reverse: %v", err)
	}
	rc, err := e.svc.Receipt(e.ctx, r.Batches[0].ID, r.Batches[0].Items[0].ID)
	if err != nil || rc.State != payout.StateReturned || rc.Reason != "paid in error" {
		t.Errorf("receipt %+v, %v", rc, err)
	}
}
