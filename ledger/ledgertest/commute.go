package ledgertest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/accruehq/accrue/ledger"
)

// testCommutingDelta: a delta marked Commutes, sent with a stale version,
// is either applied to the current counters with a version bump (a store
// that honours the flag) or refused with ErrConflict leaving everything as
// it was (a store that compares versions anyway). Nothing in between.
func testCommutingDelta(t *testing.T, s ledger.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	f.fund("k1", "liabilities:partners:p-1:payable", 100)
	f.fund("k2", "liabilities:partners:p-2:payable", 50)
	names := []string{"expense:commissions", "liabilities:partners:p-2:payable"}
	before, err := s.ReadAccounts(ctx, names, nil)
	if err != nil {
		t.Fatal(err)
	}
	// k3 moves both accounts on, so the versions read above are stale; k4
	// repeats k3 under another key with deltas built on the stale read.
	tx := f.post(transfer("k3", "expense:commissions", "liabilities:partners:p-2:payable", 7))
	tx.Key, tx.ID, tx.Seq = "k4", "tx-k4", 0
	err = s.Commit(ctx, &ledger.Commit{
		Deltas: []ledger.AccountDelta{
			{Account: names[0], Version: before[0].Version, Delta: ledger.Counters{DebitsPosted: 7}, Commutes: true},
			{Account: names[1], Version: before[1].Version, Delta: ledger.Counters{CreditsPosted: 7}, Commutes: true},
		},
		Txs: []ledger.Transaction{tx},
	})
	mid, rerr := s.ReadAccounts(ctx, names, nil)
	if rerr != nil {
		t.Fatal(rerr)
	}
	wantD, wantC, bump := before[0].Counters.DebitsPosted+7, before[1].Counters.CreditsPosted+7, uint64(1) // k3
	if cs, ok := s.(ledger.CommutingStore); ok && cs.AppliesCommutingDeltas() && err != nil {
		t.Fatalf("the store says it applies commuting deltas, but refused one read at a stale version: %v", err)
	}
	switch {
	case err == nil:
		wantD, wantC, bump = wantD+7, wantC+7, 2
		if _, err := s.TxByKey(ctx, "k4"); err != nil {
			t.Errorf("the commit's transaction: %v", err)
		}
	case errors.Is(err, ledger.ErrConflict):
		if _, err := s.TxByKey(ctx, "k4"); !errors.Is(err, ledger.ErrNotFound) {
			t.Errorf("transaction of a refused commit stored: %v", err)
		}
	default:
		t.Fatalf("Commit of commuting deltas with stale versions = %v, want nil or ErrConflict", err)
	}
	if mid[0].Counters.DebitsPosted != wantD || mid[1].Counters.CreditsPosted != wantC ||
		mid[0].Version != before[0].Version+bump || mid[1].Version != before[1].Version+bump {
		t.Errorf("after commuting deltas (err %v): %+v; want debits %d, credits %d, versions +%d", err, mid, wantD, wantC, bump)
	}
	// Commutes never excuses a missing account.
	err = s.Commit(ctx, &ledger.Commit{Deltas: []ledger.AccountDelta{{Account: "assets:nowhere", Delta: ledger.Counters{DebitsPosted: 1}, Commutes: true}}})
	if !errors.Is(err, ledger.ErrConflict) {
		t.Errorf("commuting delta for a missing account: %v, want ErrConflict", err)
	}
}

// testCommutingOverflow: a commuting delta that would take a counter
// beyond int64 is refused with ErrConflict, with nothing of its commit
// written; through the ledger the same posting is an ErrOverflow.
func testCommutingOverflow(t *testing.T, s ledger.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	big := int64(math.MaxInt64 - 10)
	f.post(transfer("big", "assets:cash", "expense:commissions", big))
	before, err := s.ReadAccounts(ctx, []string{"assets:cash"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tx := f.post(transfer("small", "assets:cash", "expense:commissions", 1))
	tx.Key, tx.ID, tx.Seq = "over", "tx-over", 0
	err = s.Commit(ctx, &ledger.Commit{
		Deltas: []ledger.AccountDelta{{Account: "assets:cash", Version: before[0].Version, Delta: ledger.Counters{DebitsPosted: 100}, Commutes: true}},
		Txs:    []ledger.Transaction{tx},
	})
	if !errors.Is(err, ledger.ErrConflict) {
		t.Fatalf("Commit of a commuting delta beyond int64 = %v, want ErrConflict", err)
	}
	after, _ := s.ReadAccounts(ctx, []string{"assets:cash"}, nil)
	if after[0].Counters.DebitsPosted != big+1 {
		t.Errorf("debits posted %d after a refused overflow, want %d", after[0].Counters.DebitsPosted, big+1)
	}
	if _, err := s.TxByKey(ctx, "over"); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("transaction of a refused commit stored: %v", err)
	}
	if _, err := f.l.Post(ctx, transfer("over2", "assets:cash", "expense:commissions", 100)); !errors.Is(err, ledger.ErrOverflow) {
		t.Errorf("Post beyond int64 = %v, want ErrOverflow", err)
	}
}

// testHotAccount: many writers debit one shared account with no
// constraints (the commission expense every accrual touches), crediting
// no-overdraft partner payables, and a tenth of the posts are sent twice
// (a retry after a lost answer). Every distinct transfer lands once; the
// shared account holds exactly their sum.
func testHotAccount(t *testing.T, s ledger.Store) {
	ctx := context.Background()
	f := newFixture(t, s)
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			payable := fmt.Sprintf("liabilities:partners:p-%d:payable", 1+w%2)
			for i := range each {
				in := transfer(fmt.Sprintf("hot-%d-%d", w, i), "expense:commissions", payable, int64(1+i))
				tx, err := f.l.Post(ctx, in)
				if err == nil && i%10 == 0 {
					var again ledger.Transaction
					again, err = f.l.Post(ctx, in)
					if err == nil && again.ID != tx.ID {
						err = fmt.Errorf("retry of %s returned %s, a second transaction", tx.ID, again.ID)
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	perWorker := int64(each * (each + 1) / 2)
	if got := f.posted("expense:commissions"); got != workers*perWorker {
		t.Errorf("hot account posted %d, want %d (lost or double posting)", got, workers*perWorker)
	}
	for _, p := range []string{"liabilities:partners:p-1:payable", "liabilities:partners:p-2:payable"} {
		if got := f.posted(p); got != workers/2*perWorker {
			t.Errorf("%s posted %d, want %d", p, got, workers/2*perWorker)
		}
	}
	if n := f.count(); n != workers*each {
		t.Errorf("%d transactions, want %d", n, workers*each)
	}
}
