package ledger_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
	"github.com/accruehq/accrue/ledger/memstore"
)

var (
	usd = accrue.MustCurrency("USD")
	eur = accrue.MustCurrency("EUR")
	t0  = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
)

func usdm(s string) accrue.Money { return accrue.MustParseMoney(s + " USD") }

// newTestLedger returns a ledger on a fresh memstore with a manual clock and
// the accounts of the architecture's chart for partner p-1. t is a
// *testing.T, *testing.B or *rapid.T.
func newTestLedger(t interface {
	Helper()
	Fatal(...any)
}, opts ...ledger.Option) (*ledger.Ledger, *accrue.ManualClock) {
	t.Helper()
	clock := accrue.NewManualClock(t0)
	l, err := ledger.New(memstore.New(), append([]ledger.Option{ledger.WithClock(clock)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	accts := []ledger.Account{
		{Name: "expense:commissions", Type: ledger.Expense, Currency: usd},
		{Name: "liabilities:partners:p-1:pending", Type: ledger.Liability, Currency: usd},
		{Name: "liabilities:partners:p-1:payable", Type: ledger.Liability, Currency: usd, Constraints: ledger.Constraints{NoNegative: true}},
		{Name: "assets:cash", Type: ledger.Asset, Currency: usd},
	}
	if err := l.CreateAccounts(context.Background(), accts); err != nil {
		t.Fatal(err)
	}
	return l, clock
}

func transfer(key, from, to, amount string) ledger.TxInput {
	return ledger.TxInput{Key: key, Postings: []ledger.Posting{
		{Account: from, Side: ledger.Debit, Amount: usdm(amount)},
		{Account: to, Side: ledger.Credit, Amount: usdm(amount)},
	}}
}

func TestPostBalanceReplay(t *testing.T) {
	ctx := context.Background()
	l, _ := newTestLedger(t)
	in := transfer("k1", "expense:commissions", "liabilities:partners:p-1:payable", "12.34")
	tx, err := l.Post(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if tx.Seq != 1 || tx.Hash == ([32]byte{}) {
		t.Fatalf("seq %d hash %x", tx.Seq, tx.Hash)
	}
	again, err := l.Post(ctx, in)
	if err != nil || again.ID != tx.ID || again.Seq != 1 {
		t.Fatalf("replay: %v %+v", err, again)
	}
	b, err := l.Balance(ctx, "liabilities:partners:p-1:payable")
	if err != nil || b.Posted.String() != "12.34 USD" {
		t.Fatalf("balance %v %v", b.Posted, err)
	}
	_, err = l.Post(ctx, transfer("k1", "expense:commissions", "liabilities:partners:p-1:payable", "12.35"))
	var ic *ledger.IdempotencyConflictError
	if !errors.As(err, &ic) || len(ic.Fields) != 1 || ic.Fields[0] != "postings" {
		t.Fatalf("conflict: %v", err)
	}
	_, err = l.Post(ctx, transfer("k2", "liabilities:partners:p-1:payable", "assets:cash", "20.00"))
	if !errors.Is(err, ledger.ErrInsufficientFunds) {
		t.Fatalf("overdraft: %v", err)
	}
}
