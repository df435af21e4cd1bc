package ledger

import (
	"hash/maphash"
	"math/bits"
)

// keySet finds repeated idempotency keys among a call's inputs. It is an
// open-addressed table of input indexes, reused across calls, which is
// filled in one tight loop before the inputs are built: its few cache lines
// are fetched together, where a map consulted between the builds of two
// transactions would miss the cache on each of them.
type keySet struct {
	seed  maphash.Seed
	slots []uint64 // 32 bits of the key's hash, then the input's index + 1; 0: empty
}

// maxKeySlots is the table size above which a call's table is not kept for
// reuse.
const maxKeySlots = 1 << 16

// firstRepeat returns the index of the first input whose key an earlier
// input has, or -1 if the keys are distinct.
func (s *keySet) firstRepeat(ins []TxInput) int {
	if len(ins) < 2 {
		return -1
	}
	n := 1 << bits.Len(uint(2*len(ins)-1)) // at most half full
	if cap(s.slots) < n {
		if s.seed == (maphash.Seed{}) {
			s.seed = maphash.MakeSeed()
		}
		s.slots = make([]uint64, n)
	} else {
		s.slots = s.slots[:n]
		clear(s.slots)
	}
	mask := uint64(n - 1)
	for i := range ins {
		h := maphash.String(s.seed, ins[i].Key)
		tag := h >> 32
		for j := h & mask; ; j = (j + 1) & mask {
			slot := s.slots[j]
			if slot == 0 {
				s.slots[j] = tag<<32 | uint64(i+1)
				break
			}
			if slot>>32 == tag && ins[uint32(slot)-1].Key == ins[i].Key {
				return i
			}
		}
	}
	return -1
}

// release drops a table too large to keep.
func (s *keySet) release() {
	if cap(s.slots) > maxKeySlots {
		s.slots = nil
	}
}
