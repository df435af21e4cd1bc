package rules

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/accruehq/accrue"
)

// DiffReport is the impact of replacing one plan version by another over a
// list of events: totals per partner and per rule before and after, and every
// event whose lines changed, with both explanations.
type DiffReport struct {
	Old, New string // version hashes
	Events   int    // events evaluated
	Partners []TotalChange
	Rules    []TotalChange
	Changed  []EventChange
}

// TotalChange is one partner's or rule's total before and after.
type TotalChange struct {
	Key           string
	Before, After accrue.Money
}

// Changed reports whether the total changed.
func (t TotalChange) Changed() bool { return !t.Before.Equal(t.After) }

// EventChange is an event whose lines differ between the versions.
type EventChange struct {
	Event             string
	Before, After     []Line
	BeforeExplanation *Explanation
	AfterExplanation  *Explanation
}

// Diff evaluates events in order under old and under new — each from empty
// totals in its own MemoryAggregates, ignoring the versions' effective
// periods — and reports what changed. A refund or chargeback in events
// reverses the lines its original event (Event.Reverses, or the event of
// Event.Original) produced under the same version, so refunds are compared
// too. opts are the engine options (WithRates). Events whose lines are
// equal (same partners, rules, types, amounts and statuses, in order) are
// not reported; a plan change touches only the events Diff lists.
func Diff(ctx context.Context, old, new *Compiled, events []Event, opts ...Option) (*DiffReport, error) {
	if old == nil || new == nil {
		return nil, fmt.Errorf("%w: Diff needs two compiled plans", ErrInvalidPlan)
	}
	rep := &DiffReport{Old: old.hash, New: new.hash, Events: len(events)}
	before, err := replay(ctx, old, events, opts)
	if err != nil {
		return nil, err
	}
	after, err := replay(ctx, new, events, opts)
	if err != nil {
		return nil, err
	}
	partners := map[string]*TotalChange{}
	rules := map[string]*TotalChange{}
	add := func(m map[string]*TotalChange, k string, l Line, after bool) {
		t := m[k]
		if t == nil {
			t = &TotalChange{Key: k, Before: accrue.Zero(old.currency), After: accrue.Zero(new.currency)}
			m[k] = t
		}
		if after {
			t.After, _ = t.After.Add(l.Amount)
		} else {
			t.Before, _ = t.Before.Add(l.Amount)
		}
	}
	for i, ev := range events {
		b, a := before[i], after[i]
		for _, l := range b.lines {
			add(partners, l.Partner, l, false)
			add(rules, l.Rule, l, false)
		}
		for _, l := range a.lines {
			add(partners, l.Partner, l, true)
			add(rules, l.Rule, l, true)
		}
		if !sameLines(b.lines, a.lines) {
			rep.Changed = append(rep.Changed, EventChange{Event: ev.ID, Before: b.lines, After: a.lines, BeforeExplanation: b.x, AfterExplanation: a.x})
		}
	}
	rep.Partners = sortedTotals(partners)
	rep.Rules = sortedTotals(rules)
	return rep, nil
}

type replayed struct {
	lines []Line
	x     *Explanation
}

// replay evaluates events under one version from empty totals.
func replay(ctx context.Context, c *Compiled, events []Event, opts []Option) ([]replayed, error) {
	set, err := NewPlanSet(c)
	if err != nil {
		return nil, err
	}
	eng := NewEngine(set, NewMemoryAggregates(), opts...)
	out := make([]replayed, len(events))
	byEvent := map[string][]Line{}
	for i, ev := range events {
		if ev.Kind.IsReversal() {
			id := ev.Reverses
			if id == "" && len(ev.Original) > 0 {
				id = ev.Original[0].EventID
			}
			ev.Original = byEvent[id]
			if len(ev.Original) == 0 {
				continue // nothing to reverse under this version
			}
		}
		lines, x, err := eng.evaluate(ctx, ev, c, true, true)
		if err != nil {
			return nil, fmt.Errorf("rules: diff under %s: %w", shortHash(c.hash), err)
		}
		out[i] = replayed{lines: lines, x: x}
		if !ev.Kind.IsReversal() {
			byEvent[ev.ID] = lines
		}
	}
	return out, nil
}

// sameLines compares what a partner would see: type, partner, rule, amount,
// status and hold reason of each line, in order.
func sameLines(a, b []Line) bool {
	return slices.EqualFunc(a, b, func(x, y Line) bool {
		return x.Type == y.Type && x.Partner == y.Partner && x.Rule == y.Rule && x.Amount.Equal(y.Amount) &&
			x.Status == y.Status && x.HoldReason == y.HoldReason
	})
}

func sortedTotals(m map[string]*TotalChange) []TotalChange {
	out := make([]TotalChange, 0, len(m))
	for _, t := range m {
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b TotalChange) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// Text renders the report for a review.
func (r *DiffReport) Text() string {
	var b strings.Builder
	r.WriteText(&b)
	return b.String()
}

// WriteText writes Text to w.
func (r *DiffReport) WriteText(w io.Writer) {
	fmt.Fprintf(w, "plan change %s → %s over %d events: %d changed\n", shortHash(r.Old), shortHash(r.New), r.Events, len(r.Changed))
	section := func(name string, ts []TotalChange) {
		fmt.Fprintf(w, "%s:\n", name)
		for _, t := range ts {
			mark := ""
			if t.Changed() {
				d, _ := t.After.Sub(t.Before)
				mark = fmt.Sprintf("  (%s%s)", sign(d), d)
			}
			fmt.Fprintf(w, "  %-12s %s → %s%s\n", t.Key, t.Before, t.After, mark)
		}
	}
	section("partners", r.Partners)
	section("rules", r.Rules)
	for _, c := range r.Changed {
		fmt.Fprintf(w, "event %s:\n", c.Event)
		for _, l := range c.Before {
			fmt.Fprintf(w, "  - %s %s %s to %s\n", l.Type, l.Rule, l.Amount, l.Partner)
		}
		for _, l := range c.After {
			fmt.Fprintf(w, "  + %s %s %s to %s\n", l.Type, l.Rule, l.Amount, l.Partner)
		}
	}
}

func sign(m accrue.Money) string {
	if m.IsNegative() {
		return ""
	}
	return "+"
}
