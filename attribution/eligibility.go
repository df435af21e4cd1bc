package attribution

import (
	"maps"
	"time"
)

// Eligibility says which touches of a journey may earn credit. The zero
// value admits every touch at or before the conversion except self-referrals.
type Eligibility struct {
	// Lookback is the attribution (cookie) window: touches older than this
	// before the conversion are not eligible. 0 (or less) means no limit.
	Lookback time.Duration
	// KindWindows sets a window per kind, applied on top of Lookback (views
	// are usually given a shorter window than clicks). A window ≤ 0 excludes
	// the kind altogether. Kinds not listed have only Lookback.
	KindWindows map[Kind]time.Duration
	// CouponPriority makes coupon touches take the credit over every other
	// kind: when a journey has an eligible KindCoupon touch, the other
	// touches are excluded (ReasonCouponPriority).
	CouponPriority bool
	// AllowSelfReferral admits touches whose partner is the converting
	// customer; by default they are excluded (ReasonSelfReferral).
	AllowSelfReferral bool
	// ExcludePartners and ExcludeChannels list partners and channels that
	// never earn credit.
	ExcludePartners []string
	ExcludeChannels []string
}

// eligibility is Eligibility compiled for lookups.
type eligibility struct {
	Eligibility
	partners map[string]bool
	channels map[string]bool
}

func compileEligibility(e Eligibility) eligibility {
	c := eligibility{Eligibility: e, partners: map[string]bool{}, channels: map[string]bool{}}
	c.KindWindows = maps.Clone(e.KindWindows) // the caller may change theirs
	for _, p := range e.ExcludePartners {
		c.partners[p] = true
	}
	for _, ch := range e.ExcludeChannels {
		c.channels[ch] = true
	}
	return c
}

// check returns why t, a before c, is not eligible for c, or "" if it is.
func (e *eligibility) check(c *Conversion, t *Touchpoint, a time.Duration) Reason {
	switch {
	case a < 0:
		return ReasonAfterConversion
	case !e.AllowSelfReferral && c.Customer != "" && t.Partner == c.Customer:
		return ReasonSelfReferral
	case e.partners[t.Partner]:
		return ReasonExcludedPartner
	case e.channels[t.Channel]:
		return ReasonExcludedChannel
	case e.Lookback > 0 && a > e.Lookback:
		return ReasonOutsideLookback
	}
	if w, ok := e.KindWindows[t.Kind]; ok {
		if w <= 0 {
			return ReasonExcludedKind
		}
		if a > w {
			return ReasonOutsideKind
		}
	}
	return ""
}
