// Package payouttest helps test code that pays through payout: Fake, an
// in-memory payout.Provider with programmable faults (timeouts before and
// after the provider accepts, failures, pending items settled after a delay
// on an injected clock, bounces, duplicate and reordered status updates)
// whose Settlement report a host reconciles against its ledger in tests,
// RunProviderConformance, the suite a host runs against its own
// payout.Provider in the provider's sandbox, RunStoreConformance, the
// suite for a host's payout.Store (batch documents, approvals, seen
// events), which payout.MemoryStore passes, and RunDirectoryConformance,
// the suite for a host's payout.Directory of partners, which
// payout.PartnerMap passes.
//
// # Basics
//
//	clock := accrue.NewManualClock(start)
//	fake := payouttest.NewFake(clock, payouttest.WithProgram(func(op, key string) payouttest.Fault {
//		return payouttest.FaultTimeoutAfter // paid, answer lost
//	}))
//	// ... run payout.Executor against fake ...
//	if fake.MaxPaid() > 1 { t.Fatal("paid twice") }
//
// # Caveats
//
// The fake forgets a key once its dedup window has passed, as real
// providers do: a later submission of that key pays again and MaxPaid
// shows it. That is the fault the Executor's exception list exists for.
//
// # Design
//
// The conformance suite can only observe a provider through its interface;
// "pays once" is checked through the provider reference the two
// submissions return (and, for the Fake, its payment counter).
package payouttest
