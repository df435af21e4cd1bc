package ledger_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/accruehq/accrue/ledger"
)

func TestHoldBatch(t *testing.T) {
	const (
		payable = "liabilities:partners:p-1:payable"
		cash    = "assets:cash"
		exp     = "expense:commissions"
	)
	expiring := func(in ledger.TxInput) ledger.TxInput { in.ExpiresAt = t0.Add(time.Hour); return in }
	tests := []struct {
		name string
		// before runs on the funded ledger (100.00 payable) before the batch.
		before    func(ctx context.Context, l *ledger.Ledger) error
		batch     []ledger.TxInput
		want      error  // nil: the batch succeeds
		wantText  string // the error's whole text, if want is set
		available string // payable's available balance afterwards
		pendOut   string // payable's pending out afterwards
		txs       int    // transactions stored afterwards (the funding one included)
	}{
		{
			name:      "two holds reserve together",
			batch:     []ledger.TxInput{transfer("h1", payable, cash, "30.00"), expiring(transfer("h2", payable, cash, "70.00"))},
			available: "0.00 USD", pendOut: "100.00 USD", txs: 3,
		},
		{
			name:      "together they overdraw: nothing is held",
			batch:     []ledger.TxInput{transfer("h1", payable, cash, "60.00"), transfer("h2", payable, cash, "40.01")},
			want:      ledger.ErrInsufficientFunds,
			wantText:  `ledger: batch tx 1 "h2": insufficient funds: account liabilities:partners:p-1:payable: balance would be -0.01 USD, no_negative 0.00 USD`,
			available: "100.00 USD", pendOut: "0.00 USD", txs: 1,
		},
		{
			name: "a replayed batch writes nothing",
			before: func(ctx context.Context, l *ledger.Ledger) error {
				_, err := l.HoldBatch(ctx, []ledger.TxInput{transfer("h1", payable, cash, "30.00"), transfer("h2", payable, cash, "20.00")})
				return err
			},
			batch:     []ledger.TxInput{transfer("h1", payable, cash, "30.00"), transfer("h2", payable, cash, "20.00")},
			available: "50.00 USD", pendOut: "50.00 USD", txs: 3,
		},
		{
			name: "a partly stored batch writes only the new holds",
			before: func(ctx context.Context, l *ledger.Ledger) error {
				_, err := l.Hold(ctx, transfer("h1", payable, cash, "30.00"))
				return err
			},
			batch:     []ledger.TxInput{transfer("h1", payable, cash, "30.00"), transfer("h2", payable, cash, "70.00")},
			available: "0.00 USD", pendOut: "100.00 USD", txs: 3,
		},
		{
			name: "a key stored as a posted transaction conflicts",
			before: func(ctx context.Context, l *ledger.Ledger) error {
				_, err := l.Post(ctx, transfer("h1", exp, cash, "1.00"))
				return err
			},
			batch:     []ledger.TxInput{transfer("h2", payable, cash, "1.00"), transfer("h1", exp, cash, "1.00")},
			want:      ledger.ErrIdempotencyConflict,
			wantText:  `ledger: batch tx 1 "h1": idempotency key "h1" reused with different content (original tx-33112ee14ee469c3eb52fe90322ec81d): kind differ`,
			available: "100.00 USD", pendOut: "0.00 USD", txs: 2,
		},
		{
			name:      "a key repeated in the batch",
			batch:     []ledger.TxInput{transfer("h1", payable, cash, "1.00"), transfer("h1", payable, cash, "1.00")},
			want:      ledger.ErrInvalidInput,
			wantText:  `ledger: batch tx 1 "h1": invalid input: key repeated in the same batch`,
			available: "100.00 USD", pendOut: "0.00 USD", txs: 1,
		},
		{
			name:      "empty batch",
			available: "100.00 USD", pendOut: "0.00 USD", txs: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			l, _ := newTestLedger(t)
			if _, err := l.Post(ctx, transfer("fund", exp, payable, "100.00")); err != nil {
				t.Fatal(err)
			}
			if tt.before != nil {
				if err := tt.before(ctx, l); err != nil {
					t.Fatal(err)
				}
			}
			txs, err := l.HoldBatch(ctx, tt.batch)
			switch {
			case tt.want != nil:
				var te *ledger.TxError
				if !errors.Is(err, tt.want) || !errors.As(err, &te) || err.Error() != tt.wantText {
					t.Fatalf("got %v, want %v: %q", err, tt.want, tt.wantText)
				}
			case err != nil:
				t.Fatal(err)
			case len(txs) != len(tt.batch):
				t.Fatalf("%d transactions for %d inputs", len(txs), len(tt.batch))
			}
			for i, tx := range txs {
				if tx.Kind != ledger.KindPending || tx.Key != tt.batch[i].Key || !tx.ExpiresAt.Equal(tt.batch[i].ExpiresAt) {
					t.Fatalf("tx %d: %+v", i, tx)
				}
				if st, err := l.PendingStatus(ctx, tx.ID); err != nil || st != ledger.PendingOpen {
					t.Fatalf("tx %d: status %v %v", i, st, err)
				}
			}
			b, err := l.Balance(ctx, payable)
			if err != nil || b.Available.String() != tt.available || b.PendingOut.String() != tt.pendOut {
				t.Fatalf("balance available %v pending out %v (%v), want %s / %s", b.Available, b.PendingOut, err, tt.available, tt.pendOut)
			}
			p, err := l.Transactions(ctx, ledger.TxQuery{})
			if err != nil || len(p.Txs) != tt.txs {
				t.Fatalf("%d transactions stored (%v), want %d", len(p.Txs), err, tt.txs)
			}
		})
	}
}

// TestHoldBatchResolvesEachHold checks that the holds of one batch are
// resolved independently: one posted, one voided.
func TestHoldBatchResolvesEachHold(t *testing.T) {
	ctx := context.Background()
	l, _ := newTestLedger(t)
	const payable, cash = "liabilities:partners:p-1:payable", "assets:cash"
	if _, err := l.Post(ctx, transfer("fund", "expense:commissions", payable, "10.00")); err != nil {
		t.Fatal(err)
	}
	txs, err := l.HoldBatch(ctx, []ledger.TxInput{transfer("h1", payable, cash, "4.00"), transfer("h2", payable, cash, "6.00")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.PostPending(ctx, ledger.PendingInput{Key: "p1", PendingID: txs[0].ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.VoidPending(ctx, ledger.PendingInput{Key: "v2", PendingID: txs[1].ID}); err != nil {
		t.Fatal(err)
	}
	b, err := l.Balance(ctx, payable)
	if err != nil || b.Posted.String() != "6.00 USD" || b.Available.String() != "6.00 USD" || b.PendingOut.String() != "0.00 USD" {
		t.Fatalf("balance %+v %v", b, err)
	}
}
