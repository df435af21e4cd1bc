// Package attribution decides, reproducibly and explainably, which partner
// touches earn credit for a conversion (a sale, a signup) and how much of
// its amount each gets, to the minor unit.
//
// # Basics
//
// A Conversion carries its journey of Touchpoints (or an Attributor looks it
// up by customer through a JourneySource: MemoryJourneys in memory, or the
// host's click store, which runs attributiontest.RunJourneySourceConformance
// from its tests). An Attributor, built by New from
// Options, filters the journey by Eligibility, sorts it (time, then id),
// asks a Model for a weight per touch and splits the amount with
// accrue.AllocateUnits, so the Credits of one conversion sum exactly to its
// amount and their Weights to exactly 1. Every Result records the model's
// name and parameters (Result.Model) for lineage
// (accrue.MetaAttributionModel) and the touches excluded, with reasons; a
// conversion with no eligible touch gets no credit and says why
// (Result.NoCredit).
//
// The models:
//
//   - rule-based: FirstTouch, LastTouch, LastNonDirect, SameTouch, Linear,
//     Positions (custom first/middle/last) with UShaped (40/20/40),
//     JShaped (20/20/60) and InverseJShaped (60/20/20), WShaped, TimeDecay;
//   - custom: CustomFunc (a Go function) and CustomExpr (an expr
//     expression) giving each touch's weight;
//   - data-driven, fitted on aggregated journeys (Paths), converting and
//     not: FitMarkov (removal effect of an absorbing Markov chain, solved
//     exactly, order k) and FitShapley (Shapley values of the journey
//     game); both give a Model crediting touches by their channel's (or
//     partner's) value. ShapleyValues computes Shapley values of any game.
//
// Participation (Attributor.Participation) gives every distinct touch the
// full amount; its credits sum to more than the conversion, so it is a
// separate report, never a split to pay from.
//
// Validate checks raw conversions before attribution — duplicates by id or
// by content within a window, touches after the conversion, zero or future
// timestamps, unknown currencies, negative or unrounded amounts — and
// returns what it dropped or flagged and why in a Report; nothing is
// dropped silently.
//
// For volume, Attributor.Batch and Attributor.Stream attribute many
// conversions in parallel into reused Allocations (integer weights and
// minor units) and call back in input order; Stream holds two chunks at a
// time (one attributed while the next is read), never the whole data set.
//
// # Caveats
//
// Data-driven values (Markov, Shapley), time-decay weights and custom
// float weights are float64 computed in a fixed order: the same input gives
// the same bits on the same architecture, for any GOMAXPROCS and any input
// order. Across architectures the last bit of a float may in principle
// differ (math.Exp2, fused multiply-add), which can move a weight by one
// part in 2⁵⁰ and so, rarely, a minor unit. Rule-based weights are exact
// integers and do not depend on the platform.
//
// A fitted model credits a touch with its name's value divided by the
// number of the journey's touches with that name; a journey whose names
// all have value 0 (or are unknown to the fit) gets no credit
// (ReasonModelGaveNothing) rather than a made-up split.
//
// Participation credits sum to more than the conversion; never pay from
// them.
//
// FitShapley is exact for any number of channels (the journey game has a
// closed form); ShapleyValues, for an arbitrary game, is exact up to
// MaxExactPlayers players and a seeded Monte Carlo estimate beyond.
//
// The exact Markov solve is cubic in the number of states, once per name:
// fine for order 1 and small orders; MaxStates refuses what would not be.
//
// # Design
//
// Money is never a float. A model returns integer weights and the split is
// the root's largest-remainder allocation on integers (accrue.AllocateUnits),
// so credits sum to the amount exactly and ties go to the earlier touch.
// Rule-based models return exact integers (U-shaped on n touches is
// 40(n−2), 20, …, 20, 40(n−2)), so their weights are exact rationals.
// Float weights become integers deterministically: exactly, by a common
// power of two, when they span at most about 58 bits (integers, halves,
// 2^(−k)); else divided by the largest and truncated to 62-bit fixed point.
//
// Weight is a shared-denominator fraction (Num/Den) rather than a float,
// so "weights sum to 1" holds exactly and can be checked.
//
// Batch work is split into fixed chunks and fixed contiguous ranges per
// worker and the callback runs in input order, so output never depends on
// scheduling. Each slot reuses one Allocation; the hot path sorts indexes
// by integer time keys, compares id hashes before ids, and the model sees
// pointers into the caller's journey, so nothing is copied or allocated per
// touch.
//
// Data-driven fits first aggregate journeys into distinct paths with
// counts (Paths), so memory grows with distinct paths, not journeys; names
// are renumbered in sorted order and transitions summed as integers before
// any float is formed, so the order journeys arrive in cannot change a bit.
// Markov absorption probabilities are solved, not simulated: (I−Q)x = r by
// Gaussian elimination with partial pivoting (internal/linsolve), once for
// the full chain and once per removed name. Shapley on journeys uses the
// closed form φ_j = Σ_{T∋j} conv(T)/|T| with per-size integer sums; the
// general ShapleyValues enumerates coalitions as bit masks.
//
// Expressions run on expr's VM, compiled once per model and run with a VM
// reused per worker; builtins that read the clock or the local zone are
// disabled, so a weight depends on the journey alone.
package attribution
