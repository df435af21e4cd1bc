package rulestest_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/rules"
	"github.com/accruehq/accrue/rules/rulestest"
	"pgregory.net/rapid"
)

var jan = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func reseller() rules.Plan {
	return rules.Plan{
		ID: "reseller", Currency: "USD", ValidFrom: jan, TimeZone: "UTC", Period: "quarter",
		Caps: rules.PlanCaps{PartnerPeriod: "500.00"},
		Rules: []rules.Rule{{
			ID: "tiers", Tiers: &rules.Tiers{Mode: "graduated", Bands: []rules.Band{{From: "0", Percent: "10"}, {From: "1000.00", Percent: "15"}}},
			Split: []rules.Share{{Partner: "", Share: "80"}, {Partner: "distributor", Share: "20"}},
		}},
	}
}

func TestRunOnAPlan(t *testing.T) {
	rulestest.Run(t, rulestest.Suite{Plan: reseller(), Monotonic: true})
}

func TestPropertiesOnGeneratedPlans(t *testing.T) {
	usd := accrue.MustCurrency("USD")
	rapid.Check(t, func(t *rapid.T) {
		s := rulestest.Suite{Plan: rulestest.Plan(usd, jan).Draw(t, "plan")}
		rulestest.CapsRespected(s)(t)
		rulestest.NonNegative(s)(t)
		rulestest.FullRefundNetsZero(s)(t)
		rulestest.Deterministic(s)(t)
	})
}

func TestDiffTouchesOnlyReported(t *testing.T) {
	usd := accrue.MustCurrency("USD")
	rapid.Check(t, func(t *rapid.T) {
		old := rulestest.Plan(usd, jan).Draw(t, "old")
		var changed rules.Plan
		if rapid.Bool().Draw(t, "small change") {
			changed = old
			changed.Rules = append([]rules.Rule(nil), old.Rules...)
			changed.Rules[0].When = "event.product == 'pro'"
		} else {
			changed = rulestest.Plan(usd, jan).Draw(t, "new")
		}
		rulestest.DiffTouchesOnlyReported(old, changed, nil)(t)
	})
}

func TestGeneratedPlansCompile(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := rulestest.Plan(accrue.MustCurrency("JPY"), jan).Draw(t, "plan")
		if _, err := rules.Compile(p); err != nil {
			t.Fatalf("generated plan does not compile: %v", err)
		}
	})
}

func TestMemoryAggregatesConformance(t *testing.T) {
	rulestest.RunAggregates(t, func() rules.Aggregates { return rules.NewMemoryAggregates() })
}

// versions returns two versions of one plan with consecutive effective
// periods: v1 from January to March at 10%, v2 from March on at 12% with a
// monthly cap — the usual shape of a plan change.
func versions() (rules.Plan, rules.Plan) {
	mar := jan.AddDate(0, 2, 0)
	v1 := rules.Plan{ID: "aff", Version: "v1", Currency: "USD", ValidFrom: jan, ValidUntil: mar, TimeZone: "UTC",
		Rules: []rules.Rule{{ID: "base", Percent: "10"}}}
	v2 := v1
	v2.Version, v2.ValidFrom, v2.ValidUntil = "v2", mar, time.Time{}
	v2.Caps.PartnerPeriod = "50.00"
	v2.Rules = []rules.Rule{{ID: "base", Percent: "12"}}
	return v1, v2
}

func TestDiffTouchesOnlyReportedConsecutiveVersions(t *testing.T) {
	v1, v2 := versions()
	usd := accrue.MustCurrency("USD")
	for name, events := range map[string]*rapid.Generator[[]rules.Event]{
		"default events (old's period and after)": nil,
		"events in old's period":                  rulestest.EventsWith(rulestest.EventsOpts{Currency: usd, From: jan, Span: 59 * 24 * time.Hour}),
		"events in new's period":                  rulestest.EventsWith(rulestest.EventsOpts{Currency: usd, From: v2.ValidFrom, Span: 30 * 24 * time.Hour}),
	} {
		t.Run(name, func(t *testing.T) {
			rapid.Check(t, rulestest.DiffTouchesOnlyReported(v1, v2, events))
		})
	}
}

// The Suite properties run both versions of a change on one generator, even
// where it draws events outside a version's effective period.
func TestSuiteOnConsecutiveVersions(t *testing.T) {
	v1, v2 := versions()
	events := rulestest.EventsWith(rulestest.EventsOpts{Currency: accrue.MustCurrency("USD"), From: v2.ValidFrom, Span: 30 * 24 * time.Hour, MinAmount: 10_000, MaxAmount: 100_000})
	for _, p := range []rules.Plan{v1, v2} {
		t.Run(p.Version, func(t *testing.T) {
			rulestest.Run(t, rulestest.Suite{Plan: p, Events: events, Monotonic: true})
		})
	}
}

func TestEventsWithRespectsOpts(t *testing.T) {
	usd := accrue.MustCurrency("USD")
	for _, tt := range []struct {
		name           string
		opts           rulestest.EventsOpts
		minN, maxN     int
		minAmt, maxAmt int64
		partners       []string
		span           time.Duration
	}{
		{"defaults", rulestest.EventsOpts{Currency: usd, From: jan}, 1, 8, 0, 50_000, []string{"p1", "p2", "p3", "p4"}, 120 * 24 * time.Hour},
		{"large amounts, many events, one partner", rulestest.EventsOpts{Currency: usd, From: jan, Span: 24 * time.Hour, MinEvents: 10, MaxEvents: 20, MinAmount: 200_000, MaxAmount: 300_000, Partners: []string{"big"}},
			10, 20, 200_000, 300_000, []string{"big"}, 24 * time.Hour},
		{"min above default max", rulestest.EventsOpts{Currency: usd, From: jan, MinEvents: 12, MinAmount: 90_000}, 12, 12, 90_000, 90_000, []string{"p1", "p2", "p3", "p4"}, 120 * 24 * time.Hour},
		{"max below min counts as min", rulestest.EventsOpts{Currency: usd, From: jan, MinEvents: 3, MaxEvents: 2, MinAmount: 500, MaxAmount: 100}, 3, 3, 500, 500, []string{"p1", "p2", "p3", "p4"}, 120 * 24 * time.Hour},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				evs := rulestest.EventsWith(tt.opts).Draw(t, "events")
				if len(evs) < tt.minN || len(evs) > tt.maxN {
					t.Fatalf("%d events, want %d to %d", len(evs), tt.minN, tt.maxN)
				}
				for i, ev := range evs {
					u, _ := ev.Amount.MinorUnits()
					switch {
					case u < tt.minAmt || u > tt.maxAmt || ev.Amount.Currency() != usd:
						t.Fatalf("event %s amount %s out of [%d, %d] minor units", ev.ID, ev.Amount, tt.minAmt, tt.maxAmt)
					case !slices.Contains(tt.partners, ev.Partner.ID):
						t.Fatalf("event %s partner %s not in %v", ev.ID, ev.Partner.ID, tt.partners)
					case ev.Time.Before(jan) || !ev.Time.Before(jan.Add(tt.span)):
						t.Fatalf("event %s at %s outside the span", ev.ID, ev.Time)
					case i > 0 && ev.Time.Before(evs[i-1].Time):
						t.Fatal("events not sorted by time")
					}
				}
			})
		})
	}
}

// With EventsOpts a plan's high threshold is reached in every draw: three
// sales of at least 2,000.00 by one partner in one month cross a band from
// 5,000.00, so a retroactive true-up is paid.
func TestEventsWithReachesHighThresholds(t *testing.T) {
	usd := accrue.MustCurrency("USD")
	p := rules.Plan{ID: "big", Currency: "USD", ValidFrom: jan, TimeZone: "UTC", Rules: []rules.Rule{{ID: "t",
		Tiers: &rules.Tiers{Mode: "retroactive", Bands: []rules.Band{{From: "0", Percent: "5"}, {From: "5000.00", Percent: "10"}}}}}}
	c, err := rules.Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	opts := rulestest.EventsOpts{Currency: usd, From: jan, Span: 28 * 24 * time.Hour, MinEvents: 3, MaxEvents: 6, MinAmount: 200_000, MaxAmount: 400_000, Partners: []string{"p1"}}
	rapid.Check(t, func(t *rapid.T) {
		set, _ := rules.NewPlanSet(c)
		e := rules.NewEngine(set, nil)
		trueUp := false
		for _, ev := range rulestest.EventsWith(opts).Draw(t, "events") {
			lines, err := e.Evaluate(context.Background(), ev)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range lines {
				trueUp = trueUp || l.Type == rules.TrueUp
			}
		}
		if !trueUp {
			t.Fatal("the 5,000.00 band was not reached")
		}
	})
	rulestest.Run(t, rulestest.Suite{Plan: p, Events: rulestest.EventsWith(opts), Monotonic: true})
}
