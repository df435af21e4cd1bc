package attribution

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
)

// Key says what a data-driven model credits: the touch's channel or its
// partner.
type Key uint8

// Keys.
const (
	ByChannel Key = iota // credit channels (Touchpoint.Channel)
	ByPartner            // credit partners (Touchpoint.Partner)
)

// String returns "channel" or "partner".
func (k Key) String() string {
	if k == ByPartner {
		return "partner"
	}
	return "channel"
}

func (k Key) of(t *Touchpoint) string {
	if k == ByPartner {
		return t.Partner
	}
	return t.Channel
}

// Paths aggregates journeys, converting and not, into distinct paths with
// counts — the input of the data-driven models. Memory grows with the
// number of distinct paths and names, not with the number of journeys.
// A Paths is not safe for concurrent use.
type Paths struct {
	key   Key
	ids   map[string]uint32 // name → id, in first-seen order
	names []string
	index map[string]int // path key (uvarint ids) → position in keys
	keys  []string
	conv  []uint64
	null  []uint64
	total uint64 // conversions
	nulls uint64 // non-converting journeys
	buf   []byte
	ibuf  []uint32
	tbuf  []Touchpoint
}

// NewPaths returns an empty aggregate whose AddJourney reads the touches'
// channel or partner, as key says.
func NewPaths(key Key) *Paths {
	return &Paths{key: key, ids: map[string]uint32{}, index: map[string]int{}}
}

// Key returns what the paths are made of.
func (p *Paths) Key() Key { return p.key }

// Add records conversions converting and nulls non-converting journeys that
// went through the given names (channels or partners) in order. Repeated
// consecutive names are kept. An empty path, or one with no journeys, is
// refused with ErrNoData; counts that would overflow a uint64 with
// ErrTooLarge.
func (p *Paths) Add(path []string, conversions, nulls uint64) error {
	if len(path) == 0 {
		return fmt.Errorf("%w: empty path", ErrNoData)
	}
	if err := p.checkCounts(len(path), conversions, nulls); err != nil {
		return err // refused before interning any name
	}
	ids := p.ibuf[:0]
	for _, name := range path {
		ids = append(ids, p.ID(name))
	}
	p.ibuf = ids
	return p.AddIDs(ids, conversions, nulls)
}

// ID returns the id of name in p, adding the name if it is new. Ids are
// small integers in first-seen order; hosts that aggregate many journeys
// look their names up once and call AddIDs.
func (p *Paths) ID(name string) uint32 {
	id, ok := p.ids[name]
	if !ok {
		id = uint32(len(p.names))
		p.ids[name] = id
		p.names = append(p.names, name)
	}
	return id
}

// AddIDs is Add with names given by their ids (see ID). An id that p did
// not hand out is refused with ErrNoData.
func (p *Paths) AddIDs(path []uint32, conversions, nulls uint64) error {
	if len(path) == 0 {
		return fmt.Errorf("%w: empty path", ErrNoData)
	}
	if err := p.checkCounts(len(path), conversions, nulls); err != nil {
		return err
	}
	b := p.buf[:0]
	for _, id := range path {
		if int(id) >= len(p.names) {
			return fmt.Errorf("%w: unknown name id %d", ErrNoData, id)
		}
		b = binary.AppendUvarint(b, uint64(id))
	}
	p.buf = b
	i, ok := p.index[string(b)]
	if !ok {
		i = len(p.keys)
		k := string(b)
		p.index[k] = i
		p.keys = append(p.keys, k)
		p.conv = append(p.conv, 0)
		p.null = append(p.null, 0)
	}
	// checkCounts bounded the totals, and a path's counts are at most them.
	p.conv[i] += conversions
	p.null[i] += nulls
	p.total += conversions
	p.nulls += nulls
	return nil
}

// checkCounts refuses a path without journeys, or one that would take the
// number of journeys beyond a uint64.
func (p *Paths) checkCounts(names int, conversions, nulls uint64) error {
	if conversions == 0 && nulls == 0 {
		return fmt.Errorf("%w: a path of %d names with no journeys", ErrNoData, names)
	}
	// Every count the fits form (a state's transitions) is at most the
	// number of journeys, so that number must fit.
	all := p.total + p.nulls // fits: the invariant this check keeps
	all, c1 := bits.Add64(all, conversions, 0)
	_, c2 := bits.Add64(all, nulls, 0)
	if c1|c2 != 0 {
		return fmt.Errorf("%w: path counts beyond 64 bits", ErrTooLarge)
	}
	return nil
}

// AddJourney records one journey: its touches sorted by time, then id, each
// read as its channel or partner (see NewPaths). converted says whether it
// ended in a conversion. A journey without touches is refused with ErrNoData.
func (p *Paths) AddJourney(touches []Touchpoint, converted bool) error {
	p.tbuf = append(p.tbuf[:0], touches...)
	sortTouches(p.tbuf)
	names := make([]string, len(p.tbuf))
	for i := range p.tbuf {
		names[i] = p.key.of(&p.tbuf[i])
	}
	clear(p.tbuf)
	var c, n uint64 = 0, 1
	if converted {
		c, n = 1, 0
	}
	return p.Add(names, c, n)
}

// Len returns the number of distinct paths.
func (p *Paths) Len() int { return len(p.keys) }

// Conversions returns the number of converting journeys recorded.
func (p *Paths) Conversions() uint64 { return p.total }

// Names returns the distinct names seen, sorted.
func (p *Paths) Names() []string {
	s := slices.Clone(p.names)
	slices.Sort(s)
	return s
}

// canonical is the aggregate with names numbered in sorted order and paths
// in sorted order, so a fit does not depend on the order journeys came in.
type canonical struct {
	names []string
	paths []canonPath
	total uint64
}

type canonPath struct {
	seq        []int32
	conv, null uint64
}

func (p *Paths) canonical() canonical {
	names := p.Names()
	rank := make([]int32, len(p.names))
	for id, name := range p.names {
		r, _ := slices.BinarySearch(names, name)
		rank[id] = int32(r)
	}
	c := canonical{names: names, paths: make([]canonPath, len(p.keys)), total: p.total}
	for i, k := range p.keys {
		var seq []int32
		for b := []byte(k); len(b) > 0; {
			id, n := binary.Uvarint(b)
			b = b[n:]
			seq = append(seq, rank[id])
		}
		c.paths[i] = canonPath{seq: seq, conv: p.conv[i], null: p.null[i]}
	}
	slices.SortFunc(c.paths, func(a, b canonPath) int { return slices.Compare(a.seq, b.seq) })
	return c
}
