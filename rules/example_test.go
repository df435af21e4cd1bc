package rules_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/rules"
)

// mustEngine compiles plan texts into an engine with in-memory totals.
func mustEngine(texts ...string) *rules.Engine {
	var plans []*rules.Compiled
	for _, text := range texts {
		c, err := rules.LoadPlan([]byte(text))
		if err != nil {
			panic(err)
		}
		plans = append(plans, c)
	}
	set, err := rules.NewPlanSet(plans...)
	if err != nil {
		panic(err)
	}
	return rules.NewEngine(set, rules.NewMemoryAggregates())
}

func printLines(lines []rules.Line) {
	for _, l := range lines {
		fmt.Printf("%s %s %s to %s (%s)\n", l.EventID, l.Type, l.Amount, l.Partner, l.Rule)
	}
}

// A SaaS affiliate program pays 30% of every subscription payment for the
// subscription's first 12 months.
func Example_saasAffiliate() {
	eng := mustEngine(`{
		"id": "saas-affiliate", "version": "2026", "currency": "USD",
		"valid_from": "2026-01-01T00:00:00Z", "time_zone": "UTC",
		"rules": [{"id": "recurring-30", "when": "event.kind == 'payment'",
		           "percent": "30", "recurring": {"months": 12}}]
	}`)
	start := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)
	for _, n := range []int{1, 2, 12, 13} {
		lines, err := eng.Evaluate(context.Background(), rules.Event{
			ID: fmt.Sprintf("inv-%d", n), Kind: rules.KindPayment, Time: start.AddDate(0, n-1, 0),
			Partner:      rules.Partner{ID: "blogger-7"},
			Amount:       accrue.MustParseMoney("49.00 USD"),
			Subscription: rules.Subscription{ID: "sub-1", Start: start, Payment: n},
		})
		if err != nil {
			panic(err)
		}
		fmt.Printf("payment %d: %d line(s) ", n, len(lines))
		printLines(lines)
		if len(lines) == 0 {
			fmt.Println()
		}
	}
	// Output:
	// payment 1: 1 line(s) inv-1 commission 14.70 USD to blogger-7 (recurring-30)
	// payment 2: 1 line(s) inv-2 commission 14.70 USD to blogger-7 (recurring-30)
	// payment 12: 1 line(s) inv-12 commission 14.70 USD to blogger-7 (recurring-30)
	// payment 13: 0 line(s)
}

// A reseller earns graduated tiers on its quarterly volume — 10% up to
// 10,000.00, 15% above — capped at 2,000.00 a quarter, and shares 20% with
// its distributor.
func Example_resellerTiers() {
	eng := mustEngine(`{
		"id": "reseller", "currency": "EUR", "valid_from": "2026-01-01T00:00:00Z",
		"time_zone": "Europe/Berlin", "period": "quarter",
		"caps": {"partner_period": "2000.00"},
		"rules": [{"id": "volume", "tiers": {"mode": "graduated", "bands": [
			{"from": "0", "percent": "10"}, {"from": "10000.00", "percent": "15"}]},
			"split": [{"partner": "", "share": "80"}, {"partner": "distributor", "share": "20"}]}]
	}`)
	for i, amount := range []string{"8000.00 EUR", "4000.00 EUR", "9000.00 EUR"} {
		lines, x, err := eng.EvaluateExplain(context.Background(), rules.Event{
			ID: fmt.Sprintf("order-%d", i+1), Kind: rules.KindSale,
			Time:    time.Date(2026, 2, 1+i, 12, 0, 0, 0, time.UTC),
			Partner: rules.Partner{ID: "acme"}, Amount: accrue.MustParseMoney(amount),
		})
		if err != nil {
			panic(err)
		}
		if i == 2 {
			fmt.Print(x.Text())
			continue
		}
		printLines(lines)
	}
	// Output:
	// order-1 commission 640.00 EUR to acme (volume)
	// order-1 commission 160.00 EUR to distributor (volume)
	// order-2 commission 400.00 EUR to acme (volume)
	// order-2 commission 100.00 EUR to distributor (volume)
	// event order-3 (sale, 9000.00 EUR) under plan reseller [sha256:15ead657e568]
	//   rule volume: matched (always): tiers:graduated = 1350.00 EUR
	//     band from 10000.00 EUR at 15%: 9000.00 EUR → 1350.00 EUR
	//     partner-period cap 2000.00 EUR: exceeded by 650.00 EUR
	//   line 0: commission volume 560.00 EUR to acme, payable
	//   line 1: commission volume 140.00 EUR to distributor, payable
}

// A referral program pays 25.00 per signup, and a 100.00 bonus, once, for the
// tenth signup in a month.
func Example_referralMilestone() {
	eng := mustEngine(`{
		"id": "referral", "currency": "USD", "valid_from": "2026-01-01T00:00:00Z",
		"time_zone": "America/New_York", "hit_policy": "collect",
		"rules": [
			{"id": "signup", "when": "event.kind == 'signup'", "flat": "25.00"},
			{"id": "tenth", "when": "event.kind == 'signup'", "milestone": {"count": 10, "bonus": "100.00"}}
		]
	}`)
	for i := 1; i <= 11; i++ {
		lines, err := eng.Evaluate(context.Background(), rules.Event{
			ID: fmt.Sprintf("signup-%d", i), Kind: rules.KindSignup,
			Time:    time.Date(2026, 5, i, 15, 0, 0, 0, time.UTC),
			Partner: rules.Partner{ID: "friend-3"},
		})
		if err != nil {
			panic(err)
		}
		if i >= 9 {
			printLines(lines)
		}
	}
	// Output:
	// signup-9 commission 25.00 USD to friend-3 (signup)
	// signup-10 commission 25.00 USD to friend-3 (signup)
	// signup-10 bonus 100.00 USD to friend-3 (tenth)
	// signup-11 commission 25.00 USD to friend-3 (signup)
}

// A refund inside the clawback window reverses the commission pro rata, at
// the plan version and rate of the original lines, even after the plan
// changed.
func Example_clawback() {
	eng := mustEngine(`{
		"id": "shop", "version": "v1", "currency": "USD", "clawback_days": 60,
		"valid_from": "2026-01-01T00:00:00Z", "valid_until": "2026-03-01T00:00:00Z", "time_zone": "UTC",
		"rules": [{"id": "base", "percent": "10", "overrides": ["20"]}]
	}`, `{
		"id": "shop", "version": "v2", "currency": "USD",
		"valid_from": "2026-03-01T00:00:00Z", "time_zone": "UTC",
		"rules": [{"id": "base", "percent": "50"}]
	}`)
	ctx := context.Background()
	sale := rules.Event{ID: "order-9", Kind: rules.KindSale, Time: time.Date(2026, 2, 20, 0, 0, 0, 0, time.UTC),
		Partner: rules.Partner{ID: "creator", Parents: []string{"agency"}}, Amount: accrue.MustParseMoney("120.00 USD")}
	orig, err := eng.Evaluate(ctx, sale)
	if err != nil {
		panic(err)
	}
	printLines(orig)
	// The host stores the lines and hands them back with the refund.
	claws, x, err := eng.EvaluateExplain(ctx, rules.Event{ID: "refund-1", Kind: rules.KindRefund,
		Time: time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC), Amount: accrue.MustParseMoney("30.00 USD"),
		Reverses: "order-9", Original: orig})
	if err != nil {
		panic(err)
	}
	printLines(claws)
	fmt.Println("reverses", claws[0].Reverses, "at version", claws[0].Version == orig[0].Version)
	fmt.Print(x.Text())
	// Output:
	// order-9 commission 12.00 USD to creator (base)
	// order-9 override 2.40 USD to agency (base)
	// refund-1 clawback -3.00 USD to creator (base)
	// refund-1 clawback -0.60 USD to agency (base)
	// reverses order-9#0 at version true
	// event refund-1 (refund, 30.00 USD) under plan shop v1 [sha256:651e257d114b]
	//   reverses order-9#0 (12.00 USD): -3.00 USD
	//   reverses order-9#1 (2.40 USD): -0.60 USD
	//   line 0: clawback base -3.00 USD to creator, payable
	//   line 1: clawback base -0.60 USD to agency, payable
}

// A refund nets the volume it had raised: a reseller whose quarter fell
// back below the 10% band of a retroactive tier gets a true-down for the
// rest of the quarter, and the next sale is tiered on the net volume.
func Example_refundTrueDown() {
	eng := mustEngine(`{
		"id": "reseller", "version": "2026", "currency": "USD",
		"valid_from": "2026-01-01T00:00:00Z", "time_zone": "UTC",
		"rules": [{"id": "quarter", "tiers": {"mode": "retroactive", "period": "quarter",
			"bands": [{"from": "0", "percent": "5"}, {"from": "10000.00", "percent": "10"}]}}]
	}`)
	ctx := context.Background()
	sale := func(id, amount string, day int) rules.Event {
		return rules.Event{ID: id, Kind: rules.KindSale, Time: time.Date(2026, 1, day, 0, 0, 0, 0, time.UTC),
			Partner: rules.Partner{ID: "acme"}, Amount: accrue.MustParseMoney(amount)}
	}
	var first []rules.Line
	for i, ev := range []rules.Event{sale("o1", "6000.00 USD", 5), sale("o2", "5000.00 USD", 9)} {
		lines, err := eng.Evaluate(ctx, ev)
		if err != nil {
			panic(err)
		}
		if i == 0 {
			first = lines
		}
		printLines(lines)
	}
	_, x, err := eng.EvaluateExplain(ctx, rules.Event{ID: "refund-o1", Kind: rules.KindRefund,
		Time: time.Date(2026, 1, 20, 0, 0, 0, 0, time.UTC), Amount: accrue.MustParseMoney("6000.00 USD"), Original: first})
	if err != nil {
		panic(err)
	}
	fmt.Print(x.Text())
	lines, err := eng.Evaluate(ctx, sale("o3", "1000.00 USD", 25))
	if err != nil {
		panic(err)
	}
	printLines(lines)
	// Output:
	// o1 commission 300.00 USD to acme (quarter)
	// o2 commission 500.00 USD to acme (quarter)
	// o2 true-up 300.00 USD to acme (quarter)
	// event refund-o1 (refund, 6000.00 USD) under plan reseller 2026 [sha256:f43447c69eac]
	//   reverses o1#0 (300.00 USD): -300.00 USD
	//   true-down rule quarter: period volume 11000.00 USD → 5000.00 USD, below the band from 10000.00 USD at 10%: 5000.00 USD at the band from 0.00 USD at 5% is 250.00 USD, 800.00 USD paid: -550.00 USD
	//   line 0: clawback quarter -300.00 USD to acme, payable
	//   line 1: true-up quarter -550.00 USD to acme, payable
	// o3 commission 50.00 USD to acme (quarter)
}

// Diff shows, before a rate change ships, whose pay changes and why.
func ExampleDiff() {
	old, _ := rules.LoadPlan([]byte(`{"id": "affiliate", "version": "v1", "currency": "USD",
		"valid_from": "2026-01-01T00:00:00Z", "time_zone": "UTC",
		"rules": [{"id": "gold", "priority": 1, "when": "partner.tier == 'gold'", "percent": "20"},
		          {"id": "base", "priority": 2, "percent": "10"}]}`))
	newer, _ := rules.LoadPlan([]byte(`{"id": "affiliate", "version": "v2", "currency": "USD",
		"valid_from": "2026-01-01T00:00:00Z", "time_zone": "UTC",
		"rules": [{"id": "gold", "priority": 1, "when": "partner.tier == 'gold'", "percent": "25"},
		          {"id": "base", "priority": 2, "percent": "10"}]}`))
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	events := []rules.Event{
		{ID: "o1", Kind: rules.KindSale, Time: at, Partner: rules.Partner{ID: "ann", Tier: "gold"}, Amount: accrue.MustParseMoney("100.00 USD")},
		{ID: "o2", Kind: rules.KindSale, Time: at, Partner: rules.Partner{ID: "bob"}, Amount: accrue.MustParseMoney("100.00 USD")},
	}
	rep, err := rules.Diff(context.Background(), old, newer, events)
	if err != nil {
		panic(err)
	}
	fmt.Print(rep.Text())
	// Output:
	// plan change sha256:6d071d39c096 → sha256:4b999caef783 over 2 events: 1 changed
	// partners:
	//   ann          20.00 USD → 25.00 USD  (+5.00 USD)
	//   bob          10.00 USD → 10.00 USD
	// rules:
	//   base         10.00 USD → 10.00 USD
	//   gold         20.00 USD → 25.00 USD  (+5.00 USD)
	// event o1:
	//   - commission gold 20.00 USD to ann
	//   + commission gold 25.00 USD to ann
}

// A plan that does not load says which rule, which field and where.
func ExampleLoadPlan_error() {
	_, err := rules.LoadPlan([]byte(`{"id": "shop", "currency": "USD",
		"valid_from": "2026-01-01T00:00:00Z", "time_zone": "UTC",
		"rules": [{"id": "eu", "when": "event.country == 'DE'", "percent": "10"}]}`))
	fmt.Println(err)
	// Output:
	// rules: plan "shop" rule "eu" when (1:7): event has no field country
}

// Two versions of one plan whose effective periods overlap cannot share a
// plan set; the error names both.
func ExampleNewPlanSet_overlap() {
	load := func(version, from, until string) *rules.Compiled {
		c, err := rules.LoadPlan([]byte(`{"id": "shop", "version": "` + version + `", "currency": "USD",
			"valid_from": "` + from + `", ` + until + `"time_zone": "UTC", "rules": [{"id": "base", "percent": "` + version[1:] + `"}]}`))
		if err != nil {
			panic(err)
		}
		return c
	}
	v10 := load("v10", "2026-01-01T00:00:00Z", `"valid_until": "2026-04-01T00:00:00Z", `)
	v12 := load("v12", "2026-03-01T00:00:00Z", "")
	_, err := rules.NewPlanSet(v10, v12)
	fmt.Println(err)
	var oe *rules.OverlapError
	if errors.As(err, &oe) && errors.Is(err, rules.ErrOverlap) {
		fmt.Println(oe.A.Version, "until", oe.A.ValidUntil.Format(time.DateOnly), "overlaps", oe.B.Version, "from", oe.B.ValidFrom.Format(time.DateOnly))
	}
	// Output:
	// rules: overlapping plan versions: plan "shop" version "v10" [sha256:d6a942a4471a] (from 2026-01-01T00:00:00Z to 2026-04-01T00:00:00Z) overlaps version "v12" [sha256:d4b6a27cd048] (from 2026-03-01T00:00:00Z, open-ended)
	// v10 until 2026-04-01 overlaps v12 from 2026-03-01
}
