package rules

import (
	"fmt"
	"time"

	"github.com/accruehq/accrue"
)

// LineType says what produced a commission line.
type LineType uint8

// Line types.
const (
	// Commission is a rule's commission for an event.
	Commission LineType = iota + 1
	// TrueUp is a retroactive tier's adjustment: the period's earlier
	// volume lifted to the band the event reached; or, with a negative
	// amount (a true-down), taken back to a lower band when a refund
	// drops the period below a band it had reached.
	TrueUp
	// Bonus is a milestone bonus.
	Bonus
	// Override is a parent partner's share of a child's commission.
	Override
	// Clawback reverses (part of) an earlier line after a refund or
	// chargeback; its amount is negative.
	Clawback
)

var lineTypeNames = [...]string{"", "commission", "true-up", "bonus", "override", "clawback"}

// String returns "commission", "true-up", "bonus", "override" or "clawback".
func (t LineType) String() string {
	if t >= Commission && t <= Clawback {
		return lineTypeNames[t]
	}
	return fmt.Sprintf("LineType(%d)", uint8(t))
}

// Status says whether a line may be paid.
type Status uint8

// Statuses.
const (
	// Payable lines may be paid (after the host's own hold period).
	Payable Status = iota + 1
	// OnHold lines wait for review; Line.HoldReason says why.
	OnHold
)

// String returns "payable" or "on-hold".
func (s Status) String() string {
	switch s {
	case Payable:
		return "payable"
	case OnHold:
		return "on-hold"
	}
	return fmt.Sprintf("Status(%d)", uint8(s))
}

// LineRef identifies a line: the event that produced it and its position in
// that event's lines.
type LineRef struct {
	EventID string
	Seq     int
}

// String returns "<event>#<seq>".
func (r LineRef) String() string { return fmt.Sprintf("%s#%d", r.EventID, r.Seq) }

// IsZero reports whether r refers to nothing.
func (r LineRef) IsZero() bool { return r.EventID == "" && r.Seq == 0 }

// CapRecord says that a cap clamped a line: which cap, its limit, and by how
// much the line exceeded it. Capped amounts are never dropped silently.
type CapRecord struct {
	// Cap is "floor", "line", "rule-period", "partner-period", "lifetime"
	// or "plan". For "floor", Exceeded is how much the floor added.
	Cap      string
	Limit    accrue.Money
	Exceeded accrue.Money
}

// Line is one commission line with its lineage: who is paid how much, for
// which event, by which rule of which plan version.
type Line struct {
	// Seq is the line's position among its event's lines (0-based).
	Seq int
	// Type says what produced the line.
	Type LineType
	// Partner is the partner paid.
	Partner string
	// Source is the event's partner, whose activity earned the line (the
	// child for an override, the seller for a split share).
	Source string
	// Amount is the commission in the plan's currency, rounded to its minor
	// units in the plan's rounding mode; negative only for a refund's
	// lines: clawbacks, and true-downs (TrueUp lines and their overrides,
	// with no Reverses).
	Amount accrue.Money
	// Status is Payable or OnHold; clawbacks are always Payable.
	Status Status
	// HoldReason says why a line is on hold.
	HoldReason string
	// EventID and EventTime identify the event.
	EventID   string
	EventTime time.Time
	// Rule is the id of the rule that produced the line.
	Rule string
	// Plan and Version are the plan id and its content hash.
	Plan    string
	Version string
	// Basis is the event amount the line was computed from, in the event's
	// own currency (a clawback's: the refunded amount).
	Basis accrue.Money
	// Rate is the exchange rate that converted Basis into the plan's
	// currency; nil when none was needed. Lines share it: do not modify.
	Rate *accrue.Rate
	// Reverses is, for a clawback, the line it reverses.
	Reverses LineRef
	// Exceeded lists the caps and floors that changed the line.
	Exceeded []CapRecord
}

// Ref returns the line's reference.
func (l Line) Ref() LineRef { return LineRef{EventID: l.EventID, Seq: l.Seq} }

// Meta returns the line's lineage as accrue metadata keys (accrue.MetaEventID,
// MetaRuleID, MetaPlanID, MetaPlanVersion, MetaPartnerID and, where they
// apply, MetaReverses and MetaRate), for the host's ledger transaction.
func (l Line) Meta() map[string]string {
	m := map[string]string{
		accrue.MetaEventID:     l.EventID,
		accrue.MetaRuleID:      l.Rule,
		accrue.MetaPlanID:      l.Plan,
		accrue.MetaPlanVersion: l.Version,
		accrue.MetaPartnerID:   l.Partner,
	}
	if !l.Reverses.IsZero() {
		m[accrue.MetaReverses] = l.Reverses.String()
	}
	if l.Rate != nil {
		m[accrue.MetaRate] = rateText(*l.Rate)
	}
	return m
}

// rateText formats a rate for metadata and explanations.
func rateText(r accrue.Rate) string {
	return fmt.Sprintf("1 %s = %s %s (%s, %s)", r.From.Code(), r.Value.String(), r.To.Code(), r.Source, r.At.UTC().Format(time.RFC3339))
}
