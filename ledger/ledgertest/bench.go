package ledgertest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
)

// RunBenchmarks runs the shared benchmarks against the stores newStore
// makes: Post, PostBatch (1,000 two-posting transactions per batch, chain on
// and off), BalanceAsOf over 10,000 entries, and Entries pages. Each reports
// allocations and a domain rate (postings/s, queries/s).
func RunBenchmarks(b *testing.B, newStore func(b *testing.B) ledger.Store) {
	b.Run("Post", func(b *testing.B) {
		l := benchLedger(b, newStore(b), true, 64)
		i := 0
		b.ReportAllocs()
		for b.Loop() {
			in := transfer(fmt.Sprint("k", i), benchAccount(i%64), benchAccount((i+1)%64), 1)
			if _, err := l.Post(context.Background(), in); err != nil {
				b.Fatal(err)
			}
			i++
		}
		b.ReportMetric(float64(2*i)/b.Elapsed().Seconds(), "postings/s")
	})
	for _, chain := range []bool{false, true} {
		b.Run(fmt.Sprintf("PostBatch/chain=%v", chain), func(b *testing.B) {
			l := benchLedger(b, newStore(b), chain, 1000)
			batch := make([]ledger.TxInput, 1000)
			postings := 0
			round := 0
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				for i := range batch {
					batch[i] = transfer(fmt.Sprint("r", round, "-", i), benchAccount(i), benchAccount((i+7)%1000), int64(i+1))
				}
				round++
				b.StartTimer()
				if _, err := l.PostBatch(context.Background(), batch); err != nil {
					b.Fatal(err)
				}
				postings += 2 * len(batch)
			}
			b.ReportMetric(float64(postings)/b.Elapsed().Seconds(), "postings/s")
		})
	}
	b.Run("BalanceAsOf", func(b *testing.B) {
		l := benchLedger(b, newStore(b), false, 2)
		const n = 10000
		batch := make([]ledger.TxInput, 0, 1000)
		for i := range n {
			in := transfer(fmt.Sprint("k", i), benchAccount(0), benchAccount(1), 1)
			in.EffectiveAt = epoch.Add(time.Duration(i) * time.Minute)
			batch = append(batch, in)
			if len(batch) == cap(batch) {
				if _, err := l.PostBatch(context.Background(), batch); err != nil {
					b.Fatal(err)
				}
				batch = batch[:0]
			}
		}
		i := 0
		b.ReportAllocs()
		for b.Loop() {
			if _, err := l.BalanceAsOf(context.Background(), benchAccount(0), epoch.Add(time.Duration(i*7919%n)*time.Minute)); err != nil {
				b.Fatal(err)
			}
			i++
		}
		b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "queries/s")
	})
	b.Run("EntriesPage", func(b *testing.B) {
		l := benchLedger(b, newStore(b), false, 2)
		batch := make([]ledger.TxInput, 1000)
		for i := range batch {
			batch[i] = transfer(fmt.Sprint("k", i), benchAccount(0), benchAccount(1), 1)
		}
		if _, err := l.PostBatch(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
		i := 0
		b.ReportAllocs()
		for b.Loop() {
			if _, err := l.Entries(context.Background(), ledger.EntryQuery{Account: benchAccount(0), After: ledger.MakeCursor(uint64(i%900), 0), Limit: 100}); err != nil {
				b.Fatal(err)
			}
			i++
		}
		b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "queries/s")
	})
}

func benchAccount(i int) string { return fmt.Sprintf("assets:bench:a-%d", i) }

// benchLedger returns a ledger on s with n asset accounts.
func benchLedger(b *testing.B, s ledger.Store, chain bool, n int) *ledger.Ledger {
	l, err := ledger.New(s, ledger.WithClock(accrue.NewManualClock(epoch.Add(24*time.Hour*365))), ledger.WithChain(chain))
	if err != nil {
		b.Fatal(err)
	}
	accts := make([]ledger.Account, n)
	for i := range accts {
		accts[i] = ledger.Account{Name: benchAccount(i), Type: ledger.Asset, Currency: usd}
	}
	if err := l.CreateAccounts(context.Background(), accts); err != nil {
		b.Fatal(err)
	}
	return l
}
