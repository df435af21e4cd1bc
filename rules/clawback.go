package rules

import (
	"context"
	"fmt"
	"slices"

	"github.com/accruehq/accrue"
)

// reverse claws back the lines of the event a refund or chargeback
// reverses: each original line within its plan version's clawback window
// gets a negative line, pro rata to the refunded share of the original
// amount, at the original line's plan version and rate, always payable.
//
// With RefundedBefore, the clawback is the difference between the pro-rata
// amounts after and before this refund, each rounded in the plan's mode, so
// that refunds adding up to the whole amount reverse each line exactly.
func (e *Engine) reverse(ctx context.Context, st *evalState, ev Event, x *Explanation) error {
	if len(ev.Original) == 0 {
		return fmt.Errorf("%w: %s %q has no original lines to reverse", ErrInvalidEvent, ev.Kind, clipText(ev.ID))
	}
	orig := ev.Original[0].EventID
	if ev.Reverses != "" && ev.Reverses != orig {
		return fmt.Errorf("%w: %s %q reverses %q but its original lines are of %q", ErrInvalidEvent, ev.Kind, clipText(ev.ID), clipText(ev.Reverses), clipText(orig))
	}
	refund, err := minorUnits(ev.Amount)
	if err != nil {
		return fmt.Errorf("%w: %s %q amount: %v", ErrInvalidEvent, ev.Kind, clipText(ev.ID), err)
	}
	var prev int64
	if !ev.RefundedBefore.IsZero() {
		if ev.RefundedBefore.Currency() != ev.Amount.Currency() || ev.RefundedBefore.IsNegative() {
			return fmt.Errorf("%w: %s %q: refunded-before %s does not match amount %s", ErrInvalidEvent, ev.Kind, clipText(ev.ID), ev.RefundedBefore, ev.Amount)
		}
		if prev, err = minorUnits(ev.RefundedBefore); err != nil {
			return fmt.Errorf("%w: %s %q: %v", ErrInvalidEvent, ev.Kind, clipText(ev.ID), err)
		}
	}
	var (
		c        *Compiled
		first    Line
		inWindow bool
		claws    []ruleClaw // per rule, the clawed commission (overrides aside)
	)
	for _, l := range ev.Original {
		if l.EventID != orig || l.Type == Clawback {
			return fmt.Errorf("%w: %s %q: original lines must be the non-clawback lines of one event", ErrInvalidEvent, ev.Kind, clipText(ev.ID))
		}
		lc, ok := e.plans.Version(l.Version)
		if !ok {
			return fmt.Errorf("%w: %s %q: line %s names plan version %s", ErrUnknownVersion, ev.Kind, clipText(ev.ID), l.Ref(), clipText(l.Version))
		}
		if c == nil {
			c, first = lc, l
			if x != nil {
				x.Plan, x.Version, x.Label, x.Currency = c.plan.ID, c.hash, c.plan.Version, c.currency
				x.Amount = refund
			}
		} else if lc != c || l.Source != first.Source || !l.EventTime.Equal(first.EventTime) {
			return fmt.Errorf("%w: %s %q: original lines disagree on plan version, partner or time", ErrInvalidEvent, ev.Kind, clipText(ev.ID))
		}
		lu, err := minorUnits(l.Amount)
		if err != nil || l.Amount.Currency() != c.currency {
			return fmt.Errorf("%w: %s %q: line %s amount %s is not in the plan's minor units", ErrInvalidEvent, ev.Kind, clipText(ev.ID), l.Ref(), l.Amount)
		}
		if c.clawback > 0 && ev.Time.Sub(l.EventTime) > c.clawback {
			if x != nil {
				x.Clawbacks = append(x.Clawbacks, ClawbackTrace{Reverses: l.Ref(), Original: lu, Note: fmt.Sprintf("outside the %d-day clawback window", c.plan.ClawbackDays)})
			}
			continue
		}
		inWindow = true
		claw, err := prorata(l, lu, refund, prev, ev, c.mode)
		if err != nil {
			return err
		}
		if x != nil {
			x.Clawbacks = append(x.Clawbacks, ClawbackTrace{Reverses: l.Ref(), Original: lu, Amount: claw})
		}
		st.lines = append(st.lines, Line{
			Seq: len(st.lines), Type: Clawback, Partner: l.Partner, Source: l.Source,
			Amount: accrue.FromMinorUnits(claw, c.currency), Status: Payable,
			EventID: ev.ID, EventTime: ev.Time, Rule: l.Rule, Plan: l.Plan, Version: l.Version,
			Basis: ev.Amount, Rate: l.Rate, Reverses: l.Ref(),
		})
		if l.Type != Override {
			claws = addClaw(claws, l.Rule, claw)
		}
	}
	if !inWindow {
		return nil // nothing clawed back: the totals stand
	}
	return e.reduceTotals(ctx, st, c, ev, first, refund, prev, claws, x)
}

// ruleClaw is the commission clawed back from one rule's lines.
type ruleClaw struct {
	rule string
	claw int64
}

func addClaw(cs []ruleClaw, rule string, claw int64) []ruleClaw {
	for i := range cs {
		if cs[i].rule == rule {
			cs[i].claw += claw
			return cs
		}
	}
	return append(cs, ruleClaw{rule, claw})
}

// netShare returns the refund's share of the original event's volume (minor
// units of the plan's currency, negative) and count (-1 when this reversal
// completes a full refund, else 0). The volume is the event's converted
// amount (at the rate on its lines), pro rata as the clawbacks are, so that
// refunds adding up to the whole amount remove it exactly.
func netShare(c *Compiled, l Line, refund, prev int64) (dv, dc int64, err error) {
	basis, err := minorUnits(l.Basis)
	if err != nil {
		return 0, 0, fmt.Errorf("%w: line %s basis: %v", ErrInvalidEvent, l.Ref(), err)
	}
	if basis <= 0 {
		if prev == 0 {
			return 0, -1, nil
		}
		return 0, 0, nil
	}
	vol := basis
	if l.Rate != nil {
		m, err := l.Rate.Convert(l.Basis, c.mode)
		if err != nil {
			return 0, 0, fmt.Errorf("rules: line %s: %w", l.Ref(), err)
		}
		if vol, err = minorUnits(m); err != nil {
			return 0, 0, fmt.Errorf("%w: line %s converted basis: %v", ErrInvalidEvent, l.Ref(), err)
		}
	}
	after := prev + refund // checked by prorata: prev ≤ after ≤ basis
	a1, ok1 := quoRound(vol, uint64(after), uint64(basis), c.mode)
	a0, ok0 := quoRound(vol, uint64(prev), uint64(basis), c.mode)
	if !ok1 || !ok0 {
		return 0, 0, fmt.Errorf("%w: line %s", accrue.ErrOverflow, l.Ref())
	}
	if after == basis && prev < basis {
		dc = -1
	}
	return a0 - a1, dc, nil
}

// reduceTotals takes the refunded share of the original event out of every
// total the event raised, in the original event's periods: the partner's
// period, lifetime and the plan's period totals, and each paid tier rule's
// volume and count; and the clawed-back commission out of the same totals and
// each rule's period-cap total. A retroactive tier whose period volume falls
// below a band it had reached gets a true-down line (see trueDown).
func (e *Engine) reduceTotals(ctx context.Context, st *evalState, c *Compiled, ev Event, first Line, refund, prev int64, claws []ruleClaw, x *Explanation) error {
	dv, dc, err := netShare(c, first, refund, prev)
	if err != nil {
		return err
	}
	src := first.Source
	pStart := c.period.start(first.EventTime, c.loc)
	var total int64
	for _, rc := range claws {
		r := c.rule(rc.rule)
		if r == nil {
			return fmt.Errorf("%w: %s %q: line of rule %q, which plan version %s does not have", ErrInvalidEvent, ev.Kind, clipText(ev.ID), clipText(rc.rule), shortHash(c.hash))
		}
		claw := rc.claw
		if r.kind == outTiers {
			k := Key{Partner: src, Plan: c.plan.ID, Scope: r.tierScope, Period: r.tierPeriod, Start: r.tierPeriod.start(first.EventTime, c.loc)}
			down, err := e.trueDown(ctx, st, c, r, k, dv, dc, claw, ev, first, x)
			if err != nil {
				return err
			}
			claw += down
			st.deltas = append(st.deltas, Delta{Key: k, Totals: Totals{Volume: dv, Count: dc, Commission: claw}})
		}
		if r.periodCap >= 0 && claw != 0 {
			k := Key{Partner: src, Plan: c.plan.ID, Scope: r.capScope, Period: c.period, Start: pStart}
			st.deltas = append(st.deltas, Delta{Key: k, Totals: Totals{Commission: claw}})
		}
		total += claw
	}
	d := Totals{Volume: dv, Count: dc, Commission: total}
	st.deltas = append(st.deltas, Delta{Key: Key{Partner: src, Plan: c.plan.ID, Period: c.period, Start: pStart}, Totals: d})
	if c.period != Lifetime {
		st.deltas = append(st.deltas, Delta{Key: Key{Partner: src, Plan: c.plan.ID, Period: Lifetime}, Totals: d})
	}
	if c.capPlan >= 0 {
		st.deltas = append(st.deltas, Delta{Key: Key{Plan: c.plan.ID, Period: c.period, Start: pStart}, Totals: d})
	}
	return nil
}

// trueDown returns the (negative) adjustment of a retroactive tier rule whose
// period volume (or count) falls, by this refund, below a band it had
// reached, and emits its lines. A retroactive tier pays the whole period at
// the band reached; after the refund that is the remaining volume at the
// lower band's rate (rounded in the plan's mode). The rule's period
// commission after this refund's clawbacks (claw, negative) is what it paid
// net; the true-down takes back the excess over the target, never more and
// never a positive amount, and not when the excess is within the rounding of
// the period's events (at most one minor unit per remaining event). (A refund of the event that crossed the band
// claws its true-up back with its other lines, and needs no true-down.)
// It is a TrueUp line with a negative amount, split by the rule's shares
// with the rule's overrides (to the parents its original lines paid),
// payable.
func (e *Engine) trueDown(ctx context.Context, st *evalState, c *Compiled, r *compiledRule, k Key, dv, dc, claw int64, ev Event, first Line, x *Explanation) (int64, error) {
	if r.tierMode != tierRetroactive || (dv == 0 && dc == 0) {
		return 0, nil
	}
	before, err := e.get(ctx, k)
	if err != nil {
		return 0, err
	}
	after := Totals{Volume: max(before.Volume+dv, 0), Count: max(before.Count+dc, 0), Commission: before.Commission + claw}
	v0, v1 := before.Volume, after.Volume
	if r.tierByCount {
		v0, v1 = before.Count, after.Count
	}
	b0, b1 := bandAt(r.bands, v0), bandAt(r.bands, v1)
	if b1 >= b0 {
		return 0, nil
	}
	target, ok := mulRound(after.Volume, r.bands[b1].rate, c.mode)
	if !ok {
		return 0, &EvalError{Plan: c.plan.ID, Version: c.hash, Rule: r.id, Event: ev.ID, Err: errRange}
	}
	down := min(target-after.Commission, 0)
	if -down <= after.Count {
		// Within the per-event rounding of the amounts paid (at most one
		// minor unit per remaining event): rounding, not a band.
		return 0, nil
	}
	if x != nil {
		x.TrueDowns = append(x.TrueDowns, TrueDownTrace{Rule: r.id, ByCount: r.tierByCount, Before: before, After: after,
			FromBand: r.bands[b0].from, FromRate: r.bands[b0].rate.text, ToBand: r.bands[b1].from, ToRate: r.bands[b1].rate.text,
			Target: target, Amount: down})
	}
	// The lines go to whom the original paid: the event's partner, the
	// rule's split partners and the parents its overrides paid.
	var parents []string
	for _, l := range ev.Original {
		if l.Type == Override && l.Rule == r.id && !slices.Contains(parents, l.Partner) {
			parents = append(parents, l.Partner)
		}
	}
	src := Event{ID: ev.ID, Time: ev.Time, Amount: ev.Amount, Partner: Partner{ID: first.Source, Parents: parents}}
	return down, e.emit(st, c, src, r, TrueUp, down, nil, Payable, "", first.Rate)
}

// prorata returns the clawback of an original line of lu minor units for a
// refund of refund units after prev units were refunded before.
func prorata(l Line, lu, refund, prev int64, ev Event, mode accrue.RoundingMode) (int64, error) {
	if ev.Amount.Currency() != l.Basis.Currency() && !l.Basis.Currency().IsZero() && !ev.Amount.IsZero() {
		return 0, fmt.Errorf("%w: %s %q is in %s, the original amount in %s", ErrInvalidEvent, ev.Kind, clipText(ev.ID), ev.Amount.Currency(), l.Basis.Currency())
	}
	basis, err := minorUnits(l.Basis)
	if err != nil {
		return 0, fmt.Errorf("%w: line %s basis: %v", ErrInvalidEvent, l.Ref(), err)
	}
	if basis <= 0 {
		// Nothing to pro-rate (a signup bonus): the first reversal takes
		// it all back.
		if prev == 0 {
			return -lu, nil
		}
		return 0, nil
	}
	after := prev + refund
	if after > basis || after < prev {
		return 0, fmt.Errorf("%w: %s %q: refunds of %d exceed the original %d minor units", ErrInvalidEvent, ev.Kind, clipText(ev.ID), after, basis)
	}
	a1, ok1 := quoRound(lu, uint64(after), uint64(basis), mode)
	a0, ok0 := quoRound(lu, uint64(prev), uint64(basis), mode)
	if !ok1 || !ok0 {
		return 0, fmt.Errorf("%w: line %s", accrue.ErrOverflow, l.Ref())
	}
	return -(a1 - a0), nil
}
