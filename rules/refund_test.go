package rules

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/google/go-cmp/cmp"
)

// step is one event of a refund scenario: a sale, or a refund of an earlier
// sale (by id) of amount after before.
type step struct {
	id, amount      string
	refunds, before string // refund: the sale it refunds and the amount refunded before
}

func TestRefundNetsPeriodState(t *testing.T) {
	retro := `{"id":"t","tiers":{"mode":"retroactive","bands":[{"from":"0","percent":"5"},{"from":"100.00","percent":"10"}]}}`
	tests := []struct {
		name   string
		fields string
		rules  string
		steps  []step
		want   []string
	}{
		{"graduated tiers on net volume", "", `{"id":"t","tiers":{"mode":"graduated","bands":[{"from":"0","percent":"5"},{"from":"100.00","percent":"10"}]}}`,
			[]step{{id: "e1", amount: "80.00 USD"}, {id: "r1", amount: "80.00 USD", refunds: "e1"}, {id: "e2", amount: "50.00 USD"}},
			[]string{"commission t p1 4.00", "clawback t p1 -4.00", "commission t p1 2.50"}},
		{"partial refund lowers volume pro rata", "", `{"id":"t","tiers":{"mode":"highest","bands":[{"from":"0","percent":"5"},{"from":"100.00","percent":"10"}]}}`,
			[]step{{id: "e1", amount: "90.00 USD"}, {id: "r1", amount: "30.00 USD", refunds: "e1"}, {id: "e2", amount: "30.00 USD"}, {id: "e3", amount: "10.00 USD"}},
			[]string{"commission t p1 4.50", "clawback t p1 -1.50", "commission t p1 1.50", "commission t p1 1.00"}},
		{"count tiers: a full refund un-counts", "", `{"id":"t","tiers":{"mode":"highest","by":"count","bands":[{"from":"0","percent":"5"},{"from":"2","percent":"10"}]}}`,
			[]step{{id: "e1", amount: "10.00 USD"}, {id: "r1", amount: "4.00 USD", refunds: "e1"}, {id: "r2", amount: "6.00 USD", refunds: "e1", before: "4.00 USD"}, {id: "e2", amount: "10.00 USD"}, {id: "e3", amount: "10.00 USD"}},
			[]string{"commission t p1 0.50", "clawback t p1 -0.20", "clawback t p1 -0.30", "commission t p1 0.50", "commission t p1 1.00"}},
		{"rule period cap frees the clawed amount", "", `{"id":"r","percent":"10","period_cap":"15.00"}`,
			[]step{{id: "e1", amount: "100.00 USD"}, {id: "e2", amount: "100.00 USD"}, {id: "r1", amount: "100.00 USD", refunds: "e1"}, {id: "e3", amount: "100.00 USD"}},
			[]string{"commission r p1 10.00", "commission r p1 5.00", "clawback r p1 -10.00", "commission r p1 10.00"}},
		{"rule period cap counts what was paid after plan caps", `"caps":{"partner_period":"8.00"}`, `{"id":"r","percent":"10","period_cap":"15.00"}`,
			[]step{{id: "e1", amount: "100.00 USD"}, {id: "r1", amount: "100.00 USD", refunds: "e1"}, {id: "e2", amount: "200.00 USD"}},
			[]string{"commission r p1 8.00", "clawback r p1 -8.00", "commission r p1 8.00"}},
		{"retroactive true-down below a reached band", "", retro,
			[]step{{id: "e1", amount: "80.00 USD"}, {id: "e2", amount: "50.00 USD"}, {id: "r1", amount: "80.00 USD", refunds: "e1"}, {id: "e3", amount: "10.00 USD"}},
			[]string{"commission t p1 4.00", "commission t p1 5.00; true-up t p1 4.00", "clawback t p1 -4.00; true-up t p1 -6.50", "commission t p1 0.50"}},
		{"retroactive: refunding the crossing event claws its true-up, no true-down", "", retro,
			[]step{{id: "e1", amount: "80.00 USD"}, {id: "e2", amount: "50.00 USD"}, {id: "r1", amount: "50.00 USD", refunds: "e2"}, {id: "e3", amount: "10.00 USD"}},
			[]string{"commission t p1 4.00", "commission t p1 5.00; true-up t p1 4.00", "clawback t p1 -5.00; clawback t p1 -4.00", "commission t p1 0.50"}},
		{"retroactive: per-event rounding is not trued down", "", retro,
			[]step{{id: "e1", amount: "33.33 USD"}, {id: "e2", amount: "33.33 USD"}, {id: "e3", amount: "33.33 USD"}, {id: "e4", amount: "10.00 USD"}, {id: "r1", amount: "10.00 USD", refunds: "e4"}},
			[]string{"commission t p1 1.67", "commission t p1 1.67", "commission t p1 1.67", "commission t p1 1.00; true-up t p1 5.00", "clawback t p1 -1.00; clawback t p1 -5.00"}},
		{"retroactive: partial refund above the band, no true-down", "", retro,
			[]step{{id: "e1", amount: "80.00 USD"}, {id: "e2", amount: "50.00 USD"}, {id: "r1", amount: "20.00 USD", refunds: "e2"}, {id: "e3", amount: "10.00 USD"}},
			[]string{"commission t p1 4.00", "commission t p1 5.00; true-up t p1 4.00", "clawback t p1 -2.00; clawback t p1 -1.60", "commission t p1 1.00"}},
		{"retroactive true-down split and overridden like the true-up", "", `{"id":"t","overrides":["10"],"split":[{"partner":"","share":"1"},{"partner":"a","share":"1"}],"tiers":{"mode":"retroactive","bands":[{"from":"0","percent":"5"},{"from":"100.00","percent":"10"}]}}`,
			[]step{{id: "e1", amount: "80.00 USD"}, {id: "e2", amount: "50.00 USD"}, {id: "r1", amount: "80.00 USD", refunds: "e1"}},
			[]string{"commission t p1 2.00; commission t a 2.00; override t mom 0.20",
				"commission t p1 2.50; commission t a 2.50; override t mom 0.25; true-up t p1 2.00; true-up t a 2.00; override t mom 0.20",
				"clawback t p1 -2.00; clawback t a -2.00; clawback t mom -0.20; true-up t p1 -3.25; true-up t a -3.25; override t mom -0.33"}},
		{"retroactive by count true-down", "", `{"id":"t","tiers":{"mode":"retroactive","by":"count","bands":[{"from":"0","percent":"5"},{"from":"2","percent":"10"}]}}`,
			[]step{{id: "e1", amount: "10.00 USD"}, {id: "e2", amount: "30.00 USD"}, {id: "r1", amount: "10.00 USD", refunds: "e1"}, {id: "e3", amount: "10.00 USD"}},
			[]string{"commission t p1 0.50", "commission t p1 3.00; true-up t p1 0.50", "clawback t p1 -0.50; true-up t p1 -2.00", "commission t p1 1.00; true-up t p1 1.50"}},
		{"outside the clawback window nothing changes", `"clawback_days":1`, `{"id":"t","tiers":{"mode":"highest","bands":[{"from":"0","percent":"5"},{"from":"100.00","percent":"10"}]}}`,
			[]step{{id: "e1", amount: "90.00 USD"}, {id: "r1", amount: "90.00 USD", refunds: "e1"}, {id: "e2", amount: "20.00 USD"}},
			[]string{"commission t p1 4.50", "", "commission t p1 2.00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := mustEngine(t, planJSON(tt.fields, tt.rules))
			sales := map[string]Event{}
			lines := map[string][]Line{}
			var got []string
			for i, s := range tt.steps {
				at := t0.Add(time.Duration(i) * time.Hour)
				if strings.Contains(tt.fields, "clawback_days") && s.refunds != "" {
					at = t0.Add(48 * time.Hour) // after the window, same month
				}
				ev := Event{ID: s.id, Kind: KindSale, Time: at, Partner: Partner{ID: "p1", Parents: []string{"mom"}}, Amount: accrue.MustParseMoney(s.amount), Units: 1}
				if s.refunds != "" {
					ev = Event{ID: s.id, Kind: KindRefund, Time: at, Amount: accrue.MustParseMoney(s.amount), Reverses: s.refunds, Original: lines[s.refunds]}
					if s.before != "" {
						ev.RefundedBefore = accrue.MustParseMoney(s.before)
					}
				}
				l, err := e.Evaluate(context.Background(), ev)
				if err != nil {
					t.Fatalf("%s: %v", s.id, err)
				}
				sales[s.id], lines[s.id] = ev, l
				got = append(got, summary(l))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
		})
	}
}

// A refund of a converted sale lowers the volume by its share of the
// converted amount, at the rate on the original lines.
func TestRefundNetsConvertedVolume(t *testing.T) {
	rates := accrue.NewStaticRates(accrue.Rate{From: eur, To: usd, Value: mustDec("1.1"), At: t0.Add(-time.Hour), Source: "test"})
	agg := NewMemoryAggregates()
	set, _ := NewPlanSet(mustCompile(t, planJSON("", `{"id":"r","percent":"10"}`)))
	e := NewEngine(set, agg, WithRates(rates))
	ev := sale("e1", "100.00 EUR")
	orig, err := e.Evaluate(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Evaluate(context.Background(), Event{ID: "r1", Kind: KindRefund, Time: t0, Amount: accrue.MustParseMoney("25.00 EUR"), Original: orig}); err != nil {
		t.Fatal(err)
	}
	tot, _ := agg.Get(context.Background(), Key{Partner: "p1", Plan: "p", Period: Lifetime})
	if want := (Totals{Volume: 8250, Count: 1, Commission: 825}); tot != want {
		t.Errorf("lifetime totals %+v, want %+v", tot, want)
	}
}

func TestTrueDownExplained(t *testing.T) {
	e := mustEngine(t, planJSON("", `{"id":"t","tiers":{"mode":"retroactive","bands":[{"from":"0","percent":"5"},{"from":"100.00","percent":"10"}]}}`))
	ctx := context.Background()
	orig, err := e.Evaluate(ctx, sale("e1", "80.00 USD"))
	if err != nil {
		t.Fatal(err)
	}
	evalAll(t, e, sale("e2", "50.00 USD"))
	_, x, err := e.EvaluateExplain(ctx, Event{ID: "r1", Kind: KindRefund, Time: t0, Amount: accrue.MustParseMoney("80.00 USD"), Original: orig})
	if err != nil {
		t.Fatal(err)
	}
	want := `event r1 (refund, 80.00 USD) under plan p v1 [` + shortHash(x.Version) + `]
  reverses e1#0 (4.00 USD): -4.00 USD
  true-down rule t: period volume 130.00 USD → 50.00 USD, below the band from 100.00 USD at 10%: 50.00 USD at the band from 0.00 USD at 5% is 2.50 USD, 9.00 USD paid: -6.50 USD
  line 0: clawback t -4.00 USD to p1, payable
  line 1: true-up t -6.50 USD to p1, payable
`
	if diff := cmp.Diff(want, x.Text()); diff != "" {
		t.Errorf("text (-want +got):\n%s", diff)
	}
}
