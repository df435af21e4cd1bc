package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
	"github.com/accruehq/accrue/ledger/ledgertest"
	"github.com/jackc/pgx/v5"
)

// TestFaultTerminatedBackend cuts the committer's connection mid-batch
// (pg_terminate_backend on its backend pid, from another connection) at
// two points of a commit round: after the reads, and after the writes and
// COMMIT were sent but before their answers were read. The PostBatch that
// was in flight fails with an error that is not a ledger sentinel (outcome
// unknown); retrying it with the same keys neither loses nor duplicates a
// transaction, and the hash chain verifies.
func TestFaultTerminatedBackend(t *testing.T) {
	for _, stage := range []string{"before-writes", "writes-sent"} {
		t.Run(stage, func(t *testing.T) {
			ctx := context.Background()
			s := newStore(t, WithCommitters(1))
			l := newLedger(t, s, accrue.NewManualClock(t0))
			accts := loadAccounts(20)
			if err := l.CreateAccounts(ctx, accts); err != nil {
				t.Fatal(err)
			}
			var rounds, kills atomic.Int32
			const killAt = 3
			s.hook = func(ctx context.Context, at string, conn *pgx.Conn) {
				if at != stage || rounds.Add(1) != killAt {
					return
				}
				pid := conn.PgConn().PID()
				var ok bool
				if err := testPool(t).QueryRow(ctx, "SELECT pg_terminate_backend($1)", pid).Scan(&ok); err != nil || !ok {
					t.Errorf("pg_terminate_backend(%d) = %v, %v", pid, ok, err)
				}
				kills.Add(1)
			}
			var fund []ledger.TxInput
			for i := range 20 {
				fund = append(fund, ledger.TxInput{Key: fmt.Sprintf("fund-%d", i), Postings: []ledger.Posting{
					{Account: "equity:funding", Side: ledger.Debit, Amount: money("1000.00 USD")},
					{Account: fmt.Sprintf("liabilities:wallet:%04d", i), Side: ledger.Credit, Amount: money("1000.00 USD")},
				}})
			}
			if _, err := l.PostBatch(ctx, fund); err != nil {
				t.Fatal(err)
			}
			failed := 0
			for b := range 6 {
				ins := make([]ledger.TxInput, 50)
				for i := range ins {
					ins[i] = walletTransfer(fmt.Sprintf("b%d-%d", b, i), (b+i)%20, (b+i+1)%20, int64(1+i))
				}
				for attempt := 0; ; attempt++ {
					_, err := l.PostBatch(ctx, ins)
					if err == nil {
						break
					}
					if attempt > 3 || errors.Is(err, ledger.ErrInsufficientFunds) {
						t.Fatalf("batch %d attempt %d: %v", b, attempt, err)
					}
					failed++
					t.Logf("batch %d attempt %d failed as expected: %v", b, attempt, err)
				}
			}
			if kills.Load() != 1 || failed == 0 {
				t.Fatalf("%d kills, %d failed attempts; want 1 kill and a failed attempt", kills.Load(), failed)
			}
			keys := replayMatches(t, s, accts)
			if len(keys) != 20+6*50 {
				t.Fatalf("%d transactions stored, want %d", len(keys), 20+6*50)
			}
			ledgertest.CheckInvariants(t, s)
		})
	}
}
