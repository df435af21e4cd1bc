package rules

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/accruehq/accrue"
	"github.com/expr-lang/expr/vm"
	"github.com/shopspring/decimal"
)

// Engine evaluates events against a PlanSet, reading and updating
// period-to-date totals through an Aggregates. It is safe for concurrent use
// (events of one partner one at a time; see Aggregates).
type Engine struct {
	plans *PlanSet
	agg   Aggregates
	rates accrue.RateSource
	pool  sync.Pool // *evalState
}

// Option configures an Engine.
type Option func(*Engine)

// WithRates sets the source of exchange rates for events in a currency other
// than their plan's. Without one such events fail with accrue.ErrNoRate.
func WithRates(r accrue.RateSource) Option { return func(e *Engine) { e.rates = r } }

// NewEngine returns an engine over plans. A nil agg means a fresh
// MemoryAggregates. It panics if plans is nil (a programmer error).
func NewEngine(plans *PlanSet, agg Aggregates, opts ...Option) *Engine {
	if plans == nil {
		panic("rules: NewEngine with a nil PlanSet")
	}
	if agg == nil {
		agg = NewMemoryAggregates()
	}
	e := &Engine{plans: plans, agg: agg}
	for _, o := range opts {
		o(e)
	}
	e.pool.New = func() any {
		st := &evalState{}
		st.env.bind()
		st.vm.MemoryBudget = MemoryBudget
		return st
	}
	return e
}

// Plans returns the engine's plan set.
func (e *Engine) Plans() *PlanSet { return e.plans }

// Evaluate computes the commission lines of ev under the plan version in
// force at ev.Time, and adds the event to the period-to-date totals. A
// refund or chargeback (Kind.IsReversal) instead claws back ev.Original.
//
// Given the same totals, the same event and the same plan version, Evaluate
// returns the same lines, bit for bit. On error it returns no lines and
// changes no totals; a rule that fails is an *EvalError naming it.
func (e *Engine) Evaluate(ctx context.Context, ev Event) ([]Line, error) {
	lines, _, err := e.evaluate(ctx, ev, nil, false, true)
	return lines, err
}

// EvaluateExplain is Evaluate, also returning the Explanation.
func (e *Engine) EvaluateExplain(ctx context.Context, ev Event) ([]Line, *Explanation, error) {
	return e.evaluate(ctx, ev, nil, true, true)
}

// Preview is EvaluateExplain without updating the totals: what the event
// would earn now.
func (e *Engine) Preview(ctx context.Context, ev Event) ([]Line, *Explanation, error) {
	return e.evaluate(ctx, ev, nil, true, false)
}

// evalState is the per-evaluation scratch space, pooled.
type evalState struct {
	env    exprEnv
	vm     vm.VM
	deltas []Delta
	cands  []cand
	lines  []Line
	parts  []int64
	keys   []Key
	totals []Totals
}

// cand is a matched rule's outcome.
type cand struct {
	r        *compiledRule
	typ      LineType
	amount   int64 // after the rule's floor and line cap
	trueUp   int64
	selected bool
	recs     []CapRecord
	tr       *RuleTrace
	before   Totals // the rule's own period totals (tiers, milestones)
	key      Key
}

func (e *Engine) evaluate(ctx context.Context, ev Event, force *Compiled, explain, commit bool) ([]Line, *Explanation, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if ev.ID == "" {
		return nil, nil, fmt.Errorf("%w: event without id", ErrInvalidEvent)
	}
	if ev.Time.IsZero() {
		return nil, nil, fmt.Errorf("%w: event %q without time", ErrInvalidEvent, clipText(ev.ID))
	}
	if ev.Amount.IsNegative() || ev.Units < 0 {
		return nil, nil, fmt.Errorf("%w: event %q: negative amount or units", ErrInvalidEvent, clipText(ev.ID))
	}
	st := e.pool.Get().(*evalState)
	defer e.release(st)
	var x *Explanation
	if explain {
		x = &Explanation{Event: ev.ID, Kind: ev.Kind, Time: ev.Time, Basis: ev.Amount}
	}
	var err error
	if ev.Kind.IsReversal() {
		err = e.reverse(ctx, st, ev, x)
	} else {
		c := force
		if c == nil {
			if c, err = e.plans.At(ev.Plan, ev.Time); err != nil {
				return nil, nil, err
			}
		}
		err = e.earn(ctx, st, c, ev, x)
	}
	if err != nil {
		return nil, nil, err
	}
	if commit && len(st.deltas) > 0 {
		if err := e.agg.Add(ctx, st.deltas); err != nil {
			return nil, nil, fmt.Errorf("rules: event %q: update totals: %w", clipText(ev.ID), err)
		}
	}
	out := make([]Line, len(st.lines))
	copy(out, st.lines)
	if x != nil {
		x.Lines = out
	}
	return out, x, nil
}

// release returns st to the pool. The buffers keep their stale contents
// (overwritten by the next evaluation) rather than paying to clear them.
func (e *Engine) release(st *evalState) {
	st.lines, st.cands, st.deltas, st.parts = st.lines[:0], st.cands[:0], st.deltas[:0], st.parts[:0]
	e.pool.Put(st)
}

// get reads totals, wrapping the error.
func (e *Engine) get(ctx context.Context, k Key) (Totals, error) {
	t, err := e.agg.Get(ctx, k)
	if err != nil {
		return Totals{}, fmt.Errorf("rules: read totals %s/%s/%s: %w", clipText(k.Partner), clipText(k.Plan), k.Scope, err)
	}
	return t, nil
}

// getPlanTotals reads the plan-level totals the plan needs — the partner's
// period and lifetime, the plan's period — in one GetMany when the
// Aggregates can, else one Get each.
func (e *Engine) getPlanTotals(ctx context.Context, st *evalState, c *Compiled, keys [3]Key, dst [3]*Totals) error {
	need := [3]bool{c.needPeriod || c.capPartnerPeriod >= 0, c.needLifetime || c.capLifetime >= 0, c.capPlan >= 0}
	st.keys, st.totals = st.keys[:0], st.totals[:0]
	for i, k := range keys {
		if need[i] {
			st.keys, st.totals = append(st.keys, k), append(st.totals, Totals{})
		}
	}
	if len(st.keys) == 0 {
		return nil
	}
	if bg, ok := e.agg.(BatchGetter); ok {
		if err := bg.GetMany(ctx, st.keys, st.totals); err != nil {
			return fmt.Errorf("rules: read totals for plan %s: %w", clipText(c.plan.ID), err)
		}
	} else {
		for i, k := range st.keys {
			t, err := e.get(ctx, k)
			if err != nil {
				return err
			}
			st.totals[i] = t
		}
	}
	j := 0
	for i := range keys {
		if need[i] {
			*dst[i] = st.totals[j]
			j++
		}
	}
	return nil
}

// earn evaluates a sale-like event.
func (e *Engine) earn(ctx context.Context, st *evalState, c *Compiled, ev Event, x *Explanation) error {
	cur := c.currency
	amt := ev.Amount
	var rate *accrue.Rate
	if amt.Currency().IsZero() {
		if !amt.IsZero() {
			return fmt.Errorf("%w: event %q: amount %s has no currency", ErrInvalidEvent, clipText(ev.ID), amt)
		}
		amt = accrue.Zero(cur)
	} else if amt.Currency() != cur {
		if e.rates == nil {
			return fmt.Errorf("%w: event %q is in %s, plan %q in %s, and the engine has no rate source", accrue.ErrNoRate, clipText(ev.ID), amt.Currency(), clipText(c.plan.ID), cur)
		}
		r, err := e.rates.Rate(ctx, amt.Currency(), cur, ev.Time)
		if err != nil {
			return fmt.Errorf("rules: event %q: %w", clipText(ev.ID), err)
		}
		rate = &r
		if amt, err = r.Convert(amt, c.mode); err != nil {
			return fmt.Errorf("rules: event %q: %w", clipText(ev.ID), err)
		}
	}
	units, err := minorUnits(amt)
	if err != nil {
		return fmt.Errorf("%w: event %q amount: %v", ErrInvalidEvent, clipText(ev.ID), err)
	}
	partner := ev.Partner.ID
	pStart := c.period.start(ev.Time, c.loc)
	kPeriod := Key{Partner: partner, Plan: c.plan.ID, Period: c.period, Start: pStart}
	kLife := Key{Partner: partner, Plan: c.plan.ID, Period: Lifetime}
	kPlan := Key{Plan: c.plan.ID, Period: c.period, Start: pStart}
	var tPeriod, tLife, tPlan Totals
	if err := e.getPlanTotals(ctx, st, c, [3]Key{kPeriod, kLife, kPlan}, [3]*Totals{&tPeriod, &tLife, &tPlan}); err != nil {
		return err
	}
	e.fillEnv(st, c, ev, amt, units, tPeriod, tLife)
	if x != nil {
		x.Plan, x.Version, x.Label, x.Currency, x.Amount, x.Rate = c.plan.ID, c.hash, c.plan.Version, cur, units, rate
		x.HitPolicy = hitNames[c.hit]
		x.plan = c
		if len(c.rules) <= len(x.stateBuf) {
			x.state = x.stateBuf[:len(c.rules)]
		} else {
			x.state = make([]uint8, len(c.rules))
		}
		if c.maxMatches <= len(x.ruleBuf) {
			x.Rules = x.ruleBuf[:0:c.maxMatches]
		} else {
			x.Rules = make([]RuleTrace, 0, c.maxMatches)
		}
	}

	// Review holds.
	status, reason := Payable, ""
	for _, h := range c.holds {
		ok, err := e.test(ctx, st, c, h, ev)
		if err != nil {
			return err
		}
		if x != nil {
			x.Holds = append(x.Holds, HoldTrace{ID: h.id, When: h.src, Reason: h.reason, Matched: ok})
		}
		if ok && status == Payable {
			status, reason = OnHold, h.reason
		}
	}

	// Rules.
	taken := false
	for i, r := range c.rules {
		if r.kind != outMilestone && c.hit == hitFirst && taken {
			if !c.hasMilestones {
				break
			}
			continue
		}
		if r.recurring && !recurOK(r, ev, c.loc) {
			if x != nil {
				x.state[i] = ruleSkipped
			}
			continue
		}
		ok, err := e.test(ctx, st, c, &r.cond, ev)
		if err != nil {
			return err
		}
		if x != nil {
			x.state[i] = ruleNoMatch
			if ok {
				x.state[i] = ruleMatched
			}
		}
		if !ok {
			continue
		}
		var tr *RuleTrace
		if x != nil {
			// Capacity maxMatches bounds the matches: no reallocation, so
			// tr stays valid.
			x.Rules = append(x.Rules, RuleTrace{Rule: r.id, When: r.cond.src})
			tr = &x.Rules[len(x.Rules)-1]
		}
		cd := cand{r: r, typ: Commission, tr: tr}
		if err := e.outcome(ctx, st, c, r, ev, units, pStart, &cd); err != nil {
			return &EvalError{Plan: c.plan.ID, Version: c.hash, Rule: r.id, Event: ev.ID, Err: err}
		}
		st.cands = append(st.cands, cd)
		if r.kind != outMilestone {
			taken = true
		}
	}
	selectCandidates(st.cands, c.hit)

	// Caps, lines, overrides, totals.
	used := [3]int64{tPeriod.Commission, tLife.Commission, tPlan.Commission}
	var total int64
	for i := range st.cands {
		cd := &st.cands[i]
		if cd.tr != nil {
			cd.tr.Selected = cd.selected
		}
		if !cd.selected {
			if cd.r.kind == outMilestone {
				st.deltas = append(st.deltas, Delta{Key: cd.key, Totals: Totals{Volume: units, Count: 1}})
			}
			continue
		}
		paid, err := e.capAndEmit(ctx, st, c, ev, cd, cd.typ, cd.amount, &used, pStart, status, reason, rate)
		if err != nil {
			return err
		}
		if cd.trueUp > 0 {
			tu, err := e.capAndEmit(ctx, st, c, ev, cd, TrueUp, cd.trueUp, &used, pStart, status, reason, rate)
			if err != nil {
				return err
			}
			paid += tu
		}
		if cd.tr != nil {
			cd.tr.Paid = paid
		}
		total += paid
		if cd.key.Scope != "" {
			st.deltas = append(st.deltas, Delta{Key: cd.key, Totals: Totals{Volume: units, Count: 1, Commission: paid}})
		}
	}
	st.deltas = append(st.deltas, Delta{Key: kPeriod, Totals: Totals{Volume: units, Count: 1, Commission: total}})
	if c.period != Lifetime { // else kLife is kPeriod
		st.deltas = append(st.deltas, Delta{Key: kLife, Totals: Totals{Volume: units, Count: 1, Commission: total}})
	}
	if c.capPlan >= 0 {
		st.deltas = append(st.deltas, Delta{Key: kPlan, Totals: Totals{Volume: units, Count: 1, Commission: total}})
	}
	return nil
}

var hitNames = [...]string{"", "first", "collect", "best"}

// selectCandidates marks which matched outcomes pay under the hit policy;
// milestone bonuses that were reached always pay.
func selectCandidates(cands []cand, hit hitPolicy) {
	best := -1
	for i := range cands {
		cd := &cands[i]
		if cd.r.kind == outMilestone {
			cd.selected = cd.amount >= 0
			continue
		}
		switch hit {
		case hitFirst, hitCollect:
			cd.selected = true
		case hitBest:
			// Money with money: both amounts are minor units of the plan's
			// currency after the rule's own floor and cap.
			if best < 0 || cd.amount+cd.trueUp > cands[best].amount+cands[best].trueUp {
				best = i
			}
		}
	}
	if best >= 0 {
		cands[best].selected = true
	}
}

// fillEnv loads the expression environment.
func (e *Engine) fillEnv(st *evalState, c *Compiled, ev Event, amt accrue.Money, units int64, tPeriod, tLife Totals) {
	env := &st.env
	env.ev = eventEnv{
		ID: ev.ID, Kind: string(ev.Kind), Currency: ev.Amount.Currency().Code(), Units: int(ev.Units),
		Product: ev.Product, Customer: ev.Customer, Payment: ev.Subscription.Payment, Attrs: ev.Attrs,
	}
	env.pa = partnerEnv{ID: ev.Partner.ID, Tier: ev.Partner.Tier, Country: ev.Partner.Country, Depth: len(ev.Partner.Parents), Attrs: ev.Partner.Attrs}
	env.amount = units
	env.periodVolume, env.periodCommis = tPeriod.Volume, tPeriod.Commission
	env.lifetimeVolume, env.lifetimeCommis = tLife.Volume, tLife.Commission
	env.pe.Count, env.li.Count = int(tPeriod.Count), int(tLife.Count)
	if c.needVM {
		scale := -c.currency.MinorUnits()
		env.ev.Amount = Decimal{amt.Amount()}
		if c.needPeriod {
			env.pe.Volume = Decimal{decimal.New(tPeriod.Volume, scale)}
			env.pe.Commission = Decimal{decimal.New(tPeriod.Commission, scale)}
		}
		if c.needLifetime {
			env.li.Volume = Decimal{decimal.New(tLife.Volume, scale)}
			env.li.Commission = Decimal{decimal.New(tLife.Commission, scale)}
		}
	}
}

// test evaluates a condition.
func (e *Engine) test(ctx context.Context, st *evalState, c *Compiled, cc *compiledCond, ev Event) (bool, error) {
	if cc.fast != nil {
		return cc.fast(&st.env), nil
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	out, err := st.vm.Run(cc.prog, &st.env)
	if err != nil {
		return false, &EvalError{Plan: c.plan.ID, Version: c.hash, Rule: cc.id, Event: ev.ID, Err: err}
	}
	b, _ := out.(bool)
	return b, nil
}

// recurOK reports whether a recurring rule still pays for ev.
func recurOK(r *compiledRule, ev Event, loc *time.Location) bool {
	s := ev.Subscription
	switch {
	case r.recurPayments > 0:
		return s.Payment >= 1 && s.Payment <= r.recurPayments
	case r.recurMonths > 0:
		return !s.Start.IsZero() && !ev.Time.Before(s.Start) && ev.Time.Before(s.Start.In(loc).AddDate(0, r.recurMonths, 0))
	}
	return s.ID != ""
}

var errRange = errors.New("amount out of range")

// outcome computes a matched rule's amount before plan caps.
func (e *Engine) outcome(ctx context.Context, st *evalState, c *Compiled, r *compiledRule, ev Event, units, pStart int64, cd *cand) error {
	tr := cd.tr
	var amount int64
	var ok = true
	switch r.kind {
	case outPercent:
		amount, ok = mulRound(units, r.rate, c.mode)
		if tr != nil {
			tr.Outcome, tr.Base, tr.Rate = "percent", units, r.rate.text
		}
	case outFlat:
		amount = r.amount
		if tr != nil {
			tr.Outcome = "flat"
		}
	case outPerUnit:
		amount, ok = mulInt(r.amount, ev.Units)
		if tr != nil {
			tr.Outcome, tr.Base = "per-unit", ev.Units
		}
	case outFormula:
		if err := ctx.Err(); err != nil {
			return err
		}
		out, err := st.vm.Run(r.formula, &st.env)
		if err != nil {
			return err
		}
		var d Decimal
		switch v := out.(type) {
		case Decimal:
			d = v
		case int:
			d = Decimal{decimal.NewFromInt(int64(v))}
		default:
			return fmt.Errorf("formula returned %T, not a decimal", out)
		}
		m := accrue.New(d.d, c.currency).Round(c.mode)
		if amount, err = m.MinorUnits(); err != nil {
			return err
		}
		if amount < 0 {
			return fmt.Errorf("formula returned a negative amount %s", m)
		}
		if tr != nil {
			tr.Outcome = "formula"
		}
	case outTiers:
		cd.key = Key{Partner: ev.Partner.ID, Plan: c.plan.ID, Scope: r.tierScope, Period: r.tierPeriod, Start: r.tierPeriod.start(ev.Time, c.loc)}
		before, err := e.get(ctx, cd.key)
		if err != nil {
			return err
		}
		cd.before = before
		if amount, cd.trueUp, ok = tierAmount(r, before, units, c.mode, tr); !ok {
			return errRange
		}
	case outMilestone:
		cd.typ = Bonus
		cd.key = Key{Partner: ev.Partner.ID, Plan: c.plan.ID, Scope: r.milestoneScope, Period: r.milestonePeriod, Start: r.milestonePeriod.start(ev.Time, c.loc)}
		before, err := e.get(ctx, cd.key)
		if err != nil {
			return err
		}
		cd.before = before
		if tr != nil {
			tr.Outcome, tr.Base, tr.Before = "milestone", before.Count+1, before
		}
		if before.Count+1 != r.milestoneCount {
			cd.amount = -1 // counted, not paid
			if tr != nil {
				tr.Note = fmt.Sprintf("event %d of %d in the %s: no bonus", before.Count+1, r.milestoneCount, r.milestonePeriod)
			}
			return nil
		}
		amount = r.amount
		if tr != nil {
			tr.Note = fmt.Sprintf("milestone reached: event %d of the %s", r.milestoneCount, r.milestonePeriod)
		}
	}
	if !ok {
		return errRange
	}
	if tr != nil {
		tr.Amount, tr.TrueUp = amount, cd.trueUp
	}
	if r.floor >= 0 && amount < r.floor {
		cd.recs = append(cd.recs, e.record(c, "floor", r.floor, r.floor-amount))
		if tr != nil {
			tr.Caps = append(tr.Caps, CapTrace{Cap: "floor", Limit: r.floor, Exceeded: r.floor - amount})
		}
		amount = r.floor
	}
	if r.cap >= 0 && amount > r.cap {
		cd.recs = append(cd.recs, e.record(c, "line", r.cap, amount-r.cap))
		if tr != nil {
			tr.Caps = append(tr.Caps, CapTrace{Cap: "line", Limit: r.cap, Exceeded: amount - r.cap})
		}
		amount = r.cap
	}
	cd.amount = amount
	return nil
}

func (e *Engine) record(c *Compiled, cap string, limit, exceeded int64) CapRecord {
	return CapRecord{Cap: cap, Limit: accrue.FromMinorUnits(limit, c.currency), Exceeded: accrue.FromMinorUnits(exceeded, c.currency)}
}

// capAndEmit applies the rule's period cap and the plan's caps to amount,
// then emits the line (split between partners) and its overrides. It
// returns the amount paid.
func (e *Engine) capAndEmit(ctx context.Context, st *evalState, c *Compiled, ev Event, cd *cand, typ LineType, amount int64, used *[3]int64, pStart int64, status Status, reason string, rate *accrue.Rate) (int64, error) {
	r := cd.r
	recs := cd.recs
	if typ == TrueUp {
		recs = nil
	}
	clamp := func(name string, limit, already int64) {
		room := max(limit-already, 0)
		if amount > room {
			recs = append(recs, e.record(c, name, limit, amount-room))
			if cd.tr != nil {
				cd.tr.Caps = append(cd.tr.Caps, CapTrace{Cap: name, Limit: limit, Exceeded: amount - room})
			}
			amount = room
		}
	}
	var capKey Key
	if r.periodCap >= 0 {
		k := Key{Partner: ev.Partner.ID, Plan: c.plan.ID, Scope: r.capScope, Period: c.period, Start: pStart}
		t, err := e.get(ctx, k)
		if err != nil {
			return 0, err
		}
		clamp("rule-period", r.periodCap, t.Commission+cd.pendingCap(st))
		capKey = k
	}
	if c.capPartnerPeriod >= 0 {
		clamp("partner-period", c.capPartnerPeriod, used[0])
	}
	if c.capLifetime >= 0 {
		clamp("lifetime", c.capLifetime, used[1])
	}
	if c.capPlan >= 0 {
		clamp("plan", c.capPlan, used[2])
	}
	if r.periodCap >= 0 {
		// What was paid, after every cap, so that a refund's clawback
		// frees exactly its share.
		st.deltas = append(st.deltas, Delta{Key: capKey, Totals: Totals{Commission: amount}})
	}
	for i := range used {
		used[i] += amount
	}
	return amount, e.emit(st, c, ev, r, typ, amount, recs, status, reason, rate)
}

// pendingCap is what this event already paid under the rule's period cap
// (a true-up after its commission line).
func (cd *cand) pendingCap(st *evalState) int64 {
	var sum int64
	for _, d := range st.deltas {
		if d.Key.Scope == cd.r.capScope {
			sum += d.Totals.Commission
		}
	}
	return sum
}

// emit appends the lines for amount: split between partners, then the
// overrides of the event partner's share.
func (e *Engine) emit(st *evalState, c *Compiled, ev Event, r *compiledRule, typ LineType, amount int64, recs []CapRecord, status Status, reason string, rate *accrue.Rate) error {
	partner := ev.Partner.ID
	line := func(t LineType, to string, u int64, recs []CapRecord) {
		st.lines = append(st.lines, Line{
			Seq: len(st.lines), Type: t, Partner: to, Source: partner,
			Amount: accrue.FromMinorUnits(u, c.currency), Status: status, HoldReason: reason,
			EventID: ev.ID, EventTime: ev.Time, Rule: r.id, Plan: c.plan.ID, Version: c.hash,
			Basis: ev.Amount, Rate: rate, Exceeded: recs,
		})
	}
	share := amount
	if len(r.splitWeights) == 0 {
		line(typ, partner, amount, recs)
	} else {
		parts, err := accrue.AllocateUnits(st.parts, amount, r.splitWeights)
		if err != nil {
			return &EvalError{Plan: c.plan.ID, Version: c.hash, Rule: r.id, Event: ev.ID, Err: err}
		}
		st.parts = parts
		share = 0
		for i, p := range parts {
			to := r.splitPartner[i]
			if to == "" {
				to, share = partner, p
			}
			line(typ, to, p, recs)
		}
	}
	for lvl, f := range r.overrides {
		if lvl >= len(ev.Partner.Parents) {
			break
		}
		o, ok := mulRound(share, f, c.mode)
		if !ok {
			return &EvalError{Plan: c.plan.ID, Version: c.hash, Rule: r.id, Event: ev.ID, Err: errRange}
		}
		line(Override, ev.Partner.Parents[lvl], o, nil)
	}
	return nil
}
