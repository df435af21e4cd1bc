package memstore

import "math/bits"

// chunkBits sets the size of a chunked list's full chunks: 4096 elements.
const chunkBits = 12

const chunkSize = 1 << chunkBits

// firstChunks is the number of chunks before the first full one: sizes 4,
// 4, 8, 16, …, chunkSize/2, which add up to chunkSize.
const firstChunks = chunkBits - 1

// chunked is an append-mostly list kept in chunks that are never copied
// (a single growing slice would move every element again and again, which
// dominates the cost of hot accounts and of the transaction log) while
// indexing stays O(1). The first chunks double in size, from 4 elements,
// because most accounts stay small; from element chunkSize on every chunk
// holds chunkSize. Chunks come from the store's pages (nil: the Go heap).
type chunked[T any] struct {
	chunks [][]T
	n      int
	pages  *pages
}

// len returns the number of elements.
func (c *chunked[T]) len() int { return c.n }

// at returns a pointer to element i.
func (c *chunked[T]) at(i int) *T {
	if i >= chunkSize {
		return &c.chunks[i>>chunkBits+firstChunks-1][i&(chunkSize-1)]
	}
	if i < 4 {
		return &c.chunks[0][i]
	}
	// Chunk k ≥ 1 holds elements 2^(k+1) to 2^(k+2)-1: its first index
	// is i's highest bit.
	hi := bits.Len(uint(i)) - 1
	return &c.chunks[hi-1][i&^(1<<hi)]
}

// last returns a pointer to the last element; the list must not be empty.
func (c *chunked[T]) last() *T { return c.at(c.n - 1) }

// append adds v at the end.
func (c *chunked[T]) append(v T) {
	if c.n == c.capacity() {
		size := chunkSize
		if k := len(c.chunks); k < firstChunks {
			size = max(4, 2<<k)
		}
		c.chunks = append(c.chunks, alloc[T](c.pages, size))
	}
	*c.at(c.n) = v
	c.n++
}

// capacity returns the number of elements the chunks hold.
func (c *chunked[T]) capacity() int {
	switch k := len(c.chunks); {
	case k > firstChunks:
		return (k - firstChunks + 1) << chunkBits
	case k > 1:
		return 4 << (k - 1)
	default:
		return 4 * k
	}
}

// insert puts v at index i, shifting the later elements up: O(n-i).
func (c *chunked[T]) insert(i int, v T) {
	var zero T
	c.append(zero)
	for j := c.n - 1; j > i; j-- {
		*c.at(j) = *c.at(j - 1)
	}
	*c.at(i) = v
}

// remove deletes element i, shifting the later ones down: for tampering
// tests.
func (c *chunked[T]) remove(i int) {
	for j := i; j < c.n-1; j++ {
		*c.at(j) = *c.at(j + 1)
	}
	c.n--
	var zero T
	*c.at(c.n) = zero
}

// search returns the smallest i in [0, n) for which f(at(i)) is true,
// assuming f is false then true over the list (as sort.Search), or n.
func (c *chunked[T]) search(f func(*T) bool) int {
	lo, hi := 0, c.n
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if !f(c.at(mid)) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// hash returns the hash of the record at index i.
func (s *Store) hash(i int) [32]byte {
	if i < s.hashes.len() {
		return *s.hashes.at(i)
	}
	return [32]byte{}
}

// setHash sets the hash of the record at index i, padding the hashes
// before it with zeros; a zero hash past the end is not stored.
func (s *Store) setHash(i int, h [32]byte) {
	if i >= s.hashes.len() {
		if h == ([32]byte{}) {
			return
		}
		for s.hashes.len() < i {
			s.hashes.append([32]byte{})
		}
		s.hashes.append(h)
		return
	}
	*s.hashes.at(i) = h
}
