package reconcile

import (
	"context"

	"github.com/accruehq/accrue"
)

// Record states within a leg.
const (
	open    uint8 = iota // not yet matched or held
	matched              // claimed by a match
	held                 // claimed by a break found while matching
)

// leg is the matching state of two adjacent sides.
type leg struct {
	index   int
	l, r    *prepared
	stL     []uint8
	stR     []uint8
	matches []matchRec
	arena   []int32 // positions of matched records, referenced by matchRec
	pending []pendingBreak
	wo      int64
	curs    []accrue.Currency // the run's currency table
	steps   int
	buf     []byte // scratch for break ids
	// firstRef holds, during a reference pass, each side's first
	// reference by canonical position (Record.References[0]), so that
	// reference entries need not hold strings.
	firstRef [2][]string
	ctx      context.Context
}

// matchRec is a match in canonical positions; lefts and rights live in the
// leg's arena.
type matchRec struct {
	rule       int32
	confidence int32 // percent
	lOff, lN   int32
	rOff, rN   int32
}

// pendingBreak is a break found while matching (a held reference pair, a
// duplicate) before ids and ages are assigned.
type pendingBreak struct {
	reason Reason
	l, r   []int32
	cand   []candRef
}

// candRef is a suggested candidate: a canonical position on one side of the
// leg (right is true for the leg's second side).
type candRef struct {
	right bool
	pos   int32
}

func newLeg(ctx context.Context, index int, l, r *prepared, wo int64) *leg {
	return &leg{
		index: index, l: l, r: r,
		stL: make([]uint8, len(l.order)), stR: make([]uint8, len(r.order)),
		matches: make([]matchRec, 0, min(len(l.order), len(r.order))/16+16),
		arena:   make([]int32, 0, (len(l.order)+len(r.order))/16+16),
		wo:      wo, ctx: ctx,
	}
}

// tick returns the context's error every few thousand steps.
func (g *leg) tick() error {
	g.steps++
	if g.steps&0x3fff == 0 {
		return g.ctx.Err()
	}
	return nil
}

// match records a match of the open positions ls and rs under rule ri.
func (g *leg) match(ri int, conf float64, ls, rs []int32) {
	m := matchRec{rule: int32(ri), confidence: int32(conf*100 + 0.5), lOff: int32(len(g.arena)), lN: int32(len(ls))}
	for _, p := range ls {
		g.stL[p] = matched
	}
	g.arena = append(g.arena, ls...)
	m.rOff, m.rN = int32(len(g.arena)), int32(len(rs))
	for _, p := range rs {
		g.stR[p] = matched
	}
	g.arena = append(g.arena, rs...)
	g.matches = append(g.matches, m)
}

// hold claims positions for a break found while matching.
func (g *leg) hold(reason Reason, ls, rs []int32, cand []candRef) {
	for _, p := range ls {
		g.stL[p] = held
	}
	for _, p := range rs {
		g.stR[p] = held
	}
	g.pending = append(g.pending, pendingBreak{reason: reason, l: ls, r: rs, cand: cand})
}

// statusOK reports whether two statuses do not conflict.
func statusOK(a, b string) bool {
	return a == "" || b == "" || a == b
}

// pairOK reports whether left position lp and right position rp may be
// matched as far as their statuses go.
func (g *leg) pairOK(lp, rp int32) bool { return statusOK(g.l.statusAt(lp), g.r.statusAt(rp)) }

// counterparty is the bucket key part of position p under rule r.
func counterparty(r *Rule, s *prepared, p int32) string {
	if r.IgnoreCounterparty {
		return ""
	}
	return s.cpAt(p)
}

// run applies the rules in order.
func (g *leg) run(rules []Rule) error {
	for i := range rules {
		r := &rules[i]
		if err := g.ctx.Err(); err != nil {
			return err
		}
		var err error
		switch r.Kind {
		case RuleReference:
			err = g.reference(i, r)
		case RuleAmount, RuleTolerance:
			err = g.nearest(i, r)
		case RuleSubset:
			err = g.subset(i, r, false)
			if err == nil {
				err = g.subset(i, r, true)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}
