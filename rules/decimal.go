package rules

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/shopspring/decimal"
)

// Decimal is the type of amounts inside expressions (event.amount,
// period.volume, a formula's result). It is exact: + - * and comparisons are
// overloaded for Decimal with Decimal and with int, decimal literals such as
// 0.3 are read as Decimal (never float64), and division rounds to
// DivisionPlaces decimal places half-up. Decimal has no methods visible to
// expressions.
type Decimal struct{ d decimal.Decimal }

// DivisionPlaces is the number of decimal places a Decimal division in an
// expression keeps (rounded half-up).
const DivisionPlaces = 16

// String returns the decimal's text.
func (x Decimal) String() string { return x.d.String() }

// errDivZero is the run-time error of a division by zero in an expression.
var errDivZero = errors.New("division by zero")

// toDecimal converts an operand of an overloaded operator.
func toDecimal(v any) (decimal.Decimal, error) {
	switch v := v.(type) {
	case Decimal:
		return v.d, nil
	case int:
		return decimal.NewFromInt(int64(v)), nil
	}
	return decimal.Decimal{}, fmt.Errorf("not a decimal: %T", v)
}

// binary makes an overload function from a decimal operation.
func binary(op func(a, b decimal.Decimal) (any, error)) func(params ...any) (any, error) {
	return func(params ...any) (any, error) {
		if len(params) != 2 {
			return nil, fmt.Errorf("want 2 operands, have %d", len(params))
		}
		a, err := toDecimal(params[0])
		if err != nil {
			return nil, err
		}
		b, err := toDecimal(params[1])
		if err != nil {
			return nil, err
		}
		return op(a, b)
	}
}

// Overload signatures: Decimal with Decimal and with int, both ways.
var (
	arithTypes = []any{new(func(Decimal, Decimal) Decimal), new(func(Decimal, int) Decimal), new(func(int, Decimal) Decimal)}
	cmpTypes   = []any{new(func(Decimal, Decimal) bool), new(func(Decimal, int) bool), new(func(int, Decimal) bool)}
)

// decimalOptions are the expr options that make Decimal a number.
func decimalOptions() []expr.Option {
	type overload struct {
		name, op string
		cmp      bool
		fn       func(a, b decimal.Decimal) (any, error)
	}
	ops := []overload{
		{"_add", "+", false, func(a, b decimal.Decimal) (any, error) { return Decimal{a.Add(b)}, nil }},
		{"_sub", "-", false, func(a, b decimal.Decimal) (any, error) { return Decimal{a.Sub(b)}, nil }},
		{"_mul", "*", false, func(a, b decimal.Decimal) (any, error) { return Decimal{a.Mul(b)}, nil }},
		{"_div", "/", false, func(a, b decimal.Decimal) (any, error) {
			if b.IsZero() {
				return nil, errDivZero
			}
			return Decimal{a.DivRound(b, DivisionPlaces)}, nil
		}},
		{"_lt", "<", true, func(a, b decimal.Decimal) (any, error) { return a.Cmp(b) < 0, nil }},
		{"_le", "<=", true, func(a, b decimal.Decimal) (any, error) { return a.Cmp(b) <= 0, nil }},
		{"_gt", ">", true, func(a, b decimal.Decimal) (any, error) { return a.Cmp(b) > 0, nil }},
		{"_ge", ">=", true, func(a, b decimal.Decimal) (any, error) { return a.Cmp(b) >= 0, nil }},
		{"_eq", "==", true, func(a, b decimal.Decimal) (any, error) { return a.Cmp(b) == 0, nil }},
		{"_ne", "!=", true, func(a, b decimal.Decimal) (any, error) { return a.Cmp(b) != 0, nil }},
	}
	var out []expr.Option
	for _, o := range ops {
		types := arithTypes
		if o.cmp {
			types = cmpTypes
		}
		out = append(out, expr.Function(o.name, binary(o.fn), types...), expr.Operator(o.op, o.name))
	}
	out = append(out, expr.Function("dec", func(params ...any) (any, error) {
		s, _ := params[0].(string)
		d, err := parseDecimalText(s)
		if err != nil {
			return nil, err
		}
		return Decimal{d}, nil
	}, new(func(string) Decimal)))
	return out
}

// floatLiterals rewrites every float literal into a Decimal constant, from
// the shortest text that reads back as the same float (0.3 → "0.3"), so that
// no float64 enters an amount.
type floatLiterals struct{}

// Visit implements ast.Visitor.
func (floatLiterals) Visit(node *ast.Node) {
	f, ok := (*node).(*ast.FloatNode)
	if !ok {
		return
	}
	d, err := decimal.NewFromString(formatFloat(f.Value))
	if err != nil {
		return // infinities cannot come from a literal
	}
	ast.Patch(node, &ast.ConstantNode{Value: Decimal{d}})
}

// formatFloat is the shortest decimal text that reads back as f.
func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
