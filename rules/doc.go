// Package rules computes partner commissions from events with versioned,
// expression-based commission plans, explains every amount, and shows the
// impact of a plan change before it ships.
//
// A Plan is data (Go values or strict JSON); Compile checks it once and
// returns an immutable *Compiled identified by its content hash. A PlanSet
// holds the versions of each plan and picks the one in force at an event's
// time. An Engine evaluates Events against the set and returns commission
// Lines with their lineage and, on request, an Explanation. Diff compares two
// plan versions over a list of events.
//
// # Basics
//
//	plan, err := rules.LoadPlan(jsonBytes)   // *CompileError with rule, line, column
//	set, err := rules.NewPlanSet(plan)       // *OverlapError naming both versions
//	eng := rules.NewEngine(set, rules.NewMemoryAggregates(), rules.WithRates(rates))
//	lines, x, err := eng.EvaluateExplain(ctx, event)
//	fmt.Print(x.Text())
//
// A rule has an id, a `when` condition and one outcome: percent, flat,
// per_unit, formula, tiers or milestone. Conditions and formulas are
// github.com/expr-lang/expr expressions over this environment, type-checked
// at load:
//
//	event.id event.kind event.product event.customer event.currency  string
//	event.amount        Decimal (in the plan's currency)
//	event.units event.payment                                        int
//	event.attrs["k"]    string (host attributes: channel, ip, device …)
//	partner.id partner.tier partner.country                          string
//	partner.depth       int (number of parents)
//	partner.attrs["k"]  string
//	period.volume period.commission lifetime.volume lifetime.commission  Decimal
//	period.count lifetime.count                                      int
//
// period and lifetime are the partner's totals under the plan before the
// event, read through Aggregates. Decimal is exact: + - * / and comparisons
// work between Decimals and ints, literals such as 0.3 are Decimal, dec("1.5")
// reads a Decimal from text, and a formula must return a Decimal or an int (a
// float64 result is a load error). Builtins that read the clock (now, date,
// timezone, duration), float and repeat are disabled.
//
// A tier table (Tiers) pays by the partner's volume or count of the rule's
// events in a month, quarter, year or lifetime, beginning in the plan's time
// zone: graduated (marginal), retroactive with a true-up line when a band
// is crossed, highest-rate, step (forward only) or decelerator. A milestone
// pays its bonus once per period, on the event that reaches its count. A
// recurring rule pays a subscription's first months or payments, or for its
// lifetime. Events in another currency are converted at the engine's
// accrue.RateSource rate at the event's time, recorded on every line.
//
// The hit policy picks which matching rules pay: "first" (lowest priority
// number first), "collect" (all add) or "best" (the largest amount, comparing
// money with money: a flat 5.00 against 30% of 12.00 compares 5.00 with
// 3.60). Milestone bonuses always add. Each paying amount then passes the
// rule's floor and line cap, its period cap, and the plan's partner-period,
// lifetime and plan caps, in that order; each cap that clamps leaves a
// CapRecord on the line and in the explanation; a rule's period-cap total
// counts what the rule paid after all of them. The amount is then split by
// the rule's shares (accrue.AllocateUnits, exact to the minor unit) and the
// partner's parents earn the rule's override percentages of the partner's
// share. Review holds put every line of a matching event on hold with a
// reason.
//
// Every Line carries its lineage: partner paid, source partner, event id and
// time, rule id, plan id and version hash, status (payable or on hold with a
// reason), the basis amount, the exchange rate and the caps that clamped it;
// Line.Meta returns it under the accrue.Meta* keys for a ledger transaction.
// An Explanation lists the rules considered, which matched, each matching
// rule's outcome, bands, true-up and caps, and renders as text (Text) for a
// partner statement or a review.
//
// Refunds and chargebacks (Kind.IsReversal) carry the original event's lines
// (Event.Original). Each line inside its plan version's clawback window is
// reversed pro rata, at its own plan version and rate whatever version is in
// force now, as a negative, always payable Clawback line referencing it.
//
// A reversal inside the window also nets the period-to-date state the
// original event raised, in the original event's periods (not the
// refund's), so later events of those periods are tiered and capped on net
// volume:
//
//   - volume: the refunded share of the event's amount in the plan's
//     currency (converted at the rate on its lines), pro rata as the
//     clawbacks are — refunds adding up to the whole amount remove it
//     exactly — comes off the partner's period and lifetime totals, the
//     plan's period total and each paid tier rule's period total;
//   - count: the reversal that completes a full refund (or the first
//     reversal of a zero-amount event) takes the event out of the same
//     counts;
//   - commission: the clawed-back amounts (overrides aside) come off the
//     same totals and each rule's period-cap total, freeing the caps.
//
// A retroactive tier pays the whole period at the band reached. When a
// reversal takes a retroactive rule's period volume (or count) below a band
// it had reached, the engine adds a true-down: a TrueUp line with a negative
// amount for the rule, payable, at the original plan version and rate,
// split by the rule's shares with its overrides (no cap applies to it), and
// explained in Explanation.TrueDowns. Its amount is the remaining period
// volume at the lower band's rate minus what the rule paid for the period
// net of this reversal's clawbacks, when that is negative by more than the
// period's per-event rounding (one minor unit per remaining event): never
// positive, never more than was paid. It comes off the same commission
// totals as the clawbacks. Reversing the event that crossed the band claws
// back its true-up line with its other lines, which usually leaves nothing
// to true down. A reversal outside the clawback window changes neither
// lines nor totals.
//
// # Caveats
//
//   - Events of one partner must be evaluated one at a time, in order:
//     Aggregates is read, then updated once the event succeeded. A plan cap
//     (caps.plan) is shared by all partners: with one, evaluate the plan's
//     events one at a time, or concurrent events may together pass it.
//   - A reversal needs the original lines: an event that paid no line
//     cannot be reversed, and its volume and count stay in the totals.
//   - Milestone counts are not reduced by reversals: a milestone pays once
//     per period, and its bonus line is clawed back like any other.
//   - A partial refund of an event that crossed a retroactive band claws
//     back its true-up line pro rata; if the period stays at that band, the
//     earlier volume is then paid slightly below the band and no new
//     true-up restores it (true-downs are never positive).
//   - Graduated tiers round each band's part separately.
//   - Rule and plan caps apply to the commission before a split, and
//     overrides are not counted against caps.
//   - Expressions time out only through their size (MaxNodes) and memory
//     (MemoryBudget): expr has no loops, and the engine checks the context
//     before every program it runs.
//   - Time zones are loaded with time.LoadLocation: a host without the
//     system zone database should import time/tzdata.
//
// # Design
//
// Amounts on the hot path are int64 minor units and rates exact factors
// with 128-bit products and one rounding in the plan's named mode (default
// half-up): exact, and no allocation per rule. Public amounts are
// accrue.Money; Aggregates and Explanation carry minor units of the plan's
// currency to stay allocation-free.
//
// A Compiled is built once per content hash (Cache) and shared: evaluation
// never compiles, parses or reflects over the plan. Per event the engine
// reads at most a few totals, evaluates conditions, and allocates the lines
// (one decimal per amount) and one slice: BenchmarkEvaluate runs a 20-rule
// plan with tiers, caps and a split in 2 allocations per event, and
// BenchmarkEvaluateRefund a partial refund of one of its events in 3.
//
// Conditions are compiled twice at load: by expr (type checking, positions
// in errors, the fallback program) and, for the common shapes — fields
// against literals, `in` a list, and/or/not — into Go closures over the same
// environment. A differential test checks both agree. Programs run on a
// pooled expr VM with the environment passed as a pointer to a struct.
//
// Money never meets float64: expressions see amounts as Decimal with
// overloaded operators, float literals are rewritten to Decimal constants at
// load, and now, date, timezone and duration are disabled so that rules only
// see the event's time.
//
// The engine stores nothing: period totals sit behind Aggregates and a
// clawback receives the original lines from the host, so evaluation is a pure
// function of the event, the totals and the plan version.
package rules
