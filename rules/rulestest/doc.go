// Package rulestest holds rapid generators for commission events, partners
// and plans, and ready-made properties that a host's test suite runs on its
// own plans.
//
// # Basics
//
//	func TestMyPlan(t *testing.T) {
//		rulestest.Run(t, rulestest.Suite{Plan: myPlan, Monotonic: true})
//	}
//
// Run checks, each as a subtest with rapid.Check:
//
//   - CapsRespected: no line exceeds its rule's line cap, and no partner,
//     rule or plan exceeds a period or lifetime cap;
//   - NonNegative: only a refund's lines (clawbacks and true-downs) are
//     negative, and they are never positive;
//   - MonotonicInAmount (when Suite.Monotonic): a larger amount never earns
//     less;
//   - FullRefundNetsZero: refunding an event in full nets its lines to zero;
//   - Deterministic: the same events give the same lines, bit for bit.
//
// DiffTouchesOnlyReported checks a plan change: every event whose lines
// differ between two versions is one rules.Diff reports, and no other. Like
// rules.Diff, it evaluates both versions over the same events whatever their
// effective periods, so it takes the two versions of a plan change as they
// are (the old one ending where the new one begins).
//
// Events, Event, Partner and Amount draw sales; EventsWith, EventWith and
// AmountRange take an EventsOpts (amount range in minor units, minimum and
// maximum event count, partner ids, time span) so that plans with high
// thresholds are reached:
//
//	events := rulestest.EventsWith(rulestest.EventsOpts{
//		Currency: usd, From: month, Span: 30 * 24 * time.Hour,
//		MinEvents: 4, MaxEvents: 12, MinAmount: 20_000, MaxAmount: 300_000,
//		Partners: []string{"p-ana", "p-bo"},
//	})
//	rulestest.Run(t, rulestest.Suite{Plan: plan, Events: events})
//
// Each property is also a func(*rapid.T), for rapid.Check or rapid.MakeFuzz.
//
// RunAggregates is the conformance suite a host's rules.Aggregates passes
// (rules.MemoryAggregates passes it).
//
// # Caveats
//
// Generated events are sales (refunds are derived from them) in the plan's
// currency; hosts with their own event shapes pass Suite.Events. The
// properties evaluate a plan at every event, also outside its effective
// period (under a copy of the plan whose period is widened to the events,
// so line versions differ from the plan's hash there). A host generator's
// refunds are evaluated as given: they must carry their Original lines.
//
// # Design
//
// The properties evaluate through the public API only, from fresh
// rules.MemoryAggregates, and recompute caps from the lines themselves, so a
// host's plan is checked against what partners would be paid.
package rulestest
