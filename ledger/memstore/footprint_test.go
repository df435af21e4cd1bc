package memstore

import (
	"context"
	"strconv"
	"testing"
	"time"
	"unsafe"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
)

// footprint returns the bytes a store holds in its lists, tables and
// string blocks (capacities, not lengths: what it has paged in or will).
func (s *Store) footprint() int {
	n := chunkedBytes(&s.txs) + chunkedBytes(&s.postings) + chunkedBytes(&s.hashes)
	for _, b := range s.strs.blocks {
		n += cap(b)
	}
	n += 8 * (len(s.byKey.slots) + len(s.byID.slots))
	for _, a := range s.accts {
		n += chunkedBytes(&a.entries) + chunkedBytes(&a.asof)
	}
	return n
}

func chunkedBytes[T any](c *chunked[T]) int {
	n := 0
	for _, ch := range c.chunks {
		n += cap(ch) * int(unsafe.Sizeof(*new(T)))
	}
	return n
}

// BenchmarkFootprint posts batches of 1,000 two-posting accruals (one
// expense account to 1,000 partner payables, keys and default IDs, a
// time of their own per batch, chain off: the shape of the ledger's
// BenchmarkPostBatch) and reports the store's bytes per transaction.
func BenchmarkFootprint(b *testing.B) {
	usd := accrue.MustCurrency("USD")
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var ticks time.Duration
	clock := accrue.ClockFunc(func() time.Time { ticks += time.Microsecond; return t0.Add(ticks) })
	s := New()
	l, err := ledger.New(s, ledger.WithClock(clock), ledger.WithChain(false))
	if err != nil {
		b.Fatal(err)
	}
	names := make([]string, 1000)
	accts := []ledger.Account{{Name: "expenses:commissions", Type: ledger.Expense, Currency: usd}}
	for i := range names {
		names[i] = "liabilities:partners:p-" + strconv.Itoa(i) + ":payable"
		accts = append(accts, ledger.Account{Name: names[i], Type: ledger.Liability, Currency: usd})
	}
	ctx := context.Background()
	if err := l.CreateAccounts(ctx, accts); err != nil {
		b.Fatal(err)
	}
	batch := make([]ledger.TxInput, 1000)
	for i := 0; i < b.N; i++ {
		for j := range batch {
			m := accrue.FromMinorUnits(int64(100+j), usd)
			batch[j] = ledger.TxInput{Key: "r" + strconv.Itoa(i) + "-" + strconv.Itoa(j), Postings: []ledger.Posting{
				{Account: accts[0].Name, Side: ledger.Debit, Amount: m},
				{Account: names[(i*7+j)%len(names)], Side: ledger.Credit, Amount: m}}}
		}
		if _, err := l.PostBatch(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(s.footprint())/float64(len(batch)*b.N), "store-B/tx")
}
