// Package ledgertest is the conformance suite every ledger.Store runs: one
// call from an adapter's own tests checks the Store contract and, through a
// *ledger.Ledger on top of it, the behaviour hosts rely on.
//
// # Basics
//
//	func TestConformance(t *testing.T) {
//		ledgertest.Run(t, func(t *testing.T) ledger.Store { return newStore(t) })
//	}
//	func BenchmarkConformance(b *testing.B) {
//		ledgertest.RunBenchmarks(b, func(b *testing.B) ledger.Store { return newStore(b) })
//	}
//
// The harness returns a fresh, empty store for each subtest (register any
// teardown with t.Cleanup). Subtests are named (Contract/…, Atomicity,
// Idempotency, KeyedIDs, Pagination, AsOf, ParallelWriters, HotAccount,
// PendingRace, ReversalCapRace, Faults/…, Tamper), so an adapter can run
// one with -run. KeyedIDs mixes commits that promise DefaultID(key) IDs
// (ledger.Commit.KeyedIDs) with commits that do not, whether or not the
// store makes use of the promise.
// Contract/CommutingDelta accepts a store that applies deltas marked
// Commutes at a stale version and one that refuses them, but requires the
// former of a store that says it does (ledger.CommutingStore). After
// every subtest CheckInvariants runs in t.Cleanup: each currency sums to
// zero, every account's counters equal the sum of its entries, constraints
// hold, reversals stay within their originals, Seq has no gaps, keys are
// unique and the hash chain verifies.
//
// Faulty wraps any Store and injects failures: errors before a call reaches
// the store, errors after a Commit did happen (the caller cannot tell), and
// timeouts. The Faults subtests show that retrying with the same idempotency
// keys neither loses nor duplicates a transaction.
//
// A store that also implements Tamperer (usually a test-only wrapper that
// edits rows directly) gets the Tamper subtest: stored transactions are
// edited behind the ledger's back and Verify must report the first break at
// the right Seq. Stores without it skip that subtest.
//
// # Caveats
//
// The race subtests use a few goroutines and a few hundred transactions: they
// find lost updates in a store whose Commit is not atomic with its version
// checks, but a race detector run (go test -race) makes them stronger. No
// subtest depends on timing.
//
// # Design
//
// Assertions go through the user-facing *ledger.Ledger wherever the
// behaviour is the ledger's (so the suite checks the store in the way hosts
// use it), and through the Store directly for the parts of the contract the
// ledger relies on (versions, sentinels, Seq and hash assignment, context).
package ledgertest
