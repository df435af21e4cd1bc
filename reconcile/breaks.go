package reconcile

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/accruehq/accrue"
)

// Reason says why records did not match.
type Reason uint8

// The reason codes of a Break.
const (
	// ReasonMissingInternal: a record of the second side of a leg (the
	// external one) has no counterpart on the first.
	ReasonMissingInternal Reason = iota + 1
	// ReasonMissingExternal: a record of the first side has no counterpart
	// on the second.
	ReasonMissingExternal
	// ReasonAmount: records linked by a reference disagree on the amount
	// beyond the rule's tolerance.
	ReasonAmount
	// ReasonCurrency: records linked by a reference are in different
	// currencies; they are never matched.
	ReasonCurrency
	// ReasonDate: records linked by a reference and agreeing on the amount
	// are further apart than the rule's window.
	ReasonDate
	// ReasonDuplicate: a record repeats another record on its side: the
	// same reference and amount or, without a reference, the same
	// currency, amount, counterparty and day.
	ReasonDuplicate
	// ReasonStatus: records linked by a reference carry different statuses.
	ReasonStatus
)

var reasonNames = [...]string{"", "missing_internal", "missing_external", "amount", "currency", "date", "duplicate", "status"}

// String returns the reason's code as exported ("missing_internal", …).
func (r Reason) String() string {
	if r != 0 && int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return "Reason(" + strconv.Itoa(int(r)) + ")"
}

// Break is one exception a person may need to look at. It is
// self-contained (ids, not pointers), so a Queue can store it as it is.
type Break struct {
	// ID is derived from the leg's side names, the reason and the record
	// ids, so the same exception gets the same ID on every run. A break
	// raised again after Run closed it as MatchedLater gets a generation
	// suffix (".2", ".3", …): see the package documentation.
	ID     string
	Reason Reason
	// LeftSide and RightSide name the leg's sides.
	LeftSide, RightSide string
	// LeftIDs and RightIDs are the ids of the records involved; Left and
	// Right are their indexes in the run's Side.Records.
	LeftIDs, RightIDs []string
	Left, Right       []int
	// LeftTotal and RightTotal sum each side's records (zero Money for a
	// side without records); Difference is RightTotal − LeftTotal when both
	// are present and in one currency, else the zero Money.
	LeftTotal, RightTotal, Difference accrue.Money
	// Date is the earliest record date; Age is whole days from it to the
	// run's AsOf.
	Date time.Time
	Age  int
	// Candidates suggests unmatched records on the other side that may be
	// the counterpart (for duplicates: the record it repeats).
	Candidates []Candidate
	// Resolution is set when the queue holds this break as resolved.
	Resolution *Resolution
}

// Candidate is a suggested counterpart of a break.
type Candidate struct {
	Side  string // the side's name
	ID    string // the record's id
	Index int    // its index in the run's Side.Records
}

// breaks turns everything the leg left unmatched into breaks, in canonical
// order of their first record.
func (g *leg) breaks(asOf int32, ncand int) []Break {
	g.plainDuplicates(false)
	g.plainDuplicates(true)
	pend := g.pending
	pend = append(pend, g.referencePairs()...)
	byUnits := g.unmatchedByUnits()
	for p := range g.l.order {
		if g.stL[p] == open {
			g.stL[p] = held
			pend = append(pend, pendingBreak{reason: ReasonMissingExternal, l: []int32{int32(p)}, cand: g.suggest(byUnits, false, int32(p), ncand)})
		}
	}
	for p := range g.r.order {
		if g.stR[p] == open {
			g.stR[p] = held
			pend = append(pend, pendingBreak{reason: ReasonMissingInternal, r: []int32{int32(p)}, cand: g.suggest(byUnits, true, int32(p), ncand)})
		}
	}
	nl := int64(len(g.l.order))
	key := func(b *pendingBreak) int64 {
		if len(b.l) > 0 {
			return int64(slices.Min(b.l))
		}
		return nl + int64(slices.Min(b.r))
	}
	slices.SortFunc(pend, func(a, b pendingBreak) int { return cmp.Compare(key(&a), key(&b)) })
	out := make([]Break, len(pend))
	seen := make(map[string]int, len(pend))
	for i := range pend {
		out[i] = g.publicBreak(&pend[i], asOf, seen)
	}
	return out
}

// plainDuplicates holds as ReasonDuplicate each open record without a
// reference that repeats another record of its side without a reference:
// same currency, amount, counterparty and day. The original is the first
// matched record of the repeats, else the first in canonical order; it keeps
// its own outcome, and every other open repeat names it as the candidate.
// Canonical order sorts by currency, day and amount, so repeats are
// adjacent up to the counterparty.
func (g *leg) plainDuplicates(right bool) {
	s, st := g.l, g.stL
	if right {
		s, st = g.r, g.stR
	}
	var run []int32
	for p := 0; p < len(s.order); {
		j := p + 1
		for j < len(s.order) && s.cur[j] == s.cur[p] && s.day[j] == s.day[p] && s.units[j] == s.units[p] {
			j++
		}
		if j-p > 1 {
			run = run[:0]
			for q := p; q < j; q++ {
				if !hasReference(s.rec(int32(q))) {
					run = append(run, int32(q))
				}
			}
			if len(run) > 1 {
				g.holdRepeats(s, st, run, right)
			}
		}
		p = j
	}
}

// holdRepeats holds the open repeats within run (positions of equal
// currency, day and amount, without references) by counterparty.
func (g *leg) holdRepeats(s *prepared, st []uint8, run []int32, right bool) {
	slices.SortFunc(run, func(a, b int32) int {
		if c := strings.Compare(s.cpAt(a), s.cpAt(b)); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	for i := 0; i < len(run); {
		j := i + 1
		for j < len(run) && s.cpAt(run[j]) == s.cpAt(run[i]) {
			j++
		}
		orig := run[i]
		for _, q := range run[i:j] {
			if st[q] == matched {
				orig = q
				break
			}
		}
		for _, q := range run[i:j] {
			if q == orig || st[q] != open {
				continue
			}
			c := []candRef{{right: right, pos: orig}}
			if right {
				g.hold(ReasonDuplicate, nil, []int32{q}, c)
			} else {
				g.hold(ReasonDuplicate, []int32{q}, nil, c)
			}
		}
		i = j
	}
}

// hasReference reports whether rec quotes a non-empty reference.
func hasReference(rec *Record) bool {
	for _, ref := range rec.References {
		if ref != "" {
			return true
		}
	}
	return false
}

// referencePairs pairs open records that share a reference but could not
// match: across currencies (ReasonCurrency) or, without a reference rule,
// disagreeing on status, amount or date.
func (g *leg) referencePairs() []pendingBreak {
	refs := map[string][]int32{}
	for p := range g.r.order {
		if g.stR[p] != open {
			continue
		}
		for _, ref := range g.r.rec(int32(p)).References {
			if ref != "" {
				refs[ref] = append(refs[ref], int32(p))
			}
		}
	}
	if len(refs) == 0 {
		return nil
	}
	var out []pendingBreak
	for lp := range g.l.order {
		if g.stL[lp] != open {
			continue
		}
		lrec := g.l.rec(int32(lp))
	refs:
		for _, ref := range lrec.References {
			for _, rp := range refs[ref] {
				if g.stR[rp] != open {
					continue
				}
				reason := ReasonDate
				switch {
				case g.l.cur[lp] != g.r.cur[rp]:
					reason = ReasonCurrency
				case !g.pairOK(int32(lp), rp):
					reason = ReasonStatus
				case g.l.units[lp] != g.r.units[rp]:
					reason = ReasonAmount
				case g.l.day[lp] == g.r.day[rp]:
					continue // nothing disagrees: no reference rule ran
				}
				g.stL[lp], g.stR[rp] = held, held
				out = append(out, pendingBreak{reason: reason, l: []int32{int32(lp)}, r: []int32{rp}})
				break refs
			}
		}
	}
	return out
}

// unmatchedByUnits lists, per side and currency, the positions not matched,
// sorted by amount, for suggesting candidates.
func (g *leg) unmatchedByUnits() [2]map[int32][]int32 {
	var out [2]map[int32][]int32
	for i, s := range []*prepared{g.l, g.r} {
		st := g.stL
		if i == 1 {
			st = g.stR
		}
		m := map[int32][]int32{}
		for p := range s.order {
			if st[p] != matched {
				m[s.cur[p]] = append(m[s.cur[p]], int32(p))
			}
		}
		for _, b := range m {
			slices.SortFunc(b, func(a, c int32) int {
				if x := cmp.Compare(s.units[a], s.units[c]); x != 0 {
					return x
				}
				return cmp.Compare(a, c)
			})
		}
		out[i] = m
	}
	return out
}

// suggest returns up to n unmatched records on the other side nearest in
// amount to position p, preferring the same counterparty, then the smaller
// difference, the nearer date and canonical order.
func (g *leg) suggest(byUnits [2]map[int32][]int32, right bool, p int32, n int) []candRef {
	if n <= 0 {
		return nil
	}
	s, o, oi := g.l, g.r, 1
	if right {
		s, o, oi = g.r, g.l, 0
	}
	b := byUnits[oi][s.cur[p]]
	u := s.units[p]
	i, _ := slices.BinarySearchFunc(b, u, func(q int32, v int64) int { return cmp.Compare(o.units[q], v) })
	lo, hi := i-1, i
	var near []int32
	for len(near) < 4*n && (lo >= 0 || hi < len(b)) {
		if hi >= len(b) || (lo >= 0 && u-o.units[b[lo]] <= o.units[b[hi]]-u) {
			near = append(near, b[lo])
			lo--
		} else {
			near = append(near, b[hi])
			hi++
		}
	}
	cp := s.cpAt(p)
	slices.SortFunc(near, func(a, c int32) int {
		if x := cmp.Compare(boolInt(o.cpAt(c) == cp), boolInt(o.cpAt(a) == cp)); x != 0 {
			return x
		}
		if x := cmp.Compare(absUnits(o.units[a]-u), absUnits(o.units[c]-u)); x != 0 {
			return x
		}
		if x := cmp.Compare(abs32(o.day[a]-s.day[p]), abs32(o.day[c]-s.day[p])); x != 0 {
			return x
		}
		return cmp.Compare(a, c)
	})
	out := make([]candRef, 0, min(n, len(near)))
	for _, q := range near[:min(n, len(near))] {
		out = append(out, candRef{right: !right, pos: q})
	}
	return out
}

// publicBreak completes a pending break: ids, totals, age, candidates.
func (g *leg) publicBreak(pb *pendingBreak, asOf int32, seen map[string]int) Break {
	b := Break{Reason: pb.reason, LeftSide: g.l.name, RightSide: g.r.name}
	slices.Sort(pb.l)
	slices.Sort(pb.r)
	first := int32(1<<31 - 1)
	var firstDate time.Time
	side := func(s *prepared, ps []int32) (ids []string, idx []int, total accrue.Money) {
		var units int64
		for _, p := range ps {
			rec := s.rec(p)
			ids = append(ids, rec.ID)
			idx = append(idx, int(s.order[p]))
			units += s.units[p]
			if s.day[p] < first || (s.day[p] == first && rec.Date.Before(firstDate)) {
				first, firstDate = s.day[p], rec.Date
			}
		}
		if len(ps) > 0 {
			total = accrue.FromMinorUnits(units, s.rec(ps[0]).Amount.Currency())
		}
		return ids, idx, total
	}
	b.LeftIDs, b.Left, b.LeftTotal = side(g.l, pb.l)
	b.RightIDs, b.Right, b.RightTotal = side(g.r, pb.r)
	if len(pb.l) > 0 && len(pb.r) > 0 && g.l.cur[pb.l[0]] == g.r.cur[pb.r[0]] {
		b.Difference, _ = b.RightTotal.Sub(b.LeftTotal)
	}
	b.Date, b.Age = firstDate, int(asOf-first)
	for _, c := range pb.cand {
		s := g.l
		if c.right {
			s = g.r
		}
		b.Candidates = append(b.Candidates, Candidate{Side: s.name, ID: s.rec(c.pos).ID, Index: int(s.order[c.pos])})
	}
	b.ID = breakID(&b, seen, &g.buf)
	return b
}

// breakID hashes what identifies a break; a repeat within one run (records
// sharing ids) gets an occurrence suffix. buf is scratch space.
func breakID(b *Break, seen map[string]int, buf *[]byte) string {
	id := hashBreak(b, buf)
	n := seen[id]
	seen[id] = n + 1
	if n > 0 {
		id += "-" + strconv.Itoa(n)
	}
	return id
}

// hashBreak hashes the leg's side names, the reason and the sorted record
// ids of b. buf is scratch space.
func hashBreak(b *Break, buf *[]byte) string {
	out := (*buf)[:0]
	write := func(s string) {
		out = strconv.AppendInt(out, int64(len(s)), 10)
		out = append(out, ':')
		out = append(out, s...)
		out = append(out, ';')
	}
	write(b.LeftSide)
	write(b.RightSide)
	write(b.Reason.String())
	for _, ids := range [][]string{b.LeftIDs, b.RightIDs} {
		if len(ids) > 1 {
			ids = slices.Sorted(slices.Values(ids))
		}
		write(strconv.Itoa(len(ids)))
		for _, id := range ids {
			write(id)
		}
	}
	*buf = out
	sum := sha256.Sum256(out)
	return hex.EncodeToString(sum[:12])
}
