package memstore

import (
	"reflect"
	"unsafe"
)

// pages hands out the memory of a store's lists, tables and string blocks,
// all of it free of pointers. A small store takes it from the Go heap. Once
// a store has taken mapAfter bytes, and where the platform allows (Linux),
// it maps regions of its own outside the Go heap instead, advised for huge
// pages, and carves the rest from them. Two reasons, both measured (see the
// package documentation):
//
//   - Memory in the Go heap costs its live size twice in fresh pages: the
//     heap goal is twice the live heap (GOGC=100), and every page is
//     faulted in once. A store that grows by gigabytes pays mostly page
//     faults. Outside the heap, it pays each byte once, and the heap (only
//     the garbage of each call) stays small and warm.
//   - With huge pages one fault brings 2 MiB instead of 4 KiB; on a
//     virtual machine a fault is costly (microseconds, not nanoseconds).
//
// Memory is never handed back one piece at a time: the lists only grow.
// The store's regions are unmapped together by a cleanup once the store is
// unreachable (runtime.AddCleanup); every method that reads them holds the
// store (its lock, released by a deferred call) until it has copied out
// what it returns, and nothing a store returns shares its memory. Tables
// that are replaced when they grow (own, release) are the exception: a
// large one gets a mapping of its own, and when it is replaced its memory,
// already paged in, becomes the next region to carve.
//
// A nil *pages takes everything from the Go heap.
type pages struct {
	mapAfter int       // bytes taken from the Go heap before mapping; < 0: never map
	region   int       // size of the first region (later ones grow with the store)
	heap     int       // bytes taken from the Go heap so far
	cur      []byte    // the unused rest of the current region
	spare    [][]byte  // replaced tables' mappings, paged in, to carve next
	mapped   *mappings // the regions and tables mapped; a cleanup unmaps them
}

// mappings are the regions a store mapped. It is apart from pages so that
// the store's cleanup can hold it without holding the store.
type mappings struct {
	regions [][]byte
	bytes   int    // sum of the regions' lengths
	onUnmap func() // called after unmapAll has unmapped the regions (tests)
}

// Default sizes: a store maps once it has taken 4 MiB from the heap; its
// regions start at 4 MiB and grow with the store up to 64 MiB; a piece
// larger than maxPiece (a huge run of strings) stays in the heap; a table
// of at least ownMapMin bytes gets a mapping of its own.
const (
	defaultMapAfter = 4 << 20
	minRegion       = 4 << 20
	maxRegion       = 64 << 20
	maxPiece        = 2 << 20
	ownMapMin       = 2 << 20
	hugePage        = 2 << 20
)

func newPages(mapAfter int) *pages {
	return &pages{mapAfter: mapAfter, region: minRegion, mapped: &mappings{}}
}

// alloc returns a zeroed slice of n Ts that lives as long as the store.
// Types holding pointers always come from the Go heap, so that the garbage
// collector sees them.
func alloc[T any](p *pages, n int) []T {
	size := n * int(unsafe.Sizeof(*new(T)))
	if b := p.carve(size, int(unsafe.Alignof(*new(T))), hasPointers(reflect.TypeFor[T]())); b != nil {
		return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), n)
	}
	return make([]T, n)
}

// carve returns size bytes of a region aligned to align, or nil where the
// piece must come from the Go heap (counting it).
func (p *pages) carve(size, align int, pointers bool) []byte {
	if p == nil || size == 0 {
		return nil
	}
	if pointers || p.mapAfter < 0 || p.heap < p.mapAfter || size > maxPiece {
		p.heap += size
		return nil
	}
	pad := -int(uintptr(unsafe.Pointer(unsafe.SliceData(p.cur)))) & (align - 1)
	if pad+size > len(p.cur) && len(p.spare) > 0 && len(p.spare[len(p.spare)-1]) >= size {
		// A replaced table's pages are in memory already: clearing them
		// costs far less than faulting in fresh ones.
		p.cur, p.spare = p.spare[len(p.spare)-1], p.spare[:len(p.spare)-1]
		clear(p.cur)
		pad = 0
	}
	if pad+size > len(p.cur) {
		n := min(max(p.region, p.heap+p.mapped.bytes), maxRegion)
		if n >= hugePage {
			n &^= hugePage - 1
		}
		n = max(n, size)
		r, ok := mapRegion(n)
		if !ok { // the platform cannot (or this one will not): the heap
			p.mapAfter = -1
			p.heap += size
			return nil
		}
		p.mapped.regions = append(p.mapped.regions, r)
		p.mapped.bytes += len(r)
		p.cur, pad = r, 0
	}
	b := p.cur[pad : pad+size : pad+size]
	p.cur = p.cur[pad+size:]
	return b
}

// own returns a zeroed slice of n Ts for a table that will be replaced
// (and handed to release) when it grows.
func own[T any](p *pages, n int) []T {
	size := n * int(unsafe.Sizeof(*new(T)))
	if p == nil || p.mapAfter < 0 || p.heap < p.mapAfter || size < ownMapMin || hasPointers(reflect.TypeFor[T]()) {
		return make([]T, n)
	}
	r, ok := mapRegion(size)
	if !ok {
		return make([]T, n)
	}
	p.mapped.regions = append(p.mapped.regions, r)
	p.mapped.bytes += len(r)
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(r))), n)
}

// release gives back a table that own returned. A mapped one becomes a
// spare region that carve uses next (growing a table by doubling would
// otherwise fault in twice its final size in fresh pages); one from the
// heap is left to the garbage collector.
func release[T any](p *pages, t []T) {
	if p == nil || len(t) == 0 {
		return
	}
	at := unsafe.Pointer(unsafe.SliceData(t))
	for _, r := range p.mapped.regions {
		if unsafe.Pointer(unsafe.SliceData(r)) == at {
			p.spare = append(p.spare, r)
			return
		}
	}
}

// unmapAll unmaps every region: the store's cleanup.
func (m *mappings) unmapAll() {
	for _, r := range m.regions {
		unmapRegion(r)
	}
	m.regions, m.bytes = nil, 0
	if m.onUnmap != nil {
		m.onUnmap()
	}
}

// hasPointers reports whether values of t hold pointers that the garbage
// collector must see.
func hasPointers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return false
	case reflect.Array:
		return t.Len() > 0 && hasPointers(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if hasPointers(t.Field(i).Type) {
				return true
			}
		}
		return false
	default: // pointers, strings, slices, maps, channels, functions, interfaces
		return true
	}
}
