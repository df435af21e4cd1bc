package ledger

import (
	"context"
	"time"
)

// Store is the persistence a Ledger runs on: the one interface a host's
// database implements (memstore is the in-memory one; ledgertest checks any
// implementation). It holds no business logic: the Ledger validates, computes
// per-account deltas and asks the Store to commit them atomically under
// optimistic concurrency.
//
// Contract for every method:
//   - Safe for concurrent use by many goroutines.
//   - ctx is honoured: a cancelled or expired ctx makes the method return an
//     error wrapping ctx.Err(); for Commit the store must then either have
//     committed all of it or nothing (the ledger retries by key and finds
//     out which).
//   - Errors wrap the package's sentinels (ErrConflict, ErrDuplicateKey,
//     ErrNotFound, ErrPeriodClosed) so that errors.Is works; any other error
//     is treated as "outcome unknown" and surfaced to the caller, who retries
//     with the same idempotency key.
//   - Values passed in are owned by the caller for the duration of the call
//     only: a store copies what it keeps (Transaction.Clone, CloneAccount).
//     Values returned are owned by the caller.
type Store interface {
	// ReadAccounts appends to dst[:0] the state of each named account, in
	// the order of names, and returns it. A missing account has
	// Exists == false, zero counters and Version 0. Names may repeat.
	ReadAccounts(ctx context.Context, names []string, dst []AccountState) ([]AccountState, error)

	// ReadTxStates appends to dst[:0] the mutable state of each named
	// transaction (pending status, reversed amounts) and returns it. A
	// transaction that never had its state changed, or does not exist, has
	// the zero TxState with its ID set (Version 0).
	ReadTxStates(ctx context.Context, ids []string, dst []TxState) ([]TxState, error)

	// Commit applies c atomically, or nothing of it. In one step it must:
	//  1. refuse with ErrConflict if any account in c.Deltas or any
	//     transaction in c.TxStates has a version other than the expected
	//     one, or if an account in c.NewAccounts already exists; a delta
	//     marked Commutes may skip the version comparison (see
	//     AccountDelta), but must then be refused with ErrConflict if it
	//     would take the account's counters out of range (Counters.Plus);
	//  2. refuse with an error wrapping ErrDuplicateKey if any c.Txs key is
	//     already stored (keys are kept forever);
	//  3. refuse with an error wrapping ErrPeriodClosed if any c.Txs
	//     EffectiveAt is at or before ClosedThrough;
	//  4. create c.NewAccounts (Version 1), add each delta to its account's
	//     counters and bump its version by one (a delta for a new account
	//     expects Version 0), write each TxStateUpdate with Version+1;
	//  5. append c.Txs in order, assigning Seq (the next in a gap-free
	//     sequence over all commits) and PrevHash (the Hash of the
	//     transaction with Seq-1, zero for the first) to each element of
	//     c.Txs in place; if c.Chain, also Hash = ChainHash(PrevHash, &tx),
	//     else Hash stays zero. Seq assignment and hashing are serialised
	//     by the store, so racing writers cannot fork the chain.
	// Validation of amounts, balance and constraints is the Ledger's job;
	// the store does not repeat it.
	Commit(ctx context.Context, c *Commit) error

	// Tx returns the transaction with the given ID, or ErrNotFound.
	Tx(ctx context.Context, id string) (Transaction, error)

	// TxByKey returns the transaction with the given idempotency key, or
	// ErrNotFound.
	TxByKey(ctx context.Context, key string) (Transaction, error)

	// Entries appends to dst[:0] up to f.Limit entries of f.Account in
	// (Seq, Index) order, after position (f.AfterSeq, f.AfterIndex),
	// filtered by f, and returns them.
	Entries(ctx context.Context, f EntryFilter, dst []Entry) ([]Entry, error)

	// Transactions appends to dst[:0] up to f.Limit transactions in Seq
	// order with Seq > f.AfterSeq, filtered by f, and returns them.
	Transactions(ctx context.Context, f TxFilter, dst []Transaction) ([]Transaction, error)

	// PostedAsOf returns the posted counters (DebitsPosted, CreditsPosted)
	// of an account counting only the entries of posting kinds
	// (Kind.MovesPosted) with EffectiveAt ≤ t. It must be O(log n) in the
	// account's entries (memstore: prefix sums over entries sorted by
	// effective time, binary search). A missing account gives zero.
	PostedAsOf(ctx context.Context, account string, t time.Time) (Counters, error)

	// ListAccounts appends to dst[:0] up to limit accounts whose names
	// start with prefix and sort after after (byte order), in name order.
	ListAccounts(ctx context.Context, prefix, after string, limit int, dst []AccountState) ([]AccountState, error)

	// ClosePeriod moves the closed-through time to through if through is
	// later; an earlier time leaves it unchanged (it never moves back).
	// It is atomic with respect to Commit.
	ClosePeriod(ctx context.Context, through time.Time) error

	// ClosedThrough returns the closed-through time (zero if none).
	ClosedThrough(ctx context.Context) (time.Time, error)
}

// AccountState is an account as a Store holds it.
type AccountState struct {
	Account  Account
	Exists   bool
	Counters Counters
	// Version counts the commits that changed the account (1 on creation);
	// Commit compares it to detect concurrent writers.
	Version uint64
}

// TxState is the mutable state of a transaction: whether a pending one is
// resolved, and how much of each posting has been reversed.
type TxState struct {
	ID     string
	Status PendingStatus
	// Reversed[i] is the minor units of posting i reversed so far (nil:
	// none).
	Reversed []int64
	// Version counts the changes (0: never changed).
	Version uint64
}

// Commit is one atomic write. The Ledger builds it; the Store applies it.
type Commit struct {
	// NewAccounts are created first (they must not exist).
	NewAccounts []Account
	// Deltas are added to the accounts' counters.
	Deltas []AccountDelta
	// TxStates are written, each version-checked.
	TxStates []TxStateUpdate
	// Txs are appended in order; the store sets Seq, PrevHash and Hash.
	Txs []Transaction
	// Chain says whether to compute Hash for Txs.
	Chain bool
	// KeyedIDs promises that every transaction in Txs has the ID
	// DefaultID(Key), as a Ledger with the default IDs (no WithIDs) makes
	// them. A store may rely on it, for example to find a transaction by
	// key through its ID instead of keeping a second index, or to keep
	// the key only and compute the ID (AppendDefaultID) when it is read
	// (memstore does both); a store may also ignore it. A caller that sets
	// it for other IDs breaks TxByKey and IDs read back on such stores.
	KeyedIDs bool
}

// AccountDelta is the change of one account's counters in a Commit.
type AccountDelta struct {
	Account string
	Version uint64 // the version read; Commit refuses with ErrConflict if it moved
	Delta   Counters
	// Commutes says that the delta cannot break the account's constraints
	// whatever its counters are: the account has none, or every step of
	// the delta moves its balance away from them (a credit to a no-overdraft
	// liability). Such a delta does not depend on what was read, so a store
	// may apply it to the account's current counters without comparing
	// versions, and concurrent writers to one shared account (a commission
	// expense account every accrual debits) do not refuse each other. A
	// store that does so must still apply it atomically with the rest of
	// the Commit, bump the version, and refuse the Commit with ErrConflict
	// if the sum would leave the counters' range (Counters.Plus reports
	// false); the ledger then reads again and reports the overflow. A store
	// may also ignore the flag and compare versions: that is correct too,
	// only slower under contention.
	Commutes bool
}

// TxStateUpdate replaces a transaction's state in a Commit.
type TxStateUpdate struct {
	Version uint64  // the version read; Commit refuses with ErrConflict if it moved
	State   TxState // the new state (its Version is ignored)
}

// EntryFilter selects entries for Store.Entries.
type EntryFilter struct {
	Account    string            // required
	From, To   time.Time         // EffectiveAt in [From, To); zero: unbounded
	Metadata   map[string]string // the transaction has every key with this value
	AfterSeq   uint64            // position to continue after
	AfterIndex int               // with AfterSeq
	Limit      int               // > 0
}

// TxFilter selects transactions for Store.Transactions.
type TxFilter struct {
	Account  string            // only transactions with a posting to it ("": any)
	Kind     Kind              // only this kind (0: any)
	From, To time.Time         // EffectiveAt in [From, To); zero: unbounded
	Metadata map[string]string // every key must be present with this value
	AfterSeq uint64            // continue after this Seq
	ToSeq    uint64            // stop at this Seq, inclusive (0: no bound)
	Limit    int               // > 0
}

// Match reports whether tx passes f's account, kind, time and metadata
// filters (not the Seq window); stores may use it.
func (f *TxFilter) Match(tx *Transaction) bool {
	if f.Kind != 0 && tx.Kind != f.Kind {
		return false
	}
	if !inRange(tx.EffectiveAt, f.From, f.To) {
		return false
	}
	for k, v := range f.Metadata {
		if got, ok := tx.Metadata[k]; !ok || got != v {
			return false
		}
	}
	if f.Account != "" {
		for i := range tx.Postings {
			if tx.Postings[i].Account == f.Account {
				return true
			}
		}
		return false
	}
	return true
}

// InRange reports whether t is in [from, to), zero bounds being open; stores
// may use it for EntryFilter.
func InRange(t, from, to time.Time) bool { return inRange(t, from, to) }

func inRange(t, from, to time.Time) bool {
	return (from.IsZero() || !t.Before(from)) && (to.IsZero() || t.Before(to))
}
