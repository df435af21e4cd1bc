package reconcile

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error this package returns wraps one of them, so
// callers branch with errors.Is; the wrapping text says what was wrong.
var (
	// ErrInvalidConfig reports a Config or Rule that cannot run: an unknown
	// rule kind, a negative window, a percent tolerance out of range, fewer
	// than two or more than three sides.
	ErrInvalidConfig = errors.New("reconcile: invalid config")

	// ErrInvalidRecord reports a record the engine cannot compare exactly: no
	// currency, an amount finer than its currency's minor unit or too large
	// for an int64 count of minor units, a zero date.
	ErrInvalidRecord = errors.New("reconcile: invalid record")

	// ErrInvalidMapping reports a CSV Mapping that cannot read a file: no
	// amount column, a named column missing from the header, a decimal
	// separator equal to the thousands separator.
	ErrInvalidMapping = errors.New("reconcile: invalid mapping")

	// ErrMalformedRow reports one CSV row that could not be read as a record.
	// The concrete error is a *RowError naming file, line and reason.
	ErrMalformedRow = errors.New("reconcile: malformed row")

	// ErrUnknownBreak reports a resolution for a break id the queue never saw.
	ErrUnknownBreak = errors.New("reconcile: unknown break")

	// ErrAlreadyResolved reports a second, different resolution of a break.
	ErrAlreadyResolved = errors.New("reconcile: break already resolved")

	// ErrInvalidResolution reports a resolution without a kind, an author or
	// a time.
	ErrInvalidResolution = errors.New("reconcile: invalid resolution")
)

// RowError describes one malformed CSV row. It matches ErrMalformedRow with
// errors.Is and unwraps to the underlying cause when there is one.
type RowError struct {
	File   string // Mapping.File, or "" when none was given
	Line   int    // 1-based line where the row starts
	Column string // the mapped column at fault, or "" for the whole row
	Reason string // what was wrong, for a person
	Err    error  // the underlying error, if any
}

// Error implements error.
func (e *RowError) Error() string {
	where := fmt.Sprintf("%s:%d", e.File, e.Line)
	if e.File == "" {
		where = fmt.Sprintf("line %d", e.Line)
	}
	if e.Column != "" {
		return fmt.Sprintf("reconcile: %s: column %s: %s", where, e.Column, e.Reason)
	}
	return fmt.Sprintf("reconcile: %s: %s", where, e.Reason)
}

// Is reports whether target is ErrMalformedRow.
func (e *RowError) Is(target error) bool { return target == ErrMalformedRow }

// Unwrap returns the underlying cause.
func (e *RowError) Unwrap() error { return e.Err }

// RecordError describes a record the engine refused. It matches
// ErrInvalidRecord with errors.Is and unwraps to the cause.
type RecordError struct {
	Side  string // the side's name
	Index int    // position in Side.Records
	ID    string // the record's ID
	Err   error  // the cause
}

// Error implements error.
func (e *RecordError) Error() string {
	return fmt.Sprintf("reconcile: side %s record %d (%q): %v", e.Side, e.Index, e.ID, e.Err)
}

// Is reports whether target is ErrInvalidRecord.
func (e *RecordError) Is(target error) bool { return target == ErrInvalidRecord }

// Unwrap returns the cause.
func (e *RecordError) Unwrap() error { return e.Err }
