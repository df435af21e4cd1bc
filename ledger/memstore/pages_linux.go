package memstore

import "syscall"

// mapRegion maps n bytes of anonymous, zeroed memory outside the Go heap,
// advised for transparent huge pages (which the kernel may or may not
// grant). It reports false if the mapping failed, and the caller uses the
// Go heap.
func mapRegion(n int) ([]byte, bool) {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return nil, false
	}
	_ = syscall.Madvise(b, syscall.MADV_HUGEPAGE) // advice: without it, 4 KiB pages
	return b, true
}

// unmapRegion unmaps a region that mapRegion returned.
func unmapRegion(b []byte) { _ = syscall.Munmap(b) }
