package memstore

import (
	"context"
	"testing"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
)

// TestCommutingDeltaHonoured: memstore applies a commuting delta whatever
// the version it was read at (the conformance suite also accepts a store
// that refuses it), and still compares versions of the others.
func TestCommutingDeltaHonoured(t *testing.T) {
	ctx := context.Background()
	s := New()
	usd := accrue.MustCurrency("USD")
	err := s.Commit(ctx, &ledger.Commit{NewAccounts: []ledger.Account{{Name: "expense:commissions", Type: ledger.Expense, Currency: usd}}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 { // version 1, then stale on purpose
		d := ledger.AccountDelta{Account: "expense:commissions", Version: 1, Delta: ledger.Counters{DebitsPosted: 5}, Commutes: true}
		if err := s.Commit(ctx, &ledger.Commit{Deltas: []ledger.AccountDelta{d}}); err != nil {
			t.Fatalf("commit %d: %v", i, err)
		}
	}
	st, _ := s.ReadAccounts(ctx, []string{"expense:commissions"}, nil)
	if st[0].Counters.DebitsPosted != 15 || st[0].Version != 4 {
		t.Errorf("after three commuting deltas: %+v", st[0])
	}
	d := ledger.AccountDelta{Account: "expense:commissions", Version: 1, Delta: ledger.Counters{DebitsPosted: 5}}
	if err := s.Commit(ctx, &ledger.Commit{Deltas: []ledger.AccountDelta{d}}); err == nil {
		t.Error("a checked delta at a stale version was applied")
	}
}
