package radix

import (
	"cmp"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

type item struct {
	k   uint64
	pos int
}

func TestSortMatchesStableSort(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		gen := rapid.OneOf(rapid.Uint64(), rapid.Uint64Range(0, 5), rapid.Uint64Range(1<<40, 1<<40+3))
		keys := rapid.SliceOf(gen).Draw(t, "keys")
		if rapid.Bool().Draw(t, "long") {
			// Past smallSort, so the radix passes run.
			keys = rapid.SliceOfN(gen, smallSort, smallSort+100).Draw(t, "long keys")
		}
		a := make([]item, len(keys))
		for i, k := range keys {
			a[i] = item{k, i}
		}
		want := slices.Clone(a)
		slices.SortStableFunc(want, func(x, y item) int { return cmp.Compare(x.k, y.k) })
		Sort(a, make([]item, len(a)), func(x *item) uint64 { return x.k })
		if !slices.Equal(a, want) {
			t.Fatalf("got %v, want %v", a, want)
		}
	})
}

func BenchmarkSort(b *testing.B) {
	a := make([]item, 1_000_000)
	x := uint64(88172645463325252)
	for i := range a {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		a[i] = item{x, i}
	}
	work, buf := make([]item, len(a)), make([]item, len(a))
	b.ReportAllocs()
	for b.Loop() {
		copy(work, a)
		Sort(work, buf, func(x *item) uint64 { return x.k })
	}
	b.ReportMetric(float64(len(a))*float64(b.N)/b.Elapsed().Seconds(), "keys/s")
}
