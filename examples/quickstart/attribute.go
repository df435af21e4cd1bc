package main

import (
	"context"
	"fmt"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/attribution"
	"github.com/accruehq/accrue/rules"
	"github.com/shopspring/decimal"
)

// lookback is the attribution (cookie) window.
const lookback = 30 * 24 * time.Hour

// credit is one partner's share of one order: what the plan pays on, with
// the lineage that traces it back to the conversion and the touch.
type credit struct {
	Event      rules.Event
	Conversion string
	Touchpoint string // the partner's first credited touch
}

// attributed is the outcome of validation and attribution.
type attributed struct {
	Model    string
	Report   attribution.Report
	Credits  []credit         // in order time, then id
	ByOrder  map[string][]int // order id → indexes in Credits
	Revenue  accrue.Money     // credited order value
	Orders   int              // orders kept by validation
	Credited int              // orders with credit
	// NoCredit counts orders without an eligible touch (organic sales);
	// SelfReferrals counts touches excluded because the partner bought
	// through their own link.
	NoCredit      int
	SelfReferrals int
}

// attribute validates the feed (dropping duplicates, with a finding for
// each) and splits each order between the partners who touched it with a
// U-shaped model over a 30-day window. Renewals of a subscription are
// credited like its first payment.
func attribute(ctx context.Context, p *program) (*attributed, error) {
	byID := make(map[string]*order, len(p.Orders))
	for i := range p.Orders {
		byID[p.Orders[i].ID] = &p.Orders[i]
	}
	convs := make([]attribution.Conversion, len(p.Records))
	for i, o := range p.Records {
		convs[i] = attribution.Conversion{ID: o.ID, Customer: o.Customer, Time: o.Time,
			Amount: accrue.FromMinorUnits(o.Amount, usd), Touchpoints: o.Journey}
	}
	kept, report := attribution.Validate(convs, attribution.ValidateOptions{Now: p.End, DuplicateWindow: 2 * time.Minute})

	at, err := attribution.New(attribution.Options{
		Model:       attribution.UShaped(),
		Eligibility: attribution.Eligibility{Lookback: lookback},
	})
	if err != nil {
		return nil, err
	}
	out := &attributed{Model: at.Model(), Report: report, ByOrder: map[string][]int{}, Revenue: accrue.Zero(usd), Orders: len(kept)}

	// First payments and one-off sales are attributed on their journeys;
	// renewals (no journey) are shared as their first payment was.
	var fresh []attribution.Conversion
	for _, c := range kept {
		if o := byID[c.ID]; o != nil && o.First == "" {
			fresh = append(fresh, c)
		}
	}
	results := make(map[string]attribution.Result, len(fresh))
	err = at.Batch(ctx, fresh, func(a *attribution.Allocation) error {
		if a.Err != nil {
			return a.Err
		}
		r := a.Result()
		results[r.ConversionID] = r
		return nil
	})
	if err != nil {
		return nil, err
	}

	for _, c := range kept {
		o := byID[c.ID]
		if o == nil {
			return nil, fmt.Errorf("order %s: kept by validation but unknown", c.ID)
		}
		var parts []credit
		if o.First == "" {
			r := results[c.ID]
			for _, x := range r.Excluded {
				if x.Reason == attribution.ReasonSelfReferral {
					out.SelfReferrals++
				}
			}
			parts = byPartner(r.Credits)
		} else if parts, err = renewal(out, o, c.Amount); err != nil {
			return nil, err
		}
		if len(parts) == 0 {
			out.NoCredit++
			continue
		}
		out.Credited++
		if out.Revenue, err = out.Revenue.Add(c.Amount); err != nil {
			return nil, err
		}
		for _, part := range parts {
			part.Conversion = c.ID
			part.Event.ID = c.ID + "/" + part.Event.Partner.ID
			part.Event.Time = c.Time
			part.Event.Customer = c.Customer
			part.Event.Product = o.Product
			part.Event.Kind = rules.KindSale
			if o.Subscription != "" {
				part.Event.Kind = rules.KindPayment
				part.Event.Subscription = rules.Subscription{ID: o.Subscription, Start: o.SubStart, Payment: o.Payment}
			}
			if o.Risk {
				part.Event.Attrs = map[string]string{"risk": "high"}
			}
			out.ByOrder[c.ID] = append(out.ByOrder[c.ID], len(out.Credits))
			out.Credits = append(out.Credits, part)
		}
	}
	return out, nil
}

// byPartner sums a conversion's credits per partner, in journey order of
// each partner's first credited touch.
func byPartner(cs []attribution.Credit) []credit {
	var out []credit
	at := map[string]int{}
	for _, c := range cs {
		i, ok := at[c.Partner]
		if !ok {
			at[c.Partner] = len(out)
			out = append(out, credit{Touchpoint: c.TouchpointID, Event: rules.Event{
				Partner: rules.Partner{ID: c.Partner}, Amount: c.Amount}})
			continue
		}
		sum, _ := out[i].Event.Amount.Add(c.Amount)
		out[i].Event.Amount = sum
	}
	return out
}

// renewal shares a renewal's amount between the partners of its first
// payment, in the same proportions (accrue.Allocate: exact to the cent).
func renewal(a *attributed, o *order, amount accrue.Money) ([]credit, error) {
	first := a.ByOrder[o.First]
	if len(first) == 0 {
		return nil, nil
	}
	weights := make([]decimal.Decimal, len(first))
	for i, k := range first {
		weights[i] = a.Credits[k].Event.Amount.Amount()
	}
	shares, err := accrue.Allocate(amount, weights)
	if err != nil {
		return nil, fmt.Errorf("renewal %s: %w", o.ID, err)
	}
	out := make([]credit, len(first))
	for i, k := range first {
		out[i] = credit{Touchpoint: a.Credits[k].Touchpoint, Event: rules.Event{
			Partner: rules.Partner{ID: a.Credits[k].Event.Partner.ID}, Amount: shares[i]}}
	}
	return out, nil
}
