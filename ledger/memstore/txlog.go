package memstore

// chunkBits sets the chunk size of a chunked list: 4096 elements.
const chunkBits = 12

const chunkSize = 1 << chunkBits

// chunked is an append-mostly list kept in fixed-size chunks, so appending
// never copies what is already stored (a single growing slice would move
// every element again and again, which dominates the cost of hot accounts
// and of the transaction log) while indexing stays O(1).
type chunked[T any] struct {
	chunks [][]T
	n      int
}

// len returns the number of elements.
func (c *chunked[T]) len() int { return c.n }

// at returns a pointer to element i.
func (c *chunked[T]) at(i int) *T { return &c.chunks[i>>chunkBits][i&(chunkSize-1)] }

// last returns a pointer to the last element; the list must not be empty.
func (c *chunked[T]) last() *T { return c.at(c.n - 1) }

// append adds v at the end.
func (c *chunked[T]) append(v T) {
	if c.n>>chunkBits == len(c.chunks) {
		size := chunkSize
		if c.n == 0 {
			size = 4 // most accounts stay small
		}
		c.chunks = append(c.chunks, make([]T, 0, size))
	}
	ch := &c.chunks[c.n>>chunkBits]
	*ch = append(*ch, v)
	c.n++
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
	ch := &c.chunks[c.n>>chunkBits]
	*ch = (*ch)[:c.n&(chunkSize-1)]
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
