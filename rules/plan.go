package rules

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// Plan declares one version of a commission plan: a named, versioned set of
// rules with an effective period. It is plain data, built in Go or read from
// JSON with ParsePlan; Compile checks it and turns it into a *Compiled.
//
// Amounts and rates are decimal strings ("30", "12.50"), never floats. Amounts
// are in the plan's Currency; percentages are percent ("30" is 30%).
type Plan struct {
	// ID names the plan; all versions of one plan share it.
	ID string `json:"id"`
	// Version is a human label for this version ("2026-q1"). The identity
	// of a version is its content hash (Compiled.Hash), not this label.
	Version string `json:"version,omitempty"`
	// Currency is the ISO 4217 code commissions are computed and paid in.
	// Events in other currencies are converted through the engine's
	// accrue.RateSource.
	Currency string `json:"currency"`
	// ValidFrom is the first instant the version is in force.
	ValidFrom time.Time `json:"valid_from"`
	// ValidUntil is the first instant it is no longer in force; zero means
	// open-ended.
	ValidUntil time.Time `json:"valid_until,omitzero"`
	// TimeZone is the IANA zone ("UTC", "Europe/Berlin") in which months,
	// quarters and years begin. Required: nothing defaults to the machine's
	// local zone.
	TimeZone string `json:"time_zone"`
	// Rounding names the accrue.RoundingMode for every line ("half-up",
	// "half-even", "down", "up", "ceiling", "floor"); "" means "half-up".
	Rounding string `json:"rounding,omitempty"`
	// Period is the period of the "period" aggregates visible to expressions
	// and of the plan-level partner period cap: "month" (default),
	// "quarter", "year" or "lifetime".
	Period string `json:"period,omitempty"`
	// HitPolicy decides which matching commission rules pay: "first"
	// (default: the first match by priority), "collect" (all matches add)
	// or "best" (the largest amount, comparing money with money).
	// Milestone bonuses always add.
	HitPolicy string `json:"hit_policy,omitempty"`
	// ClawbackDays is the window after an event in which its refund or
	// chargeback claws the commission back; 0 means no limit.
	ClawbackDays int `json:"clawback_days,omitempty"`
	// Caps are plan-level caps, applied after the rules' own caps.
	Caps PlanCaps `json:"caps,omitzero"`
	// Holds are review guards: a line of an event matching one is put on
	// hold with the guard's reason instead of being payable.
	Holds []Hold `json:"holds,omitempty"`
	// Rules are the commission rules.
	Rules []Rule `json:"rules"`
}

// PlanCaps are the plan-level caps, each an amount in the plan's currency or
// "" for none.
type PlanCaps struct {
	// PartnerPeriod caps one partner's commission under the plan per Period.
	PartnerPeriod string `json:"partner_period,omitempty"`
	// Lifetime caps one partner's commission under the plan for ever.
	Lifetime string `json:"lifetime,omitempty"`
	// Plan caps the commission of all partners together per Period (a
	// program budget).
	Plan string `json:"plan,omitempty"`
}

// Hold is a review guard: when its expression is true for an event, the
// event's lines are put on hold with Reason. Clawbacks are never held.
type Hold struct {
	ID     string `json:"id"`
	When   string `json:"when"`
	Reason string `json:"reason"`
}

// Rule is one commission rule: a condition and exactly one outcome (Percent,
// Flat, PerUnit, Formula, Tiers or Milestone), with optional caps, recurring
// limits, overrides and a split.
type Rule struct {
	// ID names the rule in lines, explanations and errors.
	ID string `json:"id"`
	// Priority orders rules for the "first" and "best" hit policies: lower
	// first; equal priorities keep the order of the plan.
	Priority int `json:"priority,omitempty"`
	// When is an expr condition over event, partner, period and lifetime
	// (see the package documentation); "" matches every event.
	When string `json:"when,omitempty"`

	// Percent pays this percentage of the event amount.
	Percent string `json:"percent,omitempty"`
	// Flat pays this amount per event.
	Flat string `json:"flat,omitempty"`
	// PerUnit pays this amount per unit (Event.Units).
	PerUnit string `json:"per_unit,omitempty"`
	// Formula is an expr expression returning a decimal amount.
	Formula string `json:"formula,omitempty"`
	// Tiers pays by a tier table over a period.
	Tiers *Tiers `json:"tiers,omitempty"`
	// Milestone pays a bonus once when a count is reached in a period.
	Milestone *Milestone `json:"milestone,omitempty"`

	// Floor is the least a line of this rule pays ("" for none).
	Floor string `json:"floor,omitempty"`
	// Cap is the most a line of this rule pays ("" for none).
	Cap string `json:"cap,omitempty"`
	// PeriodCap is the most this rule pays one partner per plan Period.
	PeriodCap string `json:"period_cap,omitempty"`

	// Recurring limits a subscription rule to its first months or payments.
	Recurring *Recurring `json:"recurring,omitempty"`
	// Overrides are the percentages of this rule's commission paid to the
	// partner's parents, nearest first (Partner.Parents): their length is
	// the override depth.
	Overrides []string `json:"overrides,omitempty"`
	// Split shares the rule's commission between partners; a share whose
	// Partner is "" goes to the event's partner. Empty means all of it goes
	// to the event's partner.
	Split []Share `json:"split,omitempty"`
}

// Tiers is a tier table: the rate for an event depends on the partner's
// volume (amount) or count of this rule's events in a period.
type Tiers struct {
	// Mode is "graduated" (each band at its own rate; also "marginal"),
	// "retroactive" (the event at the band reached, plus a true-up line
	// lifting the earlier volume of the period to that band when a band is
	// crossed), "highest" (the event at the rate of the band reached, no
	// true-up), "step" (the band reached before the event applies: a new
	// rate applies going forward only) or "decelerator" (graduated with
	// non-increasing rates).
	Mode string `json:"mode"`
	// By is "amount" (default) or "count".
	By string `json:"by,omitempty"`
	// Period is "month", "quarter", "year" or "lifetime"; "" is the plan's.
	Period string `json:"period,omitempty"`
	// Bands must start at 0 and ascend without gaps.
	Bands []Band `json:"bands"`
}

// Band is one tier: from From (inclusive) up to the next band's From (or
// UpTo, which if given must equal it), paid at Percent.
type Band struct {
	From    string `json:"from"`
	UpTo    string `json:"up_to,omitempty"`
	Percent string `json:"percent"`
}

// Milestone pays Bonus once per Period, on the event that brings the count of
// this rule's matching events to Count.
type Milestone struct {
	Count  int    `json:"count"`
	Period string `json:"period,omitempty"`
	Bonus  string `json:"bonus"`
}

// Recurring limits a rule to a subscription's first Months (counted from
// Event.Subscription.Start in the plan's time zone) or first Payments
// (Event.Subscription.Payment, 1-based), or to its Lifetime. Exactly one
// must be set.
type Recurring struct {
	Months   int  `json:"months,omitempty"`
	Payments int  `json:"payments,omitempty"`
	Lifetime bool `json:"lifetime,omitempty"`
}

// Share is one partner's part of a split.
type Share struct {
	Partner string `json:"partner"`
	Share   string `json:"share"`
}

// ParsePlan reads a Plan from JSON strictly: unknown fields, trailing data
// and malformed values are errors (a *CompileError with the line and column
// in the JSON text). It does not check the plan: Compile does.
func ParsePlan(data []byte) (Plan, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var p Plan
	if err := dec.Decode(&p); err != nil {
		return Plan{}, jsonError(data, dec.InputOffset(), err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Plan{}, jsonError(data, dec.InputOffset(), errors.New("trailing data after the plan"))
	}
	return p, nil
}

// LoadPlan is ParsePlan followed by Compile.
func LoadPlan(data []byte) (*Compiled, error) {
	p, err := ParsePlan(data)
	if err != nil {
		return nil, err
	}
	return Compile(p)
}

// Hash returns the plan's content hash: "sha256:" and the hex SHA-256 of its
// canonical JSON (MarshalJSON of the Plan). Two plans with the same hash are
// the same version; lines record it as their plan version.
func (p Plan) Hash() string {
	b, err := json.Marshal(p)
	if err != nil {
		// A Plan holds only strings, numbers and times; Marshal fails only
		// on a time outside years 0-9999, which Compile rejects.
		b = []byte(fmt.Sprintf("%#v", p))
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// jsonError turns a decoding error into a *CompileError with a position.
func jsonError(data []byte, offset int64, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		offset = se.Offset - 1 // the offending byte
	case errors.As(err, &te):
		offset = te.Offset
	}
	line, col := position(data, offset)
	return &CompileError{Field: "json", Line: line, Column: col, Msg: err.Error(), Err: err}
}

// position converts a byte offset into a 1-based line and column.
func position(data []byte, offset int64) (int, int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	if offset < 0 {
		offset = 0
	}
	line, col := 1, 1
	for _, c := range data[:offset] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}
