package attribution

import (
	"fmt"
	"math"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

// CustomFunc returns a Model that weighs touch i of a journey by f(j, i), a
// finite float ≥ 0; only proportions matter. name identifies the function
// in lineage (the model's Name is "custom(name)"), so give each distinct
// function its own name. f is called in journey order and must be safe for
// concurrent use and deterministic; its weights are converted to integers
// as TimeDecay's are. A weight that is NaN, infinite or negative makes the
// conversion fail with ErrInvalidWeight.
// A journey whose touches all weigh 0 — even a
// single touch — gets no credit (ReasonModelGaveNothing).
func CustomFunc(name string, f func(j *Journey, i int) float64) (Model, error) {
	if f == nil || name == "" {
		return nil, fmt.Errorf("%w: custom model needs a name and a function", ErrInvalidModel)
	}
	return customFunc{f: f, name: "custom(" + name + ")"}, nil
}

type customFunc struct {
	f    func(j *Journey, i int) float64
	name string
}

func (m customFunc) Name() string { return m.name }
func (m customFunc) Weigh(j *Journey, dst []uint64) error {
	w := j.scratch(len(dst))
	for i := range w {
		w[i] = m.f(j, i)
	}
	return fixedPoint(dst, w)
}

// ExprEnv is what a CustomExpr expression sees for each touch, by the
// names in the expr tags: index, count, first, last, age_hours, age_days,
// kind, channel, partner, campaign, device, source, milestone, metadata.
type ExprEnv struct {
	Index     int               `expr:"index"`     // position in the journey, from 0
	Count     int               `expr:"count"`     // number of eligible touches
	First     bool              `expr:"first"`     // index == 0
	Last      bool              `expr:"last"`      // index == count-1
	AgeHours  float64           `expr:"age_hours"` // hours from the touch to the conversion
	AgeDays   float64           `expr:"age_days"`  // days from the touch to the conversion
	Kind      string            `expr:"kind"`
	Channel   string            `expr:"channel"`
	Partner   string            `expr:"partner"`
	Campaign  string            `expr:"campaign"`
	Device    string            `expr:"device"`
	Source    string            `expr:"source"`
	Milestone string            `expr:"milestone"`
	Metadata  map[string]string `expr:"metadata"`
}

// MaxExprNodes bounds the size of a CustomExpr expression.
const MaxExprNodes = 1000

// CustomExpr returns a Model that weighs each touch by an expr expression
// (github.com/expr-lang/expr) over ExprEnv, e.g.
//
//	first ? 2 : (kind == "view" ? 0.5 : 1) * 2 ** (-age_days / 7)
//
// The expression is compiled once, type-checked against ExprEnv, and must
// give a number; the builtins that read the clock or the local time zone
// (now, date, timezone) are disabled, so the weights depend on the journey
// alone. A weight that is NaN, infinite or negative, or a run-time error,
// makes the conversion fail with ErrInvalidWeight. A compile error is an
// *ExprError (ErrExpression) with the line and column.
func CustomExpr(src string) (Model, error) {
	prog, err := expr.Compile(src,
		expr.Env(ExprEnv{}),
		expr.AsFloat64(),
		expr.DisableBuiltin("now"),
		expr.DisableBuiltin("date"),
		expr.DisableBuiltin("timezone"),
		expr.MaxNodes(MaxExprNodes),
	)
	if err != nil {
		return nil, &ExprError{Expr: clip(src, 80), Err: err}
	}
	return customExpr{prog: prog, name: "custom_expr(" + strings.TrimSpace(src) + ")"}, nil
}

type customExpr struct {
	prog *vm.Program
	name string
}

func (m customExpr) Name() string { return m.name }
func (m customExpr) Weigh(j *Journey, dst []uint64) error {
	if j.vm == nil {
		j.vm = new(vm.VM)
	}
	w := j.scratch(len(dst))
	env := &j.env
	for i := range j.Touches {
		t := j.Touches[i]
		a := age(j.Conversion, t)
		*env = ExprEnv{
			Index: i, Count: len(j.Touches), First: i == 0, Last: i == len(j.Touches)-1,
			AgeHours: a.Hours(), AgeDays: a.Hours() / 24,
			Kind: string(t.Kind), Channel: t.Channel, Partner: t.Partner, Campaign: t.Campaign,
			Device: t.Device, Source: t.Source, Milestone: string(t.Milestone), Metadata: t.Metadata,
		}
		out, err := j.vm.Run(m.prog, env)
		if err != nil {
			return fmt.Errorf("%w: touch %q: %v", ErrInvalidWeight, clip(t.ID, 64), err)
		}
		x, ok := out.(float64)
		if !ok || math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
			return fmt.Errorf("%w: touch %q weighs %v", ErrInvalidWeight, clip(t.ID, 64), out)
		}
		w[i] = x
	}
	return fixedPoint(dst, w)
}
