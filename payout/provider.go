package payout

import (
	"context"
	"time"

	"github.com/accruehq/accrue"
)

// Provider is what a host implements for a payment rail (Stripe, PayPal,
// Wise, a bank file, a gift-card or loyalty platform). It is small on
// purpose; the Executor does the bookkeeping around it. The model is
// database/sql/driver: a method that may have done the work must say so by
// returning StatusUnknown (or an error, which means unknown), never a
// definite failure.
//
// Contract for every method: safe for concurrent use; ctx is honoured (a
// cancelled ctx makes the call return an error, whose outcome is unknown);
// a provider keeps no reference to the slices it is given.
type Provider interface {
	// Capabilities declares what the provider can do. It must be constant
	// for the provider's lifetime and honest: the conformance suite
	// (payouttest.RunProviderConformance) checks it.
	Capabilities() Capabilities

	// Submit asks the provider to pay items, at most Capabilities().MaxItems
	// of them (more: ErrTooManyItems, nothing done). On a nil error it
	// returns exactly one Outcome per item, in order. Every item carries an
	// idempotency key: submitting a key the provider has seen within its
	// DedupWindow must not pay again but return the first submission's
	// outcome (or its later status). A non-nil error means the outcome of
	// every item is unknown: the provider may have paid some or all of them.
	Submit(ctx context.Context, items []SubmitItem) ([]Outcome, error)

	// Lookup returns the current outcome of the item submitted under key.
	// It returns an error wrapping ErrNotFound when the provider has no
	// record of the key, ErrNotSupported when Capabilities().Lookup is
	// false, and any other error when it cannot tell (outcome unknown).
	Lookup(ctx context.Context, key string) (Outcome, error)
}

// Reverser is the optional interface of a Provider that can pull back a
// paid item (Capabilities().Reversal is true exactly when a provider
// implements it). Reverse returns the item's outcome after the request:
// StatusReturned when the money came back, StatusPaid if it is too late,
// StatusUnknown (or an error) when the provider cannot tell yet.
type Reverser interface {
	Reverse(ctx context.Context, key, reason string) (Outcome, error)
}

// Capabilities is what a provider declares about itself.
type Capabilities struct {
	// MaxItems is the most items one Submit call takes (PayPal 15,000,
	// Wise 1,000, a NACHA file about 10,000). At least 1.
	MaxItems int
	// DedupWindow is how long the provider remembers an idempotency key
	// (Stripe at least 24 h, PayPal 30 days). After it, resubmitting a key
	// may pay again, so the Executor never resubmits an item whose first
	// submission is older: the item goes to the exception list instead.
	DedupWindow time.Duration
	// Lookup says whether Lookup works.
	Lookup bool
	// Reversal says whether the provider implements Reverser.
	Reversal bool
	// RateLimit is the most calls per second the provider accepts (0: no
	// declared limit). The Executor spaces its calls accordingly when it
	// is given a Sleep function.
	RateLimit float64
}

// SubmitItem is one payment handed to a provider.
type SubmitItem struct {
	Key     string            // the idempotency key: deterministic, never changes across retries
	Partner string            // the partner paid
	Method  Method            // the payout method
	Details map[string]string // the partner's payment details for the method
	Amount  accrue.Money      // what the partner receives, in the payout currency
	Memo    string            // a human text: batch and period
}

// Status is an item's outcome at a provider.
type Status uint8

// Outcomes. StatusUnknown means the provider may have done the work; it is
// never treated as a failure.
const (
	StatusUnknown  Status = iota // timeout, connection lost, 5xx: may have been paid
	StatusPending                // accepted, not final yet
	StatusPaid                   // paid
	StatusFailed                 // not paid; Reason says why
	StatusReturned               // paid, then bounced or reversed
)

var statusNames = [...]string{"unknown", "pending", "paid", "failed", "returned"}

// String returns "unknown", "pending", "paid", "failed" or "returned".
func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "invalid"
}

// Valid reports whether s is one of the documented outcomes.
func (s Status) Valid() bool { return int(s) < len(statusNames) }

// Outcome is what a provider says about one item.
type Outcome struct {
	Status Status
	Reason string    // why, for StatusFailed and StatusReturned
	Ref    string    // the provider's own reference, when it has one
	At     time.Time // when the provider reached this status (zero: unknown)
}
