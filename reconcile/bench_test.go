package reconcile

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accruehq/accrue/internal/cputime"
)

// peakSampler samples the heap while a benchmark runs.
type peakSampler struct {
	stop chan struct{}
	wg   sync.WaitGroup
	peak atomic.Uint64
}

func startPeak() *peakSampler {
	p := &peakSampler{stop: make(chan struct{})}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if v := ms.HeapInuse; v > p.peak.Load() {
				p.peak.Store(v)
			}
			select {
			case <-p.stop:
				return
			case <-t.C:
			}
		}
	}()
	return p
}

func (p *peakSampler) done() uint64 {
	close(p.stop)
	p.wg.Wait()
	return p.peak.Load()
}

func benchRun(b *testing.B, n int, cfg Config) {
	g := generate(genConfig{n: n, seed: 7})
	rc, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	records := float64(len(g.internal) + len(g.external))
	runtime.GC()
	b.ReportAllocs()
	peak := startPeak()
	c0, ok0 := cputime.Process()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	gc0 := ms.NumGC
	for b.Loop() {
		if _, err := rc.Run(context.Background(), Side{Name: "internal", Records: g.internal}, Side{Name: "external", Records: g.external}); err != nil {
			b.Fatal(err)
		}
	}
	if c1, ok1 := cputime.Process(); ok0 && ok1 {
		b.ReportMetric((c1-c0).Seconds()/float64(b.N), "cpu-s/op")
	}
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.NumGC-gc0)/float64(b.N), "gc/op")
	b.ReportMetric(float64(peak.done())/(1<<20), "peak-heap-MB")
	b.ReportMetric(records*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkReconcile runs 1,000,000 internal against about 1,000,000
// external records in memory with the default rules; one op is a whole run.
// peak-heap-MB includes the input records; cpu-s/op is the process CPU time
// per run (the garbage collector's included), which the wall clock of a
// shared, loaded machine hides.
func BenchmarkReconcile(b *testing.B) { benchRun(b, 1_000_000, benchConfig()) }

// BenchmarkPrepare is the baseline: converting and ordering the same two
// sides canonically, the floor every run pays before matching.
func BenchmarkPrepare(b *testing.B) {
	g := generate(genConfig{n: 1_000_000, seed: 7})
	sides := []Side{{Name: "internal", Records: g.internal}, {Name: "external", Records: g.external}}
	records := float64(len(g.internal) + len(g.external))
	runtime.GC()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := prepareAll(sides); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(records*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// writeCSV writes records as id,reference,amount,currency,date,counterparty.
func writeCSV(b *testing.B, path string, recs []Record) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("id,reference,amount,currency,date,counterparty\n")
	for i := range recs {
		r := &recs[i]
		ref := ""
		if len(r.References) > 0 {
			ref = r.References[0]
		}
		c := r.Amount.Currency()
		fmt.Fprintf(w, "%s,%s,%s,%s,%s,%s\n", r.ID, ref, r.Amount.Amount().StringFixed(c.MinorUnits()), c.Code(), r.Date.Format("2006-01-02"), r.Counterparty)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}

func csvMapping(file string) Mapping {
	return Mapping{File: file, Header: true, ID: Named("id"), References: []Column{Named("reference")},
		Amount: Named("amount"), Currency: Named("currency"), Date: Named("date"), Counterparty: Named("counterparty")}
}

// BenchmarkReconcileCSV is BenchmarkReconcile with both sides read from CSV
// files (written to b.TempDir during setup); one op reads both files, one
// goroutine each, and runs the reconciliation.
func BenchmarkReconcileCSV(b *testing.B) {
	g := generate(genConfig{n: 1_000_000, seed: 7})
	dir := b.TempDir()
	paths := [2]string{filepath.Join(dir, "internal.csv"), filepath.Join(dir, "external.csv")}
	writeCSV(b, paths[0], g.internal)
	writeCSV(b, paths[1], g.external)
	rows := float64(len(g.internal) + len(g.external))
	g = nil
	rc, err := New(benchConfig())
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	b.ReportAllocs()
	peak := startPeak()
	for b.Loop() {
		var sides [2]Side
		var errs [2]error
		var wg sync.WaitGroup
		for i, name := range []string{"internal", "external"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				f, err := os.Open(paths[i])
				if err != nil {
					errs[i] = err
					return
				}
				defer f.Close()
				recs, bad, err := ReadCSV(bufio.NewReaderSize(f, 1<<20), csvMapping(paths[i]))
				if err == nil && len(bad) > 0 {
					err = bad[0]
				}
				sides[i], errs[i] = Side{Name: name, Records: recs}, err
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				b.Fatal(err)
			}
		}
		if _, err := rc.Run(context.Background(), sides[0], sides[1]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(peak.done())/(1<<20), "peak-heap-MB")
	b.ReportMetric(rows*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkReadCSV is the CSV baseline: reading the internal file alone.
func BenchmarkReadCSV(b *testing.B) {
	g := generate(genConfig{n: 200_000, seed: 7})
	path := filepath.Join(b.TempDir(), "internal.csv")
	writeCSV(b, path, g.internal)
	b.ReportAllocs()
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := ReadCSV(bufio.NewReaderSize(f, 1<<20), csvMapping(path)); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
	b.ReportMetric(float64(len(g.internal))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
