package memstore

import "hash/maphash"

// strIndex maps strings (idempotency keys, transaction IDs) to Seq. It is
// an open-addressing hash table of (hash, Seq) pairs in one flat,
// pointer-free slice: the garbage collector never scans it, each string is
// hashed once, and growing it copies 8 bytes per entry. The strings live
// only in the stored records, which confirm every hit, so hash collisions
// cost a probe, never a wrong answer. The load is kept at most three
// quarters: a large store's tables are fresh memory, which costs more than
// the longer probes (eight slots share a cache line).
type strIndex struct {
	seed  maphash.Seed
	slots []slot // len is a power of two; seq 0 marks an empty slot
	n     int
	sink  uint32 // see touch
	pages *pages // where tables come from (nil: the Go heap)
	// eq reports whether the record with a given Seq has the indexed
	// string s.
	eq func(seq uint64, s string) bool
}

// slot is an entry: the hash's high 32 bits and the Seq (0: empty).
type slot struct {
	tag, seq uint32
}

func newStrIndex(p *pages, eq func(seq uint64, s string) bool) *strIndex {
	return &strIndex{seed: maphash.MakeSeed(), slots: own[slot](p, 1024), eq: eq, pages: p}
}

func (x *strIndex) hash(s string) uint64 { return maphash.String(x.seed, s) }

// lookup returns the Seq of s.
func (x *strIndex) lookup(s string) (uint64, bool) {
	return x.lookupHashed(x.hash(s), s)
}

func (x *strIndex) lookupHashed(h uint64, s string) (uint64, bool) {
	mask := uint64(len(x.slots) - 1)
	tag := uint32(h >> 32)
	for i := uint64(tag) & mask; ; i = (i + 1) & mask {
		sl := &x.slots[i]
		switch {
		case sl.seq == 0:
			return 0, false
		case sl.tag == tag && x.eq(uint64(sl.seq), s):
			return uint64(sl.seq), true
		}
	}
}

// touch loads the home slots of hashes, independently of each other, so
// that their cache misses overlap instead of following one another as in
// a lookup loop.
func (x *strIndex) touch(hashes []uint64) {
	mask := uint64(len(x.slots) - 1)
	var seen uint32
	for _, h := range hashes {
		seen |= x.slots[(h>>32)&mask].seq
	}
	x.sink = seen
}

// insert records s (with hash h) at seq; s must not be indexed yet.
func (x *strIndex) insert(h uint64, seq uint64) {
	if 4*(x.n+1) > 3*len(x.slots) { // keep the load at most three quarters
		old := x.slots
		x.slots = own[slot](x.pages, 2*len(old))
		for _, sl := range old {
			if sl.seq != 0 {
				x.put(sl)
			}
		}
		release(x.pages, old)
	}
	x.put(slot{tag: uint32(h >> 32), seq: uint32(seq)})
	x.n++
}

// put stores sl in the first free slot from its home slot (its tag, masked:
// so growing needs no rehashing of strings).
func (x *strIndex) put(sl slot) {
	mask := uint64(len(x.slots) - 1)
	i := uint64(sl.tag) & mask
	for x.slots[i].seq != 0 {
		i = (i + 1) & mask
	}
	x.slots[i] = sl
}
