package memstore

import "encoding/binary"

// arena keeps the records' strings (keys, IDs, the rare fields, metadata)
// as runs of length-prefixed bytes in large blocks that hold no pointers.
// A record refers to its run by position, 8 bytes, instead of holding a
// 16-byte string header per string that points at a separate allocation:
// the garbage collector never scans the blocks, and a transaction's
// strings sit next to each other. Runs are written once and never change.
type arena struct {
	blocks [][]byte
	pages  *pages // where blocks come from (nil: the Go heap)
}

// ref is the position of a run in an arena.
type ref struct{ block, off uint32 }

// Blocks start small (most stores in tests hold a handful of records) and
// double up to maxBlock; a run larger than that gets a block of its own.
const (
	minBlock = 1 << 10
	maxBlock = 1 << 20
)

// alloc returns the position of n new bytes and a zero-length slice of
// capacity n over them, for the caller to append the run to.
func (a *arena) alloc(n int) (ref, []byte) {
	last := len(a.blocks) - 1
	if last < 0 || cap(a.blocks[last])-len(a.blocks[last]) < n {
		size := minBlock
		if last >= 0 {
			size = min(2*cap(a.blocks[last]), maxBlock)
		}
		a.blocks = append(a.blocks, alloc[byte](a.pages, max(size, n))[:0])
		last++
	}
	b := a.blocks[last]
	off := len(b)
	a.blocks[last] = b[:off+n]
	return ref{block: uint32(last), off: uint32(off)}, b[off : off : off+n]
}

// run returns the bytes from r to the end of its block: the run at r
// followed by later ones.
func (a *arena) run(r ref) []byte { return a.blocks[r.block][r.off:] }

// strSize is the size of s in a run: its length as a uvarint, then its
// bytes.
func strSize(s string) int {
	n := 1
	for l := len(s); l >= 0x80; l >>= 7 {
		n++
	}
	return n + len(s)
}

// putStr appends s to a run.
func putStr(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// nextStr splits the first string off a run. The arena wrote the run, so
// the prefix is valid; a corrupt one yields an empty string, not a panic.
func nextStr(b []byte) (s, rest []byte) {
	n, w := binary.Uvarint(b)
	if w <= 0 || n > uint64(len(b)-w) {
		return nil, nil
	}
	end := w + int(n)
	return b[w:end], b[end:]
}
