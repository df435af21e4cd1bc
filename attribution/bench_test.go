package attribution_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/attribution"
)

const (
	benchConversions = 1_000_000
	benchTouches     = 8
	benchJourneys    = 1_000_000
	benchChannels    = 20
)

// benchSource yields benchConversions conversions of benchTouches touches
// each. Journeys come from a pool of 4096 seeded journeys shared read-only
// between conversions, so the data set costs little memory; amounts vary.
func benchSource() func(yield func(attribution.Conversion, error) bool) {
	rng := rand.New(rand.NewPCG(1, 2))
	pool := make([][]attribution.Touchpoint, 4096)
	for i := range pool {
		ts := make([]attribution.Touchpoint, benchTouches)
		for k := range ts {
			ts[k] = attribution.Touchpoint{
				ID:      fmt.Sprintf("t%d-%d", i, k),
				Partner: fmt.Sprintf("partner-%d", rng.IntN(500)),
				Channel: fmt.Sprintf("channel-%d", rng.IntN(benchChannels)),
				Kind:    attribution.KindClick,
				Time:    conv0.Add(-time.Duration(rng.Int64N(int64(30 * day)))),
			}
		}
		pool[i] = ts
	}
	amounts := make([]accrue.Money, 1<<16)
	for i := range amounts {
		amounts[i] = accrue.FromMinorUnits(rng.Int64N(1_000_000)+1, usd)
	}
	return func(yield func(attribution.Conversion, error) bool) {
		for i := range benchConversions {
			c := attribution.Conversion{
				ID: "c", Customer: "cust", Time: conv0,
				Amount:      amounts[i%len(amounts)],
				Touchpoints: pool[i%len(pool)],
			}
			if !yield(c, nil) {
				return
			}
		}
	}
}

func benchAttribute(b *testing.B, m attribution.Model) {
	src := benchSource()
	a, err := attribution.New(attribution.Options{Model: m, Workers: runtime.GOMAXPROCS(0)})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var total int64
	sum := func(al *attribution.Allocation) error {
		if al.Err != nil {
			return al.Err
		}
		for _, u := range al.Units {
			total += u
		}
		return nil
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := a.Stream(ctx, src, sum); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*benchConversions/b.Elapsed().Seconds(), "conversions/s")
	b.ReportMetric(float64(b.N)*benchConversions*benchTouches/b.Elapsed().Seconds(), "touches/s")
}

// BenchmarkAttribute streams 1,000,000 conversions of 8 touches through the
// time-decay model on all cores; one op is the whole set.
func BenchmarkAttribute(b *testing.B) { benchAttribute(b, attribution.TimeDecay(0)) }

// BenchmarkAttributeLinear is the baseline beside BenchmarkAttribute: the
// same stream with linear weights (no float math), so the cost of time
// decay reads as the difference.
func BenchmarkAttributeLinear(b *testing.B) { benchAttribute(b, attribution.Linear()) }

// benchPaths is benchJourneys journeys over benchChannels channels, stored
// flat as channel indexes: lengths 1–8 (geometric), channels skewed
// (popular channels more often), 5% converting.
type benchPaths struct {
	names []string
	flat  []uint8
	ends  []int32
	conv  []bool
}

func newBenchPaths() *benchPaths {
	rng := rand.New(rand.NewPCG(3, 4))
	p := &benchPaths{names: make([]string, benchChannels)}
	for i := range p.names {
		p.names[i] = fmt.Sprintf("channel-%02d", i)
	}
	for range benchJourneys {
		n := 1
		for n < 8 && rng.IntN(2) == 0 {
			n++
		}
		for range n {
			// Skewed: min of two uniform draws favours low indexes.
			p.flat = append(p.flat, uint8(min(rng.IntN(benchChannels), rng.IntN(benchChannels))))
		}
		p.ends = append(p.ends, int32(len(p.flat)))
		p.conv = append(p.conv, rng.IntN(20) == 0)
	}
	return p
}

// aggregate builds Paths from the raw journeys, as a host would: names
// looked up once, journeys added by id.
func (bp *benchPaths) aggregate(b *testing.B) *attribution.Paths {
	p := attribution.NewPaths(attribution.ByChannel)
	ids := make([]uint32, len(bp.names))
	for i, name := range bp.names {
		ids[i] = p.ID(name)
	}
	buf := make([]uint32, 0, 8)
	start := int32(0)
	for i, end := range bp.ends {
		buf = buf[:0]
		for _, id := range bp.flat[start:end] {
			buf = append(buf, ids[id])
		}
		start = end
		var c, n uint64 = 0, 1
		if bp.conv[i] {
			c, n = 1, 0
		}
		if err := p.AddIDs(buf, c, n); err != nil {
			b.Fatal(err)
		}
	}
	return p
}

// BenchmarkMarkov aggregates 1,000,000 journeys over 20 channels and fits
// the exact order-1 Markov model; one op is both.
func BenchmarkMarkov(b *testing.B) {
	bp := newBenchPaths()
	b.ReportAllocs()
	var distinct int
	for b.Loop() {
		p := bp.aggregate(b)
		distinct = p.Len()
		if _, err := attribution.FitMarkov(p, attribution.MarkovOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*benchJourneys/b.Elapsed().Seconds(), "journeys/s")
	b.ReportMetric(float64(distinct), "distinct_paths")
}

// BenchmarkAggregate is the baseline beside BenchmarkMarkov and
// BenchmarkShapley: aggregating the 1,000,000 journeys alone.
func BenchmarkAggregate(b *testing.B) {
	bp := newBenchPaths()
	b.ReportAllocs()
	for b.Loop() {
		bp.aggregate(b)
	}
	b.ReportMetric(float64(b.N)*benchJourneys/b.Elapsed().Seconds(), "journeys/s")
}

// BenchmarkShapley aggregates 1,000,000 journeys over 20 channels and
// computes the exact Shapley values of the journey game; one op is both.
func BenchmarkShapley(b *testing.B) {
	bp := newBenchPaths()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := attribution.FitShapley(bp.aggregate(b)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*benchJourneys/b.Elapsed().Seconds(), "journeys/s")
}

// BenchmarkShapleyGame computes the same journey game's Shapley values by
// the general exact method — all 2²⁰ coalitions of 20 channels, v(S) from
// Paths.JourneyGame's subset-sum table — from the 1,000,000 journeys; one op
// is the aggregation, the table and the enumeration.
func BenchmarkShapleyGame(b *testing.B) {
	bp := newBenchPaths()
	b.ReportAllocs()
	for b.Loop() {
		names, v := bp.aggregate(b).JourneyGame()
		if _, exact, err := attribution.ShapleyValues(len(names), v, attribution.GameOptions{}); err != nil || !exact {
			b.Fatal(err, exact)
		}
	}
	b.ReportMetric(float64(b.N)*benchJourneys/b.Elapsed().Seconds(), "journeys/s")
}
