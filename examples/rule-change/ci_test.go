package main

// This file is the test a host adds to its CI to guard its commission plans:
// every version in plans/ must load and keep the ready-made properties of
// rules/rulestest, the change must touch only the events rules.Diff reports,
// and the change keeps the promise it was reviewed with. The events are
// drawn by rapid, so CI checks far more months than the one replayed in the
// review.

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/rules"
	"github.com/accruehq/accrue/rules/rulestest"
	"pgregory.net/rapid"
)

var usd = accrue.MustCurrency("USD")

// TestPlanProperties runs rulestest's properties on each version: caps never
// exceeded, nothing negative but clawbacks, a larger sale never earning
// less, a full refund netting to zero, and determinism.
func TestPlanProperties(t *testing.T) {
	for _, file := range []string{oldFile, newFile} {
		plan := mustPlan(t, file)
		t.Run(plan.Version, func(t *testing.T) {
			rulestest.Run(t, rulestest.Suite{Plan: plan, Events: resellerMonth(plan.ValidFrom), Monotonic: true})
		})
	}
}

// TestChangeTouchesOnlyReported checks that rules.Diff reports exactly the
// events whose lines the change alters, so the review hides nothing.
func TestChangeTouchesOnlyReported(t *testing.T) {
	old, proposed := mustPlan(t, oldFile), mustPlan(t, newFile)
	rapid.Check(t, rulestest.DiffTouchesOnlyReported(old, proposed, resellerMonth(proposed.ValidFrom)))
}

// TestChangeLowersPayOnlyAtTheCap is this change's own promise: raising the
// top rate never lowers a partner's month, except where the new 600.00 cap
// binds, and then to exactly the cap.
func TestChangeLowersPayOnlyAtTheCap(t *testing.T) {
	old, proposed := mustCompile(t, oldFile), mustCompile(t, newFile)
	limit := accrue.MustParseMoney(proposed.Plan().Caps.PartnerPeriod + " USD")
	rapid.Check(t, func(t *rapid.T) {
		events := resellerMonth(proposed.Plan().ValidFrom).Draw(t, "events")
		rep, err := rules.Diff(context.Background(), old, proposed, events)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range rep.Partners {
			if c, _ := p.After.Cmp(p.Before); c < 0 && !p.After.Equal(limit) {
				t.Fatalf("partner %s: %s before, %s after, below the old pay without reaching the cap", p.Key, p.Before, p.After)
			}
		}
	})
}

// resellerMonth draws 4 to 12 sales in the 30 days from from, shaped like
// the program's: rulestest's events (times, partners, customers) with the
// program's products, amounts of 200.00 to 3,000.00 USD and two partners, so
// that partners reach the top band and the cap in most draws.
func resellerMonth(from time.Time) *rapid.Generator[[]rules.Event] {
	return rapid.Custom(func(t *rapid.T) []rules.Event {
		events := make([]rules.Event, rapid.IntRange(4, 12).Draw(t, "sales"))
		for i := range events {
			ev := rulestest.Event(fmt.Sprintf("e%d", i), usd, from, 30*24*time.Hour).Draw(t, "sale")
			ev.Partner.ID = rapid.SampledFrom([]string{"p-ana", "p-bo"}).Draw(t, "partner")
			ev.Amount = accrue.FromMinorUnits(rapid.Int64Range(20_000, 300_000).Draw(t, "cents"), usd)
			ev.Product = rapid.SampledFrom([]string{"x-100", "x-200"}).Draw(t, "product")
			events[i] = ev
		}
		slices.SortStableFunc(events, func(a, b rules.Event) int { return a.Time.Compare(b.Time) })
		return events
	})
}

func mustPlan(t *testing.T, file string) rules.Plan {
	return mustCompile(t, file).Plan()
}

func mustCompile(t *testing.T, file string) *rules.Compiled {
	t.Helper()
	c, err := rules.LoadPlan(mustRead(t, file))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return c
}
