package rules

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/shopspring/decimal"
)

var (
	usd = accrue.MustCurrency("USD")
	eur = accrue.MustCurrency("EUR")
	t0  = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
)

// planJSON builds a plan text from plan-level fields and rules.
func planJSON(fields, rules string) string {
	if fields != "" {
		fields += ","
	}
	return `{"id":"p","version":"v1","currency":"USD","valid_from":"2026-01-01T00:00:00Z","time_zone":"UTC",` + fields + `"rules":[` + rules + `]}`
}

func mustCompile(t testing.TB, text string) *Compiled {
	t.Helper()
	c, err := LoadPlan([]byte(text))
	if err != nil {
		t.Fatalf("LoadPlan: %v", err)
	}
	return c
}

func mustEngine(t testing.TB, text string, opts ...Option) *Engine {
	t.Helper()
	set, err := NewPlanSet(mustCompile(t, text))
	if err != nil {
		t.Fatal(err)
	}
	return NewEngine(set, NewMemoryAggregates(), opts...)
}

func sale(id, amount string) Event {
	return Event{ID: id, Kind: KindSale, Time: t0, Partner: Partner{ID: "p1"}, Amount: accrue.MustParseMoney(amount), Units: 1, Product: "pro"}
}

// summary renders lines compactly: "type rule partner amount status".
func summary(lines []Line) string {
	var parts []string
	for _, l := range lines {
		s := fmt.Sprintf("%s %s %s %s", l.Type, l.Rule, l.Partner, l.Amount.Amount().StringFixed(l.Amount.Currency().MinorUnits()))
		if l.Status == OnHold {
			s += " held:" + l.HoldReason
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

func evalAll(t testing.TB, e *Engine, evs ...Event) []string {
	t.Helper()
	var out []string
	for _, ev := range evs {
		lines, err := e.Evaluate(context.Background(), ev)
		if err != nil {
			t.Fatalf("Evaluate %s: %v", ev.ID, err)
		}
		out = append(out, summary(lines))
	}
	return out
}

func mustDec(s string) decimal.Decimal { return decimal.RequireFromString(s) }
