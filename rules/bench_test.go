package rules

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/shopspring/decimal"
)

// benchPlan is a 20-rule first-match plan: one rule per product, every
// third with graduated monthly tiers, every third with a line cap, every
// third split 80/20 with a distributor, under a partner monthly cap.
func benchPlan() string {
	return benchPlanWith("event.product == 'p%02d' && event.attrs['country'] in ['DE', 'FR', 'US']")
}

// benchPlanWith is benchPlan with another condition per rule (a format with
// the rule number).
func benchPlanWith(when string) string {
	var rules []string
	for i := range 20 {
		r := fmt.Sprintf(`{"id":"r%02d","priority":%d,"when":"`+when+`",`, i, i, i)
		switch i % 3 {
		case 0:
			r += `"tiers":{"mode":"graduated","bands":[{"from":"0","percent":"5"},{"from":"1000.00","percent":"8"},{"from":"5000.00","percent":"10"}]}}`
		case 1:
			r += fmt.Sprintf(`"percent":"%d.5","cap":"40.00"}`, 5+i%7)
		default:
			r += fmt.Sprintf(`"percent":"%d","split":[{"partner":"","share":"80"},{"partner":"distributor","share":"20"}]}`, 8+i%5)
		}
		rules = append(rules, r)
	}
	return planJSON(`"caps":{"partner_period":"100000.00"}`, strings.Join(rules, ","))
}

func benchEvents(n int) []Event {
	rng := rand.New(rand.NewPCG(1, 2))
	countries := []string{"DE", "FR", "US", "GB"}
	attrs := make([]map[string]string, len(countries))
	for i, c := range countries {
		attrs[i] = map[string]string{"country": c}
	}
	evs := make([]Event, n)
	for i := range evs {
		evs[i] = Event{
			ID: fmt.Sprintf("e%d", i), Kind: KindSale,
			Time:    time.Date(2026, 3, 1+rng.IntN(28), rng.IntN(24), 0, 0, 0, time.UTC),
			Partner: Partner{ID: fmt.Sprintf("p%d", rng.IntN(100)), Tier: "gold"},
			Amount:  accrue.FromMinorUnits(int64(100+rng.IntN(50_000)), usd),
			Units:   1, Product: fmt.Sprintf("p%02d", rng.IntN(20)), Attrs: attrs[rng.IntN(len(attrs))],
		}
	}
	return evs
}

// shifted returns event n of the endless stream made of evs repeated, each
// pass a month later (so that monthly tiers and caps roll over as they
// would in production).
func shifted(evs []Event, n int) Event {
	ev := evs[n%len(evs)]
	if pass := n / len(evs); pass > 0 {
		ev.Time = ev.Time.Add(time.Duration(pass) * 31 * 24 * time.Hour)
	}
	return ev
}

func benchmarkEngine(b *testing.B, explain bool) { benchmarkPlan(b, benchPlan(), explain) }

func benchmarkPlan(b *testing.B, plan string, explain bool) {
	e := mustEngine(b, plan)
	evs := benchEvents(4096)
	ctx := context.Background()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		ev := shifted(evs, n)
		var err error
		if explain {
			_, _, err = e.EvaluateExplain(ctx, ev)
		} else {
			_, err = e.Evaluate(ctx, ev)
		}
		if err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkEvaluate is one event through a 20-rule plan with tiers, caps and
// a split, updating in-memory aggregates.
func BenchmarkEvaluate(b *testing.B) { benchmarkEngine(b, false) }

// BenchmarkEvaluateExplain is BenchmarkEvaluate recording the explanation.
func BenchmarkEvaluateExplain(b *testing.B) { benchmarkEngine(b, true) }

// BenchmarkEvaluateRefund is a partial refund of one event of
// BenchmarkEvaluate's plan: its clawback lines and the netting of the
// period totals it raised (tier volume and count, caps).
func BenchmarkEvaluateRefund(b *testing.B) {
	e := mustEngine(b, benchPlan())
	evs := benchEvents(4096)
	ctx := context.Background()
	refunds := make([]Event, 0, len(evs))
	for _, ev := range evs {
		lines, err := e.Evaluate(ctx, ev)
		if err != nil {
			b.Fatal(err)
		}
		if len(lines) > 0 {
			u, _ := ev.Amount.MinorUnits()
			refunds = append(refunds, Event{ID: "r-" + ev.ID, Kind: KindRefund, Time: ev.Time, Original: lines,
				Amount: accrue.FromMinorUnits(u/1000, usd)}) // small enough to repeat
		}
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if _, err := e.Evaluate(ctx, refunds[n%len(refunds)]); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "refunds/s")
}

// BenchmarkEvaluateVM is BenchmarkEvaluate with conditions that the fast
// path does not compile (a call to lower), so every condition runs on expr's
// virtual machine: the cost of the fallback.
func BenchmarkEvaluateVM(b *testing.B) {
	benchmarkPlan(b, benchPlanWith("lower(event.product) == 'p%02d' && event.attrs['country'] in ['DE', 'FR', 'US']"), false)
}

// handLine is a line of the hand-coded plan.
type handLine struct {
	partner string
	amount  decimal.Decimal
}

type handKey struct {
	partner string
	scope   int
	month   int64
}

// handPlan is benchPlan written directly in Go with decimal.
type handPlan struct {
	rates   [20]decimal.Decimal
	bands   [3]decimal.Decimal
	brates  [3]decimal.Decimal
	lineCap decimal.Decimal
	pCap    decimal.Decimal
	volume  map[handKey]decimal.Decimal
	earned  map[handKey]decimal.Decimal
	hundred decimal.Decimal
	eighty  decimal.Decimal
}

func newHandPlan() *handPlan {
	h := &handPlan{volume: map[handKey]decimal.Decimal{}, earned: map[handKey]decimal.Decimal{},
		lineCap: decimal.RequireFromString("40.00"), pCap: decimal.RequireFromString("100000.00"),
		hundred: decimal.NewFromInt(100), eighty: decimal.RequireFromString("0.8")}
	for i := range h.rates {
		switch i % 3 {
		case 1:
			h.rates[i] = decimal.RequireFromString(fmt.Sprintf("0.0%d5", 5+i%7))
			if 5+i%7 >= 10 {
				h.rates[i] = decimal.RequireFromString(fmt.Sprintf("0.%d5", 5+i%7))
			}
		case 2:
			h.rates[i] = decimal.New(int64(8+i%5), -2)
		}
	}
	h.bands = [3]decimal.Decimal{decimal.Zero, decimal.NewFromInt(1000), decimal.NewFromInt(5000)}
	h.brates = [3]decimal.Decimal{decimal.New(5, -2), decimal.New(8, -2), decimal.New(10, -2)}
	return h
}

func (h *handPlan) evaluate(ev Event) []handLine {
	c := ev.Attrs["country"]
	if c != "DE" && c != "FR" && c != "US" {
		return nil
	}
	rule := -1
	for i := range 20 {
		if ev.Product == productNames[i] {
			rule = i
			break
		}
	}
	if rule < 0 {
		return nil
	}
	amt := ev.Amount.Amount()
	y, m, _ := ev.Time.Date()
	month := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC).Unix()
	var out decimal.Decimal
	switch rule % 3 {
	case 0:
		k := handKey{ev.Partner.ID, rule, month}
		v0 := h.volume[k]
		v1 := v0.Add(amt)
		for i := range h.bands {
			lo, hi := decimal.Max(v0, h.bands[i]), v1
			if i+1 < len(h.bands) {
				hi = decimal.Min(hi, h.bands[i+1])
			}
			if hi.GreaterThan(lo) {
				out = out.Add(hi.Sub(lo).Mul(h.brates[i]).Round(2))
			}
		}
		h.volume[k] = v1
	case 1:
		out = decimal.Min(amt.Mul(h.rates[rule]).Round(2), h.lineCap)
	default:
		out = amt.Mul(h.rates[rule]).Round(2)
	}
	pk := handKey{ev.Partner.ID, -1, month}
	used := h.earned[pk]
	if room := h.pCap.Sub(used); out.GreaterThan(room) {
		out = room
	}
	h.earned[pk] = used.Add(out)
	if rule%3 == 2 {
		own := out.Mul(h.eighty).Round(2)
		return []handLine{{ev.Partner.ID, own}, {"distributor", out.Sub(own)}}
	}
	return []handLine{{ev.Partner.ID, out}}
}

var productNames = func() (p [20]string) {
	for i := range p {
		p[i] = fmt.Sprintf("p%02d", i)
	}
	return p
}()

// BenchmarkHandCoded is benchPlan written directly in Go with decimal: the
// floor BenchmarkEvaluate is measured against.
func BenchmarkHandCoded(b *testing.B) {
	h := newHandPlan()
	evs := benchEvents(4096)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		h.evaluate(shifted(evs, n))
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}

// TestBenchPlansAgree checks that the hand-coded baseline computes what the
// engine computes, so that the benchmarks compare equal work.
func TestBenchPlansAgree(t *testing.T) {
	e := mustEngine(t, benchPlan())
	h := newHandPlan()
	for _, ev := range benchEvents(500) {
		lines, err := e.Evaluate(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		want := h.evaluate(ev)
		if len(lines) != len(want) {
			t.Fatalf("%s: %d lines, hand-coded %d", ev.ID, len(lines), len(want))
		}
		for i, l := range lines {
			if l.Partner != want[i].partner || !l.Amount.Amount().Equal(want[i].amount) {
				t.Fatalf("%s line %d: %s %s, hand-coded %s %s", ev.ID, i, l.Partner, l.Amount, want[i].partner, want[i].amount)
			}
		}
	}
}
