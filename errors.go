package accrue

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error this package returns wraps exactly one of them,
// so callers branch with errors.Is; the wrapping text says what was wrong.
var (
	// ErrUnknownCurrency reports a currency code that is neither an ISO 4217
	// code this package knows nor a unit the caller defined.
	ErrUnknownCurrency = errors.New("accrue: unknown currency")

	// ErrInvalidCurrency reports a custom unit definition that cannot be used:
	// a malformed code, a code that collides with ISO 4217, or minor units out
	// of range.
	ErrInvalidCurrency = errors.New("accrue: invalid currency")

	// ErrCurrencyMismatch reports arithmetic or comparison across two
	// currencies. The concrete error is a *MismatchError naming both.
	ErrCurrencyMismatch = errors.New("accrue: currency mismatch")

	// ErrInvalidAmount reports an amount that is malformed (text that is not a
	// plain decimal number, a JSON number where a string is required) or not
	// usable where it was given (an amount finer than its currency's minor
	// unit where whole minor units are required).
	ErrInvalidAmount = errors.New("accrue: invalid amount")

	// ErrInvalidWeights reports allocation weights that cannot define a split:
	// none, negative, all zero, or text that is not a decimal number.
	ErrInvalidWeights = errors.New("accrue: invalid weights")

	// ErrOverflow reports an input too large to handle exactly within the
	// documented bounds (see MaxIntegerDigits, MaxFractionDigits).
	ErrOverflow = errors.New("accrue: out of range")

	// ErrDivisionByZero reports a division of money by zero.
	ErrDivisionByZero = errors.New("accrue: division by zero")

	// ErrNoRate reports that a RateSource has no rate for a currency pair at
	// the requested time.
	ErrNoRate = errors.New("accrue: no exchange rate")

	// ErrInvalidRoundingMode reports a rounding mode that is none of the
	// defined constants (a name ParseRoundingMode does not know, or a
	// RoundingMode value out of range).
	ErrInvalidRoundingMode = errors.New("accrue: invalid rounding mode")
)

// MismatchError is the error returned when an operation is given money in two
// different currencies. It matches ErrCurrencyMismatch with errors.Is.
type MismatchError struct {
	Op          string   // the operation refused: "add", "sub", "cmp", …
	Left, Right Currency // the two currencies involved
}

// Error implements error.
func (e *MismatchError) Error() string {
	return fmt.Sprintf("accrue: %s: currency mismatch: %s vs %s", e.Op, e.Left.Code(), e.Right.Code())
}

// Is reports whether target is ErrCurrencyMismatch.
func (e *MismatchError) Is(target error) bool { return target == ErrCurrencyMismatch }
