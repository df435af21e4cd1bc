package attribution_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/attribution"
)

// A U-shaped split of a 100.00 USD order over three partner touches, with a
// 30-day lookback: every cent is accounted for, and the result names the
// model for lineage.
func Example() {
	at := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	order := attribution.Conversion{
		ID: "order-1", Customer: "cust-9", Time: at, Amount: accrue.MustParseMoney("100.00 USD"),
		Touchpoints: []attribution.Touchpoint{
			{ID: "tp-3", Partner: "coupons.example", Channel: "affiliate", Kind: attribution.KindClick, Time: at.Add(-time.Hour)},
			{ID: "tp-1", Partner: "blog.example", Channel: "affiliate", Kind: attribution.KindClick, Time: at.Add(-10 * 24 * time.Hour)},
			{ID: "tp-2", Partner: "news.example", Channel: "email", Kind: attribution.KindClick, Time: at.Add(-5 * 24 * time.Hour)},
			{ID: "tp-0", Partner: "old.example", Channel: "affiliate", Kind: attribution.KindClick, Time: at.Add(-40 * 24 * time.Hour)},
		},
	}
	a, _ := attribution.New(attribution.Options{
		Model:       attribution.UShaped(),
		Eligibility: attribution.Eligibility{Lookback: 30 * 24 * time.Hour},
	})
	r, _ := a.Attribute(context.Background(), order)
	fmt.Println(r.Model)
	for _, c := range r.Credits {
		fmt.Printf("%s %-16s %s %s\n", c.TouchpointID, c.Partner, c.Weight, c.Amount)
	}
	for _, e := range r.Excluded {
		fmt.Printf("excluded %s: %s\n", e.TouchpointID, e.Reason)
	}
	fmt.Println(r.Lineage(r.Credits[0]))
	// Output:
	// u_shaped(first=40,middle=20,last=40)
	// tp-1 blog.example     2/5 40.00 USD
	// tp-2 news.example     1/5 20.00 USD
	// tp-3 coupons.example  2/5 40.00 USD
	// excluded tp-0: outside lookback window
	// map[attribution_model:u_shaped(first=40,middle=20,last=40) conversion_id:order-1 partner_id:blog.example touchpoint_id:tp-1]
}

// Time decay with the default 7-day half-life: a touch a week older gets
// half the credit. One cent cannot be split, so it goes to the largest
// share.
func ExampleTimeDecay() {
	at := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	a, _ := attribution.New(attribution.Options{Model: attribution.TimeDecay(0)})
	for _, amount := range []string{"100.00 USD", "0.01 USD"} {
		r, _ := a.Attribute(context.Background(), attribution.Conversion{
			ID: "c", Time: at, Amount: accrue.MustParseMoney(amount),
			Touchpoints: []attribution.Touchpoint{
				{ID: "a", Partner: "p1", Time: at.Add(-14 * 24 * time.Hour)},
				{ID: "b", Partner: "p2", Time: at.Add(-7 * 24 * time.Hour)},
				{ID: "c", Partner: "p3", Time: at},
			},
		})
		var parts []string
		for _, c := range r.Credits {
			parts = append(parts, c.Partner+"="+c.Amount.Amount().StringFixed(2))
		}
		fmt.Println(strings.Join(parts, " "))
	}
	// Output:
	// p1=14.29 p2=28.57 p3=57.14
	// p1=0.00 p2=0.00 p3=0.01
}

// Coupon priority and self-referral: the coupon takes the credit over the
// click, and a partner referring themself earns nothing.
func ExampleEligibility() {
	at := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	a, _ := attribution.New(attribution.Options{
		Model:       attribution.LastTouch(),
		Eligibility: attribution.Eligibility{CouponPriority: true},
	})
	r, _ := a.Attribute(context.Background(), attribution.Conversion{
		ID: "c", Customer: "sam", Time: at, Amount: accrue.MustParseMoney("20.00 EUR"),
		Touchpoints: []attribution.Touchpoint{
			{ID: "coupon", Partner: "deals", Kind: attribution.KindCoupon, Time: at.Add(-2 * time.Hour)},
			{ID: "click", Partner: "blog", Kind: attribution.KindClick, Time: at.Add(-time.Hour)},
			{ID: "self", Partner: "sam", Kind: attribution.KindCoupon, Time: at.Add(-time.Minute)},
		},
	})
	fmt.Println(r.Credits[0].Partner, r.Credits[0].Amount)
	fmt.Println(r.Excluded)
	// Output:
	// deals 20.00 EUR
	// [{self sam self-referral} {click blog coupon priority}]
}

// A conversion without an eligible touch earns no credit and says why.
func ExampleResult_noCredit() {
	at := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	a, _ := attribution.New(attribution.Options{Model: attribution.Linear(),
		Eligibility: attribution.Eligibility{Lookback: 24 * time.Hour}})
	r, _ := a.Attribute(context.Background(), attribution.Conversion{
		ID: "c", Time: at, Amount: accrue.MustParseMoney("5.00 USD"),
		Touchpoints: []attribution.Touchpoint{{ID: "t", Partner: "p", Time: at.Add(-72 * time.Hour)}},
	})
	fmt.Printf("%d credits: %s\n", len(r.Credits), r.NoCredit)
	// Output:
	// 0 credits: no eligible touchpoint
}

// Markov-chain removal effects fitted on aggregated journeys (the worked
// example of Puzyrov 2019), then used to split a conversion's value.
func ExampleFitMarkov() {
	p := attribution.NewPaths(attribution.ByChannel)
	_ = p.Add([]string{"google ads"}, 2, 1) // 2 converting journeys, 1 not
	_ = p.Add([]string{"mailing"}, 1, 0)
	_ = p.Add([]string{"google ads", "mailing"}, 1, 0)
	m, _ := attribution.FitMarkov(p, attribution.MarkovOptions{})
	for _, ch := range m.Names() {
		fmt.Printf("%-10s removal effect %.2f, conversions %.1f\n", ch, m.RemovalEffect(ch), m.Conversions(ch))
	}

	at := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	a, _ := attribution.New(attribution.Options{Model: m})
	r, _ := a.Attribute(context.Background(), attribution.Conversion{
		ID: "c", Time: at, Amount: accrue.MustParseMoney("10.00 USD"),
		Touchpoints: []attribution.Touchpoint{
			{ID: "1", Partner: "search-partner", Channel: "google ads", Time: at.Add(-time.Hour)},
			{ID: "2", Partner: "newsletter", Channel: "mailing", Time: at},
		},
	})
	for _, c := range r.Credits {
		fmt.Println(c.Partner, c.Amount)
	}
	// Output:
	// google ads removal effect 0.75, conversions 2.4
	// mailing    removal effect 0.50, conversions 1.6
	// search-partner 6.00 USD
	// newsletter 4.00 USD
}

// Shapley values of the journey game: each converting journey's credit is
// shared equally among the channels it touched.
func ExampleFitShapley() {
	p := attribution.NewPaths(attribution.ByChannel)
	_ = p.Add([]string{"google ads"}, 2, 1)
	_ = p.Add([]string{"mailing"}, 1, 0)
	_ = p.Add([]string{"google ads", "mailing"}, 1, 0)
	s, _ := attribution.FitShapley(p)
	for _, ch := range s.Names() {
		fmt.Printf("%s %.1f\n", ch, s.Value(ch))
	}
	// Output:
	// google ads 2.5
	// mailing 1.5
}

// The Shapley value of any game: the glove game.
func ExampleShapleyValues() {
	gloves := func(c *attribution.Coalition) float64 {
		if (c.Has(0) || c.Has(1)) && c.Has(2) {
			return 1
		}
		return 0
	}
	phi, exact, _ := attribution.ShapleyValues(3, gloves, attribution.GameOptions{})
	fmt.Printf("%.4f exact=%v\n", phi, exact)
	// Output:
	// [0.1667 0.1667 0.6667] exact=true
}

// A custom weight per touch as an expression; a bad expression reports
// where it fails.
func ExampleCustomExpr() {
	m, _ := attribution.CustomExpr(`kind == "coupon" ? 3 : 1`)
	at := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	a, _ := attribution.New(attribution.Options{Model: m})
	r, _ := a.Attribute(context.Background(), attribution.Conversion{
		ID: "c", Time: at, Amount: accrue.MustParseMoney("8.00 USD"),
		Touchpoints: []attribution.Touchpoint{
			{ID: "1", Partner: "blog", Kind: attribution.KindClick, Time: at.Add(-time.Hour)},
			{ID: "2", Partner: "deals", Kind: attribution.KindCoupon, Time: at},
		},
	})
	fmt.Println(r.Model)
	for _, c := range r.Credits {
		fmt.Println(c.Partner, c.Weight, c.Amount)
	}

	_, err := attribution.CustomExpr(`now() > 1`)
	fmt.Println(err)
	// Output:
	// custom_expr(kind == "coupon" ? 3 : 1)
	// blog 1/4 2.00 USD
	// deals 3/4 6.00 USD
	// attribution: expression "now() > 1": unknown name now (1:1)
	//  | now() > 1
	//  | ^
}

// Validate reports everything it drops or flags, and why.
func ExampleValidate() {
	at := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	convs := []attribution.Conversion{
		{ID: "a", Customer: "x", Time: at, Amount: accrue.MustParseMoney("10.00 USD"), Touchpoints: []attribution.Touchpoint{
			{ID: "t1", Partner: "p", Time: at.Add(-time.Hour)},
			{ID: "t2", Partner: "p", Time: at.Add(time.Hour)},
		}},
		{ID: "a", Customer: "x", Time: at.Add(time.Minute), Amount: accrue.MustParseMoney("10.00 USD")},
		{ID: "b", Customer: "y", Time: at, Amount: accrue.MustParseMoney("-3.00 USD")},
	}
	kept, report := attribution.Validate(convs, attribution.ValidateOptions{Now: at.Add(24 * time.Hour)})
	fmt.Println(len(kept), "kept")
	for _, f := range report.Findings {
		fmt.Println(f)
	}
	// Output:
	// 1 kept
	// dropped conversion "a" touchpoint "t2": touchpoint after conversion (1h0m0s after)
	// dropped conversion "b": negative amount (-3.00 USD)
	// dropped conversion "a": duplicate conversion id
}

// Stream attributes conversions as they arrive, one chunk in memory at a
// time, with reused buffers of minor units.
func ExampleAttributor_Stream() {
	at := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	source := func(yield func(attribution.Conversion, error) bool) {
		for i := range 3 {
			c := attribution.Conversion{
				ID: fmt.Sprint("order-", i), Time: at, Amount: accrue.FromMinorUnits(int64(100*i+1), accrue.MustCurrency("USD")),
				Touchpoints: []attribution.Touchpoint{
					{ID: "a", Partner: "p1", Time: at.Add(-time.Hour)},
					{ID: "b", Partner: "p2", Time: at},
				},
			}
			if !yield(c, nil) {
				return
			}
		}
	}
	a, _ := attribution.New(attribution.Options{Model: attribution.Linear(), ChunkSize: 2})
	_ = a.Stream(context.Background(), source, func(al *attribution.Allocation) error {
		fmt.Println(al.Conversion.ID, al.Units, "of", al.Den)
		return nil
	})
	// Output:
	// order-0 [1 0] of 2
	// order-1 [51 50] of 2
	// order-2 [101 100] of 2
}

// Participation gives every distinct partner touch the full amount: a reach
// report, not a split.
func ExampleAttributor_Participation() {
	at := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	a, _ := attribution.New(attribution.Options{Model: attribution.Linear()})
	r, _ := a.Participation(context.Background(), attribution.Conversion{
		ID: "c", Time: at, Amount: accrue.MustParseMoney("50.00 USD"),
		Touchpoints: []attribution.Touchpoint{
			{ID: "1", Partner: "blog", Channel: "affiliate", Time: at.Add(-2 * time.Hour)},
			{ID: "2", Partner: "deals", Channel: "affiliate", Time: at.Add(-time.Hour)},
			{ID: "3", Partner: "blog", Channel: "affiliate", Time: at},
		},
	})
	for _, c := range r.Credits {
		fmt.Println(c.Partner, c.Amount)
	}
	// Output:
	// blog 50.00 USD
	// deals 50.00 USD
}

// Custom first/middle/last weights: with two touches the middle share is
// renormalised away, so 30/40/30 becomes 50/50.
func ExamplePositions() {
	m, _ := attribution.Positions(30, 40, 30)
	at := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	a, _ := attribution.New(attribution.Options{Model: m})
	for _, n := range []int{4, 2} {
		c := attribution.Conversion{ID: "c", Time: at, Amount: accrue.MustParseMoney("100.00 USD")}
		for i := range n {
			c.Touchpoints = append(c.Touchpoints, attribution.Touchpoint{ID: fmt.Sprint(i), Partner: fmt.Sprint("p", i), Time: at.Add(time.Duration(i-n) * time.Hour)})
		}
		r, _ := a.Attribute(context.Background(), c)
		var parts []string
		for _, cr := range r.Credits {
			parts = append(parts, cr.Amount.Amount().StringFixed(2))
		}
		fmt.Println(n, "touches:", strings.Join(parts, " "))
	}
	// Output:
	// 4 touches: 30.00 20.00 20.00 30.00
	// 2 touches: 50.00 50.00
}

// Batch attributes a slice of conversions on all cores into reused
// allocations; the callback sees them in input order.
func ExampleAttributor_Batch() {
	at := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	journey := []attribution.Touchpoint{
		{ID: "a", Partner: "p1", Time: at.Add(-48 * time.Hour)},
		{ID: "b", Partner: "p2", Time: at.Add(-time.Hour)},
	}
	convs := []attribution.Conversion{
		{ID: "o1", Time: at, Amount: accrue.MustParseMoney("10.00 USD"), Touchpoints: journey},
		{ID: "o2", Time: at, Amount: accrue.MustParseMoney("0.05 USD"), Touchpoints: journey},
	}
	a, _ := attribution.New(attribution.Options{Model: attribution.JShaped()})
	_ = a.Batch(context.Background(), convs, func(al *attribution.Allocation) error {
		fmt.Println(al.Conversion.ID, al.Weights, al.Units)
		return nil
	})
	// Output:
	// o1 [20 60] [250 750]
	// o2 [20 60] [1 4]
}
