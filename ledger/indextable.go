package ledger

import (
	"hash/maphash"
	"math/bits"
)

// indexTable maps strings to small indexes into a list the caller keeps
// (a call's inputs, its account names). It is an open-addressed table,
// reset and reused across calls, and filled in a tight loop: its few cache
// lines are fetched together, where a map consulted between the builds of
// two transactions misses the cache on each of them, and a reset costs the
// slots in use, not a map's capacity.
type indexTable struct {
	seed  maphash.Seed
	slots []uint64 // 32 bits of the string's hash, then its index + 1; 0: empty
	mask  uint64
}

// maxTableSlots is the table size above which a call's table is not kept
// for reuse.
const maxTableSlots = 1 << 16

// reset empties t and makes room for n strings (it stays at most half
// full).
func (t *indexTable) reset(n int) {
	size := 1 << bits.Len(uint(2*max(n, 1)-1))
	if cap(t.slots) < size {
		if t.seed == (maphash.Seed{}) {
			t.seed = maphash.MakeSeed()
		}
		t.slots = make([]uint64, size)
	} else {
		t.slots = t.slots[:size]
		clear(t.slots)
	}
	t.mask = uint64(size - 1)
}

// add returns the index of the string equal to s (at returns the string of
// an index), or stores index i for s and returns i.
func (t *indexTable) add(s string, i int, at func(int) string) int {
	h := maphash.String(t.seed, s)
	tag := h >> 32
	for j := h & t.mask; ; j = (j + 1) & t.mask {
		slot := t.slots[j]
		if slot == 0 {
			t.slots[j] = tag<<32 | uint64(i+1)
			return i
		}
		if k := int(uint32(slot)) - 1; slot>>32 == tag && at(k) == s {
			return k
		}
	}
}

// release drops a table too large to keep.
func (t *indexTable) release() {
	if cap(t.slots) > maxTableSlots {
		t.slots = nil
	}
}

// firstRepeat returns the index of the first input whose key an earlier
// input has, or -1 if the keys are distinct.
func (t *indexTable) firstRepeat(ins []TxInput) int {
	if len(ins) < 2 {
		return -1
	}
	t.reset(len(ins))
	key := func(j int) string { return ins[j].Key }
	for i := range ins {
		if t.add(ins[i].Key, i, key) != i {
			return i
		}
	}
	return -1
}
