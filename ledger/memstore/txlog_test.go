package memstore

import (
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// TestChunkedMatchesSlice drives a chunked list and a plain slice with the
// same appends (in runs long enough to cross chunk boundaries), inserts and
// removes, and checks after each step that they hold the same elements and
// that search agrees with the slice's.
func TestChunkedMatchesSlice(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var c chunked[int]
		var model []int
		next := 0
		steps := rapid.IntRange(1, 12).Draw(t, "steps")
		for range steps {
			switch op := rapid.SampledFrom([]string{"append", "insert", "remove"}).Draw(t, "op"); {
			case op == "append":
				k := rapid.IntRange(1, 2*chunkSize+3).Draw(t, "k")
				for range k {
					c.append(next)
					model = append(model, next)
					next += 2
				}
			case op == "insert" && len(model) > 0:
				i := rapid.IntRange(0, len(model)-1).Draw(t, "i")
				v := rapid.IntRange(-1, next).Draw(t, "v")
				c.insert(i, v)
				model = slices.Insert(model, i, v)
			case op == "remove" && len(model) > 0:
				i := rapid.IntRange(0, len(model)-1).Draw(t, "i")
				c.remove(i)
				model = slices.Delete(model, i, i+1)
			}
			if c.len() != len(model) {
				t.Fatalf("len %d, model %d", c.len(), len(model))
			}
			for i, want := range model {
				if got := *c.at(i); got != want {
					t.Fatalf("at(%d) = %d, want %d", i, got, want)
				}
			}
			if len(model) > 0 && *c.last() != model[len(model)-1] {
				t.Fatalf("last = %d, want %d", *c.last(), model[len(model)-1])
			}
			if !slices.IsSorted(model) {
				continue // search assumes a list partitioned by its predicate
			}
			x := rapid.IntRange(-2, next+1).Draw(t, "x")
			got := c.search(func(p *int) bool { return *p > x })
			if want, _ := slices.BinarySearch(model, x+1); got != want {
				t.Fatalf("search(> %d) = %d, want %d", x, got, want)
			}
		}
	})
}
