package rules

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/accruehq/accrue"
	"github.com/shopspring/decimal"
)

// Explanation says how an event's lines came about: the plan version, the
// rules considered and whether and why each matched, intermediate values,
// tier bands, caps and rates. It is structured data (amounts in minor units
// of Currency; Money converts one) and renders as text with Text.
type Explanation struct {
	Event     string
	Kind      Kind
	Time      time.Time
	Plan      string
	Version   string // content hash
	Label     string // the plan's Version label
	HitPolicy string
	Currency  accrue.Currency
	// Basis is the event amount as given (a refund's refunded amount).
	Basis accrue.Money
	// Amount is the event amount in the plan's currency, in minor units
	// (for a reversal, in Basis's currency).
	Amount int64
	// Rate is the exchange rate used for Amount; nil when none.
	Rate  *accrue.Rate
	Holds []HoldTrace
	// Rules details each matching rule, in the order of Considered.
	Rules []RuleTrace
	// Clawbacks explains a refund's or chargeback's lines.
	Clawbacks []ClawbackTrace
	// TrueDowns explains a refund's true-down lines: retroactive tiers
	// whose period fell below a band they had reached.
	TrueDowns []TrueDownTrace
	Lines     []Line

	// What Considered reports, kept compact: the plan and one state per
	// rule (in the plan's priority order), with inline buffers so that an
	// explanation usually costs one allocation.
	plan     *Compiled
	state    []uint8
	stateBuf [32]uint8
	ruleBuf  [1]RuleTrace
}

// Rule states recorded while evaluating.
const (
	ruleNotEvaluated uint8 = iota
	ruleNoMatch
	ruleMatched
	ruleSkipped
)

// Considered lists the rules evaluated, in priority order, and whether each
// matched. Under the "first" hit policy the rules after the first match are
// not evaluated (milestones aside) and not listed.
func (x *Explanation) Considered() []Considered {
	var out []Considered
	for i, st := range x.state {
		r := x.plan.rules[i]
		switch st {
		case ruleNoMatch, ruleMatched:
			out = append(out, Considered{Rule: r.id, When: r.cond.src, Matched: st == ruleMatched})
		case ruleSkipped:
			out = append(out, Considered{Rule: r.id, When: r.cond.src, Skipped: "outside the recurring window"})
		}
	}
	return out
}

// MarshalJSON writes the explanation's fields and Considered.
func (x *Explanation) MarshalJSON() ([]byte, error) {
	type plain Explanation
	return json.Marshal(struct {
		*plain
		Considered []Considered
	}{(*plain)(x), x.Considered()})
}

// HoldTrace is one review guard and whether it matched.
type HoldTrace struct {
	ID, When, Reason string
	Matched          bool
}

// Considered is a rule the engine looked at.
type Considered struct {
	Rule, When string
	Matched    bool
	// Skipped says why the condition was not evaluated ("outside the
	// recurring window"); "" if it was.
	Skipped string
}

// RuleTrace details a matching rule's outcome.
type RuleTrace struct {
	Rule string
	When string
	// Selected is true when the rule's outcome was paid (the hit policy
	// picked it).
	Selected bool
	Outcome  string          // "percent", "flat", "per-unit", "formula", "tiers:<mode>", "milestone"
	Base     int64           // the amount (or units, or count) the outcome applied to
	Rate     decimal.Decimal // the rate as a fraction (0.3 for 30%), if any
	Amount   int64           // the outcome before caps
	TrueUp   int64           // a retroactive tier's adjustment
	Paid     int64           // after caps
	Before   Totals          // the rule's period totals before the event (tiers, milestones)
	Bands    []BandTrace
	Caps     []CapTrace
	Note     string // e.g. "milestone reached: 10th event"
}

// BandTrace is the part of an event that fell in one tier band.
type BandTrace struct {
	From   int64           // band start (minor units or count)
	Rate   decimal.Decimal // fraction
	Base   int64           // the part of the event in the band (minor units)
	Amount int64
}

// CapTrace is a cap or floor that changed an amount.
type CapTrace struct {
	Cap             string
	Limit, Exceeded int64
}

// ClawbackTrace explains one reversed line.
type ClawbackTrace struct {
	Reverses LineRef
	Original int64 // the original line's amount, minor units
	Amount   int64 // the clawback (negative), 0 if outside the window
	Note     string
}

// TrueDownTrace explains a true-down: a refund took a retroactive tier
// rule's period volume (or count) from Before to After, below the band
// starting at FromBand (rate FromRate) into the band starting at ToBand
// (rate ToRate). Target is After.Volume at ToRate; After.Commission is what
// the rule paid for the period net of the refund's clawbacks; Amount, the
// true-down, is Target minus that (negative).
type TrueDownTrace struct {
	Rule             string
	ByCount          bool   // bands are counts, not minor units
	Before, After    Totals // the rule's period totals around the refund
	FromBand, ToBand int64
	FromRate, ToRate decimal.Decimal // fractions
	Target           int64
	Amount           int64 // negative
}

// Money returns units minor units in the explanation's currency.
func (x *Explanation) Money(units int64) accrue.Money {
	return accrue.FromMinorUnits(units, x.Currency)
}

// Text renders the explanation for a partner statement or a review.
func (x *Explanation) Text() string {
	var b strings.Builder
	x.WriteText(&b)
	return b.String()
}

// WriteText writes Text to w.
func (x *Explanation) WriteText(w io.Writer) {
	m := func(u int64) string { return x.Money(u).String() }
	amount := x.Basis.String()
	if x.Basis.Currency().IsZero() {
		amount = m(x.Amount)
	} else if x.Rate != nil {
		amount += " = " + m(x.Amount)
	}
	fmt.Fprintf(w, "event %s (%s, %s) under plan %s", x.Event, x.Kind, amount, x.Plan)
	if x.Label != "" {
		fmt.Fprintf(w, " %s", x.Label)
	}
	fmt.Fprintf(w, " [%s]\n", shortHash(x.Version))
	if x.Rate != nil {
		fmt.Fprintf(w, "  converted at %s\n", rateText(*x.Rate))
	}
	for _, h := range x.Holds {
		if h.Matched {
			fmt.Fprintf(w, "  hold %s: %s (%s)\n", h.ID, h.Reason, h.When)
		}
	}
	next := 0
	for _, cr := range x.Considered() {
		switch {
		case cr.Skipped != "":
			fmt.Fprintf(w, "  rule %s: skipped, %s\n", cr.Rule, cr.Skipped)
			continue
		case !cr.Matched || next >= len(x.Rules):
			fmt.Fprintf(w, "  rule %s: no match (%s)\n", cr.Rule, whenText(cr.When))
			continue
		}
		r := x.Rules[next]
		next++
		if r.Outcome == "milestone" && !r.Selected {
			fmt.Fprintf(w, "  rule %s: matched (%s): milestone, %s\n", r.Rule, whenText(r.When), r.Note)
			continue
		}
		fmt.Fprintf(w, "  rule %s: matched (%s): %s", r.Rule, whenText(r.When), r.Outcome)
		switch {
		case len(r.Bands) > 0:
		case r.Outcome == "per-unit":
			fmt.Fprintf(w, " %d × %s", r.Base, m(r.Amount/max(r.Base, 1)))
		case !r.Rate.IsZero():
			fmt.Fprintf(w, " %s%% of %s", r.Rate.Shift(2).String(), m(r.Base))
		}
		fmt.Fprintf(w, " = %s", m(r.Amount))
		if !r.Selected {
			fmt.Fprintf(w, ", not selected (%s)", x.HitPolicy)
		}
		fmt.Fprintln(w)
		for _, bd := range r.Bands {
			fmt.Fprintf(w, "    band from %s at %s%%: %s → %s\n", x.bound(r, bd.From), bd.Rate.Shift(2).String(), m(bd.Base), m(bd.Amount))
		}
		if r.TrueUp != 0 {
			fmt.Fprintf(w, "    true-up of earlier volume %s: %s\n", m(r.Before.Volume), m(r.TrueUp))
		}
		if r.Note != "" {
			fmt.Fprintf(w, "    %s\n", r.Note)
		}
		for _, c := range r.Caps {
			if c.Cap == "floor" {
				fmt.Fprintf(w, "    floor %s: raised by %s\n", m(c.Limit), m(c.Exceeded))
				continue
			}
			fmt.Fprintf(w, "    %s cap %s: exceeded by %s\n", c.Cap, m(c.Limit), m(c.Exceeded))
		}
	}
	for _, c := range x.Clawbacks {
		fmt.Fprintf(w, "  reverses %s (%s): %s", c.Reverses, m(c.Original), m(c.Amount))
		if c.Note != "" {
			fmt.Fprintf(w, " (%s)", c.Note)
		}
		fmt.Fprintln(w)
	}
	for _, d := range x.TrueDowns {
		from, to := x.Money(d.FromBand).String(), x.Money(d.ToBand).String()
		reached := fmt.Sprintf("volume %s → %s", m(d.Before.Volume), m(d.After.Volume))
		if d.ByCount {
			from, to = fmt.Sprint(d.FromBand), fmt.Sprint(d.ToBand)
			reached = fmt.Sprintf("count %d → %d", d.Before.Count, d.After.Count)
		}
		fmt.Fprintf(w, "  true-down rule %s: period %s, below the band from %s at %s%%: %s at the band from %s at %s%% is %s, %s paid: %s\n",
			d.Rule, reached, from, d.FromRate.Shift(2).String(), m(d.After.Volume), to, d.ToRate.Shift(2).String(), m(d.Target), m(d.After.Commission), m(d.Amount))
	}
	for _, l := range x.Lines {
		fmt.Fprintf(w, "  line %d: %s %s %s to %s, %s", l.Seq, l.Type, l.Rule, l.Amount, l.Partner, l.Status)
		if l.HoldReason != "" {
			fmt.Fprintf(w, " (%s)", l.HoldReason)
		}
		fmt.Fprintln(w)
	}
}

func (x *Explanation) bound(r RuleTrace, from int64) string {
	if strings.Contains(r.Outcome, "count") {
		return fmt.Sprint(from)
	}
	return x.Money(from).String()
}

func whenText(s string) string {
	if strings.TrimSpace(s) == "" {
		return "always"
	}
	return s
}

// shortHash shortens a content hash for display.
func shortHash(h string) string {
	if len(h) > 19 {
		return h[:19]
	}
	return h
}
