package rules

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/accruehq/accrue"
	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
)

// Compiled is a checked plan version, ready to evaluate: expressions
// compiled to closures or bytecode, amounts in minor units, rates as exact
// factors. It is immutable and safe for concurrent use; compile a version
// once and share it (a PlanSet keeps one per content hash).
type Compiled struct {
	plan     Plan
	hash     string
	currency accrue.Currency
	loc      *time.Location
	mode     accrue.RoundingMode
	period   Period
	hit      hitPolicy
	clawback time.Duration // 0: no limit

	capPartnerPeriod, capLifetime, capPlan int64 // -1: none

	holds []*compiledCond
	rules []*compiledRule // ordered by priority, then plan order

	needPeriod, needLifetime, needVM bool
	hasMilestones                    bool
	maxMatches                       int // bound on matching rules per event
}

type hitPolicy uint8

const (
	hitFirst hitPolicy = iota + 1
	hitCollect
	hitBest
)

type outcome uint8

const (
	outPercent outcome = iota + 1
	outFlat
	outPerUnit
	outFormula
	outTiers
	outMilestone
)

type tierMode uint8

const (
	tierGraduated tierMode = iota + 1
	tierRetroactive
	tierHighest
	tierStep
	tierDecelerator
)

var tierModes = map[string]tierMode{
	"graduated": tierGraduated, "marginal": tierGraduated, "retroactive": tierRetroactive,
	"highest": tierHighest, "step": tierStep, "decelerator": tierDecelerator,
}

// compiledCond is a compiled condition: a fast closure, or a program.
type compiledCond struct {
	id     string
	src    string
	reason string // holds only
	fast   condFn
	prog   *vm.Program
}

type band struct {
	from int64 // minor units or count
	rate factor
}

type compiledRule struct {
	id       string
	priority int
	cond     compiledCond
	kind     outcome

	rate    factor      // outPercent
	amount  int64       // outFlat, outPerUnit, outMilestone (minor units)
	formula *vm.Program // outFormula

	tierMode    tierMode
	tierByCount bool
	tierPeriod  Period
	bands       []band

	milestoneCount  int64
	milestonePeriod Period

	floor, cap, periodCap int64 // -1: none

	recurMonths, recurPayments int
	recurring                  bool

	overrides    []factor
	splitPartner []string // "" is the event's partner
	splitWeights []uint64

	tierScope, capScope, milestoneScope string
}

// Plan returns (a copy of) the plan as declared.
func (c *Compiled) Plan() Plan { return clonePlan(c.plan) }

// rule returns the rule with the given id, or nil.
func (c *Compiled) rule(id string) *compiledRule {
	for _, r := range c.rules {
		if r.id == id {
			return r
		}
	}
	return nil
}

// Hash returns the version's content hash (Plan.Hash).
func (c *Compiled) Hash() string { return c.hash }

// ID returns the plan id.
func (c *Compiled) ID() string { return c.plan.ID }

// Currency returns the plan's currency.
func (c *Compiled) Currency() accrue.Currency { return c.currency }

// Compile checks p and compiles it. Every problem is a *CompileError naming
// the rule and field, with the line and column inside an expression:
// syntax and type errors, unknown fields and functions, an outcome missing
// or doubled, tier tables not starting at 0, not ascending or with gaps,
// negative rates or amounts, caps below floors, a missing or unknown time
// zone.
func Compile(p Plan) (c *Compiled, err error) {
	cp := &compiler{plan: p}
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, &CompileError{Plan: p.ID, Msg: fmt.Sprintf("rejected: %v", r)}
		}
	}()
	return cp.compile()
}

type compiler struct {
	plan Plan
	c    *Compiled
}

func (cp *compiler) fail(rule, field, format string, args ...any) error {
	return &CompileError{Plan: cp.plan.ID, Rule: rule, Field: field, Msg: fmt.Sprintf(format, args...)}
}

func (cp *compiler) wrap(rule, field string, err error) error {
	return &CompileError{Plan: cp.plan.ID, Rule: rule, Field: field, Msg: err.Error(), Err: err}
}

func (cp *compiler) compile() (*Compiled, error) {
	p := cp.plan
	c := &Compiled{plan: clonePlan(p), hash: p.Hash()}
	cp.c = c
	if p.ID == "" {
		return nil, cp.fail("", "id", "missing")
	}
	cur, err := accrue.LookupCurrency(p.Currency)
	if err != nil {
		return nil, cp.wrap("", "currency", err)
	}
	c.currency = cur
	if p.ValidFrom.IsZero() {
		return nil, cp.fail("", "valid_from", "missing")
	}
	for _, t := range []time.Time{p.ValidFrom, p.ValidUntil} {
		if y := t.Year(); y < 1 || y > 9999 {
			if !t.IsZero() {
				return nil, cp.fail("", "valid_from", "year %d outside 1-9999", y)
			}
		}
	}
	if !p.ValidUntil.IsZero() && !p.ValidUntil.After(p.ValidFrom) {
		return nil, cp.fail("", "valid_until", "must be after valid_from")
	}
	if p.TimeZone == "" || p.TimeZone == "Local" {
		return nil, cp.fail("", "time_zone", "an explicit IANA zone is required (\"UTC\", \"Europe/Berlin\")")
	}
	if c.loc, err = time.LoadLocation(p.TimeZone); err != nil {
		return nil, cp.wrap("", "time_zone", err)
	}
	c.mode = accrue.HalfUp
	if p.Rounding != "" {
		if c.mode, err = accrue.ParseRoundingMode(p.Rounding); err != nil {
			return nil, cp.wrap("", "rounding", err)
		}
	}
	if c.period, err = parsePeriod(p.Period, Month); err != nil {
		return nil, cp.wrap("", "period", err)
	}
	switch p.HitPolicy {
	case "", "first":
		c.hit = hitFirst
	case "collect":
		c.hit = hitCollect
	case "best":
		c.hit = hitBest
	default:
		return nil, cp.fail("", "hit_policy", "unknown %q (want first, collect or best)", clipText(p.HitPolicy))
	}
	if p.ClawbackDays < 0 || p.ClawbackDays > 100*366 {
		return nil, cp.fail("", "clawback_days", "%d out of range", p.ClawbackDays)
	}
	c.clawback = time.Duration(p.ClawbackDays) * 24 * time.Hour
	if c.capPartnerPeriod, err = cp.amount(p.Caps.PartnerPeriod); err != nil {
		return nil, cp.wrap("", "caps.partner_period", err)
	}
	if c.capLifetime, err = cp.amount(p.Caps.Lifetime); err != nil {
		return nil, cp.wrap("", "caps.lifetime", err)
	}
	if c.capPlan, err = cp.amount(p.Caps.Plan); err != nil {
		return nil, cp.wrap("", "caps.plan", err)
	}
	seen := map[string]bool{}
	for i, h := range p.Holds {
		if h.ID == "" || seen["hold:"+h.ID] {
			return nil, cp.fail(h.ID, fmt.Sprintf("holds[%d].id", i), "missing or duplicate")
		}
		seen["hold:"+h.ID] = true
		if h.Reason == "" {
			return nil, cp.fail(h.ID, "reason", "missing")
		}
		cond, err := cp.condition(h.ID, h.When)
		if err != nil {
			return nil, err
		}
		cond.reason = h.Reason
		c.holds = append(c.holds, cond)
	}
	if len(p.Rules) == 0 {
		return nil, cp.fail("", "rules", "a plan needs at least one rule")
	}
	for i, r := range p.Rules {
		if r.ID == "" || seen[r.ID] {
			return nil, cp.fail(r.ID, fmt.Sprintf("rules[%d].id", i), "missing or duplicate")
		}
		seen[r.ID] = true
		cr, err := cp.rule(r)
		if err != nil {
			return nil, err
		}
		c.rules = append(c.rules, cr)
	}
	c.maxMatches = len(c.rules)
	if c.hit == hitFirst {
		c.maxMatches = 1
		for _, r := range c.rules {
			if r.kind == outMilestone {
				c.hasMilestones = true
				c.maxMatches++
			}
		}
	}
	slices.SortStableFunc(c.rules, func(a, b *compiledRule) int { return a.priority - b.priority })
	return c, nil
}

// amount parses an optional non-negative amount in minor units; "" is -1.
func (cp *compiler) amount(s string) (int64, error) {
	if s == "" {
		return -1, nil
	}
	u, err := parseUnits(s, cp.c.currency)
	if err != nil {
		return 0, err
	}
	if u < 0 {
		return 0, errors.New("must not be negative")
	}
	return u, nil
}

// percent parses a non-negative percentage into a factor.
func percent(s string) (factor, error) {
	d, err := parseDecimalText(s)
	if err != nil {
		return factor{}, err
	}
	return newFactor(d, 2)
}

func (cp *compiler) rule(r Rule) (*compiledRule, error) {
	cr := &compiledRule{
		id: r.ID, priority: r.Priority,
		tierScope: "tiers:" + r.ID, capScope: "cap:" + r.ID, milestoneScope: "milestone:" + r.ID,
	}
	cond, err := cp.condition(r.ID, r.When)
	if err != nil {
		return nil, err
	}
	cr.cond = *cond
	n := 0
	for _, set := range []bool{r.Percent != "", r.Flat != "", r.PerUnit != "", r.Formula != "", r.Tiers != nil, r.Milestone != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return nil, cp.fail(r.ID, "outcome", "want exactly one of percent, flat, per_unit, formula, tiers, milestone; have %d", n)
	}
	switch {
	case r.Percent != "":
		cr.kind = outPercent
		if cr.rate, err = percent(r.Percent); err != nil {
			return nil, cp.wrap(r.ID, "percent", err)
		}
	case r.Flat != "":
		cr.kind = outFlat
		if cr.amount, err = cp.amount(r.Flat); err != nil {
			return nil, cp.wrap(r.ID, "flat", err)
		}
	case r.PerUnit != "":
		cr.kind = outPerUnit
		if cr.amount, err = cp.amount(r.PerUnit); err != nil {
			return nil, cp.wrap(r.ID, "per_unit", err)
		}
	case r.Formula != "":
		cr.kind = outFormula
		prog, err := cp.program(r.ID, "formula", r.Formula)
		if err != nil {
			return nil, err
		}
		if t := prog.Node().Type(); t != reflect.TypeOf(Decimal{}) && t != reflect.TypeOf(0) {
			return nil, cp.fail(r.ID, "formula", "must return a decimal amount (or an int), not %v", t)
		}
		cr.formula = prog
		cp.c.needVM = true
	case r.Tiers != nil:
		cr.kind = outTiers
		if err := cp.tiers(cr, r.Tiers); err != nil {
			return nil, err
		}
	case r.Milestone != nil:
		cr.kind = outMilestone
		m := r.Milestone
		if m.Count < 1 {
			return nil, cp.fail(r.ID, "milestone.count", "must be at least 1")
		}
		cr.milestoneCount = int64(m.Count)
		if cr.milestonePeriod, err = parsePeriod(m.Period, cp.c.period); err != nil {
			return nil, cp.wrap(r.ID, "milestone.period", err)
		}
		if cr.amount, err = cp.amount(m.Bonus); err != nil || m.Bonus == "" {
			if err == nil {
				err = errors.New("missing")
			}
			return nil, cp.wrap(r.ID, "milestone.bonus", err)
		}
	}
	if cr.floor, err = cp.amount(r.Floor); err != nil {
		return nil, cp.wrap(r.ID, "floor", err)
	}
	if cr.cap, err = cp.amount(r.Cap); err != nil {
		return nil, cp.wrap(r.ID, "cap", err)
	}
	if cr.cap >= 0 && cr.floor > cr.cap {
		return nil, cp.fail(r.ID, "cap", "cap %s is below floor %s", r.Cap, r.Floor)
	}
	if cr.periodCap, err = cp.amount(r.PeriodCap); err != nil {
		return nil, cp.wrap(r.ID, "period_cap", err)
	}
	if rc := r.Recurring; rc != nil {
		set := 0
		for _, b := range []bool{rc.Months > 0, rc.Payments > 0, rc.Lifetime} {
			if b {
				set++
			}
		}
		if set != 1 || rc.Months < 0 || rc.Payments < 0 {
			return nil, cp.fail(r.ID, "recurring", "want exactly one of months > 0, payments > 0, lifetime")
		}
		cr.recurring, cr.recurMonths, cr.recurPayments = true, rc.Months, rc.Payments
	}
	for i, o := range r.Overrides {
		f, err := percent(o)
		if err != nil {
			return nil, cp.wrap(r.ID, fmt.Sprintf("overrides[%d]", i), err)
		}
		cr.overrides = append(cr.overrides, f)
	}
	if err := cp.split(cr, r.Split); err != nil {
		return nil, err
	}
	return cr, nil
}

func (cp *compiler) tiers(cr *compiledRule, t *Tiers) error {
	var ok bool
	if cr.tierMode, ok = tierModes[t.Mode]; !ok {
		return cp.fail(cr.id, "tiers.mode", "unknown %q (want graduated, retroactive, highest, step or decelerator)", clipText(t.Mode))
	}
	switch t.By {
	case "", "amount":
	case "count":
		cr.tierByCount = true
	default:
		return cp.fail(cr.id, "tiers.by", "unknown %q (want amount or count)", clipText(t.By))
	}
	var err error
	if cr.tierPeriod, err = parsePeriod(t.Period, cp.c.period); err != nil {
		return cp.wrap(cr.id, "tiers.period", err)
	}
	if len(t.Bands) == 0 {
		return cp.fail(cr.id, "tiers.bands", "no bands")
	}
	for i, b := range t.Bands {
		field := fmt.Sprintf("tiers.bands[%d]", i)
		from, err := cp.bound(b.From, cr.tierByCount)
		if err != nil {
			return cp.wrap(cr.id, field+".from", err)
		}
		switch {
		case i == 0 && from != 0:
			return cp.fail(cr.id, field+".from", "the first band must start at 0, not %s", b.From)
		case i > 0 && from <= cr.bands[i-1].from:
			return cp.fail(cr.id, field+".from", "bands must ascend: %s is not above %s", b.From, t.Bands[i-1].From)
		}
		if b.UpTo != "" {
			upTo, err := cp.bound(b.UpTo, cr.tierByCount)
			if err != nil {
				return cp.wrap(cr.id, field+".up_to", err)
			}
			if i+1 < len(t.Bands) {
				next, err := cp.bound(t.Bands[i+1].From, cr.tierByCount)
				if err == nil && upTo != next {
					return cp.fail(cr.id, field+".up_to", "gap or overlap: up_to %s but the next band starts at %s", b.UpTo, t.Bands[i+1].From)
				}
			} else if upTo <= from {
				return cp.fail(cr.id, field+".up_to", "must be above from")
			}
		}
		rate, err := percent(b.Percent)
		if err != nil {
			return cp.wrap(cr.id, field+".percent", err)
		}
		if i > 0 && cr.tierMode == tierDecelerator && rate.text.Cmp(cr.bands[i-1].rate.text) > 0 {
			return cp.fail(cr.id, field+".percent", "a decelerator's rates must not increase")
		}
		cr.bands = append(cr.bands, band{from: from, rate: rate})
	}
	return nil
}

// bound parses a tier boundary: an amount, or a whole count.
func (cp *compiler) bound(s string, count bool) (int64, error) {
	if !count {
		u, err := cp.amount(s)
		if err == nil && u < 0 {
			err = errors.New("missing")
		}
		return u, err
	}
	d, err := parseDecimalText(s)
	if err != nil {
		return 0, err
	}
	if !d.IsInteger() || d.Sign() < 0 || d.NumDigits() > 18 {
		return 0, fmt.Errorf("count %s is not a whole number ≥ 0", s)
	}
	return d.IntPart(), nil
}

func (cp *compiler) split(cr *compiledRule, shares []Share) error {
	if len(shares) == 0 {
		return nil
	}
	ws := make([]string, len(shares))
	seen := map[string]bool{}
	for i, s := range shares {
		if seen[s.Partner] {
			return cp.fail(cr.id, fmt.Sprintf("split[%d].partner", i), "duplicate partner %q", clipText(s.Partner))
		}
		seen[s.Partner] = true
		ws[i] = s.Share
		cr.splitPartner = append(cr.splitPartner, s.Partner)
	}
	weights, err := accrue.ParseWeights(ws...)
	if err != nil {
		return cp.wrap(cr.id, "split", err)
	}
	// Scale the weights to integers at their common exponent.
	minExp := int32(0)
	for _, w := range weights {
		if w.Sign() > 0 && w.Exponent() < minExp {
			minExp = w.Exponent()
		}
	}
	var sum uint64
	for _, w := range weights {
		s := w.Shift(-minExp)
		if s.NumDigits() > 18 {
			return cp.fail(cr.id, "split", "share %s is too precise", w)
		}
		u := uint64(s.IntPart())
		sum += u
		if sum > 1<<62 {
			return cp.fail(cr.id, "split", "shares too large")
		}
		cr.splitWeights = append(cr.splitWeights, u)
	}
	if sum == 0 {
		return cp.fail(cr.id, "split", "all shares are zero")
	}
	return nil
}

// condition compiles a when/guard expression; "" is always true.
func (cp *compiler) condition(id, src string) (*compiledCond, error) {
	c := &compiledCond{id: id, src: src}
	if strings.TrimSpace(src) == "" {
		c.fast = func(*exprEnv) bool { return true }
		return c, nil
	}
	prog, err := cp.program(id, "when", src, expr.AsBool())
	if err != nil {
		return nil, err
	}
	c.prog = prog
	if f, ok := fastCondition(src, cp.c.currency.MinorUnits()); ok {
		c.fast = f
	} else {
		cp.c.needVM = true
	}
	return c, nil
}

// program compiles an expression against the declared environment.
func (cp *compiler) program(id, field, src string, extra ...expr.Option) (*vm.Program, error) {
	if len(src) > 4096 {
		return nil, cp.fail(id, field, "expression longer than 4096 bytes")
	}
	opts := append(exprOptions(), extra...)
	prog, err := expr.Compile(src, opts...)
	if err != nil {
		ce := &CompileError{Plan: cp.plan.ID, Rule: id, Field: field, Msg: err.Error(), Err: err}
		var fe *file.Error
		if errors.As(err, &fe) {
			ce.Msg = envNames.Replace(fe.Message)
			ce.Line, ce.Column = fe.Line, fe.Column+1
			if ce.Line == 0 {
				ce.Line, ce.Column = position([]byte(src), int64(fe.From))
			}
		}
		return nil, ce
	}
	if strings.Contains(src, "period") {
		cp.c.needPeriod = true
	}
	if strings.Contains(src, "lifetime") {
		cp.c.needLifetime = true
	}
	return prog, nil
}

// envNames turns the environment's Go type names in expr's messages into
// the names plan authors write.
var envNames = strings.NewReplacer("type rules.eventEnv", "event", "type rules.partnerEnv", "partner",
	"type rules.totalsEnv", "period", "rules.eventEnv", "event", "rules.partnerEnv", "partner", "rules.totalsEnv", "totals")

// clonePlan copies the slices of p so that a Compiled never shares memory
// with its caller.
func clonePlan(p Plan) Plan {
	p.Holds = slices.Clone(p.Holds)
	p.Rules = slices.Clone(p.Rules)
	for i := range p.Rules {
		r := &p.Rules[i]
		if r.Tiers != nil {
			t := *r.Tiers
			t.Bands = slices.Clone(t.Bands)
			r.Tiers = &t
		}
		if r.Milestone != nil {
			m := *r.Milestone
			r.Milestone = &m
		}
		if r.Recurring != nil {
			rc := *r.Recurring
			r.Recurring = &rc
		}
		r.Overrides = slices.Clone(r.Overrides)
		r.Split = slices.Clone(r.Split)
	}
	return p
}
