package payouttest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/payout"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// RunStoreConformance checks a payout.Store against its contract; newStore
// makes a fresh, empty store per subtest. It checks that runs are saved
// atomically and idempotently (the same run again is a no-op, other content
// under the same id is ErrBatchExists), batches and runs read back equal
// and unknown ids give ErrNotFound, provider keys find their items,
// approvals keep their order and refuse a duplicate with
// ErrDuplicateApproval, events are marked seen idempotently, and returned
// values are copies.
func RunStoreConformance(t *testing.T, newStore func(t *testing.T) payout.Store) {
	t.Helper()
	ctx := context.Background()
	usd := accrue.MustCurrency("USD")
	run := func(id string, amount int64) payout.Run {
		b := payout.Batch{ID: id + ":b1", Run: id, Period: "2026-11", Creator: "maker", Provider: "paypal", Method: payout.PayPal, Currency: usd,
			Created: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC),
			Items: []payout.Item{{ID: id + ":i1", Partner: "p1", Key: id + "-key-1", Details: map[string]string{"email": "p1@example.com"},
				Gross: accrue.FromMinorUnits(amount, usd), Net: accrue.FromMinorUnits(amount, usd), Amount: accrue.FromMinorUnits(amount, usd)}},
			Total: accrue.FromMinorUnits(amount, usd)}
		b.Hash = b.ContentHash()
		return payout.Run{ID: id, Period: "2026-11", Batches: []payout.Batch{b},
			Held: []payout.Skipped{{Partner: "p2", Account: "liabilities:partners:p2:payable", Amount: accrue.FromMinorUnits(5, usd), Reason: "dispute"}}}
	}
	opts := cmp.Options{cmp.Comparer(func(a, b accrue.Money) bool { return a.Equal(b) }), cmp.Comparer(func(a, b accrue.Currency) bool { return a == b }), cmpopts.EquateEmpty()}

	t.Run("PutRunIdempotentAndReadBack", func(t *testing.T) {
		s := newStore(t)
		r := run("r1", 100)
		for range 2 {
			if err := s.PutRun(ctx, r); err != nil {
				t.Fatalf("PutRun: %v", err)
			}
		}
		got, err := s.Run(ctx, "r1")
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(r, got, opts); d != "" {
			t.Errorf("Run (-put +got):\n%s", d)
		}
		b, err := s.Batch(ctx, "r1:b1")
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(r.Batches[0], b, opts); d != "" {
			t.Errorf("Batch (-put +got):\n%s", d)
		}
		b.Items[0].Details["email"] = "changed"
		again, _ := s.Batch(ctx, "r1:b1")
		if again.Items[0].Details["email"] != "p1@example.com" {
			t.Error("Batch returned the store's own map, not a copy")
		}
		if err := s.PutRun(ctx, run("r1", 200)); !errors.Is(err, payout.ErrBatchExists) {
			t.Errorf("PutRun with other content: %v, want ErrBatchExists", err)
		}
	})
	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Run(ctx, "nope"); !errors.Is(err, payout.ErrNotFound) {
			t.Errorf("Run: %v", err)
		}
		if _, err := s.Batch(ctx, "nope"); !errors.Is(err, payout.ErrNotFound) {
			t.Errorf("Batch: %v", err)
		}
		if _, _, err := s.Item(ctx, "nope"); !errors.Is(err, payout.ErrNotFound) {
			t.Errorf("Item: %v", err)
		}
		if err := s.AddApproval(ctx, "nope", payout.Approval{Approver: "a"}); !errors.Is(err, payout.ErrNotFound) {
			t.Errorf("AddApproval on a missing batch: %v", err)
		}
	})
	t.Run("ItemByKey", func(t *testing.T) {
		s := newStore(t)
		if err := s.PutRun(ctx, run("r1", 100)); err != nil {
			t.Fatal(err)
		}
		b, i, err := s.Item(ctx, "r1-key-1")
		if err != nil || b != "r1:b1" || i != "r1:i1" {
			t.Errorf("Item = %q, %q, %v", b, i, err)
		}
	})
	t.Run("Approvals", func(t *testing.T) {
		s := newStore(t)
		r := run("r1", 100)
		if err := s.PutRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		want := []payout.Approval{{Approver: "a", At: at, Hash: r.Batches[0].Hash}, {Approver: "b", At: at, Hash: r.Batches[0].Hash}}
		for _, a := range want {
			if err := s.AddApproval(ctx, "r1:b1", a); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.AddApproval(ctx, "r1:b1", want[0]); !errors.Is(err, payout.ErrDuplicateApproval) {
			t.Errorf("second approval by a: %v", err)
		}
		got, err := s.Approvals(ctx, "r1:b1")
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("Approvals (-want +got):\n%s", d)
		}
	})
	t.Run("SeenEvents", func(t *testing.T) {
		s := newStore(t)
		for i := range 2 {
			if err := s.MarkSeen(ctx, "paypal", "ev-1"); err != nil {
				t.Fatalf("MarkSeen %d: %v", i, err)
			}
		}
		for _, c := range []struct {
			provider, id string
			want         bool
		}{{"paypal", "ev-1", true}, {"paypal", "ev-2", false}, {"wise", "ev-1", false}} {
			if got, err := s.Seen(ctx, c.provider, c.id); err != nil || got != c.want {
				t.Errorf("Seen(%s, %s) = %v, %v; want %v", c.provider, c.id, got, err, c.want)
			}
		}
	})
	t.Run("Context", func(t *testing.T) {
		s := newStore(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := s.PutRun(cctx, run("r1", 1)); !errors.Is(err, context.Canceled) {
			t.Errorf("PutRun with a cancelled context: %v", err)
		}
	})
}
