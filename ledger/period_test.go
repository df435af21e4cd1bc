package ledger_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/accruehq/accrue/ledger"
)

// TestPeriodClosedByAnotherLedger: a ledger caches the closed-through time to
// save a store read per write; a period closed through another ledger on the
// same store (another process) must still be refused, and a replay of a key
// stored before the close must still return the original.
func TestPeriodClosedByAnotherLedger(t *testing.T) {
	ctx := context.Background()
	a, _ := newTestLedger(t)
	b, err := ledger.New(a.Store())
	if err != nil {
		t.Fatal(err)
	}
	early := t0.Add(-48 * time.Hour)
	in := transfer("before-close", expense, payable, "10.00")
	in.EffectiveAt = early
	orig := mustPost(t, a, in) // a has now cached "nothing closed"

	if err := b.ClosePeriod(ctx, t0.Add(-24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	late := transfer("after-close", expense, payable, "5.00")
	late.EffectiveAt = early.Add(time.Hour)
	if _, err := a.Post(ctx, late); !errors.Is(err, ledger.ErrPeriodClosed) {
		t.Fatalf("post into a period closed by another ledger: %v, want ErrPeriodClosed", err)
	}
	if _, err := a.TxByKey(ctx, "after-close"); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("refused transaction was written: %v", err)
	}
	again, err := a.Post(ctx, in)
	if err != nil || again.ID != orig.ID {
		t.Fatalf("replay after the close: %v (id %s, want %s)", err, again.ID, orig.ID)
	}
	got, err := a.ClosedThrough(ctx)
	if err != nil || !got.Equal(t0.Add(-24*time.Hour)) {
		t.Fatalf("ClosedThrough = %v, %v", got, err)
	}
	open := transfer("open-period", expense, payable, "1.00")
	open.EffectiveAt = t0
	mustPost(t, a, open)
}
