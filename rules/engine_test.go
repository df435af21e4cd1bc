package rules

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/google/go-cmp/cmp"
)

func TestEvaluateOutcomes(t *testing.T) {
	tests := []struct {
		name   string
		fields string
		rules  string
		events []Event
		want   []string
	}{
		{"percent", "", `{"id":"r","percent":"30"}`, []Event{sale("e1", "12.00 USD")}, []string{"commission r p1 3.60"}},
		{"percent rounds half-up", "", `{"id":"r","percent":"12.5"}`, []Event{sale("e1", "0.20 USD")}, []string{"commission r p1 0.03"}},
		{"percent rounds half-even", `"rounding":"half-even"`, `{"id":"r","percent":"12.5"}`, []Event{sale("e1", "0.20 USD")}, []string{"commission r p1 0.02"}},
		{"flat", "", `{"id":"r","flat":"5"}`, []Event{sale("e1", "12.00 USD")}, []string{"commission r p1 5.00"}},
		{"per unit", "", `{"id":"r","per_unit":"1.25"}`, []Event{func() Event { e := sale("e1", "1.00 USD"); e.Units = 3; return e }()}, []string{"commission r p1 3.75"}},
		{"formula", "", `{"id":"r","formula":"event.amount * 0.1 + event.units * 2"}`, []Event{sale("e1", "12.34 USD")}, []string{"commission r p1 3.23"}},
		{"no match", "", `{"id":"r","when":"event.product == 'basic'","flat":"5"}`, []Event{sale("e1", "12.00 USD")}, []string{""}},
		{"first by priority", "", `{"id":"low","priority":2,"flat":"1"},{"id":"high","priority":1,"flat":"2"}`, []Event{sale("e1", "12.00 USD")}, []string{"commission high p1 2.00"}},
		{"collect", `"hit_policy":"collect"`, `{"id":"a","flat":"1"},{"id":"b","percent":"10"}`, []Event{sale("e1", "12.00 USD")}, []string{"commission a p1 1.00; commission b p1 1.20"}},
		{"best compares money", `"hit_policy":"best"`, `{"id":"flat","flat":"5.00"},{"id":"pct","percent":"30"}`, []Event{sale("e1", "12.00 USD"), sale("e2", "20.00 USD")},
			[]string{"commission flat p1 5.00", "commission pct p1 6.00"}},
		{"line cap and floor", "", `{"id":"r","percent":"50","cap":"5.00","floor":"1.00"}`, []Event{sale("e1", "100.00 USD"), sale("e2", "1.00 USD")},
			[]string{"commission r p1 5.00", "commission r p1 1.00"}},
		{"rule period cap", "", `{"id":"r","percent":"10","period_cap":"15.00"}`, []Event{sale("e1", "100.00 USD"), sale("e2", "100.00 USD"), sale("e3", "100.00 USD")},
			[]string{"commission r p1 10.00", "commission r p1 5.00", "commission r p1 0.00"}},
		{"partner period cap", `"caps":{"partner_period":"15.00"}`, `{"id":"r","percent":"10"}`, []Event{sale("e1", "100.00 USD"), sale("e2", "100.00 USD")},
			[]string{"commission r p1 10.00", "commission r p1 5.00"}},
		{"lifetime cap", `"caps":{"lifetime":"12.00"}`, `{"id":"r","percent":"10"}`, []Event{sale("e1", "100.00 USD"), sale("e2", "100.00 USD")},
			[]string{"commission r p1 10.00", "commission r p1 2.00"}},
		{"plan cap across partners", `"caps":{"plan":"12.00"}`, `{"id":"r","percent":"10"}`,
			[]Event{sale("e1", "100.00 USD"), func() Event { e := sale("e2", "100.00 USD"); e.Partner.ID = "p2"; return e }()},
			[]string{"commission r p1 10.00", "commission r p2 2.00"}},
		{"graduated tiers", "", `{"id":"t","tiers":{"mode":"graduated","bands":[{"from":"0","percent":"5"},{"from":"100.00","percent":"10"}]}}`,
			[]Event{sale("e1", "80.00 USD"), sale("e2", "50.00 USD")}, []string{"commission t p1 4.00", "commission t p1 4.00"}},
		{"retroactive tiers true-up", "", `{"id":"t","tiers":{"mode":"retroactive","bands":[{"from":"0","percent":"5"},{"from":"100.00","percent":"10"}]}}`,
			[]Event{sale("e1", "80.00 USD"), sale("e2", "50.00 USD"), sale("e3", "10.00 USD")},
			[]string{"commission t p1 4.00", "commission t p1 5.00; true-up t p1 4.00", "commission t p1 1.00"}},
		{"highest tiers", "", `{"id":"t","tiers":{"mode":"highest","bands":[{"from":"0","percent":"5"},{"from":"100.00","percent":"10"}]}}`,
			[]Event{sale("e1", "80.00 USD"), sale("e2", "50.00 USD")}, []string{"commission t p1 4.00", "commission t p1 5.00"}},
		{"step tiers", "", `{"id":"t","tiers":{"mode":"step","bands":[{"from":"0","percent":"5"},{"from":"100.00","percent":"10"}]}}`,
			[]Event{sale("e1", "80.00 USD"), sale("e2", "50.00 USD"), sale("e3", "10.00 USD")},
			[]string{"commission t p1 4.00", "commission t p1 2.50", "commission t p1 1.00"}},
		{"decelerator", "", `{"id":"t","tiers":{"mode":"decelerator","bands":[{"from":"0","percent":"10"},{"from":"100.00","percent":"2"}]}}`,
			[]Event{sale("e1", "150.00 USD")}, []string{"commission t p1 11.00"}},
		{"count tiers", "", `{"id":"t","tiers":{"mode":"graduated","by":"count","bands":[{"from":"0","percent":"5"},{"from":"2","percent":"10"}]}}`,
			[]Event{sale("e1", "10.00 USD"), sale("e2", "10.00 USD")}, []string{"commission t p1 0.50", "commission t p1 1.00"}},
		{"tiers reset each month", "", `{"id":"t","tiers":{"mode":"highest","bands":[{"from":"0","percent":"5"},{"from":"100.00","percent":"10"}]}}`,
			[]Event{sale("e1", "150.00 USD"), func() Event { e := sale("e2", "10.00 USD"); e.Time = t0.AddDate(0, 1, 0); return e }()},
			[]string{"commission t p1 15.00", "commission t p1 0.50"}},
		{"milestone once", `"hit_policy":"collect"`, `{"id":"base","flat":"1"},{"id":"m","milestone":{"count":2,"bonus":"100"}}`,
			[]Event{sale("e1", "1.00 USD"), sale("e2", "1.00 USD"), sale("e3", "1.00 USD")},
			[]string{"commission base p1 1.00", "commission base p1 1.00; bonus m p1 100.00", "commission base p1 1.00"}},
		{"split exact", "", `{"id":"r","percent":"10","split":[{"partner":"","share":"1"},{"partner":"a","share":"1"},{"partner":"b","share":"1"}]}`,
			[]Event{sale("e1", "1.00 USD")}, []string{"commission r p1 0.04; commission r a 0.03; commission r b 0.03"}},
		{"overrides to depth", "", `{"id":"r","percent":"10","overrides":["10","5","1"]}`,
			[]Event{func() Event { e := sale("e1", "100.00 USD"); e.Partner.Parents = []string{"mom", "gran"}; return e }()},
			[]string{"commission r p1 10.00; override r mom 1.00; override r gran 0.50"}},
		{"hold", `"holds":[{"id":"self","when":"event.customer == partner.id","reason":"self-referral"}]`, `{"id":"r","flat":"1"}`,
			[]Event{func() Event { e := sale("e1", "1.00 USD"); e.Customer = "p1"; return e }(), sale("e2", "1.00 USD")},
			[]string{"commission r p1 1.00 held:self-referral", "commission r p1 1.00"}},
		{"period aggregates in conditions", "", `{"id":"big","priority":1,"when":"period.count >= 1 && period.volume >= 50","percent":"20"},{"id":"r","priority":2,"percent":"10"}`,
			[]Event{sale("e1", "60.00 USD"), sale("e2", "10.00 USD")}, []string{"commission r p1 6.00", "commission big p1 2.00"}},
		{"attrs", "", `{"id":"de","when":"event.attrs['country'] in ['DE','AT'] and partner.tier == 'gold'","flat":"2"}`,
			[]Event{func() Event {
				e := sale("e1", "1.00 USD")
				e.Attrs = map[string]string{"country": "AT"}
				e.Partner.Tier = "gold"
				return e
			}(), sale("e2", "1.00 USD")},
			[]string{"commission de p1 2.00", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := mustEngine(t, planJSON(tt.fields, tt.rules))
			if diff := cmp.Diff(tt.want, evalAll(t, e, tt.events...)); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRecurring(t *testing.T) {
	start := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
	pay := func(n int) Event {
		e := sale("pay-"+string(rune('a'+n)), "10.00 USD")
		e.Kind, e.Time = KindPayment, start.AddDate(0, n-1, 0)
		e.Subscription = Subscription{ID: "s1", Start: start, Payment: n}
		return e
	}
	for _, tt := range []struct {
		recurring string
		paid      int
	}{{`{"months":3}`, 3}, {`{"payments":2}`, 2}, {`{"lifetime":true}`, 5}} {
		e := mustEngine(t, planJSON("", `{"id":"r","percent":"30","recurring":`+tt.recurring+`}`))
		paid := 0
		for n := 1; n <= 5; n++ {
			lines, err := e.Evaluate(context.Background(), pay(n))
			if err != nil {
				t.Fatal(err)
			}
			paid += len(lines)
		}
		if paid != tt.paid {
			t.Errorf("%s: %d payments paid, want %d", tt.recurring, paid, tt.paid)
		}
	}
}

func TestCapRecords(t *testing.T) {
	e := mustEngine(t, planJSON(`"caps":{"partner_period":"7.00"}`, `{"id":"r","percent":"50","cap":"8.00"}`))
	lines, x, err := e.EvaluateExplain(context.Background(), sale("e1", "100.00 USD"))
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, r := range lines[0].Exceeded {
		got = append(got, r.Cap+" "+r.Limit.String()+" by "+r.Exceeded.String())
	}
	want := []string{"line 8.00 USD by 42.00 USD", "partner-period 7.00 USD by 1.00 USD"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("cap records (-want +got):\n%s", diff)
	}
	if n := len(x.Rules[0].Caps); n != 2 {
		t.Errorf("explanation has %d caps, want 2", n)
	}
}

func TestFX(t *testing.T) {
	rates := accrue.NewStaticRates(accrue.Rate{From: eur, To: usd, Value: mustDec("1.1"), At: t0.Add(-time.Hour), Source: "test"})
	e := mustEngine(t, planJSON("", `{"id":"r","percent":"10"}`), WithRates(rates))
	ev := sale("e1", "100.00 EUR")
	lines, err := e.Evaluate(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if got := lines[0].Amount.String(); got != "11.00 USD" {
		t.Errorf("amount %s, want 11.00 USD", got)
	}
	if lines[0].Rate.Source != "test" || !lines[0].Rate.Value.Equal(mustDec("1.1")) {
		t.Errorf("rate not recorded: %+v", lines[0].Rate)
	}
	if lines[0].Meta()[accrue.MetaRate] == "" {
		t.Error("no fx_rate in lineage")
	}
	noRates := mustEngine(t, planJSON("", `{"id":"r","percent":"10"}`))
	if _, err := noRates.Evaluate(context.Background(), ev); !errors.Is(err, accrue.ErrNoRate) {
		t.Errorf("without rates: %v, want ErrNoRate", err)
	}
}

func TestClawback(t *testing.T) {
	ctx := context.Background()
	oldPlan := mustCompile(t, planJSON(`"clawback_days":30`, `{"id":"r","percent":"30","split":[{"partner":"","share":"2"},{"partner":"a","share":"1"}],"overrides":["10"]}`))
	newText := `{"id":"p","version":"v2","currency":"USD","valid_from":"2026-04-01T00:00:00Z","time_zone":"UTC","rules":[{"id":"r","percent":"50"}]}`
	p1 := oldPlan.Plan()
	p1.ValidUntil = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	c1, err := Compile(p1)
	if err != nil {
		t.Fatal(err)
	}
	set, err := NewPlanSet(c1, mustCompile(t, newText))
	if err != nil {
		t.Fatal(err)
	}
	e := NewEngine(set, nil)
	ev := sale("e1", "99.99 USD")
	ev.Partner.Parents = []string{"mom"}
	orig, err := e.Evaluate(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	refund := func(id, amount, before string, at time.Time) []Line {
		r := Event{ID: id, Kind: KindRefund, Time: at, Amount: accrue.MustParseMoney(amount), Original: orig}
		if before != "" {
			r.RefundedBefore = accrue.MustParseMoney(before)
		}
		lines, err := e.Evaluate(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		return lines
	}
	// Two partial refunds in April (a new version is in force) net the
	// original lines to zero exactly, at the original version.
	at := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	r1 := refund("r1", "33.33 USD", "", at)
	r2 := refund("r2", "66.66 USD", "33.33 USD", at)
	net := map[LineRef]int64{}
	for _, l := range orig {
		u, _ := l.Amount.MinorUnits()
		net[l.Ref()] += u
	}
	for _, l := range slices.Concat(r1, r2) {
		if l.Type != Clawback || l.Status != Payable || l.Version != c1.Hash() || !l.Amount.IsNegative() && !l.Amount.IsZero() {
			t.Errorf("bad clawback line %+v", l)
		}
		u, _ := l.Amount.MinorUnits()
		net[l.Reverses] += u
	}
	for ref, n := range net {
		if n != 0 {
			t.Errorf("%s nets %d minor units, want 0", ref, n)
		}
	}
	// Outside the window: nothing.
	if late := refund("r3", "10.00 USD", "", t0.AddDate(0, 0, 31)); len(late) != 0 {
		t.Errorf("refund after the window produced %s", summary(late))
	}
	// Too much refunded.
	_, err = e.Evaluate(ctx, Event{ID: "r4", Kind: KindRefund, Time: at, Amount: accrue.MustParseMoney("100.00 USD"), Original: orig})
	if !errors.Is(err, ErrInvalidEvent) {
		t.Errorf("over-refund: %v, want ErrInvalidEvent", err)
	}
}

func TestRuntimeErrorNamesRule(t *testing.T) {
	e := mustEngine(t, planJSON("", `{"id":"div","formula":"event.amount / (event.units - 1)"}`))
	_, err := e.Evaluate(context.Background(), sale("e1", "10.00 USD"))
	var ee *EvalError
	if !errors.As(err, &ee) || ee.Rule != "div" || ee.Event != "e1" || !errors.Is(err, ErrEvaluation) {
		t.Fatalf("err = %v, want *EvalError for rule div", err)
	}
}

func TestEvaluateRejectsBadEvents(t *testing.T) {
	e := mustEngine(t, planJSON("", `{"id":"r","percent":"10"}`))
	ctx := context.Background()
	for name, ev := range map[string]Event{
		"no id":     {Kind: KindSale, Time: t0},
		"no time":   {ID: "x", Kind: KindSale},
		"negative":  {ID: "x", Kind: KindSale, Time: t0, Amount: accrue.MustParseMoney("-1.00 USD")},
		"fraction":  {ID: "x", Kind: KindSale, Time: t0, Amount: accrue.MustParseMoney("1.001 USD")},
		"no orig":   {ID: "x", Kind: KindRefund, Time: t0, Amount: accrue.MustParseMoney("1.00 USD")},
		"too early": {ID: "x", Kind: KindSale, Time: t0.AddDate(-1, 0, 0), Amount: accrue.MustParseMoney("1.00 USD")},
	} {
		if lines, err := e.Evaluate(ctx, ev); err == nil || lines != nil {
			t.Errorf("%s: lines %v, err %v; want an error", name, lines, err)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := e.Evaluate(cctx, sale("e1", "1.00 USD")); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled context: %v", err)
	}
}

func TestFailedEvaluationWritesNothing(t *testing.T) {
	agg := NewMemoryAggregates()
	set, _ := NewPlanSet(mustCompile(t, planJSON(`"hit_policy":"collect"`, `{"id":"ok","percent":"10"},{"id":"div","formula":"event.amount / (event.units - 1)"}`)))
	e := NewEngine(set, agg)
	if _, err := e.Evaluate(context.Background(), sale("e1", "10.00 USD")); err == nil {
		t.Fatal("want an error")
	}
	if s := agg.Snapshot(); len(s) != 0 {
		t.Errorf("totals written: %v", s)
	}
}

func TestExplanationText(t *testing.T) {
	e := mustEngine(t, planJSON(`"hit_policy":"collect"`, `{"id":"base","when":"event.kind == 'sale'","percent":"30","cap":"20.00"},{"id":"t","tiers":{"mode":"graduated","bands":[{"from":"0","percent":"5"},{"from":"50.00","percent":"10"}]}}`))
	_, x, err := e.EvaluateExplain(context.Background(), sale("e1", "100.00 USD"))
	if err != nil {
		t.Fatal(err)
	}
	want := `event e1 (sale, 100.00 USD) under plan p v1 [` + shortHash(x.Version) + `]
  rule base: matched (event.kind == 'sale'): percent 30% of 100.00 USD = 30.00 USD
    line cap 20.00 USD: exceeded by 10.00 USD
  rule t: matched (always): tiers:graduated = 7.50 USD
    band from 0.00 USD at 5%: 50.00 USD → 2.50 USD
    band from 50.00 USD at 10%: 50.00 USD → 5.00 USD
  line 0: commission base 20.00 USD to p1, payable
  line 1: commission t 7.50 USD to p1, payable
`
	if diff := cmp.Diff(want, x.Text()); diff != "" {
		t.Errorf("text (-want +got):\n%s", diff)
	}
}

func TestDeterministic(t *testing.T) {
	text := planJSON(`"hit_policy":"collect","caps":{"partner_period":"50.00"}`, `{"id":"a","percent":"12.5","split":[{"partner":"","share":"3"},{"partner":"x","share":"1"}]},{"id":"t","tiers":{"mode":"retroactive","bands":[{"from":"0","percent":"1"},{"from":"30.00","percent":"3"}]}}`)
	run := func() [][]Line {
		e := mustEngine(t, text)
		var out [][]Line
		for i, a := range []string{"10.01 USD", "25.55 USD", "99.99 USD", "0.01 USD"} {
			l, err := e.Evaluate(context.Background(), sale(string(rune('a'+i)), a))
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, l)
		}
		return out
	}
	a, b := run(), run()
	if diff := cmp.Diff(fmt.Sprintf("%+v", a), fmt.Sprintf("%+v", b)); diff != "" {
		t.Errorf("two runs differ:\n%s", diff)
	}
}

func TestDiff(t *testing.T) {
	old := mustCompile(t, planJSON("", `{"id":"base","percent":"10"},{"id":"de","when":"event.attrs['country'] == 'DE'","flat":"1"}`))
	newer := mustCompile(t, planJSON("", `{"id":"base","when":"event.amount >= 50","percent":"12"},{"id":"de","when":"event.attrs['country'] == 'DE'","flat":"1"}`))
	evs := []Event{sale("e1", "100.00 USD"), sale("e2", "10.00 USD"), {ID: "r1", Kind: KindRefund, Time: t0, Amount: accrue.MustParseMoney("50.00 USD"), Reverses: "e1"}}
	rep, err := Diff(context.Background(), old, newer, evs)
	if err != nil {
		t.Fatal(err)
	}
	var changed []string
	for _, c := range rep.Changed {
		changed = append(changed, c.Event)
	}
	if diff := cmp.Diff([]string{"e1", "e2", "r1"}, changed); diff != "" {
		t.Errorf("changed events (-want +got):\n%s", diff)
	}
	if len(rep.Partners) != 1 || rep.Partners[0].Before.String() != "6.00 USD" || rep.Partners[0].After.String() != "6.00 USD" {
		t.Errorf("partner totals %+v", rep.Partners)
	}
	if rep.Changed[0].BeforeExplanation == nil || rep.Changed[0].AfterExplanation == nil {
		t.Error("missing explanations")
	}
}

// A plan whose period is the lifetime must count an event once, not in both
// the period and the lifetime totals (found by TestEngineStateMachine).
func TestLifetimePlanPeriodCountsOnce(t *testing.T) {
	agg := NewMemoryAggregates()
	set, _ := NewPlanSet(mustCompile(t, planJSON(`"period":"lifetime"`, `{"id":"r","flat":"1"}`)))
	if _, err := NewEngine(set, agg).Evaluate(context.Background(), sale("e1", "0.01 USD")); err != nil {
		t.Fatal(err)
	}
	for _, d := range agg.Snapshot() {
		if d.Totals.Count != 1 || d.Totals.Volume != 1 {
			t.Errorf("%+v counted twice", d)
		}
	}
}

func TestExpressionSafety(t *testing.T) {
	// Memory: a huge range is stopped by the budget, as a typed error.
	e := mustEngine(t, planJSON("", `{"id":"big","when":"len(1..100000000) > 0","flat":"1"}`))
	_, err := e.Evaluate(context.Background(), sale("e1", "1.00 USD"))
	var ee *EvalError
	if !errors.As(err, &ee) || ee.Rule != "big" {
		t.Errorf("huge range: %v, want *EvalError for rule big", err)
	}
	// Size: an expression beyond MaxNodes does not load.
	long := "event.units" + strings.Repeat(" + event.units", MaxNodes)
	if _, err := LoadPlan([]byte(planJSON("", `{"id":"long","when":"`+long+` > 0","flat":"1"}`))); !errors.Is(err, ErrInvalidPlan) {
		t.Errorf("long expression: %v", err)
	}
	// Context: a canceled context stops a program before it runs.
	e = mustEngine(t, planJSON("", `{"id":"vm","when":"len(event.product) > 1","flat":"1"}`))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.Evaluate(ctx, sale("e1", "1.00 USD")); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
	// No clock: date() and now() do not exist.
	for _, w := range []string{"now().Year() > 2000", "date('2026-01-01') != nil", "duration('1h') != nil"} {
		if _, err := LoadPlan([]byte(planJSON("", `{"id":"clock","when":"`+w+`","flat":"1"}`))); !errors.Is(err, ErrInvalidPlan) {
			t.Errorf("%s: %v, want a load error", w, err)
		}
	}
	// No methods on amounts: decimal's Div (which reads a global) is out of reach.
	if _, err := LoadPlan([]byte(planJSON("", `{"id":"m","formula":"event.amount.Div(event.amount)"}`))); !errors.Is(err, ErrInvalidPlan) {
		t.Errorf("method call: %v", err)
	}
}

// Months begin in the plan's time zone: 23:30 UTC on March 31st is already
// April in Berlin, so the tier volume starts again.
func TestPeriodsInPlanTimeZone(t *testing.T) {
	text := `{"id":"p","currency":"EUR","valid_from":"2026-01-01T00:00:00Z","time_zone":"Europe/Berlin","rules":[
		{"id":"t","tiers":{"mode":"highest","bands":[{"from":"0","percent":"1"},{"from":"100.00","percent":"10"}]}}]}`
	e := mustEngine(t, text)
	ev := func(id string, at time.Time) Event {
		return Event{ID: id, Kind: KindSale, Time: at, Partner: Partner{ID: "p1"}, Amount: accrue.MustParseMoney("100.00 EUR")}
	}
	got := evalAll(t, e,
		ev("march", time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC)),
		ev("april-in-berlin", time.Date(2026, 3, 31, 23, 30, 0, 0, time.UTC)))
	want := []string{"commission t p1 10.00", "commission t p1 10.00"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// Quarter and year periods.
	for _, period := range []string{"quarter", "year"} {
		e := mustEngine(t, strings.Replace(text, `"mode":"highest"`, `"mode":"highest","period":"`+period+`"`, 1))
		got := evalAll(t, e, ev("a", time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)), ev("b", time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)))
		if got[1] != "commission t p1 10.00" {
			t.Errorf("%s: second event %q, want the 10%% band (volume accumulates over the %s)", period, got[1], period)
		}
	}
}

// A guard for an amount far above the partner's usual, from lifetime totals.
func TestHoldAmountFarAboveUsual(t *testing.T) {
	e := mustEngine(t, planJSON(`"holds":[{"id":"spike","when":"lifetime.count >= 2 && event.amount > 4 * lifetime.volume / lifetime.count","reason":"amount far above usual"}]`, `{"id":"r","percent":"10"}`))
	got := evalAll(t, e, sale("e1", "10.00 USD"), sale("e2", "12.00 USD"), sale("e3", "40.00 USD"), sale("e4", "100.00 USD"))
	want := []string{"commission r p1 1.00", "commission r p1 1.20", "commission r p1 4.00", "commission r p1 10.00 held:amount far above usual"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// Partners evaluated concurrently get what they get one at a time.
func TestConcurrentPartners(t *testing.T) {
	text := benchPlan()
	evs := benchEvents(400)
	byPartner := map[string][]Event{}
	for _, ev := range evs {
		byPartner[ev.Partner.ID] = append(byPartner[ev.Partner.ID], ev)
	}
	serial := map[string]string{}
	e := mustEngine(t, text)
	for p, list := range byPartner {
		serial[p] = strings.Join(evalAll(t, e, list...), "|")
	}
	e = mustEngine(t, text)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for p, list := range byPartner {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out []string
			for _, ev := range list {
				lines, err := e.Evaluate(context.Background(), ev)
				if err != nil {
					t.Error(err)
					return
				}
				out = append(out, summary(lines))
			}
			mu.Lock()
			defer mu.Unlock()
			if got := strings.Join(out, "|"); got != serial[p] {
				t.Errorf("partner %s: concurrent %s, serial %s", p, got, serial[p])
			}
		}()
	}
	wg.Wait()
}

// The explanation is structured data: it marshals to JSON as is.
func TestExplanationJSON(t *testing.T) {
	e := mustEngine(t, planJSON("", `{"id":"t","tiers":{"mode":"retroactive","bands":[{"from":"0","percent":"5"},{"from":"10.00","percent":"10"}]}}`))
	evalAll(t, e, sale("e0", "8.00 USD"))
	_, x, err := e.EvaluateExplain(context.Background(), sale("e1", "5.00 USD"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(x)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"Considered":[{"Rule":"t"`, `"TrueUp":40`, `"Rate":"0.1"`, `"Amount":{"amount":"0.50","currency":"USD"}`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s:\n%s", want, b)
		}
	}
}

func TestExplanationShowsConversion(t *testing.T) {
	rates := accrue.NewStaticRates(accrue.Rate{From: eur, To: usd, Value: mustDec("1.1"), At: t0.Add(-time.Hour), Source: "ecb"})
	e := mustEngine(t, planJSON("", `{"id":"r","percent":"10"}`), WithRates(rates))
	_, x, err := e.EvaluateExplain(context.Background(), sale("e1", "100.00 EUR"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"(sale, 100.00 EUR = 110.00 USD)", "converted at 1 EUR = 1.1 USD (ecb, 2026-03-02T09:00:00Z)"} {
		if !strings.Contains(x.Text(), want) {
			t.Errorf("text lacks %q:\n%s", want, x.Text())
		}
	}
}

// getOnly hides MemoryAggregates' BatchGetter, for the fallback path.
type getOnly struct{ a *MemoryAggregates }

func (g getOnly) Get(ctx context.Context, k Key) (Totals, error) { return g.a.Get(ctx, k) }
func (g getOnly) Add(ctx context.Context, d []Delta) error       { return g.a.Add(ctx, d) }

// An Aggregates without GetMany gets the same lines.
func TestAggregatesWithoutBatchGetter(t *testing.T) {
	text := planJSON(`"hit_policy":"collect","caps":{"partner_period":"30.00","lifetime":"50.00","plan":"70.00"}`, `{"id":"r","when":"period.count < 5 && lifetime.volume >= 0","percent":"10"}`)
	set, _ := NewPlanSet(mustCompile(t, text))
	evs := []Event{sale("e1", "100.00 USD"), sale("e2", "150.00 USD"), sale("e3", "300.00 USD")}
	batch := evalAll(t, NewEngine(set, NewMemoryAggregates()), evs...)
	plain := evalAll(t, NewEngine(set, getOnly{NewMemoryAggregates()}), evs...)
	if diff := cmp.Diff(batch, plain); diff != "" {
		t.Errorf("(-GetMany +Get):\n%s", diff)
	}
	if want := []string{"commission r p1 10.00", "commission r p1 15.00", "commission r p1 5.00"}; !slices.Equal(batch, want) {
		t.Errorf("lines %q, want %q", batch, want)
	}
}

func TestLineLineage(t *testing.T) {
	c := mustCompile(t, planJSON("", `{"id":"r","percent":"10"}`))
	set, _ := NewPlanSet(c)
	e := NewEngine(set, nil)
	lines, err := e.Evaluate(context.Background(), sale("e1", "10.00 USD"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{accrue.MetaEventID: "e1", accrue.MetaRuleID: "r", accrue.MetaPlanID: "p", accrue.MetaPlanVersion: c.Hash(), accrue.MetaPartnerID: "p1"}
	if diff := cmp.Diff(want, lines[0].Meta()); diff != "" {
		t.Errorf("meta (-want +got):\n%s", diff)
	}
	claws, err := e.Evaluate(context.Background(), Event{ID: "r1", Kind: KindChargeback, Time: t0, Amount: accrue.MustParseMoney("10.00 USD"), Original: lines})
	if err != nil {
		t.Fatal(err)
	}
	if got := claws[0].Meta()[accrue.MetaReverses]; got != "e1#0" {
		t.Errorf("reverses %q, want e1#0", got)
	}
	// The compiled plan does not share memory with what Plan returns.
	p := c.Plan()
	p.Rules[0].Percent = "99"
	if c.Plan().Rules[0].Percent != "10" {
		t.Error("Plan() exposes the compiled plan's rules")
	}
}
