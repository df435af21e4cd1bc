package reconcile

import (
	"cmp"
	"slices"
)

// bucketKey groups open records by currency and counterparty.
type bucketKey struct {
	cur int32
	cp  string
}

// scanLimit bounds how many records of equal or near amount one target
// inspects in RuleAmount and RuleTolerance, keeping the pass linear on
// pathological input (thousands of identical amounts).
const scanLimit = 256

// buckets returns the open records of s by (currency, counterparty), each
// bucket sorted by less.
func buckets(r *Rule, s *prepared, st []uint8, less func(a, b int32) int) map[bucketKey][]int32 {
	n := 0
	for _, v := range st {
		if v == open {
			n++
		}
	}
	// Sized for every open record in its own bucket, so it never grows.
	m := make(map[bucketKey][]int32, n)
	for p := range s.order {
		if st[p] != open {
			continue
		}
		k := bucketKey{s.cur[p], counterparty(r, s, int32(p))}
		m[k] = append(m[k], int32(p))
	}
	for _, b := range m {
		slices.SortFunc(b, less)
	}
	return m
}

// nearest runs a RuleAmount or RuleTolerance rule: each open left record, in
// canonical order, takes the open right record of its currency and
// counterparty with the smallest difference, then the nearest date, then the
// first in canonical order.
func (g *leg) nearest(ri int, r *Rule) error {
	byAmount := func(a, b int32) int {
		if c := cmp.Compare(g.r.units[a], g.r.units[b]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	}
	bk := buckets(r, g.r, g.stR, byAmount)
	for lp := range g.l.order {
		if g.stL[lp] != open {
			continue
		}
		if err := g.tick(); err != nil {
			return err
		}
		b := bk[bucketKey{g.l.cur[lp], counterparty(r, g.l, int32(lp))}]
		if len(b) == 0 {
			continue
		}
		u := g.l.units[lp]
		tol := g.wo
		if r.Kind == RuleTolerance {
			tol = r.tolerance(u, g.wo)
		}
		i, _ := slices.BinarySearchFunc(b, u-tol, func(p int32, v int64) int { return cmp.Compare(g.r.units[p], v) })
		best, bestDiff, bestDays := int32(-1), int64(0), int32(0)
		for n := 0; i < len(b) && n < scanLimit && g.r.units[b[i]] <= u+tol; i, n = i+1, n+1 {
			rp := b[i]
			if g.stR[rp] != open || !g.pairOK(int32(lp), rp) {
				continue
			}
			dd := abs32(g.r.day[rp] - g.l.day[lp])
			if dd > int32(r.Days) {
				continue
			}
			diff := absUnits(g.r.units[rp] - u)
			if best < 0 || diff < bestDiff || (diff == bestDiff && dd < bestDays) {
				best, bestDiff, bestDays = rp, diff, dd
			}
		}
		if best >= 0 {
			g.match(ri, r.confidence(bestDays), []int32{int32(lp)}, []int32{best})
		}
	}
	return nil
}
