package rules

import (
	"github.com/expr-lang/expr"
)

// MaxNodes bounds the size of one expression (its syntax tree), so that no
// expression can be arbitrarily expensive.
const MaxNodes = 500

// MemoryBudget bounds what one expression evaluation may allocate in expr's
// virtual machine (ranges, arrays, maps), in expr's units.
const MemoryBudget = 100_000

// exprEnv is the environment expressions are type-checked against and run
// on. Expressions see the exported fields by their expr tags; the unexported
// fields feed the compiled fast paths.
//
// The exported fields point at the unexported values beside them (see
// bind), so that expr's field access passes pointers rather than copying —
// and allocating — a struct per access.
type exprEnv struct {
	Event    *eventEnv   `expr:"event"`
	Partner  *partnerEnv `expr:"partner"`
	Period   *totalsEnv  `expr:"period"`
	Lifetime *totalsEnv  `expr:"lifetime"`

	ev     eventEnv
	pa     partnerEnv
	pe, li totalsEnv

	amount         int64 // event amount, minor units of the plan currency
	periodVolume   int64
	lifetimeVolume int64
	periodCommis   int64
	lifetimeCommis int64
}

// newEnv returns a bound environment.
func newEnv() *exprEnv {
	e := &exprEnv{}
	e.bind()
	return e
}

// bind points the exported fields at their values; e must not move after.
func (e *exprEnv) bind() { e.Event, e.Partner, e.Period, e.Lifetime = &e.ev, &e.pa, &e.pe, &e.li }

// eventEnv is `event` in expressions.
type eventEnv struct {
	ID       string            `expr:"id"`
	Kind     string            `expr:"kind"`
	Amount   Decimal           `expr:"amount"`   // in the plan's currency
	Currency string            `expr:"currency"` // the event's own currency
	Units    int               `expr:"units"`
	Product  string            `expr:"product"`
	Customer string            `expr:"customer"`
	Payment  int               `expr:"payment"` // subscription payment number
	Attrs    map[string]string `expr:"attrs"`
}

// partnerEnv is `partner` in expressions.
type partnerEnv struct {
	ID      string            `expr:"id"`
	Tier    string            `expr:"tier"`
	Country string            `expr:"country"`
	Depth   int               `expr:"depth"` // number of parents
	Attrs   map[string]string `expr:"attrs"`
}

// totalsEnv is `period` and `lifetime` in expressions: the partner's totals
// under the plan before this event.
type totalsEnv struct {
	Volume     Decimal `expr:"volume"`
	Count      int     `expr:"count"`
	Commission Decimal `expr:"commission"`
}

// exprOptions returns the options every expression is compiled with: the
// declared environment, exact decimals, no clock, bounded size.
func exprOptions() []expr.Option {
	opts := []expr.Option{
		expr.Env(newEnv()),
		expr.DisableBuiltin("now"),
		expr.DisableBuiltin("date"),
		expr.DisableBuiltin("timezone"),
		expr.DisableBuiltin("duration"),
		expr.DisableBuiltin("repeat"),
		expr.DisableBuiltin("float"),
		expr.MaxNodes(MaxNodes),
		expr.Patch(floatLiterals{}),
	}
	return append(opts, decimalOptions()...)
}
