package reconcile

import (
	"cmp"
	"slices"
	"sync"

	"github.com/accruehq/accrue/reconcile/internal/radix"
)

// refEntry is one (record, reference) pair of either side: h hashes the
// currency and the reference; v packs the side (bit 63), the canonical
// position (bits 32-62) and the reference's index in Record.References, so
// that sorting by v lists left before right, each in canonical order. It
// holds no pointer (the reference is read back from leg.firstRef or, for a
// record's further references, the record), so the entries and their sort
// buffer are half the size and never scanned by the garbage collector.
type refEntry struct {
	h, v uint64
}

const rightBit = 1 << 63

// refHash is FNV-1a over the reference, seeded with the currency index and
// finished with a 64-bit mixer. It is fixed, so group order is the same on
// every run.
func refHash(cur int32, ref string) uint64 {
	h := uint64(14695981039346656037) ^ uint64(uint32(cur))*0x9E3779B97F4A7C15
	for i := 0; i < len(ref); i++ {
		h ^= uint64(ref[i])
		h *= 1099511628211
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return h
}

// refEntries lists every distinct non-empty reference of both sides, in
// the order of the records in memory (sequential reads), split into two
// shards by the hash's top bit and each sorted (concurrently) by hash, side
// and canonical position, so that shard 0 followed by shard 1 is one sorted
// list. multi reports whether some record quotes several references (which
// can link groups, so shards must then run one after the other).
func (g *leg) refEntries() (shards [2][]refEntry, multi bool) {
	n := len(g.l.order) + len(g.r.order)
	for i := range shards {
		shards[i] = make([]refEntry, 0, n/2+n/32)
	}
	for si, s := range []*prepared{g.l, g.r} {
		side := uint64(0)
		if si == 1 {
			side = rightBit
		}
		col := make([]string, len(s.order))
		g.firstRef[si] = col
		for i := range s.recs {
			refs := s.recs[i].References
			p := s.pos[i]
			n := 0
			for j, ref := range refs {
				if ref == "" || j >= 1<<32 || (j > 0 && slices.Contains(refs[:j], ref)) {
					continue
				}
				if j == 0 {
					col[p] = ref
				}
				h := refHash(s.cur[p], ref)
				shards[h>>63] = append(shards[h>>63], refEntry{h, side | uint64(p)<<32 | uint64(j)})
				n++
			}
			multi = multi || n > 1
		}
	}
	sortShard := func(i int) {
		sh := shards[i]
		radix.Sort(sh, make([]refEntry, len(sh)), func(e *refEntry) uint64 { return e.h })
		for a := 0; a < len(sh); {
			b := a + 1
			for b < len(sh) && sh[b].h == sh[a].h {
				b++
			}
			if b-a > 1 {
				slices.SortFunc(sh[a:b], func(x, y refEntry) int { return cmp.Compare(x.v, y.v) })
			}
			a = b
		}
	}
	if len(shards[0])+len(shards[1]) < parallelMin {
		sortShard(0)
		sortShard(1)
		return shards, multi
	}
	var wg sync.WaitGroup
	for i := range shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sortShard(i)
		}()
	}
	wg.Wait()
	return shards, multi
}

// entryRef returns the side, position and reference of an entry.
func (g *leg) entryRef(e refEntry) (right bool, p int32, cur int32, ref string) {
	right, p = e.v&rightBit != 0, int32((e.v&^rightBit)>>32)
	s := g.l
	if right {
		s = g.r
	}
	if j := uint32(e.v); j > 0 {
		return right, p, s.cur[p], s.rec(p).References[j]
	}
	return right, p, s.cur[p], g.firstRef[boolInt(right)][p]
}

// reference runs a RuleReference rule: records sharing a reference in one
// currency form a group; groups are visited in hash order (fixed, so the
// result is the same on every run), members in canonical order. When no
// record quotes two references the groups are disjoint, and the two hash
// shards run concurrently, each on its own copy of the leg's result lists,
// merged in shard order: the same result as running them in turn.
func (g *leg) reference(ri int, r *Rule) error {
	shards, multi := g.refEntries()
	defer func() { g.firstRef = [2][]string{} }()
	if multi || len(shards[0])+len(shards[1]) < parallelMin {
		for _, sh := range shards {
			if err := g.refShard(ri, r, sh); err != nil {
				return err
			}
		}
		return nil
	}
	var workers [2]leg
	var errs [2]error
	var wg sync.WaitGroup
	for i := range shards {
		workers[i] = *g
		w := &workers[i]
		w.matches = make([]matchRec, 0, len(shards[i])/2+16)
		w.arena = make([]int32, 0, len(shards[i])+16)
		w.pending, w.steps = nil, 0
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = w.refShard(ri, r, shards[i])
		}()
	}
	wg.Wait()
	// Size the leg's lists once, exactly, for the merge and for the
	// looser rules after it: those can match at most min(open left, open
	// right) more times, with at most every open record in the arena.
	var openL, openR int
	for _, v := range g.stL {
		if v == open {
			openL++
		}
	}
	for _, v := range g.stR {
		if v == open {
			openR++
		}
	}
	nm, na := len(workers[0].matches)+len(workers[1].matches), len(workers[0].arena)+len(workers[1].arena)
	g.matches = slices.Grow(g.matches, nm+min(openL, openR))
	g.arena = slices.Grow(g.arena, na+openL+openR)
	for i := range workers {
		if errs[i] != nil {
			return errs[i]
		}
		w := &workers[i]
		base := int32(len(g.arena))
		for _, m := range w.matches {
			m.lOff += base
			m.rOff += base
			g.matches = append(g.matches, m)
		}
		g.arena = append(g.arena, w.arena...)
		g.pending = append(g.pending, w.pending...)
	}
	return nil
}

// refShard settles the groups of one sorted shard of reference entries.
func (g *leg) refShard(ri int, r *Rule, entries []refEntry) error {
	var ls, rs []int32
	for i := 0; i < len(entries); {
		if err := g.tick(); err != nil {
			return err
		}
		j := i + 1
		for j < len(entries) && entries[j].h == entries[i].h {
			j++
		}
		run := entries[i:j]
		i = j
		if len(run) == 1 {
			continue // a reference only one record quotes
		}
		// Split the run by exact (currency, reference): hash collisions
		// must never join groups.
		for len(run) > 0 {
			_, _, cur0, ref0 := g.entryRef(run[0])
			ls, rs = ls[:0], rs[:0]
			rest := run[:0:0]
			for _, e := range run {
				right, p, cur, ref := g.entryRef(e)
				switch {
				case cur != cur0 || ref != ref0:
					rest = append(rest, e)
				case right && g.stR[p] == open:
					rs = append(rs, p)
				case !right && g.stL[p] == open:
					ls = append(ls, p)
				}
			}
			if len(ls)+len(rs) > 1 {
				g.refGroup(ri, r, ls, rs)
			}
			run = rest
		}
	}
	return nil
}

// refGroup settles one reference group of open records.
func (g *leg) refGroup(ri int, r *Rule, ls, rs []int32) {
	if len(ls) == 1 && len(rs) == 1 {
		g.pairOrHold(ri, r, ls[0], rs[0])
		return
	}
	if len(ls) > 0 && len(rs) > 0 {
		g.pairEqual(ri, r, ls, rs)
	}
	lo, ro := openOf(ls, g.stL), openOf(rs, g.stR)
	if len(lo) > 0 && len(ro) > 0 && len(lo)+len(ro) <= r.MaxGroup+1 && g.groupFits(r, lo, ro) {
		g.match(ri, r.confidence(g.spread(lo, ro)), lo, ro)
		return
	}
	lo = g.duplicates(lo, ls, g.l, false)
	ro = g.duplicates(ro, rs, g.r, true)
	if len(lo) == 1 && len(ro) == 1 {
		g.pairOrHold(ri, r, lo[0], ro[0])
	}
}

// pairOrHold matches a one-to-one reference pair or holds it as a break
// naming what disagrees.
func (g *leg) pairOrHold(ri int, r *Rule, lp, rp int32) {
	lu, ru := g.l.units[lp], g.r.units[rp]
	dd := g.r.day[rp] - g.l.day[lp]
	switch {
	case !g.pairOK(lp, rp):
		g.hold(ReasonStatus, []int32{lp}, []int32{rp}, nil)
	case absUnits(ru-lu) > r.tolerance(lu, g.wo):
		g.hold(ReasonAmount, []int32{lp}, []int32{rp}, nil)
	case abs32(dd) > int32(r.Days):
		g.hold(ReasonDate, []int32{lp}, []int32{rp}, nil)
	default:
		g.match(ri, r.confidence(dd), []int32{lp}, []int32{rp})
	}
}

// pairEqual matches records of equal amount within the window, each left
// record taking the first open right record in canonical order.
func (g *leg) pairEqual(ri int, r *Rule, ls, rs []int32) {
	byAmount := slices.Clone(rs)
	slices.SortFunc(byAmount, func(a, b int32) int {
		if c := cmp.Compare(g.r.units[a], g.r.units[b]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	for _, lp := range ls {
		u := g.l.units[lp]
		i, _ := slices.BinarySearchFunc(byAmount, u, func(p int32, u int64) int { return cmp.Compare(g.r.units[p], u) })
		for ; i < len(byAmount) && g.r.units[byAmount[i]] == u; i++ {
			rp := byAmount[i]
			dd := g.r.day[rp] - g.l.day[lp]
			if g.stR[rp] == open && abs32(dd) <= int32(r.Days) && g.pairOK(lp, rp) {
				g.match(ri, r.confidence(dd), []int32{lp}, []int32{rp})
				break
			}
		}
	}
}

// groupFits reports whether the sums of lo and ro agree within tolerance
// and every date is within the window of the earliest.
func (g *leg) groupFits(r *Rule, lo, ro []int32) bool {
	var lu, ru int64
	for _, p := range lo {
		lu += g.l.units[p]
	}
	for _, p := range ro {
		ru += g.r.units[p]
	}
	return absUnits(ru-lu) <= r.tolerance(lu, g.wo) && g.spread(lo, ro) <= int32(r.Days)
}

// spread is the number of days between the earliest and latest record.
func (g *leg) spread(lo, ro []int32) int32 {
	first, last := int32(1<<31-1), int32(-1<<31)
	for _, p := range lo {
		first, last = min(first, g.l.day[p]), max(last, g.l.day[p])
	}
	for _, p := range ro {
		first, last = min(first, g.r.day[p]), max(last, g.r.day[p])
	}
	return last - first
}

// duplicates holds each open record of a reference group that repeats the
// amount of an earlier or matched record of its side in the group, and
// returns the records still open.
func (g *leg) duplicates(opens, all []int32, s *prepared, right bool) []int32 {
	st := g.stL
	if right {
		st = g.stR
	}
	// For each amount: its first record in canonical order and, if any, a
	// matched one. Groups are small; a map bounds pathological ones.
	type firsts struct{ first, matched int32 }
	seen := make(map[int64]firsts, len(all))
	for _, q := range all {
		f, ok := seen[s.units[q]]
		if !ok {
			f = firsts{first: q, matched: -1}
		}
		if st[q] == matched && f.matched < 0 {
			f.matched = q
		}
		seen[s.units[q]] = f
	}
	kept := opens[:0:0]
	for _, p := range opens {
		f := seen[s.units[p]]
		orig := f.first
		if orig == p {
			orig = f.matched
		}
		if orig < 0 {
			kept = append(kept, p)
			continue
		}
		if right {
			g.hold(ReasonDuplicate, nil, []int32{p}, []candRef{{right: true, pos: orig}})
		} else {
			g.hold(ReasonDuplicate, []int32{p}, nil, []candRef{{right: false, pos: orig}})
		}
	}
	return kept
}

// openOf returns the positions of ps still open.
func openOf(ps []int32, st []uint8) []int32 {
	var out []int32
	for _, p := range ps {
		if st[p] == open {
			out = append(out, p)
		}
	}
	return out
}
