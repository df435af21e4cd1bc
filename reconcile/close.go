package reconcile

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// closeEarlier closes the open breaks of earlier runs that this run
// accounts for otherwise: the break is not one of this run's, and every
// record of it is either matched in the same leg or held by one of this
// run's breaks. With every record matched the break is closed as
// MatchedLater, naming the counterparts and rules; otherwise as
// Superseded, naming the breaks that now hold its records (and the
// counterparts of any matched ones). A record this run did not see keeps
// the break open. Entries are closed in id order; a break someone resolved
// meanwhile is left alone.
func (rc *Reconciler) closeEarlier(ctx context.Context, rep *Report) error {
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
		held := newHeldIndex(rep.Breaks, leg)
		if leg.MatchCount() == 0 && len(held.left)+len(held.right) == 0 {
			continue
		}
		ix := newMatchIndex(leg, rep.side(leg.LeftSide), rep.side(leg.RightSide))
		var open []Entry
		var err error
		if canList {
			open, err = lister.OpenBreaks(ctx, leg.LeftSide, leg.RightSide)
		} else {
			open, err = ix.derivedOpen(ctx, q, leg, held)
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
			by, others, rules, ok := ix.account(b, held)
			if !ok {
				continue
			}
			res := Resolution{Kind: MatchedLater, By: rc.cfg.By, At: at, MatchedIDs: others,
				Note: "matched by rule " + strings.Join(rules, ", ")}
			if len(by) > 0 {
				res.Kind, res.Note = Superseded, "superseded by break "+strings.Join(by, ", ")
				if len(rules) > 0 {
					res.Note += "; matched by rule " + strings.Join(rules, ", ")
				}
			}
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

// heldIndex maps the record ids of one leg's sides to the ids of this
// run's breaks (of that leg) that hold them.
type heldIndex struct {
	left, right map[string][]string
}

func newHeldIndex(brs []Break, leg *Leg) heldIndex {
	h := heldIndex{left: map[string][]string{}, right: map[string][]string{}}
	for i := range brs {
		b := &brs[i]
		if b.LeftSide != leg.LeftSide || b.RightSide != leg.RightSide {
			continue
		}
		for _, id := range b.LeftIDs {
			h.left[id] = append(h.left[id], b.ID)
		}
		for _, id := range b.RightIDs {
			h.right[id] = append(h.right[id], b.ID)
		}
	}
	return h
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

// account reports whether this run accounts for every record of b: each
// is matched (its counterparts and rule collected) or held by one of this
// run's breaks (their ids collected in by). All lists come back sorted and
// without repeats; by is empty when every record is matched.
func (ix *matchIndex) account(b *Break, held heldIndex) (by, others, rules []string, ok bool) {
	if len(b.LeftIDs)+len(b.RightIDs) == 0 {
		return nil, nil, nil, false
	}
	visit := func(ids []string, matched map[string]int, inBreaks map[string][]string, right bool) bool {
		for _, id := range ids {
			if mi, found := matched[id]; found {
				rules = append(rules, ix.leg.rules[ix.leg.compact(mi).rule])
				m := ix.leg.Match(mi)
				otherSide, s := m.Right, ix.rs
				if right {
					otherSide, s = m.Left, ix.ls
				}
				for _, k := range otherSide {
					others = append(others, s.Records[k].ID)
				}
				continue
			}
			bs, found := inBreaks[id]
			if !found {
				return false
			}
			by = append(by, bs...)
		}
		return true
	}
	if !visit(b.LeftIDs, ix.left, held.left, false) || !visit(b.RightIDs, ix.right, held.right, true) {
		return nil, nil, nil, false
	}
	for _, l := range []*[]string{&by, &others, &rules} {
		slices.Sort(*l)
		*l = slices.Compact(*l)
	}
	return by, others, rules, true
}

// derivedOpen is the fallback for a Queue without OpenLister: it looks up
// by id the breaks each match's records could have raised before — alone
// (missing, duplicate) or, for a one-to-one match, as a pair (amount,
// date, status) — and those each record held by this run's breaks could
// have raised alone, in their latest generation, and returns those the
// queue holds open.
func (ix *matchIndex) derivedOpen(ctx context.Context, q Queue, leg *Leg, held heldIndex) ([]Entry, error) {
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
	alone := func(id string, right bool) error {
		if right {
			return errors.Join(try(ReasonMissingInternal, nil, []string{id}), try(ReasonDuplicate, nil, []string{id}))
		}
		return errors.Join(try(ReasonMissingExternal, []string{id}, nil), try(ReasonDuplicate, []string{id}, nil))
	}
	for side, ids := range [...]map[string][]string{held.left, held.right} {
		for _, id := range slices.Sorted(maps.Keys(ids)) {
			if err := alone(id, side == 1); err != nil {
				return nil, err
			}
		}
	}
	for mi := range leg.MatchCount() {
		m := leg.Match(mi)
		var lid, rid string
		for _, k := range m.Left {
			lid = ix.ls.Records[k].ID
			if err := alone(lid, false); err != nil {
				return nil, err
			}
		}
		for _, k := range m.Right {
			rid = ix.rs.Records[k].ID
			if err := alone(rid, true); err != nil {
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
