package rules

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/accruehq/accrue"
)

// FuzzCompile feeds arbitrary plan JSON and arbitrary rule text to the
// loader: it must never panic, and must return either a *CompileError or a
// plan whose content hash survives a JSON round trip and that evaluates an
// event without panicking.
func FuzzCompile(f *testing.F) {
	f.Add([]byte(planJSON("", `{"id":"r","percent":"30"}`)), "event.kind == 'sale'")
	f.Add([]byte(planJSON(`"hit_policy":"best","caps":{"plan":"10"}`, `{"id":"t","tiers":{"mode":"retroactive","bands":[{"from":"0","percent":"1"},{"from":"9","percent":"2"}]}}`)), "period.volume > 10.5")
	f.Add([]byte(`{"id":"p","rules":[`), "event.amount * 0.3 +")
	f.Add([]byte(`{}`), "now()")
	f.Add([]byte(planJSON("", `{"id":"f","formula":"event.amount / 0"}`)), "1..1000000 | len() > 0")
	f.Add([]byte(planJSON(`"holds":[{"id":"h","when":"event.attrs['ip'] == partner.attrs['ip']","reason":"ip"}]`, `{"id":"m","milestone":{"count":2,"bonus":"1"}}`)), `event.attrs["x"] in ["a"] or not (partner.tier != "gold")`)
	f.Fuzz(func(t *testing.T, data []byte, when string) {
		c, err := LoadPlan(data)
		if err != nil {
			var ce *CompileError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T) is not a *CompileError", err, err)
			}
		} else {
			b, err := json.Marshal(c.Plan())
			if err != nil {
				t.Fatal(err)
			}
			again, err := LoadPlan(b)
			if err != nil || again.Hash() != c.Hash() {
				t.Fatalf("round trip: %v, hash %s vs %s", err, again.Hash(), c.Hash())
			}
			fuzzEvaluate(t, c)
		}
		p := Plan{ID: "p", Currency: "USD", ValidFrom: t0.AddDate(-1, 0, 0), TimeZone: "UTC", Rules: []Rule{{ID: "r", When: when, Percent: "10"}, {ID: "f", Formula: when}}}
		c, err = Compile(p)
		if err != nil {
			var ce *CompileError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T) is not a *CompileError", err, err)
			}
			p.Rules = p.Rules[:1]
			if c, err = Compile(p); err != nil {
				return
			}
		}
		fuzzEvaluate(t, c)
	})
}

// fuzzEvaluate runs one event through c: no panic, typed errors only.
func fuzzEvaluate(t *testing.T, c *Compiled) {
	set, err := NewPlanSet(c)
	if err != nil {
		t.Fatal(err)
	}
	ev := sale("e1", "12.34 USD")
	ev.Time = c.Plan().ValidFrom
	ev.Attrs = map[string]string{"ip": "1", "x": "a"}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	lines, err := NewEngine(set, nil).Evaluate(ctx, ev)
	if err != nil {
		if !errors.Is(err, ErrEvaluation) && !errors.Is(err, accrue.ErrNoRate) && !errors.Is(err, ErrInvalidEvent) && !errors.Is(err, ErrNoPlan) {
			t.Fatalf("untyped error %v", err)
		}
		return
	}
	for _, l := range lines {
		if l.Amount.IsNegative() {
			t.Fatalf("negative line %+v", l)
		}
	}
}

// FuzzEvaluateEvents feeds arbitrary events to a plan with every feature:
// evaluation never panics, lines are never negative, and refunding the
// event in two parts nets every line to zero and takes its volume and count
// back out of the totals.
func FuzzEvaluateEvents(f *testing.F) {
	plan := planJSON(`"hit_policy":"collect","caps":{"partner_period":"500.00","lifetime":"2000.00"},"holds":[{"id":"self","when":"event.customer == partner.id","reason":"self"}]`,
		`{"id":"pct","when":"event.product in ['pro','team'] && event.amount >= 1","percent":"12.5","cap":"40.00","floor":"0.10","split":[{"partner":"","share":"2"},{"partner":"d","share":"1"}],"overrides":["10","5"]},
		 {"id":"tiers","tiers":{"mode":"retroactive","bands":[{"from":"0","percent":"1"},{"from":"100.00","percent":"3"}]}},
		 {"id":"formula","when":"event.units > 1","formula":"event.amount * 0.01 + event.units"},
		 {"id":"per","per_unit":"0.25","period_cap":"3.00"},
		 {"id":"bonus","milestone":{"count":3,"bonus":"7.00"}}`)
	f.Add(int64(1234), int64(1), "pro", "c1", int64(600), uint8(3))
	f.Add(int64(0), int64(0), "", "p1", int64(0), uint8(0))
	f.Add(int64(1<<62), int64(1<<40), "team", "x", int64(1<<61), uint8(200))
	f.Fuzz(func(t *testing.T, amount, units int64, product, customer string, refund int64, n uint8) {
		set, err := NewPlanSet(mustCompile(t, plan))
		if err != nil {
			t.Fatal(err)
		}
		agg := NewMemoryAggregates()
		e := NewEngine(set, agg, WithRates(accrue.NewStaticRates()))
		ctx := context.Background()
		for i := range int(n%4) + 1 {
			ev := Event{ID: "e" + string(rune('a'+i)), Kind: KindSale, Time: t0.Add(time.Duration(i) * time.Hour), Partner: Partner{ID: "p1", Parents: []string{"m"}},
				Customer: customer, Amount: accrue.FromMinorUnits(amount, usd), Units: units, Product: product}
			lines, err := e.Evaluate(ctx, ev)
			if err != nil {
				if amount < 0 || units < 0 || errors.Is(err, ErrEvaluation) {
					continue
				}
				t.Fatalf("evaluate: %v", err)
			}
			if len(lines) == 0 {
				continue
			}
			first := min(max(refund, 0), amount)
			net := map[LineRef]int64{}
			for _, l := range lines {
				if l.Amount.IsNegative() {
					t.Fatalf("negative line %+v", l)
				}
				u, _ := l.Amount.MinorUnits()
				net[l.Ref()] += u
			}
			before := accrue.Zero(usd)
			for j, part := range []int64{first, amount - first} {
				if part == 0 && j == 1 {
					break // nothing left to refund (an event of zero amount is reversed in full once)
				}
				r := Event{ID: ev.ID + "-r" + string(rune('0'+j)), Kind: KindRefund, Time: ev.Time.Add(time.Minute), Reverses: ev.ID, Original: lines,
					Amount: accrue.FromMinorUnits(part, usd), RefundedBefore: before}
				claws, err := e.Evaluate(ctx, r)
				if err != nil {
					t.Fatalf("refund: %v", err)
				}
				for _, l := range claws {
					u, _ := l.Amount.MinorUnits()
					if l.Type != Clawback { // a true-down adjusts the period, not a line
						if u > 0 || !l.Reverses.IsZero() || l.Type != TrueUp && l.Type != Override {
							t.Fatalf("refund line %+v", l)
						}
						continue
					}
					net[l.Reverses] += u
				}
				before = accrue.FromMinorUnits(first, usd)
			}
			for ref, v := range net {
				if v != 0 {
					t.Fatalf("%s nets %d after a full refund", ref, v)
				}
			}
			// Every sale so far was refunded in full: no volume or count
			// is left (the refund netted the state the sale raised).
			if tot, _ := agg.Get(ctx, Key{Partner: "p1", Plan: "p", Period: Lifetime}); tot.Volume != 0 || tot.Count != 0 {
				t.Fatalf("after full refunds the partner's lifetime totals are %+v", tot)
			}
		}
	})
}
