package reconcile

import (
	"context"
	"fmt"
	"math/big"
	"math/bits"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/accruehq/accrue"
	"github.com/shopspring/decimal"
)

// Run reconciles two or three sides: the first against the second and, with
// three, the second against the third. Each leg applies the rules in order,
// then turns what is left into breaks; with a Queue configured every break is
// raised (idempotently) and resolved breaks come back with their resolution.
//
// Run returns ErrInvalidConfig for a wrong number of sides or unnamed or
// repeated side names, a *RecordError (ErrInvalidRecord) for a record it
// cannot compare exactly, the context's error when cancelled, and the queue's
// errors. It does not modify the records.
func (rc *Reconciler) Run(ctx context.Context, sides ...Side) (*Report, error) {
	if len(sides) < 2 || len(sides) > 3 {
		return nil, fmt.Errorf("%w: %d sides; want 2 or 3", ErrInvalidConfig, len(sides))
	}
	for i, s := range sides {
		if s.Name == "" {
			return nil, fmt.Errorf("%w: side %d has no name", ErrInvalidConfig, i)
		}
		for _, o := range sides[:i] {
			if o.Name == s.Name {
				return nil, fmt.Errorf("%w: side name %q repeated", ErrInvalidConfig, s.Name)
			}
		}
	}
	preps, curs, err := prepareAll(sides)
	if err != nil {
		return nil, err
	}
	asOf := rc.asOf(preps)
	rep := &Report{AsOf: dayTime(asOf), Sides: sides, agedAfter: rc.cfg.AgedAfterDays}
	legs := make([]*leg, len(preps)-1)
	for i := range legs {
		g := newLeg(ctx, i, preps[i], preps[i+1], rc.cfg.WriteOffUnits)
		g.curs = curs
		if err := g.run(rc.cfg.Rules); err != nil {
			return nil, err
		}
		legs[i] = g
		rep.Breaks = append(rep.Breaks, g.breaks(asOf, rc.cfg.Candidates)...)
		rep.Legs = append(rep.Legs, g.report(rc.cfg.Rules))
		// The report holds its own compact matches: release the leg's
		// scratch now (carry needs only the record states).
		g.matches, g.arena, g.pending, g.buf = nil, nil, nil, nil
	}
	if err := rc.raise(ctx, rep); err != nil {
		return nil, err
	}
	if err := rc.closeEarlier(ctx, rep); err != nil {
		return nil, err
	}
	rep.carry = carry(preps, legs, rep.Breaks)
	return rep, nil
}

// parallelMin is the number of records from which a run uses goroutines.
const parallelMin = 1 << 14

// prepareAll prepares the sides concurrently (one goroutine each) when the
// run is large enough; the result does not depend on scheduling.
func prepareAll(sides []Side) ([]*prepared, []accrue.Currency, error) {
	preps := make([]*prepared, len(sides))
	locals := make([][]accrue.Currency, len(sides))
	errs := make([]error, len(sides))
	// Small runs prepare in turn: goroutines cost more than they save.
	total := 0
	for _, s := range sides {
		total += len(s.Records)
	}
	parallel := total >= parallelMin
	var wg sync.WaitGroup
	each := func(f func(i int)) {
		for i := range sides {
			if !parallel {
				f(i)
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				f(i)
			}()
		}
		wg.Wait()
	}
	each(func(i int) { preps[i], locals[i], errs[i] = prepareSide(sides[i]) })
	for _, err := range errs {
		if err != nil {
			return nil, nil, err
		}
	}
	t := newCurrencyTable(locals)
	each(func(i int) { preps[i].remap(locals[i], t) })
	return preps, t.list, nil
}

// asOf is the configured day or the latest record day.
func (rc *Reconciler) asOf(preps []*prepared) int32 {
	if !rc.cfg.AsOf.IsZero() {
		return dayNumber(rc.cfg.AsOf)
	}
	last := int32(-1 << 31)
	for _, s := range preps {
		for _, d := range s.day {
			last = max(last, d)
		}
	}
	if last == -1<<31 {
		return 0
	}
	return last
}

// raise hands every break to the queue, in report order.
func (rc *Reconciler) raise(ctx context.Context, rep *Report) error {
	q := rc.cfg.Queue
	if q == nil {
		return nil
	}
	for i := range rep.Breaks {
		b := &rep.Breaks[i]
		base := b.ID
		for gen := 1; ; gen++ {
			e, created, err := q.Raise(ctx, *b)
			if err != nil {
				return fmt.Errorf("reconcile: raise break %s: %w", b.ID, err)
			}
			if !created && reopens(e) {
				// Run closed it when its records matched; they are open
				// again: raise it anew, under its next generation's id.
				if gen == maxGenerations {
					return fmt.Errorf("reconcile: break %s reopened %d times", base, gen)
				}
				b.ID = generationID(base, gen+1)
				continue
			}
			if created {
				rep.Raised++
			}
			if e.Resolution != nil {
				r := *e.Resolution
				b.Resolution = &r
			}
			break
		}
	}
	return nil
}

// maxGenerations bounds how many times one break can be reopened (see
// generationID).
const maxGenerations = 1000

// reopens reports whether e, found under the id of a break this run
// raises, is one Run closed itself (MatchedLater): a later generation of
// the break is then raised, open.
func reopens(e Entry) bool {
	return e.Resolution != nil && (e.Resolution.Kind == MatchedLater || e.Resolution.Kind == Superseded)
}

// generationID is the id of generation gen (≥ 2) of the break first raised
// as base: raised again after Run closed generation gen-1 as MatchedLater.
func generationID(base string, gen int) string {
	return base + "." + strconv.Itoa(gen)
}

// carry lists, per side, the records open in some leg and not in a
// resolved break, in canonical order.
func carry(preps []*prepared, legs []*leg, brs []Break) [][]int {
	resolved := make([]map[int]bool, len(preps))
	for i := range resolved {
		resolved[i] = map[int]bool{}
	}
	for _, b := range brs {
		if b.Resolution == nil {
			continue
		}
		for li, g := range legs {
			if g.l.name != b.LeftSide || g.r.name != b.RightSide {
				continue
			}
			for _, k := range b.Left {
				resolved[li][k] = true
			}
			for _, k := range b.Right {
				resolved[li+1][k] = true
			}
		}
	}
	out := make([][]int, len(preps))
	for si, s := range preps {
		for p := range s.order {
			k := int(s.order[p])
			openSomewhere := false
			if si > 0 && legs[si-1].stR[p] != matched {
				openSomewhere = true
			}
			if si < len(legs) && legs[si].stL[p] != matched {
				openSomewhere = true
			}
			if openSomewhere && !resolved[si][k] {
				out[si] = append(out[si], k)
			}
		}
	}
	return out
}

// report builds the public view of a leg. Matches come in canonical order
// of their first left record (each left record is in at most one match).
func (g *leg) report(rules []Rule) Leg {
	out := Leg{LeftSide: g.l.name, RightSide: g.r.name, curs: g.curs, wo: g.wo}
	for _, r := range rules {
		out.rules = append(out.rules, r.Name)
	}
	// Matches were made in rule order (the reference pass in hash order).
	// They are stored in that order, read and written sequentially, and
	// ranked by their first left record with a counting pass over the left
	// positions: perm lists them in report order.
	nm := len(g.matches)
	first := make([]int32, len(g.l.order))
	for i := range first {
		first[i] = -1
	}
	for i := range g.matches {
		first[g.arena[g.matches[i].lOff]] = int32(i)
	}
	out.perm = make([]int32, 0, nm)
	for _, mi := range first {
		if mi >= 0 {
			out.perm = append(out.perm, mi)
		}
	}
	first = nil
	out.idx = make([]int, len(g.arena))
	out.matches = make([]compactMatch, nm)
	lat := make([]time.Duration, nm)
	n := int32(0)
	for i := range g.matches {
		m := &g.matches[i]
		cm := compactMatch{rule: m.rule, confidence: m.confidence, lOff: n, lN: m.lN, rN: m.rN}
		var fs, ls int64
		var fn, ln int32
		for j, p := range g.arena[m.lOff : m.lOff+m.lN] {
			out.idx[n] = int(g.l.order[p])
			n++
			cm.lu += g.l.units[p]
			if s, ns := g.l.sec[p], g.l.nsec[p]; j == 0 || s < fs || (s == fs && ns < fn) {
				fs, fn = s, ns
			}
		}
		cm.rOff = n
		for j, p := range g.arena[m.rOff : m.rOff+m.rN] {
			out.idx[n] = int(g.r.order[p])
			n++
			cm.ru += g.r.units[p]
			if s, ns := g.r.sec[p], g.r.nsec[p]; j == 0 || s > ls || (s == ls && ns > ln) {
				ls, ln = s, ns
			}
		}
		cm.cur = g.l.cur[g.arena[m.lOff]]
		cm.latency = time.Unix(ls, int64(ln)).Sub(time.Unix(fs, int64(fn)))
		lat[i] = cm.latency
		out.matches[i] = cm
	}
	out.Latency = summarize(lat)
	out.UnmatchedLeft = unmatched(g.l, g.stL)
	out.UnmatchedRight = unmatched(g.r, g.stR)
	out.Totals = append(g.totals(g.l, g.stL), g.totals(g.r, g.stR)...)
	return out
}

// unmatched lists the original indexes of positions not matched.
func unmatched(s *prepared, st []uint8) []int {
	var out []int
	for p := range s.order {
		if st[p] != matched {
			out = append(out, int(s.order[p]))
		}
	}
	return out
}

// sum128 is an exact signed 128-bit running sum of minor units.
type sum128 struct {
	hi int64
	lo uint64
}

func (s *sum128) add(v int64) {
	var carry uint64
	s.lo, carry = bits.Add64(s.lo, uint64(v), 0)
	s.hi += int64(carry) + (v >> 63)
}

func (s sum128) money(c accrue.Currency) accrue.Money {
	b := new(big.Int).SetInt64(s.hi)
	b.Lsh(b, 64)
	b.Add(b, new(big.Int).SetUint64(s.lo))
	return accrue.New(decimal.NewFromBigInt(b, -c.MinorUnits()), c)
}

// totals sums a side per currency (canonical order groups currencies).
func (g *leg) totals(s *prepared, st []uint8) []Total {
	var out []Total
	for p := 0; p < len(s.order); {
		cur := s.cur[p]
		var in, m, u sum128
		t := Total{Side: s.name, Currency: g.curs[cur]}
		for ; p < len(s.order) && s.cur[p] == cur; p++ {
			v := s.units[p]
			in.add(v)
			t.InputCount++
			if st[p] == matched {
				m.add(v)
				t.MatchedCount++
			} else {
				u.add(v)
				t.UnmatchedCount++
			}
		}
		t.Input, t.Matched, t.Unmatched = in.money(t.Currency), m.money(t.Currency), u.money(t.Currency)
		out = append(out, t)
	}
	return out
}

// summarize computes count, mean and nearest-rank p95 of ds (which it sorts).
func summarize(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	slices.Sort(ds)
	var s sum128
	for _, d := range ds {
		s.add(int64(d))
	}
	b := new(big.Int).SetInt64(s.hi)
	b.Lsh(b, 64)
	b.Add(b, new(big.Int).SetUint64(s.lo))
	mean := new(big.Int)
	mean.Div(b, big.NewInt(int64(len(ds)))) // Euclidean: rounds toward -inf for negative sums
	rank := (95*len(ds) + 99) / 100
	return Latency{Count: len(ds), Mean: time.Duration(mean.Int64()), P95: ds[rank-1]}
}
