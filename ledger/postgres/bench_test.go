package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
	"github.com/accruehq/accrue/ledger/ledgertest"
)

const (
	benchAccounts = 100_000 // accounts in the benchmark store
	benchClients  = 16      // concurrent clients
)

// benchStore returns a store with benchAccounts funded partner accounts
// (plus the hot expense account), on a fresh schema, and a ledger on it.
func benchStore(b *testing.B) (*Store, *ledger.Ledger) {
	b.Helper()
	ctx := context.Background()
	s := newStore(b)
	// The host sizes the definition cache to its chart of accounts, so
	// that writes whose effects all commute skip reading accounts.
	l, err := ledger.New(s, ledger.WithClock(accrue.NewManualClock(t0)), ledger.WithAccountCache(benchAccounts+1))
	if err != nil {
		b.Fatal(err)
	}
	accts := []ledger.Account{{Name: "expenses:commissions", Type: ledger.Expense, Currency: usd}}
	for i := range benchAccounts {
		accts = append(accts, ledger.Account{Name: benchAccount(i), Type: ledger.Liability, Currency: usd})
	}
	for len(accts) > 0 {
		n := min(10_000, len(accts))
		if err := l.CreateAccounts(ctx, accts[:n]); err != nil {
			b.Fatal(err)
		}
		accts = accts[n:]
	}
	var version string
	if err := testPool(b).QueryRow(ctx, "SELECT version()").Scan(&version); err != nil {
		b.Fatal(err)
	}
	b.Logf("server: %s", version)
	return s, l
}

func benchAccount(i int) string { return fmt.Sprintf("liabilities:partners:p-%06d:payable", i) }

// benchTransfer moves units between two random partner accounts (or, hot,
// from the shared expense account to one).
func benchTransfer(rng *rand.Rand, key string, hot bool) ledger.TxInput {
	to := rng.IntN(benchAccounts)
	from := "expenses:commissions"
	if !hot {
		f := rng.IntN(benchAccounts - 1)
		if f >= to {
			f++
		}
		from = benchAccount(f)
	}
	amt := accrue.FromMinorUnits(1+rng.Int64N(10_000), usd)
	return ledger.TxInput{Key: key, Postings: []ledger.Posting{
		{Account: from, Side: ledger.Debit, Amount: amt},
		{Account: benchAccount(to), Side: ledger.Credit, Amount: amt},
	}}
}

// postRetrying posts ins (one Post, or a PostBatch), retrying conflicts
// with the same keys.
func postRetrying(ctx context.Context, l *ledger.Ledger, ins []ledger.TxInput) error {
	for {
		var err error
		if len(ins) == 1 {
			_, err = l.Post(ctx, ins[0])
		} else {
			_, err = l.PostBatch(ctx, ins)
		}
		if !errors.Is(err, ledger.ErrConflict) {
			return err
		}
	}
}

// runClients runs benchClients goroutines sharing b.N operations; op gets
// the client's random source and the operation's number. Beside the
// timing it reports the CPU time per transfer (perOp transfers an
// operation) on both sides of the connection.
func runClients(b *testing.B, perOp int, op func(rng *rand.Rand, n int64) error) {
	b.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, benchClients)
	client := func(c int) {
		defer wg.Done()
		rng := rand.New(rand.NewPCG(uint64(c), 42))
		for {
			n := next.Add(1) - 1
			if n >= int64(b.N) {
				return
			}
			if err := op(rng, n); err != nil {
				errs <- err
				return
			}
		}
	}
	var cpu cpuMeter
	b.ResetTimer()
	cpu.measure(func() {
		for c := range benchClients {
			wg.Add(1)
			go client(c)
		}
		wg.Wait()
	})
	b.StopTimer()
	cpu.report(b, perOp*b.N)
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

// BenchmarkPostBatch: 100 transfers per PostBatch (one database
// transaction per batch, grouped with concurrent ones), 16 clients, random
// accounts among 100,000. Target: >= 20,000 transfers/s.
func BenchmarkPostBatch(b *testing.B) {
	_, l := benchStore(b)
	ctx := context.Background()
	b.ReportAllocs()
	runClients(b, 100, func(rng *rand.Rand, n int64) error {
		ins := make([]ledger.TxInput, 100)
		for i := range ins {
			ins[i] = benchTransfer(rng, fmt.Sprintf("pb-%d-%d", n, i), false)
		}
		return postRetrying(ctx, l, ins)
	})
	b.ReportMetric(float64(b.N)*100/b.Elapsed().Seconds(), "transfers/s")
}

// BenchmarkPost: one transfer per Post, 16 clients, random accounts among
// 100,000. Target: >= 3,000 transfers/s.
func BenchmarkPost(b *testing.B) {
	_, l := benchStore(b)
	ctx := context.Background()
	b.ReportAllocs()
	runClients(b, 1, func(rng *rand.Rand, n int64) error {
		return postRetrying(ctx, l, []ledger.TxInput{benchTransfer(rng, fmt.Sprintf("p-%d", n), false)})
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "transfers/s")
}

// BenchmarkHotAccount: every transfer debits the one shared
// expenses:commissions account; 100 transfers per PostBatch, 16 clients;
// 10% of the batches are sent a second time with the same keys (a client
// retrying after a lost answer). Afterwards the hot account must hold
// exactly the sum of the distinct transfers: no double posting. Target:
// >= 5,000 transfers/s (distinct transfers).
func BenchmarkHotAccount(b *testing.B) {
	s, l := benchStore(b)
	ctx := context.Background()
	var mu sync.Mutex
	var total int64
	b.ReportAllocs()
	runClients(b, 100, func(rng *rand.Rand, n int64) error {
		ins := make([]ledger.TxInput, 100)
		var sum int64
		for i := range ins {
			ins[i] = benchTransfer(rng, fmt.Sprintf("hot-%d-%d", n, i), true)
			u, _ := ins[i].Postings[0].Amount.MinorUnits()
			sum += u
		}
		if err := postRetrying(ctx, l, ins); err != nil {
			return err
		}
		if n%10 == 0 { // the duplicate retry: same keys, same content
			if err := postRetrying(ctx, l, ins); err != nil {
				return err
			}
		}
		mu.Lock()
		total += sum
		mu.Unlock()
		return nil
	})
	b.ReportMetric(float64(b.N)*100/b.Elapsed().Seconds(), "transfers/s")
	st, err := s.ReadAccounts(ctx, []string{"expenses:commissions"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	if got := st[0].Counters.DebitsPosted; got != total {
		b.Fatalf("hot account debited %d minor units, transfers sum to %d: double or lost posting", got, total)
	}
}

// BenchmarkConformance runs the ledger's shared benchmarks on PostgreSQL.
func BenchmarkConformance(b *testing.B) {
	ledgertest.RunBenchmarks(b, func(b *testing.B) ledger.Store { return newStore(b) })
}
