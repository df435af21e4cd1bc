// Package radix sorts slices by 64-bit unsigned keys with a stable
// least-significant-digit radix sort: linear time and sequential memory
// access, for the million-element sorts of a reconciliation run.
package radix

import (
	"cmp"
	"slices"
)

// digitBits is the width of one pass; 16 bits keeps the count table small
// (64K entries) while sorting a 64-bit key in at most four passes.
const digitBits = 16

// smallSort is the length below which Sort compares instead.
const smallSort = 4096

// Sort orders a stably by key, using buf (len(buf) ≥ len(a)) as scratch
// space. Passes over 16-bit digits on which every key agrees are skipped.
// The result is in a.
func Sort[T any](a, buf []T, key func(*T) uint64) {
	if len(a) < 2 {
		return
	}
	if len(a) < smallSort {
		// A pass clears and scans 64K counters: comparison sorting is
		// cheaper for short slices.
		slices.SortStableFunc(a, func(x, y T) int { return cmp.Compare(key(&x), key(&y)) })
		return
	}
	first := key(&a[0])
	var varying uint64
	for i := range a {
		varying |= key(&a[i]) ^ first
	}
	src, dst := a, buf[:len(a)]
	var count [1 << digitBits]int
	for shift := uint(0); shift < 64; shift += digitBits {
		if (varying>>shift)&(1<<digitBits-1) == 0 {
			continue
		}
		clear(count[:])
		for i := range src {
			count[(key(&src[i])>>shift)&(1<<digitBits-1)]++
		}
		sum := 0
		for d, c := range count {
			count[d] = sum
			sum += c
		}
		for i := range src {
			d := (key(&src[i]) >> shift) & (1<<digitBits - 1)
			dst[count[d]] = src[i]
			count[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &a[0] {
		copy(a, src)
	}
}
