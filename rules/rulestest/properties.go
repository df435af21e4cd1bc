package rulestest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/rules"
	"pgregory.net/rapid"
)

// Suite is a plan under test and how to draw events for it.
type Suite struct {
	// Plan is the plan under test.
	Plan rules.Plan
	// Events draws event sequences (sales; refunds are derived), for
	// example EventsWith(EventsOpts{…}) with amounts and counts that reach
	// the plan's thresholds. Nil means Events(8, …) in the plan's currency
	// over its first 120 days (or its whole effective period, if shorter).
	// Events outside the plan's effective period are evaluated under the
	// plan all the same (as rules.Diff does), so one generator serves two
	// consecutive versions.
	Events *rapid.Generator[[]rules.Event]
	// Options are engine options (WithRates for events in other currencies).
	Options []rules.Option
	// Monotonic says the plan promises that a larger amount never earns
	// less; MonotonicInAmount runs only then.
	Monotonic bool
}

// Run runs every property of s as a subtest.
func Run(t *testing.T, s Suite) {
	t.Helper()
	t.Run("CapsRespected", func(t *testing.T) { rapid.Check(t, CapsRespected(s)) })
	t.Run("NonNegative", func(t *testing.T) { rapid.Check(t, NonNegative(s)) })
	if s.Monotonic {
		t.Run("MonotonicInAmount", func(t *testing.T) { rapid.Check(t, MonotonicInAmount(s)) })
	}
	t.Run("FullRefundNetsZero", func(t *testing.T) { rapid.Check(t, FullRefundNetsZero(s)) })
	t.Run("Deterministic", func(t *testing.T) { rapid.Check(t, Deterministic(s)) })
}

// compiled is the plan under test, compiled, and its currency.
func (s Suite) compiled(t *rapid.T) *rules.Compiled {
	c, err := rules.Compile(s.Plan)
	if err != nil {
		t.Fatalf("rulestest: the plan does not compile: %v", err)
	}
	return c
}

func (s Suite) events(t *rapid.T, c *rules.Compiled) []rules.Event {
	g := s.Events
	if g == nil {
		span := 120 * 24 * time.Hour
		if u := s.Plan.ValidUntil; !u.IsZero() && u.Sub(s.Plan.ValidFrom) < span {
			span = u.Sub(s.Plan.ValidFrom)
		}
		g = Events(8, c.Currency(), s.Plan.ValidFrom, max(span, time.Minute))
	}
	return g.Draw(t, "events")
}

// engine returns an engine evaluating events under c regardless of c's
// effective period, as rules.Diff does: when some event falls outside it,
// under a copy of c's plan in force over all of them.
func (s Suite) engine(t *rapid.T, c *rules.Compiled, events []rules.Event) *rules.Engine {
	set, err := rules.NewPlanSet(inForce(t, c, events))
	if err != nil {
		t.Fatalf("rulestest: %v", err)
	}
	return rules.NewEngine(set, rules.NewMemoryAggregates(), s.Options...)
}

// inForce returns c if it is in force at every event's time, else c's plan
// compiled with its effective period widened to cover them all (from the
// earliest, open-ended). Only the period and so the version hash differ.
func inForce(t *rapid.T, c *rules.Compiled, events []rules.Event) *rules.Compiled {
	p := c.Plan()
	from, widen := p.ValidFrom, false
	for _, ev := range events {
		if ev.Time.Before(from) {
			from, widen = ev.Time, true
		}
		if !p.ValidUntil.IsZero() && !ev.Time.Before(p.ValidUntil) {
			widen = true
		}
	}
	if !widen {
		return c
	}
	p.ValidFrom, p.ValidUntil = from, time.Time{}
	w, err := rules.Compile(p)
	if err != nil {
		t.Fatalf("rulestest: the plan with its effective period widened to the events does not compile: %v", err)
	}
	return w
}

// run evaluates events in order and returns each event's lines.
func run(t *rapid.T, e *rules.Engine, events []rules.Event) [][]rules.Line {
	out := make([][]rules.Line, len(events))
	for i, ev := range events {
		lines, err := e.Evaluate(context.Background(), ev)
		if err != nil {
			t.Fatalf("rulestest: evaluate %s: %v", ev.ID, err)
		}
		out[i] = lines
	}
	return out
}

func units(t *rapid.T, m accrue.Money) int64 {
	u, err := m.MinorUnits()
	if err != nil {
		t.Fatalf("rulestest: amount %s is not in minor units: %v", m, err)
	}
	return u
}

// earned reports whether a line counts against caps: commission, true-up
// and bonus lines (overrides and clawbacks do not).
func earned(l rules.Line) bool {
	return l.Type == rules.Commission || l.Type == rules.TrueUp || l.Type == rules.Bonus
}

// CapsRespected checks that no rule's lines for one event exceed its line
// cap (a floor above it aside, which Compile rejects), and that no partner's
// period, lifetime or the plan's period totals exceed the plan's caps or a
// rule's period cap.
func CapsRespected(s Suite) func(*rapid.T) {
	return func(t *rapid.T) {
		c := s.compiled(t)
		p := c.Plan()
		loc, _ := time.LoadLocation(p.TimeZone)
		cap := func(text string) int64 {
			if text == "" {
				return -1
			}
			m, err := accrue.ParseAmount(text, c.Currency())
			if err != nil {
				t.Fatalf("rulestest: cap %q: %v", text, err)
			}
			return units(t, m)
		}
		ruleCaps, rulePeriodCaps := map[string]int64{}, map[string]int64{}
		for _, r := range p.Rules {
			ruleCaps[r.ID], rulePeriodCaps[r.ID] = cap(r.Cap), cap(r.PeriodCap)
		}
		events := s.events(t, c)
		all := run(t, s.engine(t, c, events), events)
		sums := map[string]int64{}
		check := func(key string, add, limit int64) {
			sums[key] += add
			if limit >= 0 && sums[key] > limit {
				t.Fatalf("%s: total %d minor units exceeds cap %d", key, sums[key], limit)
			}
		}
		period := periodOf(p.Period)
		for i, lines := range all {
			perRule := map[string]int64{}
			for _, l := range lines {
				if !earned(l) {
					continue
				}
				u := units(t, l.Amount)
				if l.Type == rules.Commission {
					perRule[l.Rule] += u
					if lim := ruleCaps[l.Rule]; lim >= 0 && perRule[l.Rule] > lim {
						t.Fatalf("event %s rule %s: %d minor units exceed the line cap %d", events[i].ID, l.Rule, perRule[l.Rule], lim)
					}
				}
				ps := period(l.EventTime, loc)
				check(fmt.Sprintf("rule %s partner %s period %s", l.Rule, l.Source, ps), u, rulePeriodCaps[l.Rule])
				check(fmt.Sprintf("partner %s period %s", l.Source, ps), u, cap(p.Caps.PartnerPeriod))
				check(fmt.Sprintf("partner %s lifetime", l.Source), u, cap(p.Caps.Lifetime))
				check(fmt.Sprintf("plan period %s", ps), u, cap(p.Caps.Plan))
			}
		}
	}
}

// periodOf returns a function naming the period of a time, as the plan
// counts them.
func periodOf(name string) func(time.Time, *time.Location) string {
	return func(t time.Time, loc *time.Location) string {
		y, m, _ := t.In(loc).Date()
		switch name {
		case "", "month":
			return fmt.Sprintf("%d-%02d", y, m)
		case "quarter":
			return fmt.Sprintf("%d-Q%d", y, (m-1)/3+1)
		case "year":
			return fmt.Sprint(y)
		}
		return "lifetime"
	}
}

// NonNegative checks that only a refund's lines are negative and that none
// of them is positive, over sales and refunds of some of them. A refund's
// lines are clawbacks and true-downs (negative TrueUp lines of a retroactive
// tier, and their overrides, which reverse no single line).
func NonNegative(s Suite) func(*rapid.T) {
	return func(t *rapid.T) {
		c := s.compiled(t)
		events := s.events(t, c)
		e := s.engine(t, c, events)
		for i, lines := range run(t, e, events) {
			for _, l := range lines {
				if l.Amount.IsNegative() {
					t.Fatalf("event %s: negative %s line %s", events[i].ID, l.Type, l.Amount)
				}
			}
			if len(lines) == 0 || !rapid.Bool().Draw(t, "refund") {
				continue
			}
			refund := refundOf(t, events[i], lines, false)
			claws, err := e.Evaluate(context.Background(), refund)
			if err != nil {
				t.Fatalf("refund of %s: %v", events[i].ID, err)
			}
			for _, l := range claws {
				if !reversal(l) || l.Amount.IsPositive() || l.Status != rules.Payable {
					t.Fatalf("refund of %s: line %+v is not a payable, non-positive clawback or true-down", events[i].ID, l)
				}
			}
		}
	}
}

// reversal reports whether l is a line a refund may produce: a clawback or
// a true-down (a TrueUp or its Override, reversing no single line).
func reversal(l rules.Line) bool {
	return l.Type == rules.Clawback || (l.Type == rules.TrueUp || l.Type == rules.Override) && l.Reverses.IsZero()
}

// refundOf draws a refund of ev (in full when full) an hour after it.
func refundOf(t *rapid.T, ev rules.Event, lines []rules.Line, full bool) rules.Event {
	amount := ev.Amount
	if !full {
		total := units(t, ev.Amount)
		amount = accrue.FromMinorUnits(rapid.Int64Range(0, total).Draw(t, "refund"), ev.Amount.Currency())
	}
	return rules.Event{ID: "refund-" + ev.ID, Kind: rules.KindRefund, Time: ev.Time.Add(time.Hour), Amount: amount, Reverses: ev.ID, Original: lines}
}

// MonotonicInAmount checks that, from the same totals, a larger amount never
// earns a partner less in total.
func MonotonicInAmount(s Suite) func(*rapid.T) {
	return func(t *rapid.T) {
		c := s.compiled(t)
		events := s.events(t, c)
		history, last := events[:len(events)-1], events[len(events)-1]
		a := units(t, last.Amount)
		b := rapid.Int64Range(a, a+100_000).Draw(t, "larger")
		total := func(amount int64) int64 {
			e := s.engine(t, c, events)
			run(t, e, history)
			ev := last
			ev.Amount = accrue.FromMinorUnits(amount, last.Amount.Currency())
			lines, err := e.Evaluate(context.Background(), ev)
			if err != nil {
				t.Fatalf("evaluate: %v", err)
			}
			var sum int64
			for _, l := range lines {
				sum += units(t, l.Amount)
			}
			return sum
		}
		if ta, tb := total(a), total(b); tb < ta {
			t.Fatalf("amount %d earns %d, larger amount %d earns %d", a, ta, b, tb)
		}
	}
}

// FullRefundNetsZero checks that refunding an event in full, inside the
// clawback window, nets every one of its lines to zero.
func FullRefundNetsZero(s Suite) func(*rapid.T) {
	return func(t *rapid.T) {
		c := s.compiled(t)
		events := s.events(t, c)
		e := s.engine(t, c, events)
		all := run(t, e, events)
		i := rapid.IntRange(0, len(events)-1).Draw(t, "refunded")
		if len(all[i]) == 0 {
			return
		}
		claws, err := e.Evaluate(context.Background(), refundOf(t, events[i], all[i], true))
		if err != nil {
			t.Fatalf("refund: %v", err)
		}
		net := map[rules.LineRef]int64{}
		for _, l := range all[i] {
			net[l.Ref()] += units(t, l.Amount)
		}
		for _, l := range claws {
			if l.Type == rules.Clawback { // true-downs adjust the period, not a line
				net[l.Reverses] += units(t, l.Amount)
			}
		}
		for ref, n := range net {
			if n != 0 {
				t.Fatalf("line %s nets %d minor units after a full refund", ref, n)
			}
		}
	}
}

// Deterministic checks that evaluating the same events from the same totals
// twice gives the same lines, bit for bit.
func Deterministic(s Suite) func(*rapid.T) {
	return func(t *rapid.T) {
		c := s.compiled(t)
		events := s.events(t, c)
		a := fmt.Sprintf("%+v", run(t, s.engine(t, c, events), events))
		b := fmt.Sprintf("%+v", run(t, s.engine(t, c, events), events))
		if a != b {
			t.Fatalf("two runs differ:\n%s\n%s", a, b)
		}
	}
}

// DiffTouchesOnlyReported checks that rules.Diff(old, new, events) reports
// exactly the events whose lines differ when each version is evaluated on
// its own. As rules.Diff does, both versions are evaluated over the same
// events regardless of their effective periods, so old and new may be two
// versions of one plan with consecutive periods (the usual plan change).
// events nil means Events(8, …) over old's first 120 days.
func DiffTouchesOnlyReported(old, new rules.Plan, events *rapid.Generator[[]rules.Event], opts ...rules.Option) func(*rapid.T) {
	return func(t *rapid.T) {
		so, sn := Suite{Plan: old, Events: events, Options: opts}, Suite{Plan: new, Events: events, Options: opts}
		co, cn := so.compiled(t), sn.compiled(t)
		evs := so.events(t, co)
		rep, err := rules.Diff(context.Background(), co, cn, evs, opts...)
		if err != nil {
			t.Fatalf("Diff: %v", err)
		}
		reported := map[string]bool{}
		for _, ch := range rep.Changed {
			reported[ch.Event] = true
		}
		before, after := run(t, so.engine(t, co, evs), evs), run(t, sn.engine(t, cn, evs), evs)
		for i, ev := range evs {
			differs := !sameLines(before[i], after[i])
			if differs != reported[ev.ID] {
				t.Fatalf("event %s: lines differ %v, Diff reports it %v", ev.ID, differs, reported[ev.ID])
			}
		}
	}
}

func sameLines(a, b []rules.Line) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Type != y.Type || x.Partner != y.Partner || x.Rule != y.Rule || !x.Amount.Equal(y.Amount) || x.Status != y.Status || x.HoldReason != y.HoldReason {
			return false
		}
	}
	return true
}
