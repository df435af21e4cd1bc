package accrue

import (
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
)

// BenchmarkAllocate splits an amount over 100 weighted parts.
func BenchmarkAllocate(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	weights := make([]decimal.Decimal, 100)
	for i := range weights {
		weights[i] = decimal.New(rng.Int64N(1_000_000)+1, -4)
	}
	total := MustParseMoney("98765.43 USD")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Allocate(total, weights); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*100/b.Elapsed().Seconds(), "parts/s")
}

// BenchmarkAllocateUnits is the integer path over the same 100 parts, with a
// reused buffer: the floor under BenchmarkAllocate.
func BenchmarkAllocateUnits(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	weights := make([]uint64, 100)
	for i := range weights {
		weights[i] = rng.Uint64N(1_000_000) + 1
	}
	dst := make([]int64, 0, 100)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if dst, err = AllocateUnits(dst, 9876543, weights); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*100/b.Elapsed().Seconds(), "parts/s")
}

// BenchmarkMoneyAdd adds two amounts in the same currency.
func BenchmarkMoneyAdd(b *testing.B) {
	x := MustParseMoney("12.34 USD")
	y := MustParseMoney("0.66 USD")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := x.Add(y); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecimalAdd is the baseline under BenchmarkMoneyAdd: the bare
// decimal addition.
func BenchmarkDecimalAdd(b *testing.B) {
	x := decimal.RequireFromString("12.34")
	y := decimal.RequireFromString("0.66")
	b.ReportAllocs()
	for b.Loop() {
		_ = x.Add(y)
	}
}

// BenchmarkMoneyMinorUnits converts a rounded amount to minor units, as the
// ledger does for every posting.
func BenchmarkMoneyMinorUnits(b *testing.B) {
	m := MustParseMoney("1234.50 USD")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.MinorUnits(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAllocateUnitsSmall splits among 8 parts, the size of a typical
// attribution journey: the path that must not allocate.
func BenchmarkAllocateUnitsSmall(b *testing.B) {
	weights := []uint64{5, 3, 8, 1, 9, 2, 7, 4}
	dst := make([]int64, 0, len(weights))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if dst, err = AllocateUnits(dst, 100001, weights); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(weights))/b.Elapsed().Seconds(), "parts/s")
}
