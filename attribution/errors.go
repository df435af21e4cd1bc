package attribution

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error this package returns wraps one of them, so
// callers branch with errors.Is; the wrapping text says what was wrong.
var (
	// ErrInvalidConversion reports a conversion that cannot be attributed:
	// an amount finer than its currency's minor unit or beyond an int64 of
	// minor units, or a journey lookup that failed.
	ErrInvalidConversion = errors.New("attribution: invalid conversion")

	// ErrInvalidModel reports model parameters that cannot define a model:
	// all-zero position weights, a non-positive half-life, a nil function.
	ErrInvalidModel = errors.New("attribution: invalid model")

	// ErrInvalidWeight reports a weight a model produced that is not a
	// finite number ≥ 0 (a custom function or expression returned NaN, Inf
	// or a negative number, or an expression failed at run time).
	ErrInvalidWeight = errors.New("attribution: invalid weight")

	// ErrExpression reports a custom-weight expression that does not
	// compile. The concrete error is an *ExprError.
	ErrExpression = errors.New("attribution: invalid expression")

	// ErrNoData reports a data-driven fit over journeys without a single
	// conversion, or a game without players.
	ErrNoData = errors.New("attribution: no data")

	// ErrTooLarge reports an input beyond a documented bound: a Markov chain
	// with more states than MarkovOptions.MaxStates, a game with more
	// players than the exact limit where exactness was required.
	ErrTooLarge = errors.New("attribution: too large")
)

// ExprError is the error returned when a custom-weight expression does not
// compile. It matches ErrExpression with errors.Is and unwraps to the
// compiler's error, which carries the line, column and a snippet.
type ExprError struct {
	Expr string // the expression, clipped to 80 bytes
	Err  error  // the compiler's error
}

// Error implements error.
func (e *ExprError) Error() string {
	return fmt.Sprintf("attribution: expression %q: %v", e.Expr, e.Err)
}

// Unwrap returns the compiler's error.
func (e *ExprError) Unwrap() error { return e.Err }

// Is reports whether target is ErrExpression.
func (e *ExprError) Is(target error) bool { return target == ErrExpression }

// clip shortens text quoted in error messages so that hostile input cannot
// make an error arbitrarily large.
func clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
