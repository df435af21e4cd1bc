package filestore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/accruehq/accrue/examples/custom-store/filestore"
	"github.com/accruehq/accrue/ledger"
	"github.com/accruehq/accrue/ledger/ledgertest"
	"github.com/accruehq/accrue/ledger/memstore"
)

// BenchmarkConformance runs the ledger's shared benchmarks on the file
// store: every commit waits for its fsync, so Post measures the disk.
func BenchmarkConformance(b *testing.B) {
	ledgertest.RunBenchmarks(b, func(b *testing.B) ledger.Store {
		s, err := filestore.Open(filepath.Join(b.TempDir(), "ledger.jsonl"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		return s
	})
}

// BenchmarkConformanceMemstore is the baseline: the same benchmarks on the
// in-memory store, which does everything the file store does but write.
func BenchmarkConformanceMemstore(b *testing.B) {
	ledgertest.RunBenchmarks(b, func(*testing.B) ledger.Store { return memstore.New() })
}

// BenchmarkOpen measures replaying a file of 10,000 transactions (10
// batches of 1,000).
func BenchmarkOpen(b *testing.B) {
	path := filepath.Join(b.TempDir(), "ledger.jsonl")
	s, err := filestore.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	l := newLedger(b, s)
	const n = 10_000
	batch := make([]ledger.TxInput, 1000)
	for round := range n / len(batch) {
		for i := range batch {
			batch[i] = transfer(fmt.Sprint(round, "-", i), "assets:cash", fmt.Sprintf("liabilities:partners:p-%d:payable", i%50), int64(i+1))
		}
		if _, err := l.PostBatch(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
	s.Close()
	opened := 0
	b.ReportAllocs()
	for b.Loop() {
		s, err := filestore.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
		opened++
	}
	b.ReportMetric(float64(opened*n)/b.Elapsed().Seconds(), "txs/s")
}
