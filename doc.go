// Package accrue is the shared vocabulary of Accrue, an embeddable library that
// computes partner commissions and rewards — affiliate, referral, reseller and
// channel-partner programs — records them in a double-entry ledger and pays
// them out exactly once.
//
// This package holds what every other package speaks: exact Money in a
// Currency, RoundingMode, exact allocation of an amount by weights, exchange
// rates, a Clock, and the lineage metadata keys. It depends on
// github.com/shopspring/decimal only.
//
// # The packages
//
// Data flows one way:
//
//		events ──attribution──▶ credits ──rules──▶ commission lines ──ledger──▶ balances
//		                                                                      │
//		     external reports ◀──reconcile──  payouts ◀──payout (provider)────┘
//
//	  - accrue (this package): Money, Currency, Allocate, Rate, Clock.
//	  - attribution: who gets credit for a conversion (first/last touch, linear,
//	    time decay, position-based, Markov, Shapley), split to the cent.
//	  - rules: how much — commission plans as versioned expressions, explained
//	    line by line and diffed before a change ships.
//	  - ledger: the double-entry ledger, the single source of truth for money,
//	    behind a Store interface the host implements (in-memory store and a
//	    conformance suite included; PostgreSQL in a nested module).
//	  - payout: batches from payable balances, paid exactly once through a
//	    Provider the host implements.
//	  - reconcile: matches what was owed, paid and reported; breaks go to an
//	    exception queue.
//
// attribution, rules, ledger and reconcile never import each other; the host
// (or the examples) wires them.
//
// # Interfaces the host implements
//
// Each is small and takes a context. Each comes with an in-memory
// implementation, and a conformance suite the host's own implementation
// runs with one call from its tests:
//
//	interface                   in memory                    conformance suite
//	ledger.Store                memstore.New                 ledgertest.Run
//	rules.Aggregates            rules.NewMemoryAggregates    rulestest.RunAggregates
//	attribution.JourneySource   attribution.MemoryJourneys   attributiontest.RunJourneySourceConformance
//	accrue.RateSource           accrue.NewStaticRates        accruetest.RunRateSourceConformance
//	payout.Provider             payouttest.NewFake           payouttest.RunProviderConformance
//	payout.Store                payout.NewMemoryStore        payouttest.RunStoreConformance
//	payout.Directory            payout.PartnerMap            payouttest.RunDirectoryConformance
//	reconcile.Queue             reconcile.MemoryQueue        reconciletest.RunQueueConformance
//
// # Money
//
// A Money is a decimal amount with its Currency. Currencies are ISO 4217
// (LookupCurrency, with their minor units: 2 for USD, 0 for JPY, 3 for KWD) or
// units the host defines (NewUnit: loyalty points, vouchers). Arithmetic is
// exact and refuses to mix currencies (ErrCurrencyMismatch). Results may be
// finer than the minor unit; Round brings them to minor units in a named
// RoundingMode. Nothing rounds silently.
//
// Money is written as "12.34 USD" (String, ParseMoney) and as JSON
// {"amount":"12.34","currency":"USD"} with the amount as a string, never a
// float. It implements driver.Valuer and sql.Scanner.
//
// # Allocation
//
// Allocate splits an amount by weights into whole minor units that sum exactly
// to the total (largest-remainder method, ties to the earlier part); Split
// divides into equal parts. Every split in Accrue — attribution credits,
// partner splits, pro-rata clawbacks — goes through them.
//
// # Errors
//
// Errors wrap one of the package's sentinels (ErrUnknownCurrency,
// ErrCurrencyMismatch, ErrInvalidAmount, ErrInvalidWeights, ErrOverflow, …)
// and say what was wrong: test them with errors.Is.
//
// # Design
//
// There is no currency registry: a Currency is a value, and a custom unit
// marshals its minor units with its code, so nothing global is ever mutated.
// decimal's package globals (DivisionPrecision, MarshalJSONWithoutQuotes) are
// never read or written: division goes through Money.Quo and Allocate.
package accrue
