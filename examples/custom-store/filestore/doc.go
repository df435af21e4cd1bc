// Package filestore is a durable ledger.Store kept in one append-only file:
// the example of how a host wires its own storage behind the ledger. It is
// written to be read - a few hundred lines, standard library only - and it
// passes the same conformance suite (ledger/ledgertest) as every adapter.
// For production, start from the PostgreSQL adapter (ledger/postgres): it
// is the reference this example simplifies.
//
// # Basics
//
//	s, err := filestore.Open("/var/lib/program/ledger.jsonl")
//	if err != nil { ... }
//	defer s.Close()
//	l, err := ledger.New(s)
//
// Every Commit the ledger makes becomes one JSON line in the file, written
// and fsynced before Commit returns (Open also fsyncs the folder, so a new
// file keeps its name after a crash); a period close is one more line. On
// Open the file is replayed line by line into an in-memory index, which
// serves every read. Reopening a file therefore rebuilds exactly the
// balances, transaction states and hash chain it held.
//
// A line looks like this (wrapped here; one line in the file):
//
//	{"commit":{"accounts":[{"name":"assets:cash","type":"asset","currency":"USD"}],
//	 "deltas":[{"account":"assets:cash","debits_posted":5000}],
//	 "txs":[{"seq":1,"id":"tx-…","key":"fund","kind":"posted",
//	   "postings":[{"account":"assets:cash","side":"debit","amount":{"amount":"50.00","currency":"USD"}},…],
//	   "effective_at":"2026-01-01T00:00:00Z","recorded_at":"2026-01-01T00:00:00Z","hash":"9f…"}]}}
//
// # Caveats
//
// A crash can leave the last line half written. Open detects it (no
// trailing newline, or not valid JSON with nothing after it), ignores it
// and cuts it off the file (TornBytes reports how much): that commit never
// returned, so the ledger's caller retries it by idempotency key. A bad line
// followed by good ones is not a torn write but damage, and Open refuses
// the file with ErrCorrupt. Lines carry no checksum of their own: the
// ledger's hash chain (Ledger.Verify) is what detects an edited
// transaction. The counter deltas and transaction states in a line are not
// part of the chain; a host that distrusts its disk recomputes balances
// from the entries, as ledgertest.CheckInvariants does.
//
// The whole history lives in memory and the file grows forever: fine for
// a program with thousands of transactions a day, not for millions (no
// compaction, no snapshot). One process owns the file; nothing stops a
// second one from opening it too. Commits are serialised and each waits for
// its fsync.
//
// # Design
//
// One function, apply, turns a committed line into index updates, and both
// Commit (after the write is durable) and Open (replaying) call it, so the
// state after a restart is the state before it by construction. Commit
// checks the contract's refusals, assigns Seq and the hash chain, encodes
// the line, appends and fsyncs it, and only then applies it: a failed write
// changes nothing in memory and is cut off the file again. If even that
// fails (or fsync fails, after which the kernel's page cache cannot be
// trusted) the store refuses further writes until it is reopened.
//
// The file format is the package's own (format.go) rather than the ledger
// types' JSON: a host owns its storage format, and a renamed Go field must
// not change what is on disk.
package filestore
