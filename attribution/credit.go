package attribution

import (
	"fmt"
	"math/big"
	"time"

	"github.com/accruehq/accrue"
)

// Weight is an exact share of a conversion, Num/Den. The weights of one
// result share a denominator (the model's integer weights divided by their
// greatest common divisor, so a U-shaped 3-touch journey reads 2/5, 1/5,
// 2/5 and a 4-touch one 4/10, 1/10, 1/10, 4/10) and their numerators sum
// to it, so they sum to exactly 1.
type Weight struct {
	Num, Den uint64
}

// Float64 returns Num/Den as a float, for display.
func (w Weight) Float64() float64 {
	if w.Den == 0 {
		return 0
	}
	return float64(w.Num) / float64(w.Den)
}

// Rat returns the weight as an exact rational.
func (w Weight) Rat() *big.Rat {
	if w.Den == 0 {
		return new(big.Rat)
	}
	return new(big.Rat).SetFrac(new(big.Int).SetUint64(w.Num), new(big.Int).SetUint64(w.Den))
}

// String returns "num/den".
func (w Weight) String() string { return fmt.Sprintf("%d/%d", w.Num, w.Den) }

// Credit is the credit one touchpoint earned for a conversion.
type Credit struct {
	TouchpointID string       // the touch that earned it
	Partner      string       // who gets it
	Channel      string       // the touch's channel
	Weight       Weight       // its exact share of the conversion
	Amount       accrue.Money // its exact part of the conversion amount
}

// Reason says why a touch was not eligible or why a conversion got no
// credit.
type Reason string

// Reasons.
const (
	ReasonAfterConversion  Reason = "after conversion"           // the touch happened after the conversion
	ReasonOutsideLookback  Reason = "outside lookback window"    // older than Eligibility.Lookback
	ReasonOutsideKind      Reason = "outside kind window"        // older than its kind's window
	ReasonSelfReferral     Reason = "self-referral"              // the partner is the customer
	ReasonExcludedPartner  Reason = "excluded partner"           // partner in Eligibility.ExcludePartners
	ReasonExcludedChannel  Reason = "excluded channel"           // channel in Eligibility.ExcludeChannels
	ReasonExcludedKind     Reason = "excluded kind"              // kind with a negative window
	ReasonCouponPriority   Reason = "coupon priority"            // a coupon touch took the credit
	ReasonDuplicateID      Reason = "duplicate touchpoint id"    // a second touch with an id already seen
	ReasonNoTouchpoints    Reason = "no touchpoints"             // the journey is empty
	ReasonNoEligibleTouch  Reason = "no eligible touchpoint"     // every touch was excluded
	ReasonModelGaveNothing Reason = "model gave no touch weight" // the model weighted every eligible touch zero
)

// Exclusion records a touch left out of a conversion's attribution and why.
type Exclusion struct {
	TouchpointID string
	Partner      string
	Reason       Reason
}

// Result is the attribution of one conversion.
type Result struct {
	ConversionID string
	// Model is the model's lineage string, name and parameters, e.g.
	// "time_decay(half_life=168h0m0s)": store it under
	// accrue.MetaAttributionModel.
	Model string
	// Credits are the touches with a non-zero weight, in journey order (time,
	// then id). Their weights sum to exactly 1 and their amounts to exactly
	// the conversion's amount. Empty when NoCredit is set.
	Credits []Credit
	// Excluded lists the touches left out before the model ran, and why.
	Excluded []Exclusion
	// NoCredit, when not empty, says why the conversion earned no credit.
	NoCredit Reason
}

// Allocation is the compact, reusable form of a Result for hot paths: the
// eligible journey, integer weights and minor units, in buffers that the
// Attributor reuses between conversions. It is valid until the callback it
// was passed to returns; copy what you keep (Result makes a Result).
type Allocation struct {
	Conversion *Conversion   // the conversion attributed
	Model      string        // the model's lineage string (Model.Name)
	Journey    []*Touchpoint // the eligible touches in order (time, then id); read-only
	Weights    []uint64      // integer weights parallel to Journey; Den is their sum
	Units      []int64       // minor units parallel to Journey, summing to the amount
	Den        uint64        // the sum of Weights; 0 when NoCredit is set
	Excluded   []Exclusion   // touches left out, and why
	NoCredit   Reason        // why no credit, if so
	Err        error         // a conversion that could not be attributed at all

	order []int32   // scratch: the journey's indexes, sorted
	keys  []sortKey // scratch: the touches' times, for sorting
	ids   []uint64  // scratch: hashes of the touches' ids
	j     Journey   // scratch: what the model sees
}

// Result returns the Allocation as a Result with Money amounts, dropping
// zero-weight touches and reducing the weights by their common divisor.
// An Allocation with Err set gives a Result without credits: check Err
// first.
func (a *Allocation) Result() Result {
	r := Result{Model: a.Model, NoCredit: a.NoCredit}
	if a.Conversion != nil {
		r.ConversionID = a.Conversion.ID
	}
	if len(a.Excluded) > 0 {
		r.Excluded = append([]Exclusion(nil), a.Excluded...)
	}
	if a.NoCredit != "" || a.Den == 0 {
		return r
	}
	g := a.Den
	for _, w := range a.Weights {
		g = gcd(g, w)
	}
	cur := a.Conversion.Amount.Currency()
	for i, w := range a.Weights {
		if w == 0 {
			continue
		}
		t := a.Journey[i]
		r.Credits = append(r.Credits, Credit{
			TouchpointID: t.ID,
			Partner:      t.Partner,
			Channel:      t.Channel,
			Weight:       Weight{Num: w / g, Den: a.Den / g},
			Amount:       accrue.FromMinorUnits(a.Units[i], cur),
		})
	}
	return r
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// age returns how long before the conversion the touch happened.
func age(c *Conversion, t *Touchpoint) time.Duration { return c.Time.Sub(t.Time) }

// Lineage returns the lineage metadata of credit c of this result, under
// the root's keys: accrue.MetaConversionID, accrue.MetaTouchpointID,
// accrue.MetaAttributionModel and accrue.MetaPartnerID. Hosts attach it to
// the ledger transactions the credit leads to.
func (r *Result) Lineage(c Credit) map[string]string {
	return map[string]string{
		accrue.MetaConversionID:     r.ConversionID,
		accrue.MetaTouchpointID:     c.TouchpointID,
		accrue.MetaAttributionModel: r.Model,
		accrue.MetaPartnerID:        c.Partner,
	}
}
