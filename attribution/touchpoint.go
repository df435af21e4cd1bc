package attribution

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/accruehq/accrue"
)

// Kind is what sort of touch a touchpoint was. Windows and coupon priority
// are set per kind; hosts may use kinds of their own.
type Kind string

// Common touch kinds.
const (
	KindClick    Kind = "click"    // a tracked click on a partner link
	KindView     Kind = "view"     // an impression or view-through
	KindCoupon   Kind = "coupon"   // a partner's coupon code used at checkout
	KindReferral Kind = "referral" // a referral (invite link, code) by a partner
)

// Milestone marks a touch that moved the customer along a funnel; the
// W-shaped model gives the lead-creation and opportunity touches extra credit.
type Milestone string

// Milestones the W-shaped model knows.
const (
	MilestoneLead        Milestone = "lead"        // the touch that created the lead
	MilestoneOpportunity Milestone = "opportunity" // the touch that created the opportunity
)

// Touchpoint is one partner touch in a customer's journey.
type Touchpoint struct {
	ID        string            `json:"id"`                  // unique id of the touch (the tie-breaker after Time)
	Partner   string            `json:"partner"`             // the partner who gets the credit
	Channel   string            `json:"channel,omitempty"`   // marketing channel ("affiliate", "email", "direct", …)
	Campaign  string            `json:"campaign,omitempty"`  // campaign or link id
	Kind      Kind              `json:"kind,omitempty"`      // click, view, coupon, referral, …
	Time      time.Time         `json:"time"`                // when the touch happened
	Device    string            `json:"device,omitempty"`    // device or browser id, free text
	Source    string            `json:"source,omitempty"`    // where the record came from (tracker, import), free text
	Milestone Milestone         `json:"milestone,omitempty"` // funnel milestone reached by this touch, if any
	Metadata  map[string]string `json:"metadata,omitempty"`  // anything else; custom expressions can read it
}

// Conversion is one sale or signup to attribute, with its journey. It
// decodes from JSON with encoding/json (snake_case names, the amount as
// {"amount":"12.34","currency":"USD"}); run Validate on decoded input.
type Conversion struct {
	ID       string       `json:"id"`       // unique id of the conversion
	Customer string       `json:"customer"` // the customer (compared with partners for self-referral)
	Time     time.Time    `json:"time"`     // when it converted
	Amount   accrue.Money `json:"amount"`   // the value to split, in whole minor units
	// TouchpointID optionally names the touch that carried the conversion
	// (a coupon entered at checkout); the same-touch model credits it.
	TouchpointID string `json:"touchpoint_id,omitempty"`
	// Touchpoints is the journey. When it is nil and the Attributor has a
	// JourneySource, the journey is looked up by Customer.
	Touchpoints []Touchpoint `json:"touchpoints"`
}

// JourneySource looks up a customer's touchpoints when conversions arrive
// without them. Hosts implement it over their click store; MemoryJourneys
// is the in-memory one, and attributiontest.RunJourneySourceConformance
// checks a host's.
type JourneySource interface {
	// Journey returns the touchpoints of customer that happened at or before
	// the given time, in any order; the Attributor sorts and filters them. It
	// must be safe for concurrent use: batch attribution calls it from
	// several goroutines. It honours ctx cancellation and returns ctx.Err()
	// when cancelled. The returned slice is not modified.
	Journey(ctx context.Context, customer string, before time.Time) ([]Touchpoint, error)
}

// JourneyFunc adapts a function to JourneySource.
type JourneyFunc func(ctx context.Context, customer string, before time.Time) ([]Touchpoint, error)

// Journey calls f.
func (f JourneyFunc) Journey(ctx context.Context, customer string, before time.Time) ([]Touchpoint, error) {
	return f(ctx, customer, before)
}

// touchCompare orders touches deterministically: time, then id, then the
// other identifying fields, so that any permutation of a journey sorts the
// same.
func touchCompare(a, b *Touchpoint) int {
	return cmp.Or(
		a.Time.Compare(b.Time),
		strings.Compare(a.ID, b.ID),
		strings.Compare(a.Partner, b.Partner),
		strings.Compare(a.Channel, b.Channel),
		strings.Compare(string(a.Kind), string(b.Kind)),
		strings.Compare(a.Campaign, b.Campaign),
		strings.Compare(string(a.Milestone), string(b.Milestone)),
		strings.Compare(a.Device, b.Device),
		strings.Compare(a.Source, b.Source),
		compareMetadata(a.Metadata, b.Metadata),
	)
}

// compareMetadata orders metadata maps by their sorted entries. It is only
// reached when two touches agree on everything else, so its allocations
// stay off the hot path.
func compareMetadata(a, b map[string]string) int {
	if len(a) == 0 && len(b) == 0 {
		return 0
	}
	entries := func(m map[string]string) []string {
		out := make([]string, 0, 2*len(m))
		for _, k := range slices.Sorted(maps.Keys(m)) {
			out = append(out, k, m[k])
		}
		return out
	}
	return slices.Compare(entries(a), entries(b))
}
