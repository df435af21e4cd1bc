// Package attributiontest is the conformance suite for a host's
// attribution.JourneySource: the click store an Attributor looks journeys
// up in when conversions arrive without them.
//
// # Basics
//
//	func TestJourneysConformance(t *testing.T) {
//		attributiontest.RunJourneySourceConformance(t, func(t *testing.T, journeys map[string][]attribution.Touchpoint) attribution.JourneySource {
//			return newClickStore(t, journeys) // the host's source, holding exactly these touches
//		})
//	}
//
// The harness returns a source holding exactly the touchpoints given, by
// customer. Subtests are named (AtOrBefore, Customers, Fields, Zones,
// Context, Concurrent, Model, WithAttributor), so a host can run one with
// -run.
//
// They check that Journey returns exactly the customer's touchpoints at or
// before the time asked (the boundary included), in any order, with every
// field as stored; nothing for a customer the source does not know, and
// no error; the same for the same instant in any time zone; an error
// wrapping ctx.Err() for a done context; the same answers to concurrent
// calls. Model draws random journeys and times (pgregory.net/rapid) and
// compares every answer with that rule. WithAttributor attributes
// conversions given without journeys through the source and checks the
// results equal those of the same conversions given their journeys.
//
// # Caveats
//
// The suite compares journeys as sets: the contract lets a source return
// them in any order, since the Attributor sorts them. Times are compared
// with time.Time.Equal, so a source may return them in another location; a
// source that stores coarser times than nanoseconds fails Fields and Model
// (the suite's times are whole seconds except where a boundary is tested).
//
// # Design
//
// attribution.MemoryJourneys runs the suite in the attribution package's
// tests.
package attributiontest
