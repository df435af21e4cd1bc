// Package accruetest is the conformance suite for a host's
// accrue.RateSource: the exchange rates payout and rules convert with, and
// which the conversion records on every line it converts.
//
// # Basics
//
//	func TestRatesConformance(t *testing.T) {
//		accruetest.RunRateSourceConformance(t, func(t *testing.T, rates []accrue.Rate) accrue.RateSource {
//			return newRatesTable(t, rates) // the host's source, holding exactly these rates
//		})
//	}
//
// The harness returns a source that holds exactly the rates given (and
// nothing else for those pairs). Subtests are named (InForce, Unknown,
// Exact, Zones, Units, Context, Concurrent, Model), so a host can run one
// with -run.
//
// They check that Rate returns the latest rate of the pair whose At is not
// after the time asked (a rate stays in force until the next one), with its
// own From, To, At, Source and exact Value; that a time before the first
// rate, or a pair the source does not hold, gives an error wrapping
// accrue.ErrNoRate; that the same instant in any time zone gives the same
// rate; that custom units (points) convert like ISO currencies; that a
// done context fails the call; and that concurrent calls agree. Model
// draws random rates and times (pgregory.net/rapid) and compares every
// answer with the rule above.
//
// # Caveats
//
// The suite does not require a currency to convert to itself, nor a pair to
// be inverted from the opposite one: the callers in this module only ask
// for pairs of different currencies, and a host's source may or may not
// derive one direction from the other. It asks only for pairs it seeded in
// that direction, except in Unknown, which asks for a pair seeded in
// neither. Two rates of one pair at the same instant are not seeded.
//
// # Design
//
// accrue.StaticRates runs the suite in this package's tests.
package accruetest
