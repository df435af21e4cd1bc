package payout_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
	"github.com/accruehq/accrue/payout"

	"github.com/accruehq/accrue/internal/cputime"
)

const benchPartners = 100_000

// benchEnv returns an env with n partners holding seeded payable balances.
func benchEnv(b *testing.B, n int) *env {
	b.Helper()
	e := newEnv(b, nil, payout.Config{ItemLimit: 10_000, Thresholds: []accrue.Money{accrue.FromMinorUnits(1000, usd)}})
	rng := rand.New(rand.NewPCG(1, 2))
	accts := []ledger.Account{{Name: "expense:commissions:usd", Type: ledger.Expense, Currency: usd}}
	for i := range n {
		id := fmt.Sprintf("p%06d", i)
		e.partner(id)
		accts = append(accts, ledger.Account{Name: "liabilities:partners:" + id + ":payable", Type: ledger.Liability, Currency: usd})
	}
	if err := e.l.CreateAccounts(e.ctx, accts); err != nil {
		b.Fatal(err)
	}
	ins := make([]ledger.TxInput, 0, 1000)
	flush := func() {
		if _, err := e.l.PostBatch(e.ctx, ins); err != nil {
			b.Fatal(err)
		}
		ins = ins[:0]
	}
	for i := range n {
		amt := accrue.FromMinorUnits(500+rng.Int64N(100_000), usd)
		ins = append(ins, ledger.TxInput{Key: fmt.Sprintf("earn-%d", i), Postings: []ledger.Posting{
			{Account: "expense:commissions:usd", Side: ledger.Debit, Amount: amt},
			{Account: accts[i+1].Name, Side: ledger.Credit, Amount: amt},
		}})
		if len(ins) == cap(ins) {
			flush()
		}
	}
	if len(ins) > 0 {
		flush()
	}
	return e
}

// BenchmarkBuild builds one run over 100,000 partners with payable
// balances in the in-memory ledger (about 1% below the threshold): reading
// balances, planning, grouping, hashing, the reservation Holds (one
// HoldBatch) and saving the run. Besides partners/s by the wall clock it
// reports cpu-s/op, the process CPU time per build (garbage collection on
// any core included), which a shared, loaded machine's wall clock hides.
func BenchmarkBuild(b *testing.B) {
	b.ReportAllocs()
	var cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		e := benchEnv(b, benchPartners)
		runtime.GC() // the setup's garbage is not the build's
		b.StartTimer()
		c0, ok0 := cputime.Process()
		if _, err := e.svc.Build(e.ctx, payout.BuildRequest{Run: fmt.Sprintf("r%d", i), Period: "2026-11", Creator: "m"}); err != nil {
			b.Fatal(err)
		}
		if c1, ok1 := cputime.Process(); ok0 && ok1 {
			cpu += c1 - c0
		}
	}
	b.ReportMetric(float64(benchPartners)*float64(b.N)/b.Elapsed().Seconds(), "partners/s")
	if cpu > 0 {
		b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	}
}

// BenchmarkBuildBaselineHolds is the baseline beside BenchmarkBuild: only
// 100,000 two-posting ledger Holds without metadata, one call each,
// without planning (Build itself writes its holds, with their lineage
// metadata, in one HoldBatch).
func BenchmarkBuildBaselineHolds(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		e := benchEnv(b, benchPartners)
		if err := e.l.CreateAccount(e.ctx, ledger.Account{Name: "assets:clearing:x:usd", Type: ledger.Asset, Currency: usd}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for j := range benchPartners {
			amt := accrue.FromMinorUnits(100, usd)
			if _, err := e.l.Hold(e.ctx, ledger.TxInput{Key: fmt.Sprintf("h%d", j), Postings: []ledger.Posting{
				{Account: fmt.Sprintf("liabilities:partners:p%06d:payable", j), Side: ledger.Debit, Amount: amt},
				{Account: "assets:clearing:x:usd", Side: ledger.Credit, Amount: amt},
			}}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(benchPartners)*float64(b.N)/b.Elapsed().Seconds(), "partners/s")
}
