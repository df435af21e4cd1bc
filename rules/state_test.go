package rules_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/rules"
	"github.com/accruehq/accrue/rules/rulestest"
	"pgregory.net/rapid"
)

// TestEngineStateMachine drives an engine over a generated plan with sales,
// partial refunds and previews, and checks after every step that the
// aggregates agree with the lines the engine returned: a partner's lifetime
// volume is the sum of its sales net of their refunds (inside the clawback
// window), its count the number of sales not refunded in full, its lifetime
// commission the sum of its earned lines net of their clawbacks and
// true-downs, and previews change nothing.
func TestEngineStateMachine(t *testing.T) {
	usd := accrue.MustCurrency("USD")
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rapid.Check(t, func(t *rapid.T) {
		plan := rulestest.Plan(usd, start).Draw(t, "plan")
		c, err := rules.Compile(plan)
		if err != nil {
			t.Fatal(err)
		}
		set, _ := rules.NewPlanSet(c)
		agg := rules.NewMemoryAggregates()
		eng := rules.NewEngine(set, agg)
		ctx := context.Background()
		now := start
		var (
			sales    []rules.Event
			lines    = map[string][]rules.Line{}
			refunded = map[string]int64{}
			byRef    = map[rules.LineRef]rules.Line{}
			volume   = map[string]int64{}
			count    = map[string]int64{}
			earned   = map[string]int64{}
			n        int
		)
		units := func(m accrue.Money) int64 {
			u, err := m.MinorUnits()
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		t.Repeat(map[string]func(*rapid.T){
			"sale": func(t *rapid.T) {
				now = now.Add(time.Duration(rapid.IntRange(1, 72).Draw(t, "hours")) * time.Hour)
				ev := rulestest.Event(fmt.Sprintf("s%d", n), usd, now, time.Minute).Draw(t, "sale")
				n++
				ls, err := eng.Evaluate(ctx, ev)
				if err != nil {
					t.Fatalf("sale: %v", err)
				}
				sales = append(sales, ev)
				lines[ev.ID] = ls
				volume[ev.Partner.ID] += units(ev.Amount)
				count[ev.Partner.ID]++
				for _, l := range ls {
					byRef[l.Ref()] = l
					if l.Amount.IsNegative() {
						t.Fatalf("negative line %+v", l)
					}
					if l.Type != rules.Override {
						earned[l.Source] += units(l.Amount)
					}
				}
			},
			"refund": func(t *rapid.T) {
				if len(sales) == 0 {
					t.Skip("no sales yet")
				}
				ev := rapid.SampledFrom(sales).Draw(t, "refunded")
				left := units(ev.Amount) - refunded[ev.ID]
				if len(lines[ev.ID]) == 0 || left == 0 {
					t.Skip("nothing to refund")
				}
				amt := rapid.Int64Range(0, left).Draw(t, "amount")
				now = now.Add(time.Minute)
				r := rules.Event{ID: fmt.Sprintf("r%d", n), Kind: rules.KindRefund, Time: now, Reverses: ev.ID, Original: lines[ev.ID],
					Amount: accrue.FromMinorUnits(amt, usd), RefundedBefore: accrue.FromMinorUnits(refunded[ev.ID], usd)}
				n++
				claws, err := eng.Evaluate(ctx, r)
				if err != nil {
					t.Fatalf("refund: %v", err)
				}
				if len(claws) > 0 { // inside the clawback window
					volume[ev.Partner.ID] -= amt
					if refunded[ev.ID] < units(ev.Amount) && refunded[ev.ID]+amt == units(ev.Amount) {
						count[ev.Partner.ID]--
					}
				}
				refunded[ev.ID] += amt
				for _, l := range claws {
					switch {
					case l.Amount.IsPositive() || l.Status != rules.Payable:
						t.Fatalf("bad reversal line %+v", l)
					case l.Type == rules.Clawback && byRef[l.Reverses].Type != rules.Override,
						l.Type == rules.TrueUp && l.Reverses.IsZero():
						earned[l.Source] += units(l.Amount)
					case l.Type == rules.Clawback, l.Type == rules.Override && l.Reverses.IsZero():
					default:
						t.Fatalf("bad reversal line %+v", l)
					}
				}
			},
			"preview": func(t *rapid.T) {
				before := fmt.Sprint(agg.Snapshot())
				ev := rulestest.Event("preview", usd, now, time.Minute).Draw(t, "preview")
				if _, _, err := eng.Preview(ctx, ev); err != nil {
					t.Fatalf("preview: %v", err)
				}
				if after := fmt.Sprint(agg.Snapshot()); after != before {
					t.Fatal("preview changed the totals")
				}
			},
			"": func(t *rapid.T) {
				got := map[string]rules.Totals{}
				for _, d := range agg.Snapshot() {
					if d.Totals.Volume < 0 || d.Totals.Count < 0 {
						t.Fatalf("refunds took %+v below zero: %+v", d.Key, d.Totals)
					}
					if d.Key.Period == rules.Lifetime && d.Key.Scope == "" && d.Key.Partner != "" {
						got[d.Key.Partner] = d.Totals
					}
				}
				for p, v := range volume {
					if got[p].Volume != v || got[p].Count != count[p] || got[p].Commission != earned[p] {
						t.Fatalf("partner %s: totals %+v, lines say volume %d count %d commission %d", p, got[p], v, count[p], earned[p])
					}
				}
			},
		})
	})
}

// TestFullRefundUndoesVolumeAndCount checks that refunding a sale in full
// (possibly in several partial refunds) inside the clawback window leaves
// every volume and count total — the partner's, the plan's and each tier
// rule's — as if the sale had never been evaluated.
func TestFullRefundUndoesVolumeAndCount(t *testing.T) {
	usd := accrue.MustCurrency("USD")
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rapid.Check(t, func(t *rapid.T) {
		plan := rulestest.Plan(usd, start).Draw(t, "plan")
		plan.ClawbackDays = 0
		c, err := rules.Compile(plan)
		if err != nil {
			t.Fatal(err)
		}
		set, _ := rules.NewPlanSet(c)
		events := rulestest.Events(6, usd, start, 60*24*time.Hour).Draw(t, "events")
		skip := rapid.IntRange(0, len(events)-1).Draw(t, "refunded")
		ctx := context.Background()
		volumes := func(full bool) string {
			agg := rules.NewMemoryAggregates()
			eng := rules.NewEngine(set, agg)
			for i, ev := range events {
				if i == skip && !full {
					continue
				}
				lines, err := eng.Evaluate(ctx, ev)
				if err != nil {
					t.Fatal(err)
				}
				if i != skip {
					continue
				}
				if len(lines) == 0 {
					t.Skip("the sale paid nothing: there are no lines to reverse")
				}
				total, _ := ev.Amount.MinorUnits()
				part := rapid.Int64Range(0, total).Draw(t, "first part")
				parts := []int64{part, total - part}
				if total == 0 {
					parts = parts[:1] // a zero amount is reversed once (Event.RefundedBefore)
				}
				for j, amt := range parts {
					r := rules.Event{ID: fmt.Sprintf("r%d", j), Kind: rules.KindRefund, Time: ev.Time, Original: lines,
						Amount: accrue.FromMinorUnits(amt, usd), RefundedBefore: accrue.FromMinorUnits(part*int64(j), usd)}
					if _, err := eng.Evaluate(ctx, r); err != nil {
						t.Fatalf("refund: %v", err)
					}
				}
			}
			var out []string
			for _, d := range agg.Snapshot() {
				if d.Key.Partner != "" && (d.Key.Scope == "" || d.Key.Scope[0] == 't') && (d.Totals.Volume != 0 || d.Totals.Count != 0) {
					out = append(out, fmt.Sprintf("%+v %d %d", d.Key, d.Totals.Volume, d.Totals.Count))
				}
			}
			return fmt.Sprint(out)
		}
		if got, want := volumes(true), volumes(false); got != want {
			t.Fatalf("after a full refund:\n%s\nwithout the sale:\n%s", got, want)
		}
	})
}
