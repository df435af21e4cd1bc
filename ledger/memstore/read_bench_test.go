package memstore

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
)

// BenchmarkRead lists pages of 1,000 transactions and of 1,000 entries
// from a store of 10,000 two-posting transactions with DefaultIDs,
// committed with and without the KeyedIDs promise: the second keeps their
// keys only and computes each ID (a SHA-256) when it is read, which is
// what the 16 bytes per transaction it saves cost.
func BenchmarkRead(b *testing.B) {
	for _, keyed := range []bool{false, true} {
		b.Run("keyed="+strconv.FormatBool(keyed), func(b *testing.B) {
			usd := accrue.MustCurrency("USD")
			ctx := context.Background()
			s := New()
			if err := s.Commit(ctx, &ledger.Commit{NewAccounts: []ledger.Account{
				{Name: "assets:a", Type: ledger.Asset, Currency: usd}, {Name: "assets:b", Type: ledger.Asset, Currency: usd}}}); err != nil {
				b.Fatal(err)
			}
			t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			amt := accrue.FromMinorUnits(5, usd)
			for i := range 10 {
				txs := make([]ledger.Transaction, 1000)
				for j := range txs {
					k := "k" + strconv.Itoa(i*1000+j)
					txs[j] = ledger.Transaction{ID: ledger.DefaultID(k), Key: k, Kind: ledger.KindPosted, EffectiveAt: t0, RecordedAt: t0,
						Postings: []ledger.Posting{{Account: "assets:a", Side: ledger.Debit, Amount: amt}, {Account: "assets:b", Side: ledger.Credit, Amount: amt}}}
				}
				if err := s.Commit(ctx, &ledger.Commit{Txs: txs, KeyedIDs: keyed}); err != nil {
					b.Fatal(err)
				}
			}
			var txs []ledger.Transaction
			var entries []ledger.Entry
			var err error
			b.ReportAllocs()
			for b.Loop() {
				if txs, err = s.Transactions(ctx, ledger.TxFilter{Limit: 1000}, txs); err != nil || len(txs) != 1000 {
					b.Fatal(len(txs), err)
				}
				if entries, err = s.Entries(ctx, ledger.EntryFilter{Account: "assets:a", Limit: 1000}, entries); err != nil || len(entries) != 1000 {
					b.Fatal(len(entries), err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(2000*b.N), "ns/item")
		})
	}
}
