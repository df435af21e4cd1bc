// Package ledger is Accrue's double-entry ledger: the single source of truth
// for money. Every commission accrual, hold, release, payout and clawback is
// a balanced transaction of postings to named accounts; balances, history
// and audits are read back from it.
//
// # Basics
//
// A host holds a *Ledger, which wraps a Store (memstore for the in-memory
// default, the postgres adapter, or the host's own) as *sql.DB wraps a
// driver:
//
//	l, _ := ledger.New(memstore.New(), ledger.WithClock(clock))
//	_ = l.CreateAccount(ctx, ledger.Account{Name: "expense:commissions", Type: ledger.Expense, Currency: usd})
//	tx, err := l.Post(ctx, ledger.TxInput{Key: "accrual:order-1", Postings: []ledger.Posting{
//		{Account: "expense:commissions", Side: ledger.Debit, Amount: amount},
//		{Account: "liabilities:partners:p-42:pending", Side: ledger.Credit, Amount: amount},
//	}})
//
// Accounts have hierarchical names (liabilities:partners:p-42:payable), a
// type (which fixes the normal side of the balance), one currency, optional
// constraints (no overdraft, limits on the available balance) and bounded
// metadata. They are created explicitly (CreateAccount) or on first use under
// an AccountPolicy.
//
// Transactions have two or more postings, balanced per currency (FX goes
// through trading accounts, one per currency: see the Example), an effective
// time (backdated imports keep the original one) and a recorded time from
// the ledger's clock, lineage metadata, and a required idempotency key. The
// same key with the same content returns the original and writes nothing;
// with different content it is an *IdempotencyConflictError naming the
// fields. Keys are kept for good.
//
// History is immutable: corrections are reversals (Reverse, full or partial
// pro rata, capped at what is left). Pending transactions (Hold) reserve
// amounts against the available balance until PostPending (in full or in
// part), VoidPending or expiry (ExpirePending) resolves them, exactly once.
// PostBatch commits several transactions all or nothing, HoldBatch several
// pending ones (each resolved on its own later); PostBatchInto and
// HoldBatchInto do the same and return the transactions in a BatchBuffer
// the caller reuses from batch to batch (imports, pipelines). ClosePeriod
// refuses postings effective in a closed period.
//
// Balances are posted, pending (in and out) and available, now (Balance), as
// of an effective time (BalanceAsOf, O(log n)) and rolled up by name prefix
// per currency (RollUp). Entries and Transactions list history with cursor
// pagination and filters. Each transaction carries a SHA-256 hash chained to
// the previous one over a documented canonical encoding (AppendCanonical);
// Verify walks the chain and reports the first break.
//
// # Caveats
//
// Amounts are int64 minor units of the account's currency inside the
// ledger: a posting finer than the minor unit is refused (round it first,
// naming the mode), and balances beyond int64 are refused (ErrOverflow).
// Times are stored in UTC at microsecond precision, and must fall in years
// 1678-2261. Partial reversals and partial posts of pending transactions
// need a single-currency transaction; full ones work for any. The
// transactions a batch call returns share their postings' and default IDs'
// memory (one allocation each per call), so keeping one of them keeps
// that memory; Clone a transaction kept alone for long. The transactions
// PostBatchInto returns live in its BatchBuffer: the next call with that
// buffer overwrites them.
//
// # Design
//
// The Store is deliberately small and dumb: it reads account states and
// transaction states with versions, and Commit applies precomputed counter
// deltas atomically only if every version read is unchanged (optimistic
// concurrency; the ledger retries, WithMaxRetries). All validation and
// business rules live in the Ledger, so every adapter behaves alike, and the
// conformance suite (ledger/ledgertest) checks the rest. The store assigns
// Seq and the hash chain inside its commit, so concurrent writers cannot
// fork the chain.
//
// Shared accounts do not serialise writers. A delta that cannot break its
// account's constraints whatever the balance (the account has none, or the
// delta only moves it away from them: an accrual credited to a no-overdraft
// payable, the commission-expense account every accrual debits) is marked
// AccountDelta.Commutes, and a store may apply it without comparing
// versions. With a store that does (CommutingStore: memstore, the
// PostgreSQL adapter), a call whose every delta commutes is written from
// cached account definitions (WithAccountCache) without reading the
// accounts at all; only deltas that could overdraw or exceed a limit are
// version-checked.
//
// Counters per account are TigerBeetle's four (debits/credits,
// posted/pending); balances on the account's normal side derive from them.
// Replays are detected without a lookup on the happy path: Commit refuses a
// known key (ErrDuplicateKey), and the ledger then loads and compares the
// original; a state-dependent refusal (constraint, closed period) also checks
// for a replay first, so a replay always returns the original.
//
// Pending posts, voids and reversals read the target's TxState (status,
// amounts reversed) with a version that Commit checks, so racing calls
// resolve a pending transaction exactly once and never reverse more than the
// original; a refusal computed from a state that has since moved is retried
// rather than reported. Partial amounts are split over the postings with
// accrue.AllocateUnits (largest remainder), so every reversal and partial
// post stays balanced.
//
// Times are normalised to UTC at microsecond precision before they are
// stored or hashed, so SQL stores round-trip them exactly and a replay
// compares equal. Transaction IDs default to "tx-" and 128 bits of the
// key's SHA-256 (DefaultID): a retry gets the ID of the original.
//
// The hot path (PostBatch) validates every input before reading state,
// reads each distinct account once, checks constraints transaction by
// transaction on working counters, and commits once; its buffers are pooled,
// so it allocates per call only what it returns (the transactions, their
// postings and IDs, in one allocation each; with a BatchBuffer only the
// IDs) and what the store keeps. Repeated keys and the call's accounts are
// found through small open-addressed tables of indexes, filled in tight
// loops, rather than maps: the tables' cache lines are fetched together and
// reset at the cost of the slots in use.
package ledger
