package memstore

import (
	"context"
	"reflect"
	"runtime"
	"testing"
	"time"
	"unsafe"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
	"pgregory.net/rapid"
)

// TestPagesAlloc hands out pieces of random sizes and types, from the heap
// and from regions (small ones, so that pieces cross into new regions),
// and tables that are replaced; every piece is zeroed and aligned when
// handed out and keeps what was written to it while the others are
// written.
func TestPagesAlloc(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := newPages(rapid.SampledFrom([]int{-1, 0, 1 << 10, 1 << 16}).Draw(t, "mapAfter"))
		p.region = rapid.SampledFrom([]int{4 << 10, 64 << 10, minRegion}).Draw(t, "region")
		defer p.mapped.unmapAll()
		type piece struct {
			words []uint64 // the piece, seen as words (when 8-aligned)
			bytes []byte
			fill  byte
		}
		var live []piece
		var table []slot
		for i := range rapid.IntRange(1, 60).Draw(t, "steps") {
			fill := byte(i + 1)
			var pc piece
			switch rapid.IntRange(0, 4).Draw(t, "kind") {
			case 0:
				pc.bytes = alloc[byte](p, rapid.IntRange(0, 3000).Draw(t, "n"))
			case 1:
				pc.words = alloc[uint64](p, rapid.IntRange(1, 3000).Draw(t, "n"))
			case 2:
				recs := alloc[record](p, rapid.IntRange(1, 200).Draw(t, "n"))
				pc.bytes = unsafe.Slice((*byte)(unsafe.Pointer(&recs[0])), len(recs)*int(unsafe.Sizeof(record{})))
				if uintptr(unsafe.Pointer(&recs[0]))%unsafe.Alignof(record{}) != 0 {
					t.Fatalf("records at %p: misaligned", &recs[0])
				}
			case 3:
				pc.words = alloc[uint64](p, rapid.IntRange(maxPiece/8, maxPiece/8+10).Draw(t, "big"))
			case 4:
				old := table
				table = own[slot](p, rapid.IntRange(1, 2*ownMapMin/8).Draw(t, "slots"))
				for j := range table {
					if table[j] != (slot{}) {
						t.Fatalf("table slot %d not zeroed", j)
					}
					table[j] = slot{tag: uint32(j), seq: uint32(i)}
				}
				release(p, old)
				continue
			}
			if pc.words != nil {
				if uintptr(unsafe.Pointer(&pc.words[0]))%8 != 0 {
					t.Fatalf("words at %p: misaligned", &pc.words[0])
				}
				pc.bytes = unsafe.Slice((*byte)(unsafe.Pointer(&pc.words[0])), 8*len(pc.words))
			}
			for j, b := range pc.bytes {
				if b != 0 {
					t.Fatalf("step %d: byte %d of a new piece is %d, not zero", i, j, b)
				}
			}
			for j := range pc.bytes {
				pc.bytes[j] = fill
			}
			pc.fill = fill
			live = append(live, pc)
		}
		for k, pc := range live {
			for j, b := range pc.bytes {
				if b != pc.fill {
					t.Fatalf("piece %d byte %d = %d, want %d: pieces overlap", k, j, b, pc.fill)
				}
			}
		}
		for j, sl := range table {
			if sl.tag != uint32(j) {
				t.Fatalf("table slot %d overwritten", j)
			}
		}
	})
}

// TestPagesMapAfter: pieces come from the heap until mapAfter bytes have
// been taken from it, then from regions (on Linux); never with mapAfter < 0.
func TestPagesMapAfter(t *testing.T) {
	linux := runtime.GOOS == "linux"
	for _, tc := range []struct {
		mapAfter, words int // 8-byte pieces of 10 words
		regions         bool
	}{
		{mapAfter: -1, words: 1000, regions: false},
		{mapAfter: 0, words: 1, regions: linux},
		{mapAfter: 400, words: 5, regions: false}, // 400 bytes: not yet
		{mapAfter: 400, words: 6, regions: linux},
	} {
		p := newPages(tc.mapAfter)
		for range tc.words {
			alloc[uint64](p, 10)
		}
		if got := len(p.mapped.regions) > 0; got != tc.regions {
			t.Errorf("map after %d, %d pieces: mapped = %v, want %v (heap %d)", tc.mapAfter, tc.words, got, tc.regions, p.heap)
		}
		p.mapped.unmapAll()
	}
}

// TestStoreUnmapsWhenUnreachable: a store that mapped regions unmaps them
// once it is unreachable (outside Linux it maps none, and its cleanup
// still runs).
func TestStoreUnmapsWhenUnreachable(t *testing.T) {
	unmapped := make(chan struct{})
	func() {
		s := newStore(0)
		usd := accrue.MustCurrency("USD")
		one := accrue.FromMinorUnits(1, usd)
		if err := s.Commit(context.Background(), &ledger.Commit{NewAccounts: []ledger.Account{
			{Name: "assets:a", Type: ledger.Asset, Currency: usd}, {Name: "assets:b", Type: ledger.Asset, Currency: usd}},
			Txs: []ledger.Transaction{{ID: "t", Key: "k", Kind: ledger.KindPosted, Postings: []ledger.Posting{
				{Account: "assets:a", Side: ledger.Debit, Amount: one}, {Account: "assets:b", Side: ledger.Credit, Amount: one}}}}}); err != nil {
			t.Fatal(err)
		}
		if mapped, linux := len(s.pages.mapped.regions) > 0, runtime.GOOS == "linux"; mapped != linux {
			t.Fatalf("a store that maps from its first byte: mapped = %v on %s", mapped, runtime.GOOS)
		}
		s.pages.mapped.onUnmap = func() { close(unmapped) }
	}()
	deadline := time.After(30 * time.Second)
	for {
		runtime.GC()
		select {
		case <-unmapped:
			return
		case <-deadline:
			t.Fatal("the unreachable store's regions were not unmapped")
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// TestHasPointers: only types free of pointers may live in regions.
func TestHasPointers(t *testing.T) {
	free := []reflect.Type{reflect.TypeFor[byte](), reflect.TypeFor[record](), reflect.TypeFor[posting](),
		reflect.TypeFor[entryRef](), reflect.TypeFor[point](), reflect.TypeFor[slot](),
		reflect.TypeFor[[32]byte](), reflect.TypeFor[[0]*int](), reflect.TypeFor[struct{ a, b float64 }]()}
	for _, typ := range free {
		if hasPointers(typ) {
			t.Errorf("hasPointers(%v) = true, want false", typ)
		}
	}
	held := []reflect.Type{reflect.TypeFor[string](), reflect.TypeFor[*int](), reflect.TypeFor[[]byte](),
		reflect.TypeFor[map[int]int](), reflect.TypeFor[func()](), reflect.TypeFor[any](), reflect.TypeFor[chan int](),
		reflect.TypeFor[unsafe.Pointer](), reflect.TypeFor[[2]struct {
			n int
			s string
		}](), reflect.TypeFor[ledger.Transaction]()}
	for _, typ := range held {
		if !hasPointers(typ) {
			t.Errorf("hasPointers(%v) = false, want true", typ)
		}
	}
	p := newPages(0)
	defer p.mapped.unmapAll()
	strs := alloc[string](p, 10)
	if p.heap != 10*int(unsafe.Sizeof("")) || len(p.mapped.regions) != 0 {
		t.Fatalf("strings were not taken from the heap: heap %d, %d regions", p.heap, len(p.mapped.regions))
	}
	_ = strs
}
