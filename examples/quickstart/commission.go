package main

import (
	"context"
	"fmt"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/rules"
	"github.com/shopspring/decimal"
)

// clawbackDays is the plan's clawback window: a refund or chargeback later
// than this after the sale leaves the commission with the partner.
const clawbackDays = 45

// commissionPlan is the program's plan: graduated monthly volume tiers on
// one-off sales, 20% recurring on subscription payments for their first 12
// months, a monthly cap per partner (500.00 USD), a review hold for orders the fraud
// screen flagged, and a 45-day clawback window.
func commissionPlan(start time.Time) rules.Plan {
	return rules.Plan{
		ID: "partner-program", Version: "2026-q1", Currency: "USD",
		ValidFrom: start, TimeZone: "UTC", Rounding: "half-even",
		Period: "month", HitPolicy: "first", ClawbackDays: clawbackDays,
		Caps: rules.PlanCaps{PartnerPeriod: "500.00"},
		Holds: []rules.Hold{{ID: "risk-review", When: `event.attrs["risk"] == "high"`,
			Reason: "fraud screen: device shared with partner"}},
		Rules: []rules.Rule{
			{ID: "subscriptions", Priority: 1, When: `event.kind == "payment"`,
				Percent: "20", Recurring: &rules.Recurring{Months: 12}},
			{ID: "sales", Priority: 2, When: `event.kind == "sale"`, Tiers: &rules.Tiers{
				Mode: "graduated", By: "amount", Period: "month",
				Bands: []rules.Band{{From: "0", Percent: "5"}, {From: "2000", Percent: "8"}, {From: "10000", Percent: "10"}},
			}},
		},
	}
}

// line is a commission line with the attribution lineage of its credit.
type line struct {
	rules.Line
	Conversion string
	Touchpoint string
}

// commissions is the outcome of the rules step.
type commissions struct {
	Plan  *rules.Compiled
	Lines []line // in evaluation order (time, sales before refunds)
	// Earned sums the commission lines; ClawedBack the clawback lines (as
	// a positive amount); OnHold the lines held for review.
	Earned, ClawedBack, OnHold, Capped accrue.Money
	Held, CappedLines                  int
	Refunds, OutsideWindow             int // refund events; lines a refund came too late to claw back
}

// commission evaluates every credit and every refund, in time order,
// under the plan.
func commission(ctx context.Context, p *program, a *attributed) (*commissions, error) {
	plan, err := rules.Compile(commissionPlan(p.Start))
	if err != nil {
		return nil, err
	}
	set, err := rules.NewPlanSet(plan)
	if err != nil {
		return nil, err
	}
	eng := rules.NewEngine(set, rules.NewMemoryAggregates())
	tier := make(map[string]string, len(p.Partners))
	for _, pt := range p.Partners {
		tier[pt.ID] = pt.Tier
	}
	out := &commissions{Plan: plan, Earned: accrue.Zero(usd), ClawedBack: accrue.Zero(usd), OnHold: accrue.Zero(usd), Capped: accrue.Zero(usd)}
	produced := map[string][]rules.Line{} // event id → its lines, for clawbacks
	refunded := map[string]accrue.Money{} // event id → refunded so far
	lineage := map[string]*credit{}       // event id → its credit
	add := func(ls []rules.Line, c *credit) error {
		for _, l := range ls {
			out.Lines = append(out.Lines, line{Line: l, Conversion: c.Conversion, Touchpoint: c.Touchpoint})
			var err error
			switch {
			case l.Type == rules.Clawback:
				out.ClawedBack, err = out.ClawedBack.Sub(l.Amount)
			default:
				out.Earned, err = out.Earned.Add(l.Amount)
				if l.Status == rules.OnHold {
					out.Held++
					out.OnHold, _ = out.OnHold.Add(l.Amount)
				}
				for _, x := range l.Exceeded {
					out.CappedLines++
					out.Capped, _ = out.Capped.Add(x.Exceeded)
				}
			}
			if err != nil {
				return err
			}
		}
		return nil
	}

	ri := 0
	for i := 0; i < len(a.Credits) || ri < len(p.Refunds); {
		if i < len(a.Credits) && (ri == len(p.Refunds) || !a.Credits[i].Event.Time.After(p.Refunds[ri].Time)) {
			c := &a.Credits[i]
			i++
			ev := c.Event
			ev.Partner.Tier = tier[ev.Partner.ID]
			ls, err := eng.Evaluate(ctx, ev)
			if err != nil {
				return nil, err
			}
			produced[ev.ID], lineage[ev.ID] = ls, c
			if err := add(ls, c); err != nil {
				return nil, err
			}
			continue
		}
		rf := p.Refunds[ri]
		ri++
		if err := refundEvents(ctx, eng, a, rf, produced, refunded, lineage, out, add); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// refundEvents shares a refund between the partners credited with its
// order, in proportion to their credit (accrue.Allocate), and claws back
// each partner's lines.
func refundEvents(ctx context.Context, eng *rules.Engine, a *attributed, rf refund,
	produced map[string][]rules.Line, refunded map[string]accrue.Money, lineage map[string]*credit,
	out *commissions, add func([]rules.Line, *credit) error) error {
	idx := a.ByOrder[rf.Order]
	if len(idx) == 0 {
		return nil // an organic order, or one dropped as a duplicate: no commission to claw back
	}
	weights := make([]decimal.Decimal, len(idx))
	for i, k := range idx {
		weights[i] = a.Credits[k].Event.Amount.Amount()
	}
	parts, err := accrue.Allocate(accrue.FromMinorUnits(rf.Amount, usd), weights)
	if err != nil {
		return fmt.Errorf("refund %s: %w", rf.ID, err)
	}
	kind := rules.KindRefund
	if rf.Chargeback {
		kind = rules.KindChargeback
	}
	for i, k := range idx {
		orig := a.Credits[k].Event
		if parts[i].IsZero() || len(produced[orig.ID]) == 0 {
			continue
		}
		before, ok := refunded[orig.ID]
		if !ok {
			before = accrue.Zero(usd)
		}
		ev := rules.Event{ID: rf.ID + "/" + orig.Partner.ID, Kind: kind, Time: rf.Time, Partner: orig.Partner,
			Customer: orig.Customer, Amount: parts[i], Reverses: orig.ID, Original: produced[orig.ID], RefundedBefore: before}
		ls, x, err := eng.EvaluateExplain(ctx, ev)
		if err != nil {
			return err
		}
		out.Refunds++
		for _, t := range x.Clawbacks {
			if t.Amount == 0 && t.Original != 0 {
				out.OutsideWindow++
			}
		}
		if refunded[orig.ID], err = before.Add(parts[i]); err != nil {
			return err
		}
		if err := add(ls, lineage[orig.ID]); err != nil {
			return err
		}
	}
	return nil
}
