package reconcile

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// closeMatched closes, as MatchedLater, the open breaks of earlier runs
// whose records this run matched: every record of the break is in a match
// of the same leg and the break is not one of this run's. Entries are
// closed in id order; a break someone resolved meanwhile is left alone.
func (rc *Reconciler) closeMatched(ctx context.Context, rep *Report) error {
	q := rc.cfg.Queue
	if q == nil {
		return nil
	}
	current := make(map[string]bool, len(rep.Breaks))
	for i := range rep.Breaks {
		current[rep.Breaks[i].ID] = true
	}
	at := rc.cfg.AsOf
	if at.IsZero() {
		at = rep.AsOf
	}
	lister, canList := q.(OpenLister)
	for li := range rep.Legs {
		leg := &rep.Legs[li]
		if leg.MatchCount() == 0 {
			continue
		}
		ix := newMatchIndex(leg, rep.side(leg.LeftSide), rep.side(leg.RightSide))
		var open []Entry
		var err error
		if canList {
			open, err = lister.OpenBreaks(ctx, leg.LeftSide, leg.RightSide)
		} else {
			open, err = ix.derivedOpen(ctx, q, leg)
		}
		if err != nil {
			return fmt.Errorf("reconcile: list open breaks: %w", err)
		}
		slices.SortFunc(open, func(a, b Entry) int { return strings.Compare(a.Break.ID, b.Break.ID) })
		for i, e := range open {
			b := &e.Break
			if e.Resolution != nil || current[b.ID] || (i > 0 && open[i-1].Break.ID == b.ID) ||
				b.LeftSide != leg.LeftSide || b.RightSide != leg.RightSide {
				continue
			}
			others, rules, ok := ix.cover(b)
			if !ok {
				continue
			}
			res := Resolution{Kind: MatchedLater, By: rc.cfg.By, At: at, MatchedIDs: others,
				Note: "matched by rule " + strings.Join(rules, ", ")}
			if err := q.Resolve(ctx, b.ID, res); err != nil {
				if errors.Is(err, ErrAlreadyResolved) {
					continue
				}
				return fmt.Errorf("reconcile: close break %s: %w", b.ID, err)
			}
			rep.Closed = append(rep.Closed, b.ID)
		}
	}
	slices.Sort(rep.Closed)
	return nil
}

// matchIndex maps the record ids of one leg's matches to the match that
// holds them.
type matchIndex struct {
	leg         *Leg
	left, right map[string]int
	ls, rs      *Side
}

func newMatchIndex(leg *Leg, ls, rs *Side) *matchIndex {
	ix := &matchIndex{leg: leg, ls: ls, rs: rs,
		left: make(map[string]int, leg.MatchCount()), right: make(map[string]int, leg.MatchCount())}
	for mi := range leg.MatchCount() {
		m := leg.Match(mi)
		for _, k := range m.Left {
			ix.left[ls.Records[k].ID] = mi
		}
		for _, k := range m.Right {
			ix.right[rs.Records[k].ID] = mi
		}
	}
	return ix
}

// cover reports whether every record of b is matched, and returns the
// sorted ids of their counterparts and the sorted names of the rules.
func (ix *matchIndex) cover(b *Break) (others, rules []string, ok bool) {
	if len(b.LeftIDs)+len(b.RightIDs) == 0 {
		return nil, nil, false
	}
	add := func(mi int, otherSide []int, s *Side) {
		rules = append(rules, ix.leg.rules[ix.leg.compact(mi).rule])
		for _, k := range otherSide {
			others = append(others, s.Records[k].ID)
		}
	}
	for _, id := range b.LeftIDs {
		mi, found := ix.left[id]
		if !found {
			return nil, nil, false
		}
		add(mi, ix.leg.Match(mi).Right, ix.rs)
	}
	for _, id := range b.RightIDs {
		mi, found := ix.right[id]
		if !found {
			return nil, nil, false
		}
		add(mi, ix.leg.Match(mi).Left, ix.ls)
	}
	slices.Sort(others)
	slices.Sort(rules)
	return slices.Compact(others), slices.Compact(rules), true
}

// derivedOpen is the fallback for a Queue without OpenLister: it looks up
// by id the breaks each match's records could have raised before — alone
// (missing, duplicate) or, for a one-to-one match, as a pair (amount,
// date, status), in their latest generation — and returns those the queue
// holds open.
func (ix *matchIndex) derivedOpen(ctx context.Context, q Queue, leg *Leg) ([]Entry, error) {
	var out []Entry
	var buf []byte
	try := func(reason Reason, lids, rids []string) error {
		b := Break{Reason: reason, LeftSide: leg.LeftSide, RightSide: leg.RightSide, LeftIDs: lids, RightIDs: rids}
		base := hashBreak(&b, &buf)
		for gen, id := 1, base; gen <= maxGenerations; gen, id = gen+1, generationID(base, gen+1) {
			e, found, err := q.Get(ctx, id)
			switch {
			case err != nil || !found:
				return err
			case e.Resolution == nil:
				out = append(out, e)
				return nil
			case !reopens(e):
				return nil
			}
		}
		return nil
	}
	for mi := range leg.MatchCount() {
		m := leg.Match(mi)
		var lid, rid string
		for _, k := range m.Left {
			lid = ix.ls.Records[k].ID
			if err := errors.Join(try(ReasonMissingExternal, []string{lid}, nil), try(ReasonDuplicate, []string{lid}, nil)); err != nil {
				return nil, err
			}
		}
		for _, k := range m.Right {
			rid = ix.rs.Records[k].ID
			if err := errors.Join(try(ReasonMissingInternal, nil, []string{rid}), try(ReasonDuplicate, nil, []string{rid})); err != nil {
				return nil, err
			}
		}
		if len(m.Left) == 1 && len(m.Right) == 1 {
			for _, reason := range [...]Reason{ReasonAmount, ReasonDate, ReasonStatus} {
				if err := try(reason, []string{lid}, []string{rid}); err != nil {
					return nil, err
				}
			}
		}
	}
	return out, nil
}
