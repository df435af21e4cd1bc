package reconcile

import (
	"cmp"
	"slices"
)

// subsetBudget bounds the nodes one subset search visits, so that a target
// with many candidates of near amounts costs a bounded amount of work.
const subsetBudget = 20000

// windowLimit bounds how many records of one bucket a subset target scans
// for candidates inside its date window.
const windowLimit = 1024

// subset runs a RuleSubset rule with targets on the left side (one left
// record against several right records) or, when reverse, on the right side
// (several left records against one right record). Targets are visited in
// canonical order; each takes the group whose sum is nearest its amount.
func (g *leg) subset(ri int, r *Rule, reverse bool) error {
	t, o, stT, stO := g.l, g.r, g.stL, g.stR
	if reverse {
		t, o, stT, stO = g.r, g.l, g.stR, g.stL
	}
	byDay := func(a, b int32) int {
		if c := cmp.Compare(o.day[a], o.day[b]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	}
	bk := buckets(r, o, stO, byDay)
	var cands []int32
	var vals []int64
	s := &subsetSearch{}
	for tp := range t.order {
		if stT[tp] != open {
			continue
		}
		if err := g.tick(); err != nil {
			return err
		}
		b := bk[bucketKey{t.cur[tp], counterparty(r, t, int32(tp))}]
		u := t.units[tp]
		if len(b) < 2 || u == 0 {
			continue
		}
		tol := r.tolerance(u, g.wo)
		d := t.day[tp]
		i, _ := slices.BinarySearchFunc(b, d-int32(r.Days), func(p int32, v int32) int { return cmp.Compare(o.day[p], v) })
		cands = cands[:0]
		for n := 0; i < len(b) && n < windowLimit && o.day[b[i]] <= d+int32(r.Days); i, n = i+1, n+1 {
			op := b[i]
			v := o.units[op]
			if stO[op] != open || v == 0 || (v < 0) != (u < 0) || absUnits(v) > absUnits(u)+tol || !statusOK(t.statusAt(int32(tp)), o.statusAt(op)) {
				continue
			}
			cands = append(cands, op)
		}
		if len(cands) < 2 {
			continue
		}
		if len(cands) > r.MaxCandidates {
			slices.SortFunc(cands, func(a, b int32) int {
				if c := cmp.Compare(abs32(o.day[a]-d), abs32(o.day[b]-d)); c != 0 {
					return c
				}
				return cmp.Compare(a, b)
			})
			cands = cands[:r.MaxCandidates]
		}
		slices.SortFunc(cands, func(a, b int32) int {
			if c := cmp.Compare(absUnits(o.units[b]), absUnits(o.units[a])); c != 0 {
				return c
			}
			return cmp.Compare(a, b)
		})
		vals = vals[:0]
		for _, p := range cands {
			vals = append(vals, absUnits(o.units[p]))
		}
		pick := s.find(vals, absUnits(u), tol, r.MaxGroup)
		if pick == nil {
			continue
		}
		group := make([]int32, len(pick))
		for j, k := range pick {
			group[j] = cands[k]
		}
		slices.Sort(group)
		one := []int32{int32(tp)}
		if reverse {
			g.match(ri, r.confidence(g.spread(group, one)), group, one)
		} else {
			g.match(ri, r.confidence(g.spread(one, group)), one, group)
		}
	}
	return nil
}

// subsetSearch finds, among values sorted in descending order, a subset of
// 2 to maxK values whose sum is within tol of target, preferring the
// smallest difference and, among equal differences, the first found in
// lexicographic order of indexes.
type subsetSearch struct {
	vals           []int64
	target, tol    int64
	maxK, budget   int
	pick, best     []int
	bestDiff       int64
	found, perfect bool
}

func (s *subsetSearch) find(vals []int64, target, tol int64, maxK int) []int {
	s.vals, s.target, s.tol, s.maxK, s.budget = vals, target, tol, maxK, subsetBudget
	s.pick, s.best, s.found, s.perfect = s.pick[:0], s.best[:0], false, false
	s.dfs(0, 0)
	if !s.found {
		return nil
	}
	return s.best
}

func (s *subsetSearch) dfs(start int, sum int64) {
	if len(s.pick) >= 2 {
		if diff := absUnits(sum - s.target); diff <= s.tol && (!s.found || diff < s.bestDiff) {
			s.best = append(s.best[:0], s.pick...)
			s.bestDiff, s.found, s.perfect = diff, true, diff == 0
		}
	}
	if len(s.pick) == s.maxK || s.perfect {
		return
	}
	left := s.maxK - len(s.pick)
	for i := start; i < len(s.vals); i++ {
		if s.budget--; s.budget < 0 || s.perfect {
			return
		}
		if sum+s.vals[i] > s.target+s.tol {
			continue
		}
		// The largest sum still reachable from i on is the next `left`
		// values; if even that falls short, no later start can reach.
		var reach int64
		for j := i; j < len(s.vals) && j < i+left; j++ {
			reach += s.vals[j]
		}
		if sum+reach < s.target-s.tol {
			return
		}
		s.pick = append(s.pick, i)
		s.dfs(i+1, sum+s.vals[i])
		s.pick = s.pick[:len(s.pick)-1]
	}
}
