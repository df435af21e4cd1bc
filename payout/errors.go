package payout

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error the package returns wraps one of them (or a
// ledger sentinel, or accrue.ErrNoRate), so callers branch with errors.Is.
var (
	// ErrUnknownMethod reports a partner whose payout method is not one the
	// Service is configured for.
	ErrUnknownMethod = errors.New("payout: unknown payout method")
	// ErrMissingDetails reports a partner whose payment details lack a field
	// the method requires (an IBAN, a PayPal email, …).
	ErrMissingDetails = errors.New("payout: missing payment details")
	// ErrUnknownPartner reports a payable account whose partner the
	// Directory does not know.
	ErrUnknownPartner = errors.New("payout: unknown partner")
	// ErrInvalidInput reports a malformed request (empty run id, bad config).
	ErrInvalidInput = errors.New("payout: invalid input")
	// ErrNotFound reports a batch, item or provider key that does not exist.
	ErrNotFound = errors.New("payout: not found")
	// ErrSelfApproval reports an approval by the batch's creator
	// (maker-checker).
	ErrSelfApproval = errors.New("payout: creator cannot approve")
	// ErrDuplicateApproval reports a second approval by the same approver.
	ErrDuplicateApproval = errors.New("payout: already approved by this approver")
	// ErrStaleApproval reports an approval for a content hash that is not
	// the batch's current one.
	ErrStaleApproval = errors.New("payout: approval for another version of the batch")
	// ErrNotApproved reports executing a batch without enough approvals for
	// its current content hash.
	ErrNotApproved = errors.New("payout: batch not approved")
	// ErrBatchChanged reports a batch whose content no longer matches its
	// hash or its ledger reservations.
	ErrBatchChanged = errors.New("payout: batch changed")
	// ErrBatchExists reports saving a batch under an id that holds a
	// different document.
	ErrBatchExists = errors.New("payout: batch exists with other content")
	// ErrTooManyItems reports a Submit with more items than the provider's
	// Capabilities.MaxItems.
	ErrTooManyItems = errors.New("payout: too many items for one provider call")
	// ErrNotSupported reports a provider operation the provider's
	// Capabilities say it lacks (Lookup, Reverse).
	ErrNotSupported = errors.New("payout: not supported by provider")
	// ErrIllegalTransition reports a status change the item's life cycle
	// does not allow (paid after failed, …).
	ErrIllegalTransition = errors.New("payout: illegal status transition")
	// ErrWrongProvider reports an executor or update for a provider other
	// than the batch's.
	ErrWrongProvider = errors.New("payout: wrong provider")
)

// PartnerError is a build failure caused by one partner's setup (unknown
// method, missing details, no exchange rate). It wraps the cause.
type PartnerError struct {
	Partner string // the partner id
	Account string // the payable account being paid
	Err     error  // the cause: ErrUnknownMethod, ErrMissingDetails, accrue.ErrNoRate, …
}

// Error implements error.
func (e *PartnerError) Error() string {
	return fmt.Sprintf("payout: partner %s (%s): %v", e.Partner, e.Account, e.Err)
}

// Unwrap returns the cause.
func (e *PartnerError) Unwrap() error { return e.Err }

// ApprovalError reports a batch that lacks approvals for its current hash.
// It matches ErrNotApproved.
type ApprovalError struct {
	Batch      string // the batch id
	Need, Have int    // distinct valid approvals required and present
}

// Error implements error.
func (e *ApprovalError) Error() string {
	return fmt.Sprintf("payout: batch %s not approved: %d of %d required approvals", e.Batch, e.Have, e.Need)
}

// Is reports whether target is ErrNotApproved.
func (e *ApprovalError) Is(target error) bool { return target == ErrNotApproved }

func errorf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))
}
