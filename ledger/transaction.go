package ledger

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/accruehq/accrue"
)

// Kind says what a transaction does to balances.
type Kind uint8

// Transaction kinds.
const (
	// KindPosted moves posted balances: an ordinary transaction (Post).
	KindPosted Kind = iota + 1
	// KindPending reserves amounts as pending (Hold): they count against
	// the available balance of the paying accounts until posted or voided.
	KindPending
	// KindPostPending posts (all or part of) a pending transaction and
	// releases the rest; its postings are the amounts posted.
	KindPostPending
	// KindVoidPending releases a pending transaction (VoidPending, or
	// ExpirePending once it expired); its postings are the amounts
	// released.
	KindVoidPending
	// KindReversal mirrors (all or part of) an earlier posted transaction.
	KindReversal
)

var kindNames = [...]string{"", "posted", "pending", "post_pending", "void_pending", "reversal"}

// String returns the kind's name: "posted", "pending", "post_pending",
// "void_pending" or "reversal".
func (k Kind) String() string {
	if k.Valid() {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Valid reports whether k is one of the defined kinds.
func (k Kind) Valid() bool { return k >= KindPosted && k <= KindReversal }

// MovesPosted reports whether the postings of a transaction of kind k move
// posted balances (all kinds but KindPending and KindVoidPending).
func (k Kind) MovesPosted() bool {
	return k == KindPosted || k == KindPostPending || k == KindReversal
}

// Posting is one line of a transaction: an amount debited or credited to an
// account, in the account's currency.
type Posting struct {
	Account string       // the account's name
	Side    Side         // Debit or Credit
	Amount  accrue.Money // > 0, a whole number of the currency's minor units
}

// TxInput is what a caller asks the ledger to write (Post, PostBatch, Hold).
type TxInput struct {
	// Key is the idempotency key, required, at most MaxKeyLen bytes. Keys
	// are kept forever: the same key with the same content returns the
	// original transaction and writes nothing; with different content it is
	// refused with an *IdempotencyConflictError.
	Key string
	// Postings: at least two; per currency, debits equal credits.
	Postings []Posting
	// EffectiveAt is when the money moved in the business sense; zero means
	// the ledger clock's now. Backdated imports set it to the original time.
	// It must not fall in a closed period.
	EffectiveAt time.Time
	// ExpiresAt, for Hold only, is when an open pending transaction stops
	// being postable and is voided by ExpirePending; zero means never.
	ExpiresAt time.Time
	// Metadata is lineage (see the accrue Meta* keys), bounded by the Max*
	// limits.
	Metadata map[string]string
}

// Transaction is a committed, immutable transaction.
type Transaction struct {
	ID       string    // unique; derived from Key by default (WithIDs)
	Key      string    // the idempotency key
	Kind     Kind      // what it does to balances
	Postings []Posting // the lines
	// EffectiveAt is the business time (used by as-of balances and period
	// close); RecordedAt is when the ledger wrote it, from its clock.
	EffectiveAt, RecordedAt time.Time
	// ExpiresAt is the expiry of a pending transaction (zero: none).
	ExpiresAt time.Time
	Metadata  map[string]string
	// Reverses is the ID of the transaction a KindReversal mirrors.
	Reverses string
	// Pending is the ID of the pending transaction a KindPostPending or
	// KindVoidPending resolves.
	Pending string
	// Seq is the commit order, assigned by the store: 1, 2, 3, … without gaps.
	Seq uint64
	// PrevHash is the Hash of the transaction with Seq-1 (zero for the
	// first); Hash is ChainHash(PrevHash, tx), or zero when the ledger that
	// wrote it had the chain switched off.
	PrevHash, Hash [32]byte
}

// Clone returns a deep copy of tx, for stores that keep or hand out
// transactions.
func (tx Transaction) Clone() Transaction {
	tx.Postings = slices.Clone(tx.Postings)
	tx.Metadata = maps.Clone(tx.Metadata)
	return tx
}

// PendingStatus is the state of a pending transaction.
type PendingStatus uint8

// Pending transaction states. A pending transaction leaves PendingOpen
// exactly once.
const (
	PendingNone    PendingStatus = iota // not a pending transaction
	PendingOpen                         // reserved, not yet resolved
	PendingPosted                       // posted (in full or in part)
	PendingVoided                       // voided by VoidPending
	PendingExpired                      // voided by ExpirePending after ExpiresAt
)

var pendingNames = [...]string{"none", "open", "posted", "voided", "expired"}

// String returns "none", "open", "posted", "voided" or "expired".
func (s PendingStatus) String() string {
	if int(s) < len(pendingNames) {
		return pendingNames[s]
	}
	return fmt.Sprintf("PendingStatus(%d)", uint8(s))
}

// Entry is one posting of a committed transaction as seen from its account.
type Entry struct {
	TxID        string
	Seq         uint64 // the transaction's Seq
	Index       int    // the posting's index in the transaction
	Kind        Kind   // the transaction's kind
	Account     string
	Side        Side
	Amount      accrue.Money
	EffectiveAt time.Time
}
