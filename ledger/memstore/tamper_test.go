package memstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
)

// TestVerifyFindsTampering edits stored records behind the ledger's back
// and checks that Verify reports the first break.
func TestVerifyFindsTampering(t *testing.T) {
	usd := accrue.MustCurrency("USD")
	// Edits of stored content run in the conformance suite's Tamper
	// subtest (through tamperable); deleting a record is specific to this
	// store's layout.
	edits := map[string]func(s *Store){
		"delete":       func(s *Store) { s.txs.remove(2) },
		"amount":       func(s *Store) { s.posting(s.txs.at(2), 0).setSigned(999) },
		"recorded at":  func(s *Store) { s.txs.at(2).rec += int64(time.Microsecond) },
		"swap records": func(s *Store) { *s.txs.at(2), *s.txs.at(3) = *s.txs.at(3), *s.txs.at(2) },
	}
	wantSeq := map[string]uint64{"delete": 3, "amount": 3, "recorded at": 3, "swap records": 3}
	for name, edit := range edits {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := New()
			l, err := ledger.New(s, ledger.WithClock(accrue.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))),
				ledger.WithAccountPolicy(func(n string) (ledger.Account, bool) {
					return ledger.Account{Name: n, Type: ledger.Asset, Currency: usd}, true
				}))
			if err != nil {
				t.Fatal(err)
			}
			for i := range 5 {
				_, err := l.Post(ctx, ledger.TxInput{Key: string(rune('a' + i)), Postings: []ledger.Posting{
					{Account: "assets:a", Side: ledger.Debit, Amount: accrue.MustParseMoney("1.00 USD")},
					{Account: "assets:b", Side: ledger.Credit, Amount: accrue.MustParseMoney("1.00 USD")},
				}})
				if err != nil {
					t.Fatal(err)
				}
			}
			if _, err := l.Verify(ctx, 0, 0); err != nil {
				t.Fatalf("before tampering: %v", err)
			}
			s.mu.Lock()
			edit(s)
			s.mu.Unlock()
			res, err := l.Verify(ctx, 0, 0)
			var ce *ledger.ChainError
			if !errors.As(err, &ce) || !errors.Is(err, ledger.ErrChainBroken) {
				t.Fatalf("Verify = %+v, %v; want a *ChainError", res, err)
			}
			if ce.Seq != wantSeq[name] || res.Checked != int(wantSeq[name]-1) {
				t.Fatalf("break at seq %d after %d checked, want %d: %v", ce.Seq, res.Checked, wantSeq[name], err)
			}
		})
	}
}
