package ledger

import (
	"errors"
	"fmt"
	"strings"

	"github.com/accruehq/accrue"
)

// Sentinel errors. Every error the ledger returns wraps one of them (typed
// errors match theirs through Is), and store adapters wrap them too, so
// callers branch with errors.Is.
var (
	// ErrConflict: the store refused a Commit because something it read
	// moved (an account or transaction version, an account created
	// concurrently). The ledger retries; it returns ErrConflict only after
	// WithMaxRetries attempts.
	ErrConflict = errors.New("ledger: conflict")
	// ErrDuplicateKey: a Commit carried an idempotency key the store already
	// holds. Stores return it; the ledger turns it into a replay or an
	// *IdempotencyConflictError.
	ErrDuplicateKey = errors.New("ledger: duplicate idempotency key")
	// ErrNotFound: no such transaction.
	ErrNotFound = errors.New("ledger: not found")
	// ErrIdempotencyConflict: a key was reused with different content; the
	// concrete error is an *IdempotencyConflictError naming the fields.
	ErrIdempotencyConflict = errors.New("ledger: idempotency key reused with different content")
	// ErrUnbalanced: debits and credits differ in a currency; see
	// *UnbalancedError.
	ErrUnbalanced = errors.New("ledger: unbalanced transaction")
	// ErrConstraint: a transaction would break an account's constraint; see
	// *ConstraintError.
	ErrConstraint = errors.New("ledger: constraint violated")
	// ErrInsufficientFunds: a transaction would take an account's available
	// balance below zero (NoNegative) or below its Min. Such errors also
	// match ErrConstraint.
	ErrInsufficientFunds = errors.New("ledger: insufficient funds")
	// ErrUnknownAccount: a posting names an account that does not exist and
	// the account policy does not create it.
	ErrUnknownAccount = errors.New("ledger: unknown account")
	// ErrAccountExists: CreateAccount was given a definition different from
	// the existing account of that name.
	ErrAccountExists = errors.New("ledger: account exists with a different definition")
	// ErrCurrencyMismatch: a posting's currency is not its account's.
	ErrCurrencyMismatch = errors.New("ledger: currency mismatch")
	// ErrInvalidAmount: an amount is zero, negative, or finer than its
	// currency's minor unit. It wraps accrue.ErrInvalidAmount where that
	// package refused the amount.
	ErrInvalidAmount = errors.New("ledger: invalid amount")
	// ErrInvalidAccount: a malformed account definition or name.
	ErrInvalidAccount = errors.New("ledger: invalid account")
	// ErrInvalidInput: a malformed request other than amounts, accounts and
	// metadata: a missing or oversized key, an invalid side, a time outside
	// the representable range, a bad cursor.
	ErrInvalidInput = errors.New("ledger: invalid input")
	// ErrMetadataTooLarge: metadata beyond the Max* limits.
	ErrMetadataTooLarge = errors.New("ledger: metadata too large")
	// ErrTooFewPostings: a transaction with fewer than two postings.
	ErrTooFewPostings = errors.New("ledger: fewer than two postings")
	// ErrPeriodClosed: an effective time at or before the closed-through
	// time (ClosePeriod).
	ErrPeriodClosed = errors.New("ledger: period closed")
	// ErrNotPending: PostPending or VoidPending named a transaction that is
	// not a pending one.
	ErrNotPending = errors.New("ledger: not a pending transaction")
	// ErrPendingResolved: the pending transaction was already posted, voided
	// or expired.
	ErrPendingResolved = errors.New("ledger: pending transaction already resolved")
	// ErrPendingExpired: PostPending after the pending transaction's
	// ExpiresAt.
	ErrPendingExpired = errors.New("ledger: pending transaction expired")
	// ErrReversalExceeded: a reversal beyond what is left to reverse, or of a
	// transaction that cannot be reversed.
	ErrReversalExceeded = errors.New("ledger: reversal exceeds what is left")
	// ErrChainBroken: Verify found a break in the hash chain; see
	// *ChainError.
	ErrChainBroken = errors.New("ledger: hash chain broken")
	// ErrOverflow: a balance or amount would not fit in int64 minor units.
	ErrOverflow = errors.New("ledger: amount out of range")
)

// TxError says which transaction of a request failed: PostBatch reports the
// index of the input. It unwraps to the cause.
type TxError struct {
	Index int    // position in the batch (0 for single-transaction calls)
	Key   string // the transaction's idempotency key
	Err   error  // the cause
	batch bool   // from PostBatch: the index is shown
}

// Error implements error: "ledger: tx "key": cause", or from PostBatch
// "ledger: batch tx 3 "key": cause".
func (e *TxError) Error() string {
	cause := strings.TrimPrefix(e.Err.Error(), "ledger: ")
	if e.batch {
		return fmt.Sprintf("ledger: batch tx %d %q: %s", e.Index, clip(e.Key), cause)
	}
	return fmt.Sprintf("ledger: tx %q: %s", clip(e.Key), cause)
}

// Unwrap returns the cause.
func (e *TxError) Unwrap() error { return e.Err }

// UnbalancedError names the currency whose debits and credits differ.
type UnbalancedError struct {
	Currency accrue.Currency
	Debits   accrue.Money
	Credits  accrue.Money
}

// Error implements error.
func (e *UnbalancedError) Error() string {
	return fmt.Sprintf("ledger: unbalanced transaction: %s: debits %s, credits %s", e.Currency.Code(), e.Debits, e.Credits)
}

// Is matches ErrUnbalanced.
func (e *UnbalancedError) Is(target error) bool { return target == ErrUnbalanced }

// ConstraintError names the account and the limit a transaction would break.
type ConstraintError struct {
	Account    string
	Constraint string       // "no_negative", "no_positive", "min" or "max"
	Limit      accrue.Money // the limit
	Balance    accrue.Money // the balance the transaction would leave
}

// Error implements error.
func (e *ConstraintError) Error() string {
	what := "constraint violated"
	if e.insufficient() {
		what = "insufficient funds"
	}
	return fmt.Sprintf("ledger: %s: account %s: balance would be %s, %s %s", what, e.Account, e.Balance, e.Constraint, e.Limit)
}

func (e *ConstraintError) insufficient() bool {
	return e.Constraint == "no_negative" || e.Constraint == "min"
}

// Is matches ErrConstraint, and ErrInsufficientFunds for the no_negative and
// min limits.
func (e *ConstraintError) Is(target error) bool {
	return target == ErrConstraint || target == ErrInsufficientFunds && e.insufficient()
}

// IdempotencyConflictError says that a key was reused with different
// content, and which fields differ.
type IdempotencyConflictError struct {
	Key      string
	ID       string   // the original transaction
	Fields   []string // sorted names of the differing fields: "postings", "metadata", …
	Original Transaction
}

// Error implements error.
func (e *IdempotencyConflictError) Error() string {
	return fmt.Sprintf("ledger: idempotency key %q reused with different content (original %s): %s differ",
		clip(e.Key), e.ID, strings.Join(e.Fields, ", "))
}

// Is matches ErrIdempotencyConflict.
func (e *IdempotencyConflictError) Is(target error) bool { return target == ErrIdempotencyConflict }

// ChainError reports the first break Verify found.
type ChainError struct {
	Seq    uint64 // the first transaction that does not verify
	ID     string
	Reason string // what is wrong: "hash mismatch", "prev hash mismatch", "sequence gap"
}

// Error implements error.
func (e *ChainError) Error() string {
	return fmt.Sprintf("ledger: hash chain broken at seq %d (%s): %s", e.Seq, e.ID, e.Reason)
}

// Is matches ErrChainBroken.
func (e *ChainError) Is(target error) bool { return target == ErrChainBroken }

// errorf wraps sentinel with a message.
func errorf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)
}
