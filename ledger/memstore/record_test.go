package memstore

import (
	"context"
	"errors"
	"testing"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
)

// TestCommitRefusesNonPositiveAmount: a stored posting keeps its side as
// the sign of its amount, so Commit refuses a zero or negative amount
// (which the ledger never sends) instead of storing the wrong side.
func TestCommitRefusesNonPositiveAmount(t *testing.T) {
	ctx := context.Background()
	usd := accrue.MustCurrency("USD")
	s := New()
	accts := []ledger.Account{{Name: "assets:a", Type: ledger.Asset, Currency: usd}, {Name: "assets:b", Type: ledger.Asset, Currency: usd}}
	if err := s.Commit(ctx, &ledger.Commit{NewAccounts: accts}); err != nil {
		t.Fatal(err)
	}
	for _, amt := range []string{"0.00 USD", "-1.00 USD"} {
		tx := ledger.Transaction{ID: "tx-1", Key: "k", Kind: ledger.KindPosted, Postings: []ledger.Posting{
			{Account: "assets:a", Side: ledger.Debit, Amount: accrue.MustParseMoney(amt)},
			{Account: "assets:b", Side: ledger.Credit, Amount: accrue.MustParseMoney(amt)},
		}}
		if err := s.Commit(ctx, &ledger.Commit{Txs: []ledger.Transaction{tx}}); !errors.Is(err, ledger.ErrInvalidAmount) {
			t.Errorf("%s: Commit = %v, want ErrInvalidAmount", amt, err)
		}
	}
	if s.txs.len() != 0 {
		t.Errorf("%d transactions stored", s.txs.len())
	}
}

// TestPostingSide: a posting reads back with the side and amount it was
// stored with.
func TestPostingSide(t *testing.T) {
	for _, side := range []ledger.Side{ledger.Debit, ledger.Credit} {
		for _, units := range []int64{1, 12345, 1 << 62} {
			p := newPosting(nil, units, side)
			if p.side() != side || p.units() != units {
				t.Errorf("newPosting(%d, %v) reads back %d, %v", units, side, p.units(), p.side())
			}
		}
	}
}
