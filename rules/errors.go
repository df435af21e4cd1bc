package rules

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors. Every error this package returns wraps one of them (or a
// root accrue sentinel, such as accrue.ErrNoRate), so callers branch with
// errors.Is.
var (
	// ErrInvalidPlan reports a plan that cannot be loaded: malformed JSON, an
	// unknown field, an expression that does not parse or type-check, tier
	// tables out of order, negative rates, caps below floors. The concrete
	// error is a *CompileError.
	ErrInvalidPlan = errors.New("rules: invalid plan")
	// ErrOverlap reports two versions of one plan whose effective periods
	// overlap, or two versions with different currencies or time zones.
	// The concrete error is an *OverlapError naming both versions.
	ErrOverlap = errors.New("rules: overlapping plan versions")
	// ErrNoPlan reports an event for which no plan version is in force.
	ErrNoPlan = errors.New("rules: no plan in force")
	// ErrInvalidEvent reports an event that cannot be evaluated: no id, a
	// negative amount, a clawback without original lines.
	ErrInvalidEvent = errors.New("rules: invalid event")
	// ErrEvaluation reports a rule that failed at run time (an expression
	// error, an amount out of range). The concrete error is an *EvalError
	// naming the rule.
	ErrEvaluation = errors.New("rules: evaluation failed")
	// ErrUnknownVersion reports a clawback whose original lines name a plan
	// version the plan set does not hold.
	ErrUnknownVersion = errors.New("rules: unknown plan version")
)

// CompileError is the error for a plan that fails to load. It names the plan,
// the rule (or hold) and the field at fault and, for expressions and JSON, the
// 1-based line and column of the problem. It matches ErrInvalidPlan with
// errors.Is and unwraps to the underlying cause (an expr *file.Error, a JSON
// error, an accrue error).
type CompileError struct {
	Plan   string // plan id, if known
	Rule   string // rule or hold id, "" for plan-level fields
	Field  string // "when", "formula", "tiers.bands[1].from", …
	Line   int    // 1-based line in the expression or JSON text; 0 if unknown
	Column int    // 1-based column; 0 if unknown
	Msg    string // what is wrong
	Err    error  // the cause, if any
}

// Error formats the error as
// "rules: plan P rule R field F (line:col): message".
func (e *CompileError) Error() string {
	s := "rules: plan " + quoteID(e.Plan)
	if e.Rule != "" {
		s += " rule " + quoteID(e.Rule)
	}
	if e.Field != "" {
		s += " " + e.Field
	}
	if e.Line > 0 {
		s += fmt.Sprintf(" (%d:%d)", e.Line, e.Column)
	}
	return s + ": " + e.Msg
}

// Unwrap returns the cause.
func (e *CompileError) Unwrap() error { return e.Err }

// Is reports whether target is ErrInvalidPlan.
func (e *CompileError) Is(target error) bool { return target == ErrInvalidPlan }

// EvalError is the error for a rule that fails while evaluating an event. It
// names the plan version, the rule and the event. It matches ErrEvaluation
// with errors.Is and unwraps to the cause.
type EvalError struct {
	Plan    string // plan id
	Version string // plan content hash
	Rule    string // rule or hold id
	Event   string // event id
	Err     error  // the cause
}

// Error formats the error as "rules: plan P rule R event E: cause".
func (e *EvalError) Error() string {
	return fmt.Sprintf("rules: plan %s rule %s event %s: %v", quoteID(e.Plan), quoteID(e.Rule), quoteID(e.Event), e.Err)
}

// Unwrap returns the cause.
func (e *EvalError) Unwrap() error { return e.Err }

// Is reports whether target is ErrEvaluation.
func (e *EvalError) Is(target error) bool { return target == ErrEvaluation }

// PlanVersion identifies one version of a plan in an error: its Version
// label, content hash and effective period (ValidUntil zero: open-ended).
type PlanVersion struct {
	Version    string
	Hash       string
	ValidFrom  time.Time
	ValidUntil time.Time
}

// String returns `"label" [short hash] (from … to …)`.
func (v PlanVersion) String() string {
	period := "from " + v.ValidFrom.Format(time.RFC3339)
	if v.ValidUntil.IsZero() {
		period += ", open-ended"
	} else {
		period += " to " + v.ValidUntil.Format(time.RFC3339)
	}
	return fmt.Sprintf("%s [%s] (%s)", quoteID(v.Version), shortHash(v.Hash), period)
}

// OverlapError is the error for two versions of one plan that cannot share a
// PlanSet: their effective periods overlap (Mismatch ""), or they differ in
// "currency" or "time zone" (Mismatch), which their shared running totals
// need to agree on. A is the version that starts first (of two starting
// together, the one with the smaller hash). It matches ErrOverlap with
// errors.Is.
type OverlapError struct {
	Plan     string
	A, B     PlanVersion
	Mismatch string
}

// Error formats the error as
// `rules: overlapping plan versions: plan "P" version A overlaps version B`,
// or `… versions A and B differ in currency` for a mismatch.
func (e *OverlapError) Error() string {
	if e.Mismatch != "" {
		return fmt.Sprintf("%s: plan %s versions %s and %s differ in %s", ErrOverlap, quoteID(e.Plan), e.A, e.B, e.Mismatch)
	}
	return fmt.Sprintf("%s: plan %s version %s overlaps version %s", ErrOverlap, quoteID(e.Plan), e.A, e.B)
}

// Is reports whether target is ErrOverlap.
func (e *OverlapError) Is(target error) bool { return target == ErrOverlap }

// quoteID quotes an identifier for an error message, clipped so that hostile
// input cannot make messages arbitrarily large.
func quoteID(s string) string {
	const max = 64
	if len(s) > max {
		s = s[:max] + "…"
	}
	return fmt.Sprintf("%q", s)
}
