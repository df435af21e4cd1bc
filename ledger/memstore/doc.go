// Package memstore is the in-memory ledger.Store: the embedded default for
// programs that keep their ledger in process (tests, simulations, small
// hosts that snapshot elsewhere), and the reference the conformance suite
// (ledger/ledgertest) is written against.
//
// # Basics
//
//	l, err := ledger.New(memstore.New())
//
// A Store is safe for concurrent use. Commit takes one write lock, so commits
// are serialised: the optimistic version checks of the ledger.Store contract
// then never fail for stale reads that did not really race.
//
// # Caveats
//
// Everything lives in memory and is lost with the process. In-order
// appends (each posted entry of an account at or after its latest), the
// common case including chronological backdated imports, cost O(1)
// amortised. The first posted entry earlier than an account's latest costs
// O(n) in the account's entries once (its as-of checkpoints are rebuilt as
// points per time, below), and each such entry after that O(n) in the
// account's later points (prefix sums are shifted). Transactions with an account filter are listed from that
// account's entries; other filters scan in commit order.
//
// A Store holds at most 4,294,967,294 transactions (its key index stores
// Seq in 32 bits); Commit refuses beyond that.
//
// # Memory
//
// A small Store keeps everything in the Go heap. Once a Store has taken
// 4 MiB there, and on Linux, it keeps its records, postings, strings,
// entry lists and key tables (all free of pointers) in memory it maps
// itself, outside the Go heap, advised for transparent huge pages; its
// accounts and pending states stay in the heap. That memory is unmapped
// when the Store becomes unreachable. It is not counted by
// runtime.MemStats or by GOMEMLIMIT: watch the process's resident size
// instead. The reason is cost: in the heap, a store's growth costs twice
// its size in fresh pages (the heap goal is twice the live heap), and on a
// virtual machine each 4 KiB page fault costs microseconds; outside it,
// each byte is paid once, in 2 MiB pages where the kernel grants them. On
// the 2-core VM of our benchmarks this cut BenchmarkPostBatch's page
// faults tenfold and its time by a fifth to a quarter. Elsewhere the Store
// uses the heap only.
//
// # Design
//
// Per account the store keeps its counters, the (seq, posting) positions of
// its entries in commit order, and its posted totals as of effective
// times. While an account's posted entries come in time order, these are
// checkpoints every 16 entries (1.5 bytes per entry), and PostedAsOf is a
// binary search over them plus at most 16 entries: O(log n). Once an
// earlier entry comes, they become the totals at each distinct effective
// time in time order (entries at one time, such as a batch's, share a
// point, 24 bytes), and PostedAsOf is one binary search.
// Transactions are kept as compact records free of pointers (amounts in
// minor units with the side as their sign, times as Unix nanoseconds,
// accounts by number, keys, IDs and metadata as length-prefixed runs in
// large byte blocks, the rare fields after them; Seq and PrevHash
// implied by position, hashes in a list that a ledger with the chain off
// leaves empty) in chunks (doubling up to 4,096 elements, then of that
// size), so appending never copies what is stored and the garbage
// collector has nothing to scan in millions of records. IDs in the form of
// ledger.DefaultID are kept as their 16 bytes, and not at all where the
// commit promised ledger.Commit.KeyedIDs: such an ID is computed from the
// key (a SHA-256, about 100 ns) when it is read, which trades 16 bytes per
// transaction for reads about 40% slower. Idempotency keys and IDs
// are found through flat, pointer-free open-addressing tables of (hash
// tag, Seq) that the stored record confirms, loaded up to three quarters;
// keys are never forgotten. A transaction committed with
// ledger.Commit.KeyedIDs (its ID is DefaultID(key), as a Ledger with the
// default IDs makes them) has no key entry: TxByKey finds it through
// DefaultID(key), and one table serves both lookups. A commit probes the
// tables in loops of their own (touching every home slot first, inserting
// before the records are written), so that a batch's cache misses on
// these tables overlap rather than follow one another. Memory
// traffic, not arithmetic, is what in-memory appends cost, and these
// choices keep it low.
package memstore
