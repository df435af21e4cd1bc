//go:build !linux

package memstore

// mapRegion reports false: outside Linux a store keeps its memory in the
// Go heap.
func mapRegion(n int) ([]byte, bool) { return nil, false }

// unmapRegion is never called outside Linux.
func unmapRegion(b []byte) {}
