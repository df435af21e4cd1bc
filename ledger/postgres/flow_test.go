package postgres

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
)

var (
	usd = accrue.MustCurrency("USD")
	t0  = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
)

func money(s string) accrue.Money { return accrue.MustParseMoney(s) }

func transfer(key, from, to, amount string) ledger.TxInput {
	return ledger.TxInput{Key: key, Postings: []ledger.Posting{
		{Account: from, Side: ledger.Debit, Amount: money(amount)},
		{Account: to, Side: ledger.Credit, Amount: money(amount)},
	}}
}

func autoAccounts(name string) (ledger.Account, bool) {
	return ledger.Account{Name: name, Type: ledger.Asset, Currency: usd}, true
}

func newLedger(t testing.TB, s ledger.Store, clock accrue.Clock) *ledger.Ledger {
	t.Helper()
	l, err := ledger.New(s, ledger.WithClock(clock), ledger.WithAccountPolicy(autoAccounts))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestPostBalanceReplay(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	clock := accrue.NewManualClock(t0)
	l := newLedger(t, s, clock)
	tx, err := l.Post(ctx, transfer("k1", "assets:a", "assets:b", "10.00 USD"))
	if err != nil {
		t.Fatal(err)
	}
	if tx.Seq != 1 || tx.Hash == [32]byte{} {
		t.Fatalf("seq %d hash %x", tx.Seq, tx.Hash)
	}
	again, err := l.Post(ctx, transfer("k1", "assets:a", "assets:b", "10.00 USD"))
	if err != nil || again.Seq != 1 || again.Hash != tx.Hash {
		t.Fatalf("replay = %+v, %v", again, err)
	}
	_, err = l.Post(ctx, transfer("k1", "assets:a", "assets:b", "11.00 USD"))
	if !errors.Is(err, ledger.ErrIdempotencyConflict) {
		t.Fatalf("reuse with other content: %v", err)
	}
	bal, err := l.Balance(ctx, "assets:a")
	if err != nil || !bal.Posted.Equal(money("10.00 USD")) {
		t.Fatalf("balance a = %+v, %v", bal, err)
	}
	got, err := s.TxByKey(ctx, "k1")
	if err != nil || got.ID != tx.ID || got.Hash != tx.Hash || !got.EffectiveAt.Equal(t0) || got.EffectiveAt.Location() != time.UTC {
		t.Fatalf("TxByKey = %+v, %v", got, err)
	}
	if _, err := s.Tx(ctx, "nope"); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("Tx(missing) = %v", err)
	}
	if _, err := l.Verify(ctx, 0, 0); err != nil {
		t.Fatal(err)
	}
}
