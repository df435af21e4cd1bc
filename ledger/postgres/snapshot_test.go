package postgres

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
	"github.com/accruehq/accrue/ledger/ledgertest"
)

// TestSnapshotRounds: once a store has committed on some accounts, further
// commits on them are decided on its snapshot (one round trip); a second
// store on the same schema makes the first one's snapshot stale, and the
// first store's next round is refused by the database and redone on what
// it holds — every transfer lands once, overdrafts are still refused, the
// chain verifies.
func TestSnapshotRounds(t *testing.T) {
	ctx := context.Background()
	a := newStore(t)
	b, err := New(ctx, testPool(t), WithSchema(a.Schema()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	clock := accrue.NewManualClock(t0)
	la, lb := newLedger(t, a, clock), newLedger(t, b, clock)
	wallet := ledger.Account{Name: "liabilities:wallet", Type: ledger.Liability, Currency: usd, Constraints: ledger.Constraints{NoNegative: true}}
	if err := la.CreateAccounts(ctx, []ledger.Account{wallet, {Name: "expenses:fund", Type: ledger.Expense, Currency: usd}, {Name: "liabilities:out", Type: ledger.Liability, Currency: usd}}); err != nil {
		t.Fatal(err)
	}
	post := func(l *ledger.Ledger, in ledger.TxInput) error {
		_, err := l.Post(ctx, in)
		return err
	}
	// Store a: the first commit reads, the next ones use the snapshot.
	for i := range 5 {
		if err := post(la, transfer(fmt.Sprint("fund-", i), "expenses:fund", "liabilities:wallet", "10.00 USD")); err != nil {
			t.Fatal(err)
		}
	}
	if n := a.rounds.snapshot.Load(); n < 3 {
		t.Errorf("%d rounds on the snapshot after 5 posts to the same accounts, want at least 3", n)
	}
	// Alternate stores, spending from the no-overdraft wallet (checked
	// deltas) and funding it (commuting ones): each switch leaves the
	// other store's snapshot stale.
	spent := 0
	for i := range 20 {
		l := []*ledger.Ledger{la, lb}[i%2]
		var err error
		if i%3 == 2 {
			err = post(l, transfer(fmt.Sprint("fund2-", i), "expenses:fund", "liabilities:wallet", "1.00 USD"))
		} else {
			err = post(l, transfer(fmt.Sprint("spend-", i), "liabilities:wallet", "liabilities:out", "4.00 USD"))
			if err == nil {
				spent++
			} else if !errors.Is(err, ledger.ErrInsufficientFunds) {
				t.Fatalf("spend %d: %v", i, err)
			}
		}
		if err != nil && !errors.Is(err, ledger.ErrInsufficientFunds) {
			t.Fatalf("post %d: %v", i, err)
		}
	}
	if a.rounds.fallback.Load() == 0 {
		t.Error("no round decided on a stale snapshot was redone: the test did not exercise the fallback")
	}
	// Replays on the snapshot: the stored key is found by the database.
	if err := post(la, transfer("fund-0", "expenses:fund", "liabilities:wallet", "10.00 USD")); err != nil {
		t.Fatalf("replay: %v", err)
	}
	bal, err := la.Balance(ctx, "liabilities:out")
	if err != nil {
		t.Fatal(err)
	}
	if want := accrue.FromMinorUnits(int64(spent)*400, usd); !bal.Posted.Equal(want) {
		t.Errorf("spent %s, want %s", bal.Posted, want)
	}
	w, err := la.Balance(ctx, "liabilities:wallet")
	if err != nil {
		t.Fatal(err)
	}
	if w.Posted.IsNegative() {
		t.Errorf("wallet overdrawn: %s", w.Posted)
	}
	if _, err := la.Verify(ctx, 0, 0); err != nil {
		t.Fatal(err)
	}
	ledgertest.CheckInvariants(t, a)
}
