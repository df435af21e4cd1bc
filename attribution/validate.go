package attribution

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/accruehq/accrue"
)

// ValidateOptions configure Validate.
type ValidateOptions struct {
	// Now is the time the data is checked at: timestamps after it are in
	// the future. The zero time disables the future check.
	Now time.Time
	// DuplicateWindow is how close two records with the same content must
	// be to count as duplicates: two touches of the same partner, channel,
	// campaign, kind, device, source and milestone, or two conversions of
	// the same customer and amount. 0 means identical timestamps only.
	DuplicateWindow time.Duration
	// Units lists the custom units (accrue.NewUnit) accepted besides ISO
	// 4217 currencies.
	Units []accrue.Currency
}

// Problem is what Validate found wrong with a record.
type Problem string

// Problems Validate reports.
const (
	ProblemDuplicateConversionID Problem = "duplicate conversion id"                    // a second conversion with an id already kept
	ProblemDuplicateConversion   Problem = "duplicate conversion content within window" // same customer and amount within DuplicateWindow
	ProblemDuplicateTouchID      Problem = "duplicate touchpoint id"                    // a second touch with an id already kept in the journey
	ProblemDuplicateTouch        Problem = "duplicate touchpoint content within window" // same partner, channel, campaign, kind, device, source, milestone within DuplicateWindow
	ProblemTouchAfterConversion  Problem = "touchpoint after conversion"                // the touch is later than its conversion
	ProblemZeroTime              Problem = "zero timestamp"                             // time.Time{}: never set
	ProblemFutureTime            Problem = "timestamp in the future"                    // after ValidateOptions.Now
	ProblemUnknownCurrency       Problem = "unknown currency"                           // no currency, or a custom unit not in ValidateOptions.Units
	ProblemNegativeAmount        Problem = "negative amount"                            // refunds are reversals, not conversions
	ProblemUnroundedAmount       Problem = "amount finer than the minor unit"           // round it (naming a mode) before attribution
	ProblemNoTouchpoints         Problem = "no touchpoints"                             // a given journey left empty: no credit will follow
)

// Action is what Validate did about a problem.
type Action string

// Actions.
const (
	Dropped Action = "dropped" // the record was removed from the output
	Flagged Action = "flagged" // the record was kept; look at it
)

// Finding is one problem found by Validate.
type Finding struct {
	ConversionID string  // the conversion concerned
	TouchpointID string  // the touchpoint concerned, if the finding is about one
	Problem      Problem // what is wrong
	Action       Action  // what was done
	Detail       string  // specifics, e.g. the duplicate's original
}

// String returns a one-line description.
func (f Finding) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s conversion %q", f.Action, clip(f.ConversionID, 64))
	if f.TouchpointID != "" {
		fmt.Fprintf(&b, " touchpoint %q", clip(f.TouchpointID, 64))
	}
	fmt.Fprintf(&b, ": %s", f.Problem)
	if f.Detail != "" {
		fmt.Fprintf(&b, " (%s)", f.Detail)
	}
	return b.String()
}

// Report is the outcome of Validate: every record dropped or flagged, and
// why. Nothing is ever dropped without a Finding.
type Report struct {
	Findings []Finding
	// Conversions and Touchpoints count the records read; Kept* count
	// those in the output.
	Conversions, KeptConversions int
	Touchpoints, KeptTouchpoints int
}

// Clean reports whether nothing was dropped or flagged.
func (r *Report) Clean() bool { return len(r.Findings) == 0 }

// Validate checks conversions and their journeys and returns the ones fit
// for attribution, with a report of everything dropped or flagged and why.
// The input is not modified; the output holds copies with cleaned journeys,
// in a canonical order (time, then id), so the same records in any order
// give the same output and report.
//
// Dropped: conversions with a duplicate id (the later in canonical order
// is dropped), duplicate content within DuplicateWindow, a zero or future
// time, an unknown currency, a negative amount or an amount finer than the
// minor unit; touchpoints with a duplicate id in the journey, duplicate
// content within DuplicateWindow, a zero or future time, or a time after the
// conversion. Flagged: conversions whose journey was given but is left
// empty (a nil journey, to be looked up by customer, is not flagged).
func Validate(convs []Conversion, opts ValidateOptions) ([]Conversion, Report) {
	rep := Report{Conversions: len(convs)}
	order := make([]int, len(convs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int { return compareConversions(&convs[i], &convs[j]) })

	out := make([]Conversion, 0, len(convs))
	seenIDs := map[string]bool{}
	lastByContent := map[string]time.Time{}
	for _, i := range order {
		c := &convs[i]
		rep.Touchpoints += len(c.Touchpoints)
		drop := func(p Problem, detail string) {
			rep.Findings = append(rep.Findings, Finding{ConversionID: c.ID, Problem: p, Action: Dropped, Detail: detail})
		}
		if p, detail := checkConversion(c, &opts); p != "" {
			drop(p, detail)
			continue
		}
		if seenIDs[c.ID] {
			drop(ProblemDuplicateConversionID, "")
			continue
		}
		key := c.Customer + "\x00" + c.Amount.String()
		if last, ok := lastByContent[key]; ok && c.Time.Sub(last) <= opts.DuplicateWindow {
			drop(ProblemDuplicateConversion, fmt.Sprintf("same customer and amount %s after the previous one", c.Time.Sub(last)))
			continue
		}
		seenIDs[c.ID] = true
		lastByContent[key] = c.Time
		cc := *c
		cc.Touchpoints = validateJourney(c, &opts, &rep)
		if c.Touchpoints != nil && len(cc.Touchpoints) == 0 {
			rep.Findings = append(rep.Findings, Finding{ConversionID: c.ID, Problem: ProblemNoTouchpoints, Action: Flagged})
		}
		rep.KeptTouchpoints += len(cc.Touchpoints)
		out = append(out, cc)
	}
	rep.KeptConversions = len(out)
	return out, rep
}

func compareConversions(a, b *Conversion) int {
	if c := a.Time.Compare(b.Time); c != 0 {
		return c
	}
	if c := strings.Compare(a.ID, b.ID); c != 0 {
		return c
	}
	if c := strings.Compare(a.Customer, b.Customer); c != 0 {
		return c
	}
	if c := strings.Compare(a.Amount.String(), b.Amount.String()); c != 0 {
		return c
	}
	if c := strings.Compare(a.TouchpointID, b.TouchpointID); c != 0 {
		return c
	}
	// Everything else equal: order by the journeys themselves, so that
	// which of two such records is kept never depends on input order.
	if c := cmp.Compare(len(a.Touchpoints), len(b.Touchpoints)); c != 0 {
		return c
	}
	if an, bn := a.Touchpoints == nil, b.Touchpoints == nil; an != bn {
		if an {
			return -1
		}
		return 1
	}
	ja, jb := slices.Clone(a.Touchpoints), slices.Clone(b.Touchpoints)
	sortTouches(ja)
	sortTouches(jb)
	return slices.CompareFunc(ja, jb, func(x, y Touchpoint) int { return touchCompare(&x, &y) })
}

func checkConversion(c *Conversion, opts *ValidateOptions) (Problem, string) {
	cur := c.Amount.Currency()
	switch {
	case c.Time.IsZero():
		return ProblemZeroTime, ""
	case !opts.Now.IsZero() && c.Time.After(opts.Now):
		return ProblemFutureTime, fmt.Sprintf("%s after %s", c.Time.Sub(opts.Now), opts.Now.Format(time.RFC3339))
	case !knownCurrency(cur, opts.Units):
		return ProblemUnknownCurrency, fmt.Sprintf("%q", clip(cur.Code(), 20))
	case c.Amount.IsNegative():
		return ProblemNegativeAmount, c.Amount.String()
	case !c.Amount.IsRounded():
		return ProblemUnroundedAmount, c.Amount.String()
	}
	return "", ""
}

func knownCurrency(c accrue.Currency, units []accrue.Currency) bool {
	if c.IsZero() {
		return false
	}
	if c.IsCustom() {
		return slices.Contains(units, c)
	}
	_, err := accrue.LookupCurrency(c.Code())
	return err == nil
}

// validateJourney returns a cleaned copy of c's touchpoints.
func validateJourney(c *Conversion, opts *ValidateOptions, rep *Report) []Touchpoint {
	ts := slices.Clone(c.Touchpoints)
	sortTouches(ts)
	kept := ts[:0]
	lastByContent := map[string]time.Time{}
	seen := map[string]bool{}
	for _, t := range ts {
		drop := func(p Problem, detail string) {
			rep.Findings = append(rep.Findings, Finding{ConversionID: c.ID, TouchpointID: t.ID, Problem: p, Action: Dropped, Detail: detail})
		}
		switch {
		case t.Time.IsZero():
			drop(ProblemZeroTime, "")
			continue
		case !opts.Now.IsZero() && t.Time.After(opts.Now):
			drop(ProblemFutureTime, fmt.Sprintf("%s after %s", t.Time.Sub(opts.Now), opts.Now.Format(time.RFC3339)))
			continue
		case t.Time.After(c.Time):
			drop(ProblemTouchAfterConversion, fmt.Sprintf("%s after", t.Time.Sub(c.Time)))
			continue
		case seen[t.ID]:
			drop(ProblemDuplicateTouchID, "")
			continue
		}
		key := strings.Join([]string{t.Partner, t.Channel, t.Campaign, string(t.Kind), t.Device, t.Source, string(t.Milestone)}, "\x00")
		if last, ok := lastByContent[key]; ok && t.Time.Sub(last) <= opts.DuplicateWindow {
			drop(ProblemDuplicateTouch, fmt.Sprintf("same content %s after the previous one", t.Time.Sub(last)))
			continue
		}
		seen[t.ID] = true
		lastByContent[key] = t.Time
		kept = append(kept, t)
	}
	if c.Touchpoints == nil {
		return nil // to be looked up by customer
	}
	return kept
}
