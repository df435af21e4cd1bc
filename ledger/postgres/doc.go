// Package postgres is the PostgreSQL ledger.Store: the adapter hosts that
// keep their money in PostgreSQL import (or copy) to run an Accrue ledger
// with real concurrency, durability and database-level safety nets. It
// passes the ledger/ledgertest conformance suite.
//
// # Basics
//
//	pool, _ := pgxpool.New(ctx, url)
//	if err := postgres.Migrate(ctx, pool, postgres.DefaultSchema); err != nil { … }
//	store, err := postgres.New(ctx, pool)
//	defer store.Close()
//	l, err := ledger.New(store)
//
// Migrate applies the embedded, ordered migrations (migrations/*.sql) that
// the schema lacks, in one transaction under an advisory lock; it is
// idempotent. New checks that the schema is current.
//
// # Caveats
//
//   - Every commit locks the chain head row, so commits are serialised in
//     the database: Seq is gap-free and the hash chain cannot fork. The
//     store makes up for it with group commit: concurrent Commit calls of
//     one Store share a database transaction (and one WAL flush). Several
//     processes on one database still serialise at the head.
//   - A Commit whose context ends after its group was sent waits for the
//     group's outcome (bounded by WithCommitTimeout) and reports it.
//   - PostedAsOf costs one index probe per "run" of the account: a run is a
//     stretch of posted entries appended in non-decreasing effective time.
//     Entries in effective order (including chronological backdated
//     imports) keep one run; each entry earlier than the one before it on
//     the same account starts a new run.
//   - The pool needs a connection per committer (WithCommitters) besides
//     those of readers.
//
// # Design
//
// A committer goroutine takes every queued Commit (up to WithMaxGroup) and
// runs one READ COMMITTED transaction in two round trips: (1) BEGIN, lock
// the head row (SELECT … FOR UPDATE), read the versions of the accounts
// and transaction states and the stored keys the group names; then, in Go,
// each request is checked in order against that state plus the requests
// accepted before it (version mismatch of a delta that is not marked
// Commutes, or counters out of range: ErrConflict; closed period:
// ErrPeriodClosed; stored or repeated key: ErrDuplicateKey) and, if
// accepted, gets its Seq, PrevHash and Hash; (2) the writes, as one
// multi-row statement per table (unnest arrays), version compare-and-swap
// checked in SQL, and COMMIT. A refused request does not affect the others.
// If the database refuses the group as a whole, each request is retried
// alone so that it gets its own answer; if the connection fails, every
// request of the group gets an error that wraps no sentinel (outcome
// unknown: the ledger's caller retries by key).
//
// A round whose requests only post to accounts the store wrote or read in
// its earlier rounds is decided on that snapshot instead, without reads,
// and its writes compare-and-swap the head (seq, hash, closed-through
// time) and every account's version; if the database refuses it (another
// process moved something, a key is already stored), it is decided again
// as above. Such rounds are pipelined: the snapshot records a round as
// soon as it is decided, the next round is decided on top of it and sends
// its insert at once, and it sends its compare-and-swaps and COMMIT only
// after the round before it committed (if that one did not, it is rolled
// back and decided again). Commits stay serialised at the head, and the
// server works on two rounds at once.
//
// The schema is a second line of defence: unique key and id, references
// (a foreign key for transaction states, a set-based check per statement
// for postings), triggers that refuse UPDATE, DELETE and TRUNCATE of committed
// transactions and postings, account definitions that never change and
// counters that change only with a version increase, a head that never moves
// back, and statement-level triggers that refuse a transaction not
// inserted with all its postings, postings that do not balance per
// currency, and transactions in the closed period. See README.md.
package postgres
