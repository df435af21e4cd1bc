package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/attribution"
)

// sizes are the dimensions of a generated program.
type sizes struct {
	Partners    int
	Touchpoints int
	Orders      int
}

// partner is one member of the program, in a tier.
type partner struct {
	ID   string
	Tier string
	// Hold, when set, keeps the partner out of payouts (a missing tax
	// form, a dispute): payout reads it as the reason.
	Hold string
}

// order is one sale or subscription payment as the shop recorded it.
type order struct {
	ID       string
	Customer string
	Time     time.Time
	Amount   int64 // cents; generated as integers, never as floats
	Product  string
	// Subscription is set for subscription payments; Payment 1 is the
	// sign-up, later payments are renewals of the order named by First.
	Subscription string
	SubStart     time.Time
	Payment      int
	First        string
	// Risk marks an order the shop's fraud screen flagged (a device shared
	// with the partner): the plan holds its commission for review.
	Risk    bool
	Journey []attribution.Touchpoint
}

// refund is a refund or chargeback of an order, whole or in part.
type refund struct {
	ID         string
	Order      string
	Time       time.Time
	Amount     int64 // cents
	Chargeback bool
}

// program is a generated partner program: who, what they touched, what
// sold and what came back. The conversion records include the duplicates a
// real feed has (a resent order, a pixel that fired twice).
type program struct {
	Start, End time.Time
	Partners   []partner
	Orders     []order // unique orders, by time then id
	Records    []order // Orders plus duplicates, as the feed delivered them
	Refunds    []refund
	Touches    int // touchpoints generated
}

var usd = accrue.MustCurrency("USD")

// tiers are the program's partner tiers with their share of partners and
// how much more active a partner of the tier is than a bronze one.
var tiers = []struct {
	Name     string
	Share    int // per thousand partners
	Activity int
}{
	{"platinum", 20, 40},
	{"gold", 80, 6},
	{"silver", 300, 3},
	{"bronze", 600, 1},
}

var channels = []string{"content", "coupon", "email", "social"}

// plans are the subscription prices, in cents.
var plans = []struct {
	Product string
	Price   int64
}{{"pro-monthly", 4900}, {"team-monthly", 9900}, {"business-monthly", 19900}}

// generate builds a program from a seed. The random source (PCG) decides
// who, when and how much; amounts are whole cents drawn as integers.
func generate(seed uint64, sz sizes) *program {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	p := &program{
		Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		End:   time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC),
	}
	p.Partners = genPartners(r, sz.Partners)
	weights := partnerWeights(p.Partners)

	// Customers favour one to three partners (the blogs they read).
	nCust := max(1, sz.Orders*7/10)
	affinity := make([][]int, nCust)
	for c := range affinity {
		k := 1 + r.IntN(3)
		for range k {
			affinity[c] = append(affinity[c], pick(r, weights))
		}
	}
	journeys := make([][]attribution.Touchpoint, nCust)
	span := p.End.Sub(p.Start) + 35*24*time.Hour
	for i := range sz.Touchpoints {
		c := r.IntN(nCust)
		pi := affinity[c][r.IntN(len(affinity[c]))]
		if r.IntN(10) == 0 {
			pi = pick(r, weights)
		}
		journeys[c] = append(journeys[c], touch(r, i, p.Partners[pi].ID, p.End.Add(-span).Add(randDur(r, span))))
	}
	p.Touches = sz.Touchpoints
	for c := range journeys {
		slices.SortFunc(journeys[c], func(a, b attribution.Touchpoint) int { return a.Time.Compare(b.Time) })
	}

	window := p.End.Sub(p.Start)
	for n := 0; len(p.Orders) < sz.Orders; n++ {
		c := r.IntN(nCust)
		o := order{
			ID:       fmt.Sprintf("ord-%06d", n),
			Customer: fmt.Sprintf("cust-%05d", c),
			Time:     p.Start.Add(randDur(r, window)).Truncate(time.Second),
			Product:  "store",
			Risk:     r.IntN(150) == 0,
		}
		switch k := r.IntN(100); {
		case k < 10: // a subscription, renewed monthly
			pl := plans[r.IntN(len(plans))]
			o.Product, o.Amount = pl.Product, pl.Price
			o.Subscription, o.SubStart, o.Payment = "sub-"+o.ID[4:], o.Time, 1
		default: // a one-off sale: mostly modest, sometimes large
			o.Amount = 1500 + int64(r.IntN(9000))
			if r.IntN(12) == 0 {
				o.Amount += int64(r.IntN(60000))
			}
		}
		if r.IntN(200) == 0 { // self-referral: a partner buys through their own link
			pi := pick(r, weights)
			o.Customer = p.Partners[pi].ID
			o.Journey = []attribution.Touchpoint{touch(r, sz.Touchpoints+n, o.Customer, o.Time.Add(-time.Hour))}
		} else {
			o.Journey = before(journeys[c], o.Time)
		}
		p.Orders = append(p.Orders, o)
		for m := 1; o.Subscription != "" && len(p.Orders) < sz.Orders; m++ {
			at := o.Time.AddDate(0, m, 0)
			if !at.Before(p.End) {
				break
			}
			rn := o
			rn.ID, rn.Time, rn.Payment, rn.First, rn.Journey, rn.Risk = fmt.Sprintf("%s-r%d", o.ID, m), at, m+1, o.ID, nil, false
			p.Orders = append(p.Orders, rn)
		}
	}
	slices.SortFunc(p.Orders, func(a, b order) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})

	// The feed resends some orders (same id) and double-fires others (a new
	// id, same customer and amount a few seconds later); a few journeys
	// carry the same touch twice.
	for _, o := range p.Orders {
		p.Records = append(p.Records, o)
		switch k := r.IntN(1000); {
		case k < 4:
			p.Records = append(p.Records, o)
		case k < 6 && o.Payment <= 1:
			d := o
			d.ID, d.Time = o.ID+"-dup", o.Time.Add(time.Duration(1+r.IntN(30))*time.Second)
			p.Records = append(p.Records, d)
		case k < 9 && len(o.Journey) > 0:
			d := p.Records[len(p.Records)-1]
			d.Journey = append(slices.Clone(o.Journey), o.Journey[len(o.Journey)-1])
			p.Records[len(p.Records)-1] = d
		}
	}

	// 3% of orders come back: mostly refunds, some chargebacks, a quarter
	// of them in part. Each comes after its order and before the cut-off.
	for i, o := range p.Orders {
		if r.IntN(100) >= 3 {
			continue
		}
		left := p.End.Sub(o.Time)
		if left < 2*time.Hour {
			continue
		}
		rf := refund{
			ID:         fmt.Sprintf("rfd-%06d", i),
			Order:      o.ID,
			Time:       o.Time.Add(time.Hour + randDur(r, min(left-time.Hour, 60*24*time.Hour))).Truncate(time.Second),
			Amount:     o.Amount,
			Chargeback: r.IntN(5) == 0,
		}
		if r.IntN(4) == 0 {
			rf.Amount = o.Amount / 2
		}
		p.Refunds = append(p.Refunds, rf)
	}
	slices.SortFunc(p.Refunds, func(a, b refund) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return p
}

// genPartners makes n partners in tiers, about 1% of them on a payout hold.
func genPartners(r *rand.Rand, n int) []partner {
	ps := make([]partner, n)
	for i := range ps {
		k, tier := r.IntN(1000), tiers[len(tiers)-1].Name
		for _, t := range tiers {
			if k < t.Share {
				tier = t.Name
				break
			}
			k -= t.Share
		}
		ps[i] = partner{ID: fmt.Sprintf("p-%04d", i), Tier: tier}
		switch r.IntN(100) {
		case 0:
			ps[i].Hold = "tax form missing"
		case 1:
			if r.IntN(3) == 0 {
				ps[i].Hold = "dispute open"
			}
		}
	}
	return ps
}

// partnerWeights returns cumulative activity weights for pick.
func partnerWeights(ps []partner) []int {
	cum := make([]int, len(ps))
	total := 0
	for i, p := range ps {
		for _, t := range tiers {
			if t.Name == p.Tier {
				total += t.Activity
			}
		}
		cum[i] = total
	}
	return cum
}

// pick draws an index with the cumulative weights cum.
func pick(r *rand.Rand, cum []int) int {
	x := r.IntN(cum[len(cum)-1])
	i, _ := slices.BinarySearch(cum, x+1)
	return i
}

func touch(r *rand.Rand, i int, partnerID string, at time.Time) attribution.Touchpoint {
	kind := attribution.KindClick
	switch r.IntN(10) {
	case 0:
		kind = attribution.KindView
	case 1:
		kind = attribution.KindCoupon
	}
	return attribution.Touchpoint{
		ID:       fmt.Sprintf("tp-%07d", i),
		Partner:  partnerID,
		Channel:  channels[r.IntN(len(channels))],
		Campaign: fmt.Sprintf("cmp-%02d", r.IntN(40)),
		Kind:     kind,
		Time:     at.Truncate(time.Second),
	}
}

// before returns the touches of a journey (sorted by time) before t.
func before(j []attribution.Touchpoint, t time.Time) []attribution.Touchpoint {
	n, _ := slices.BinarySearchFunc(j, t, func(tp attribution.Touchpoint, t time.Time) int {
		if tp.Time.Before(t) {
			return -1
		}
		return 1
	})
	return j[:n:n]
}

func randDur(r *rand.Rand, d time.Duration) time.Duration {
	return time.Duration(r.Int64N(int64(d)))
}
