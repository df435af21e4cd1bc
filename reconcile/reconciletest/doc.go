// Package reconciletest is the conformance suite for a host's
// reconcile.Queue, the exception queue that receives breaks and records
// people's resolutions: one call from the host's own tests checks the
// contract reconcile.Run relies on.
//
// # Basics
//
//	func TestQueueConformance(t *testing.T) {
//		reconciletest.RunQueueConformance(t, func(t *testing.T) reconcile.Queue { return newQueue(t) })
//	}
//
// The harness returns a fresh, empty queue for each subtest (register any
// teardown with t.Cleanup). Subtests are named (Raise, Resolve, Get,
// Copies, Context, ConcurrentRaise, ConcurrentResolve, OpenLister,
// StateMachine, WithReconciler), so a host can run one with -run.
//
// They check that Raise creates a break once and never changes it or its
// resolution afterwards; that Resolve records who and when, accepts an
// Equal repeat and refuses a different second resolution
// (ErrAlreadyResolved), an unknown id (ErrUnknownBreak) and an invalid
// resolution (ErrInvalidResolution) without changing anything; that
// values passed in and returned are copies; that a done context fails
// every call and changes nothing; that racing Raises create a break once
// and racing Resolves let exactly one win; and, for a queue that also
// implements reconcile.OpenLister, that OpenBreaks lists exactly the open
// breaks of a leg. StateMachine drives random raises, resolutions and
// reads against a model (pgregory.net/rapid) and compares every entry
// after each step. WithReconciler runs reconcile.Run against the queue
// over four days: a re-run raises nothing, a resolved break comes back
// resolved and its records are not carried forward, a break whose missing
// record arrives is closed as MatchedLater, and when that record goes away
// the break is raised again, open, under its next generation's id (the
// base id with ".2": a queue must take ids longer than the 24-character
// hashes).
//
// # Caveats
//
// The race subtests use a few goroutines over a few dozen breaks: they find
// a Raise or Resolve that is not atomic with its check, but a race detector
// run (go test -race) makes them stronger. No subtest depends on timing.
// The OpenLister subtest runs only for a queue that implements it.
//
// # Design
//
// StateMachine reuses one queue for all its runs, each under ids of its own,
// so that a queue on a real database is created once. Break ids here are
// plain strings; the suite does not depend on how reconcile derives them,
// except in WithReconciler, which takes them from the report.
package reconciletest
