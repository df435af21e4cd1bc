package ledger_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
	"github.com/accruehq/accrue/ledger/memstore"
	"github.com/shopspring/decimal"

	"github.com/accruehq/accrue/internal/cputime"
)

const (
	benchAccounts = 1000 // accounts the batch benchmarks spread postings over
	benchBatch    = 1000 // transactions per batch
)

var benchNames = func() []string {
	names := make([]string, benchAccounts)
	for i := range names {
		names[i] = "liabilities:partners:p-" + strconv.Itoa(i) + ":payable"
	}
	return names
}()

// benchAmounts are reused Money values (as a host would reuse parsed
// amounts), so the benchmarks measure the ledger, not Money construction.
var benchAmounts = func() []accrue.Money {
	out := make([]accrue.Money, 97)
	for i := range out {
		out[i] = accrue.FromMinorUnits(int64(100+i*37), usd)
	}
	return out
}()

// benchLedger returns a ledger on a fresh memstore with benchAccounts
// partner payables (no overdraft allowed) funded from one expense account.
// Its clock moves a microsecond per reading, as a real one would between
// calls, so every call's transactions get an effective time of their own.
func benchLedger(b *testing.B, chain bool) *ledger.Ledger {
	b.Helper()
	var ticks atomic.Int64
	clock := accrue.ClockFunc(func() time.Time { return t0.Add(time.Duration(ticks.Add(1)) * time.Microsecond) })
	l, err := ledger.New(memstore.New(), ledger.WithClock(clock), ledger.WithChain(chain))
	if err != nil {
		b.Fatal(err)
	}
	accts := []ledger.Account{{Name: expense, Type: ledger.Expense, Currency: usd}}
	for _, n := range benchNames {
		accts = append(accts, ledger.Account{Name: n, Type: ledger.Liability, Currency: usd, Constraints: ledger.Constraints{NoNegative: true}})
	}
	if err := l.CreateAccounts(context.Background(), accts); err != nil {
		b.Fatal(err)
	}
	return l
}

// fillBatch writes batch number round: two-posting accruals from the
// expense account to the partner payables, with fresh keys. It reuses the
// postings slices of the round before, as a host that decodes batch after
// batch into one buffer would (the ledger keeps nothing of its input), so
// that the garbage of making the input, done outside the timer, does not
// set off collections inside it.
func fillBatch(batch []ledger.TxInput, round int) {
	prefix := "r" + strconv.Itoa(round) + "-"
	for i := range batch {
		m := benchAmounts[(round+i)%len(benchAmounts)]
		ps := append(batch[i].Postings[:0],
			ledger.Posting{Account: expense, Side: ledger.Debit, Amount: m},
			ledger.Posting{Account: benchNames[(round*7+i)%benchAccounts], Side: ledger.Credit, Amount: m})
		batch[i] = ledger.TxInput{Key: prefix + strconv.Itoa(i), Postings: ps}
	}
}

// BenchmarkPost: one two-posting transaction per call on the in-memory
// store, chain on (the default).
func BenchmarkPost(b *testing.B) {
	l := benchLedger(b, true)
	ctx := context.Background()
	ins := make([]ledger.TxInput, 4096)
	round := 0
	fillBatch(ins, round)
	var cpu cpuMeter
	b.ReportAllocs()
	b.ResetTimer()
	cpu.start()
	for i := 0; i < b.N; i++ {
		if i%len(ins) == 0 && i > 0 {
			b.StopTimer()
			cpu.stop()
			round++
			fillBatch(ins, round)
			cpu.start()
			b.StartTimer()
		}
		if _, err := l.Post(ctx, ins[i%len(ins)]); err != nil {
			b.Fatal(err)
		}
	}
	cpu.stop()
	reportPostings(b, 2*b.N, &cpu)
}

// benchPostBatch posts batches through PostBatchInto with one reused
// BatchBuffer or, with fresh set, through PostBatch.
func benchPostBatch(b *testing.B, chain, fresh bool) {
	l := benchLedger(b, chain)
	ctx := context.Background()
	var buf *ledger.BatchBuffer
	if !fresh {
		buf = new(ledger.BatchBuffer)
	}
	runBatches(b, func(batch []ledger.TxInput) {
		if _, err := l.PostBatchInto(ctx, buf, batch); err != nil {
			b.Fatal(err)
		}
	})
}

// runBatches calls apply b.N times on a fresh batch of benchBatch
// two-posting transactions (filled outside the timer) and reports the
// posting rates.
func runBatches(b *testing.B, apply func(batch []ledger.TxInput)) {
	batch := make([]ledger.TxInput, benchBatch)
	var cpu cpuMeter
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		fillBatch(batch, i)
		cpu.start()
		b.StartTimer()
		apply(batch)
		b.StopTimer()
		cpu.stop()
		b.StartTimer()
	}
	reportPostings(b, 2*benchBatch*b.N, &cpu)
}

// cpuMeter sums the process CPU time over the timed sections of a
// benchmark.
type cpuMeter struct {
	total, at time.Duration
	ok        bool
}

func (m *cpuMeter) start() { m.at, m.ok = cputime.Process() }

func (m *cpuMeter) stop() {
	if now, ok := cputime.Process(); ok && m.ok {
		m.total += now - m.at
	}
}

// reportPostings reports postings/s and ns/posting by the wall clock and,
// where the process CPU time is known, cpu-postings/s: the rate on one core
// that a shared, loaded machine's wall clock hides (it includes the
// garbage collector's work on any core).
func reportPostings(b *testing.B, n int, cpu *cpuMeter) {
	postings := float64(n)
	b.ReportMetric(postings/b.Elapsed().Seconds(), "postings/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/postings, "ns/posting")
	if cpu != nil && cpu.total > 0 {
		b.ReportMetric(postings/cpu.total.Seconds(), "cpu-postings/s")
	}
}

// BenchmarkPostBatch: batches of 1,000 two-posting transactions, chain off,
// idempotency keys and constraint checks on, posted as a host posting batch
// after batch would: through PostBatchInto, with one BatchBuffer for the
// results.
func BenchmarkPostBatch(b *testing.B) { benchPostBatch(b, false, false) }

// BenchmarkPostBatchChained: as BenchmarkPostBatch with the hash chain on.
func BenchmarkPostBatchChained(b *testing.B) { benchPostBatch(b, true, false) }

// BenchmarkPostBatchFresh: as BenchmarkPostBatch through PostBatch, which
// returns every batch's transactions in fresh memory (the difference is the
// cost of allocating, zeroing and collecting ~370 KB of results per batch).
func BenchmarkPostBatchFresh(b *testing.B) { benchPostBatch(b, false, true) }

// BenchmarkBaselineMap: the same postings applied to a plain
// map[string]decimal.Decimal with no checks: the floor.
func BenchmarkBaselineMap(b *testing.B) {
	balances := make(map[string]decimal.Decimal, benchAccounts+1)
	runBatches(b, func(batch []ledger.TxInput) { applyToMap(balances, batch) })
}

// applyToMap is BenchmarkBaselineMap's work on one batch.
func applyToMap(balances map[string]decimal.Decimal, batch []ledger.TxInput) {
	for j := range batch {
		for _, p := range batch[j].Postings {
			amt := p.Amount.Amount()
			if p.Side == ledger.Credit {
				amt = amt.Neg()
			}
			balances[p.Account] = balances[p.Account].Add(amt)
		}
	}
}

// BenchmarkPostBatchVsBaseline times BenchmarkBaselineMap's and
// BenchmarkPostBatch's work on each batch one right after the other and
// reports both and their ratio ("x-baseline"). Run apart, the two
// benchmarks meet different conditions: on a shared machine whose speed
// drifts from minute to minute, and with different garbage collection
// (the baseline's own heap is tiny, so it collects far more often). Here
// both work under the same ones.
func BenchmarkPostBatchVsBaseline(b *testing.B) {
	l := benchLedger(b, false)
	ctx := context.Background()
	var buf ledger.BatchBuffer
	balances := make(map[string]decimal.Decimal, benchAccounts+1)
	batch := make([]ledger.TxInput, benchBatch)
	var ledgerTime, baseTime time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		fillBatch(batch, i)
		b.StartTimer()
		start := time.Now()
		applyToMap(balances, batch)
		mid := time.Now()
		if _, err := l.PostBatchInto(ctx, &buf, batch); err != nil {
			b.Fatal(err)
		}
		ledgerTime += time.Since(mid)
		baseTime += mid.Sub(start)
	}
	postings := float64(2 * benchBatch * b.N)
	b.ReportMetric(float64(ledgerTime.Nanoseconds())/postings, "ns/posting")
	b.ReportMetric(float64(baseTime.Nanoseconds())/postings, "baseline-ns/posting")
	b.ReportMetric(float64(ledgerTime)/float64(baseTime), "x-baseline")
}

// BenchmarkBalanceAsOf: as-of balance of an account with 1,000,000 entries
// (1,000,000 backdated transactions, one posting to it each, each at an
// effective time of its own), at scattered times; the 1,000-entry case
// beside it shows the O(log n) growth. Imported in time order, the
// memstore keeps a checkpoint every 16 entries (a binary search over them,
// then at most 16 entries). In the "unordered" case the second transaction
// is a minute earlier than the first, so the store keeps one point per
// time instead (one binary search over prefix sums).
func BenchmarkBalanceAsOf(b *testing.B) {
	for _, txs := range []int{1000, 1000000} {
		b.Run("entries="+strconv.Itoa(txs), func(b *testing.B) { benchBalanceAsOf(b, txs, 1, false) })
	}
	b.Run("entries=1000000-unordered", func(b *testing.B) { benchBalanceAsOf(b, 1000000, 1, true) })
}

// benchBalanceAsOf imports txs transactions of per postings to the cash
// account, a minute apart (with swap, the first two swap times), and
// queries its balance as of their times.
func benchBalanceAsOf(b *testing.B, txs, per int, swap bool) {
	l, err := ledger.New(memstore.New(), ledger.WithClock(accrue.NewManualClock(t0.Add(24*time.Hour*365*3))), ledger.WithChain(false))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := l.CreateAccounts(ctx, []ledger.Account{
		{Name: expense, Type: ledger.Expense, Currency: usd},
		{Name: cash, Type: ledger.Asset, Currency: usd},
	}); err != nil {
		b.Fatal(err)
	}
	unit := accrue.FromMinorUnits(1, usd)
	total := accrue.FromMinorUnits(int64(per), usd)
	batch := make([]ledger.TxInput, 0, 1000)
	for i := range txs {
		at := i
		if swap && i < 2 {
			at = 1 - i
		}
		in := ledger.TxInput{Key: "import-" + strconv.Itoa(i), EffectiveAt: t0.Add(time.Duration(at) * time.Minute)}
		for range per {
			in.Postings = append(in.Postings, ledger.Posting{Account: cash, Side: ledger.Debit, Amount: unit})
		}
		in.Postings = append(in.Postings, ledger.Posting{Account: expense, Side: ledger.Credit, Amount: total})
		batch = append(batch, in)
		if len(batch) == cap(batch) || i == txs-1 {
			if _, err := l.PostBatch(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	end, err := l.BalanceAsOf(ctx, cash, t0.Add(time.Duration(txs)*time.Minute))
	if got, _ := end.Posted.MinorUnits(); err != nil || got != int64(txs*per) {
		b.Fatalf("setup: %d entries, %v", got, err)
	}
	i := 0
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		h := (i * 7919) % txs
		bal, err := l.BalanceAsOf(ctx, cash, t0.Add(time.Duration(h)*time.Minute))
		if err != nil {
			b.Fatal(err)
		}
		if i == 0 {
			if got, _ := bal.Posted.MinorUnits(); got != int64((h+1)*per) {
				b.Fatalf("as of %d: %d", h, got)
			}
		}
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "queries/s")
}
