package rules

import (
	"time"

	"github.com/accruehq/accrue"
)

// Kind is an event's kind. Any host string is allowed and visible to
// expressions as event.kind; KindRefund and KindChargeback are special: they
// claw back the lines of the event they reverse.
type Kind string

// Event kinds with a meaning to the engine or the examples.
const (
	KindSale       Kind = "sale"
	KindPayment    Kind = "payment" // a subscription payment
	KindSignup     Kind = "signup"
	KindRefund     Kind = "refund"
	KindChargeback Kind = "chargeback"
)

// IsReversal reports whether events of kind k claw back commission.
func (k Kind) IsReversal() bool { return k == KindRefund || k == KindChargeback }

// Event is what commission is computed from: a sale, a subscription payment,
// a signup, or the refund or chargeback of an earlier event. The host (or an
// adapter over attribution credits) builds it; the engine never stores it.
type Event struct {
	// ID is the host's id of the event; lines carry it as lineage.
	ID string
	// Kind is the event's kind.
	Kind Kind
	// Time is when the event happened; it selects the plan version and the
	// period, and is the only time rules ever see.
	Time time.Time
	// Plan is the id of the plan to apply; "" when the plan set holds one
	// plan id.
	Plan string
	// Partner is the partner credited with the event.
	Partner Partner
	// Customer is the host's customer id (for guards such as self-referral).
	Customer string
	// Amount is the commissionable amount (a refund's refunded amount). It
	// must not be negative.
	Amount accrue.Money
	// Units is the quantity, for per-unit rules and count tiers.
	Units int64
	// Product is the product or SKU.
	Product string
	// Attrs are further host attributes visible as event.attrs["name"]
	// (channel, country, device, ip).
	Attrs map[string]string
	// Subscription describes the subscription a payment belongs to.
	Subscription Subscription

	// Reverses is, for a refund or chargeback, the id of the event it
	// reverses; it may be left empty when Original is given.
	Reverses string
	// Original holds, for a refund or chargeback, the lines the reversed
	// event produced (as returned by Evaluate and stored by the host).
	Original []Line
	// RefundedBefore is, for a refund, the part of the original event's
	// amount refunded by earlier refunds (zero for the first), so that
	// several partial refunds net a full refund exactly. A line computed
	// from a zero amount (a signup bonus) is reversed in full by the first
	// reversal (RefundedBefore zero) and by no later one.
	RefundedBefore accrue.Money
}

// Subscription identifies a subscription and where a payment sits in it.
type Subscription struct {
	ID      string
	Start   time.Time // when the subscription started
	Payment int       // 1 for the first payment, 2 for the second, …
}

// Partner is the partner an event credits, as the host knows it at the
// event's time.
type Partner struct {
	// ID is the partner's id.
	ID string
	// Tier is the partner's program tier ("gold"), visible as partner.tier.
	Tier string
	// Country is the partner's country, visible as partner.country.
	Country string
	// Parents are the partner's parent partners, nearest first, for
	// multi-level overrides.
	Parents []string
	// Attrs are further attributes, visible as partner.attrs["name"].
	Attrs map[string]string
}
