package rules

import (
	"slices"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
	"github.com/shopspring/decimal"
)

// The fast path compiles the condition shapes plans use most — fields
// compared with literals or fields, `in` a list of strings, a field
// contains / startsWith / endsWith / hasPrefix / hasSuffix a literal,
// and/or/not — into
// Go closures, so that most conditions cost a few nanoseconds and no
// allocation. Anything else runs on expr's virtual machine. Both paths see
// the same environment; a differential test checks they agree.

type condFn func(*exprEnv) bool

type valKind uint8

const (
	vNone  valKind = iota
	vStr           // a string field or literal (a missing attr reads as "", as in expr)
	vInt           // an int field
	vMoney         // an amount field, minor units of the plan currency
	vNum           // a numeric literal, kind decided by the other operand
	vBool          // a condition
	vSet           // a literal list of strings
)

type fval struct {
	kind valKind
	str  func(*exprEnv) (string, bool)
	num  func(*exprEnv) int64
	cond condFn
	lit  decimal.Decimal // vNum
	set  []string        // vSet
	sLit bool            // vStr is a literal
	s    string          // the literal, when sLit
	get  func(*exprEnv) string
}

// fastCondition returns a closure for src if every node of it has a fast
// form; scale is the plan currency's minor units.
func fastCondition(src string, scale int32) (condFn, bool) {
	tree, err := parser.Parse(src)
	if err != nil {
		return nil, false
	}
	v := fastNode(tree.Node, scale)
	if v.kind != vBool {
		return nil, false
	}
	return v.cond, true
}

func fastNode(n ast.Node, scale int32) fval {
	switch n := n.(type) {
	case *ast.BoolNode:
		b := n.Value
		return fval{kind: vBool, cond: func(*exprEnv) bool { return b }}
	case *ast.StringNode:
		s := n.Value
		return fval{kind: vStr, sLit: true, s: s, str: func(*exprEnv) (string, bool) { return s, true }}
	case *ast.IntegerNode:
		return fval{kind: vNum, lit: decimal.NewFromInt(int64(n.Value))}
	case *ast.FloatNode:
		d, ok := floatDecimal(n.Value)
		if !ok {
			return fval{}
		}
		return fval{kind: vNum, lit: d}
	case *ast.ArrayNode:
		set := make([]string, 0, len(n.Nodes))
		for _, e := range n.Nodes {
			s, ok := e.(*ast.StringNode)
			if !ok {
				return fval{}
			}
			set = append(set, s.Value)
		}
		return fval{kind: vSet, set: set}
	case *ast.MemberNode:
		return fastMember(n)
	case *ast.UnaryNode:
		x := fastNode(n.Node, scale)
		switch {
		case (n.Operator == "!" || n.Operator == "not") && x.kind == vBool:
			c := x.cond
			return fval{kind: vBool, cond: func(e *exprEnv) bool { return !c(e) }}
		case n.Operator == "-" && x.kind == vNum:
			return fval{kind: vNum, lit: x.lit.Neg()}
		}
	case *ast.BinaryNode:
		return fastBinary(n, scale)
	case *ast.BuiltinNode:
		if (n.Name == "hasPrefix" || n.Name == "hasSuffix") && len(n.Arguments) == 2 {
			op := map[string]string{"hasPrefix": "startsWith", "hasSuffix": "endsWith"}[n.Name]
			return stringTest(op, fastNode(n.Arguments[0], scale), fastNode(n.Arguments[1], scale))
		}
	}
	return fval{}
}

// stringTest compiles a field tested against a literal with contains,
// startsWith or endsWith.
func stringTest(op string, l, r fval) fval {
	if l.kind != vStr || l.get == nil || r.kind != vStr || !r.sLit {
		return fval{}
	}
	get, lit := l.get, r.s
	var f condFn
	switch op {
	case "contains":
		f = func(e *exprEnv) bool { return strings.Contains(get(e), lit) }
	case "startsWith":
		f = func(e *exprEnv) bool { return strings.HasPrefix(get(e), lit) }
	case "endsWith":
		f = func(e *exprEnv) bool { return strings.HasSuffix(get(e), lit) }
	default:
		return fval{}
	}
	return fval{kind: vBool, cond: f}
}

// fastMember resolves event.x, partner.x, period.x, lifetime.x and
// event.attrs["k"] / partner.attrs["k"].
func fastMember(n *ast.MemberNode) fval {
	if n.Optional || n.Method {
		return fval{}
	}
	prop, ok := n.Property.(*ast.StringNode)
	if !ok {
		return fval{}
	}
	if inner, ok := n.Node.(*ast.MemberNode); ok {
		root, field := memberPath(inner)
		key := prop.Value
		switch {
		case root == "event" && field == "attrs":
			return strField(func(e *exprEnv) string { return e.ev.Attrs[key] })
		case root == "partner" && field == "attrs":
			return strField(func(e *exprEnv) string { return e.pa.Attrs[key] })
		}
		return fval{}
	}
	id, ok := n.Node.(*ast.IdentifierNode)
	if !ok {
		return fval{}
	}
	s := strField
	i := func(f func(*exprEnv) int64) fval { return fval{kind: vInt, num: f} }
	m := func(f func(*exprEnv) int64) fval { return fval{kind: vMoney, num: f} }
	switch id.Value + "." + prop.Value {
	case "event.id":
		return s(func(e *exprEnv) string { return e.ev.ID })
	case "event.kind":
		return s(func(e *exprEnv) string { return e.ev.Kind })
	case "event.currency":
		return s(func(e *exprEnv) string { return e.ev.Currency })
	case "event.product":
		return s(func(e *exprEnv) string { return e.ev.Product })
	case "event.customer":
		return s(func(e *exprEnv) string { return e.ev.Customer })
	case "partner.id":
		return s(func(e *exprEnv) string { return e.pa.ID })
	case "partner.tier":
		return s(func(e *exprEnv) string { return e.pa.Tier })
	case "partner.country":
		return s(func(e *exprEnv) string { return e.pa.Country })
	case "event.units":
		return i(func(e *exprEnv) int64 { return int64(e.ev.Units) })
	case "event.payment":
		return i(func(e *exprEnv) int64 { return int64(e.ev.Payment) })
	case "partner.depth":
		return i(func(e *exprEnv) int64 { return int64(e.pa.Depth) })
	case "period.count":
		return i(func(e *exprEnv) int64 { return int64(e.pe.Count) })
	case "lifetime.count":
		return i(func(e *exprEnv) int64 { return int64(e.li.Count) })
	case "event.amount":
		return m(func(e *exprEnv) int64 { return e.amount })
	case "period.volume":
		return m(func(e *exprEnv) int64 { return e.periodVolume })
	case "lifetime.volume":
		return m(func(e *exprEnv) int64 { return e.lifetimeVolume })
	case "period.commission":
		return m(func(e *exprEnv) int64 { return e.periodCommis })
	case "lifetime.commission":
		return m(func(e *exprEnv) int64 { return e.lifetimeCommis })
	}
	return fval{}
}

// strField is a string field read by get.
func strField(get func(*exprEnv) string) fval {
	return fval{kind: vStr, get: get, str: func(e *exprEnv) (string, bool) { return get(e), true }}
}

// memberPath returns "event", "attrs" for event.attrs.
func memberPath(n *ast.MemberNode) (string, string) {
	id, ok := n.Node.(*ast.IdentifierNode)
	prop, ok2 := n.Property.(*ast.StringNode)
	if !ok || !ok2 || n.Optional || n.Method {
		return "", ""
	}
	return id.Value, prop.Value
}

func fastBinary(n *ast.BinaryNode, scale int32) fval {
	l, r := fastNode(n.Left, scale), fastNode(n.Right, scale)
	if l.kind == vNone || r.kind == vNone {
		return fval{}
	}
	b := func(c condFn) fval { return fval{kind: vBool, cond: c} }
	switch n.Operator {
	case "&&", "and":
		if l.kind == vBool && r.kind == vBool {
			lc, rc := l.cond, r.cond
			return b(func(e *exprEnv) bool { return lc(e) && rc(e) })
		}
		return fval{}
	case "||", "or":
		if l.kind == vBool && r.kind == vBool {
			lc, rc := l.cond, r.cond
			return b(func(e *exprEnv) bool { return lc(e) || rc(e) })
		}
		return fval{}
	case "contains", "startsWith", "endsWith":
		return stringTest(n.Operator, l, r)
	case "in":
		if l.kind == vStr && r.kind == vSet && l.get != nil {
			get, set := l.get, slices.Clone(r.set)
			return b(func(e *exprEnv) bool { return slices.Contains(set, get(e)) })
		}
		return fval{}
	case "==", "!=":
		if l.kind == vStr && r.kind == vStr && l.sLit != r.sLit {
			// A field against a literal, the commonest shape: one call.
			get, lit := l.get, r.s
			if l.sLit {
				get, lit = r.get, l.s
			}
			if get != nil {
				if n.Operator == "!=" {
					return b(func(e *exprEnv) bool { return get(e) != lit })
				}
				return b(func(e *exprEnv) bool { return get(e) == lit })
			}
		}
		if l.kind == vStr && r.kind == vStr {
			ls, rs := l.str, r.str
			eq := func(e *exprEnv) bool {
				a, aok := ls(e)
				c, cok := rs(e)
				return aok == cok && a == c
			}
			if n.Operator == "!=" {
				return b(func(e *exprEnv) bool { return !eq(e) })
			}
			return b(eq)
		}
	}
	switch n.Operator {
	case "==", "!=", "<", "<=", ">", ">=":
	default:
		return fval{}
	}
	ln, lok := numeric(l, r, scale)
	rn, rok := numeric(r, l, scale)
	if !lok || !rok {
		return fval{}
	}
	switch n.Operator {
	case "==":
		return b(func(e *exprEnv) bool { return ln(e) == rn(e) })
	case "!=":
		return b(func(e *exprEnv) bool { return ln(e) != rn(e) })
	case "<":
		return b(func(e *exprEnv) bool { return ln(e) < rn(e) })
	case "<=":
		return b(func(e *exprEnv) bool { return ln(e) <= rn(e) })
	case ">":
		return b(func(e *exprEnv) bool { return ln(e) > rn(e) })
	}
	return b(func(e *exprEnv) bool { return ln(e) >= rn(e) })
}

// numeric returns v as an int64 closure comparable with other: ints with
// ints and integer literals, amounts with amounts and literals exact at the
// currency's scale. Anything else (a literal finer than a minor unit, an int
// against an amount) is left to the virtual machine.
func numeric(v, other fval, scale int32) (func(*exprEnv) int64, bool) {
	switch v.kind {
	case vInt:
		if other.kind == vInt || other.kind == vNum {
			return v.num, true
		}
	case vMoney:
		if other.kind == vMoney || other.kind == vNum {
			return v.num, true
		}
	case vNum:
		at := int32(0)
		switch other.kind {
		case vMoney:
			at = scale
		case vInt:
		default:
			return nil, false
		}
		s := v.lit.Shift(at)
		if !s.IsInteger() || s.NumDigits() > 18 {
			return nil, false
		}
		c := s.IntPart()
		return func(*exprEnv) int64 { return c }, true
	}
	return nil, false
}

// floatDecimal is the decimal a float literal denotes (see floatLiterals).
func floatDecimal(f float64) (decimal.Decimal, bool) {
	d, err := decimal.NewFromString(formatFloat(f))
	return d, err == nil
}
