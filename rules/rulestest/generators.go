package rulestest

import (
	"fmt"
	"slices"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/rules"
	"pgregory.net/rapid"
)

// Partner returns a generator of partners: ids from a small pool (so that
// totals accumulate), a tier, a country, up to two parents and an ip.
func Partner() *rapid.Generator[rules.Partner] { return partnerFrom(defaultPartners) }

var defaultPartners = []string{"p1", "p2", "p3", "p4"}

func partnerFrom(ids []string) *rapid.Generator[rules.Partner] {
	return rapid.Custom(func(t *rapid.T) rules.Partner {
		id := rapid.SampledFrom(ids).Draw(t, "partner")
		parents := rapid.SliceOfNDistinct(rapid.SampledFrom([]string{"m1", "m2", "m3"}), 0, 2, rapid.ID[string]).Draw(t, "parents")
		return rules.Partner{
			ID:      id,
			Tier:    rapid.SampledFrom([]string{"gold", "silver", ""}).Draw(t, "tier"),
			Country: rapid.SampledFrom([]string{"DE", "US", "FR"}).Draw(t, "country"),
			Parents: parents,
			Attrs:   map[string]string{"ip": rapid.SampledFrom([]string{"10.0.0.1", "10.0.0.2"}).Draw(t, "ip")},
		}
	})
}

// Amount returns a generator of amounts in cur from zero to max minor units.
func Amount(cur accrue.Currency, max int64) *rapid.Generator[accrue.Money] {
	return AmountRange(cur, 0, max)
}

// AmountRange returns a generator of amounts in cur from lo to hi minor
// units (both included; lo below zero counts as zero, hi below lo as lo).
func AmountRange(cur accrue.Currency, lo, hi int64) *rapid.Generator[accrue.Money] {
	lo = max(lo, 0)
	hi = max(hi, lo)
	return rapid.Custom(func(t *rapid.T) accrue.Money {
		return accrue.FromMinorUnits(rapid.Int64Range(lo, hi).Draw(t, "minor"), cur)
	})
}

// EventsOpts shapes generated sale events, so that a host's plan with high
// thresholds (a band from 10,000.00, a milestone at the 20th sale) is
// reached in most draws. The zero value of each field means its default.
type EventsOpts struct {
	// Currency is the events' currency (required).
	Currency accrue.Currency
	// From and Span bound the event times: [From, From+Span). Span
	// defaults to 120 days (at least a minute is used).
	From time.Time
	Span time.Duration
	// MinEvents and MaxEvents bound the number of events in a sequence
	// (Events and Suite). Defaults: 1 and 8; MaxEvents below MinEvents
	// counts as MinEvents.
	MinEvents, MaxEvents int
	// MinAmount and MaxAmount bound each event's amount, in minor units of
	// Currency (both included). Defaults: 0 and 50,000 (500.00 USD).
	MinAmount, MaxAmount int64
	// Partners are the partner ids drawn from (fewer partners, larger
	// per-partner totals). Default: p1 to p4.
	Partners []string
}

// withDefaults fills the zero fields.
func (o EventsOpts) withDefaults() EventsOpts {
	if o.Span <= 0 {
		o.Span = 120 * 24 * time.Hour
	}
	o.Span = max(o.Span, time.Minute)
	if o.MinEvents <= 0 {
		o.MinEvents = 1
	}
	if o.MaxEvents <= 0 {
		o.MaxEvents = max(8, o.MinEvents)
	}
	o.MaxEvents = max(o.MaxEvents, o.MinEvents)
	if o.MaxAmount <= 0 {
		o.MaxAmount = max(50_000, o.MinAmount)
	}
	if len(o.Partners) == 0 {
		o.Partners = defaultPartners
	}
	return o
}

// Event returns a generator of sale events in cur at times in
// [from, from+span), with the given id.
func Event(id string, cur accrue.Currency, from time.Time, span time.Duration) *rapid.Generator[rules.Event] {
	return EventWith(id, EventsOpts{Currency: cur, From: from, Span: span})
}

// EventWith returns a generator of sale events shaped by o, with the given
// id (o's event counts are not used).
func EventWith(id string, o EventsOpts) *rapid.Generator[rules.Event] {
	o = o.withDefaults()
	return rapid.Custom(func(t *rapid.T) rules.Event {
		at := o.From.Add(time.Duration(rapid.Int64Range(0, int64(o.Span/time.Minute)-1).Draw(t, "minute")) * time.Minute)
		return rules.Event{
			ID:       id,
			Kind:     rules.KindSale,
			Time:     at,
			Partner:  partnerFrom(o.Partners).Draw(t, "partner"),
			Customer: rapid.SampledFrom([]string{"c1", "c2", "p1"}).Draw(t, "customer"),
			Amount:   AmountRange(o.Currency, o.MinAmount, o.MaxAmount).Draw(t, "amount"),
			Units:    rapid.Int64Range(1, 5).Draw(t, "units"),
			Product:  rapid.SampledFrom([]string{"pro", "team", "basic"}).Draw(t, "product"),
			Attrs:    map[string]string{"channel": rapid.SampledFrom([]string{"web", "app"}).Draw(t, "channel")},
		}
	})
}

// Events returns a generator of up to n sale events with ids "e0", "e1", …,
// sorted by time, in [from, from+span).
func Events(n int, cur accrue.Currency, from time.Time, span time.Duration) *rapid.Generator[[]rules.Event] {
	return EventsWith(EventsOpts{Currency: cur, From: from, Span: span, MinEvents: 1, MaxEvents: max(n, 1)})
}

// EventsWith returns a generator of MinEvents to MaxEvents sale events
// shaped by o, with ids "e0", "e1", …, sorted by time.
func EventsWith(o EventsOpts) *rapid.Generator[[]rules.Event] {
	o = o.withDefaults()
	return rapid.Custom(func(t *rapid.T) []rules.Event {
		k := rapid.IntRange(o.MinEvents, o.MaxEvents).Draw(t, "n")
		evs := make([]rules.Event, k)
		for i := range evs {
			evs[i] = EventWith(fmt.Sprintf("e%d", i), o).Draw(t, "event")
		}
		slices.SortStableFunc(evs, func(a, b rules.Event) int { return a.Time.Compare(b.Time) })
		return evs
	})
}

// Plan returns a generator of valid plans with id "gen" in cur, in force from
// from, with one to four rules of every outcome kind and random caps, hit
// policy, rounding, splits, overrides and holds.
func Plan(cur accrue.Currency, from time.Time) *rapid.Generator[rules.Plan] {
	return rapid.Custom(func(t *rapid.T) rules.Plan {
		scale := cur.MinorUnits()
		amount := func(name string, max int64) string {
			return accrue.FromMinorUnits(rapid.Int64Range(0, max).Draw(t, name), cur).Amount().StringFixed(scale)
		}
		optAmount := func(name string, max int64) string {
			if rapid.Bool().Draw(t, name+"?") {
				return amount(name, max)
			}
			return ""
		}
		pct := func(name string) string {
			return fmt.Sprintf("%d.%02d", rapid.IntRange(0, 40).Draw(t, name), rapid.IntRange(0, 99).Draw(t, name+"-cents"))
		}
		p := rules.Plan{
			ID: "gen", Version: "generated", Currency: cur.Code(), ValidFrom: from, TimeZone: "UTC",
			Rounding:     rapid.SampledFrom([]string{"", "half-up", "half-even", "down", "up"}).Draw(t, "rounding"),
			Period:       rapid.SampledFrom([]string{"", "month", "quarter", "lifetime"}).Draw(t, "period"),
			HitPolicy:    rapid.SampledFrom([]string{"", "first", "collect", "best"}).Draw(t, "hit"),
			ClawbackDays: rapid.SampledFrom([]int{0, 30, 90}).Draw(t, "clawback"),
			Caps: rules.PlanCaps{
				PartnerPeriod: optAmount("cap-pp", 100_000),
				Lifetime:      optAmount("cap-life", 200_000),
				Plan:          optAmount("cap-plan", 300_000),
			},
		}
		if rapid.Bool().Draw(t, "hold") {
			p.Holds = []rules.Hold{{ID: "self", When: "event.customer == partner.id", Reason: "self-referral"}}
		}
		n := rapid.IntRange(1, 4).Draw(t, "rules")
		for i := range n {
			r := rules.Rule{
				ID:       fmt.Sprintf("r%d", i),
				Priority: rapid.IntRange(0, 3).Draw(t, "priority"),
				When: rapid.SampledFrom([]string{"", "event.kind == 'sale'", "event.amount >= 20", "partner.tier == 'gold'",
					"event.product in ['pro', 'team']", "period.count >= 2", "event.amount * 2 > period.volume"}).Draw(t, "when"),
			}
			switch rapid.IntRange(0, 5).Draw(t, "outcome") {
			case 0:
				r.Percent = pct("percent")
			case 1:
				r.Flat = amount("flat", 2_000)
			case 2:
				r.PerUnit = amount("per-unit", 500)
			case 3:
				r.Formula = rapid.SampledFrom([]string{"event.amount * 0.05 + 1", "event.units * 2", "event.amount > 100 ? event.amount * 0.1 : dec(\"0.5\")"}).Draw(t, "formula")
			case 4:
				mode := rapid.SampledFrom([]string{"graduated", "retroactive", "highest", "step", "decelerator"}).Draw(t, "mode")
				tiers := &rules.Tiers{Mode: mode, By: rapid.SampledFrom([]string{"", "count"}).Draw(t, "by")}
				bands := rapid.IntRange(1, 3).Draw(t, "bands")
				var from int64
				rate := 40
				for b := range bands {
					if b > 0 && tiers.By == "count" {
						from += rapid.Int64Range(1, 5).Draw(t, "band-count")
					} else if b > 0 {
						from += rapid.Int64Range(1, 20_000).Draw(t, "band-width")
					}
					bound := fmt.Sprint(from)
					if tiers.By != "count" {
						bound = accrue.FromMinorUnits(from, cur).Amount().StringFixed(scale)
					}
					if mode == "decelerator" {
						rate = rapid.IntRange(0, rate).Draw(t, "band-rate")
					} else {
						rate = rapid.IntRange(0, 40).Draw(t, "band-rate")
					}
					tiers.Bands = append(tiers.Bands, rules.Band{From: bound, Percent: fmt.Sprint(rate)})
				}
				r.Tiers = tiers
			default:
				r.Milestone = &rules.Milestone{Count: rapid.IntRange(1, 4).Draw(t, "milestone"), Bonus: amount("bonus", 10_000)}
			}
			r.Floor = optAmount("floor", 100)
			if rapid.Bool().Draw(t, "cap?") {
				r.Cap = amount("cap", 5_000)
				if r.Floor > "" && mustUnits(r.Floor, cur) > mustUnits(r.Cap, cur) {
					r.Floor = r.Cap
				}
			}
			r.PeriodCap = optAmount("period-cap", 20_000)
			if rapid.Bool().Draw(t, "split?") {
				r.Split = []rules.Share{{Partner: "", Share: "70"}, {Partner: "agency", Share: rapid.SampledFrom([]string{"30", "15.5", "1"}).Draw(t, "share")}}
			}
			for range rapid.IntRange(0, 2).Draw(t, "overrides") {
				r.Overrides = append(r.Overrides, pct("override"))
			}
			p.Rules = append(p.Rules, r)
		}
		return p
	})
}

func mustUnits(s string, cur accrue.Currency) int64 {
	m, err := accrue.ParseAmount(s, cur)
	if err != nil {
		return 0
	}
	u, _ := m.MinorUnits()
	return u
}
