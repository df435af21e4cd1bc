package reconcile_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/reconcile"
)

func day(s string) time.Time {
	t, _ := time.Parse("2006-01-02", s)
	return t
}

// payoutItems stands in for what the host reads from its ledger: one record
// per payout item, referenced by the item id the provider echoes back.
func payoutItems() []reconcile.Record {
	return []reconcile.Record{
		{ID: "item-1", References: []string{"PI-1"}, Amount: accrue.MustParseMoney("120.00 USD"), Date: day("2026-03-02"), Counterparty: "acme"},
		{ID: "item-2", References: []string{"PI-2"}, Amount: accrue.MustParseMoney("80.00 USD"), Date: day("2026-03-02"), Counterparty: "beta"},
		{ID: "item-3", Amount: accrue.MustParseMoney("45.50 USD"), Date: day("2026-03-02"), Counterparty: "gamma"},
		{ID: "item-4", Amount: accrue.MustParseMoney("30.00 USD"), Date: day("2026-03-02"), Counterparty: "delta"},
		{ID: "item-5", Amount: accrue.MustParseMoney("20.00 USD"), Date: day("2026-03-03"), Counterparty: "delta"},
		{ID: "item-6", References: []string{"PI-6"}, Amount: accrue.MustParseMoney("10.00 USD"), Date: day("2026-03-03"), Counterparty: "eps"},
	}
}

// The provider's settlement report, as a CSV with a preamble, a decimal
// comma and a D/C flag.
const settlement = `Settlement report;March 2026
date;reference;amount;dc;partner
03.03.2026;PI-1;120,00;C;acme
03.03.2026;PI-2;80,00;C;beta
04.03.2026;;45,49;C;gamma
05.03.2026;;50,00;C;delta
05.03.2026;PI-6;12,00;C;eps
05.03.2026;PI-9;9,99;X;zeta
`

func settlementMapping() reconcile.Mapping {
	return reconcile.Mapping{
		File: "settlement.csv", Comma: ';', SkipRows: 1, Header: true,
		Date: reconcile.Named("date"), DateLayouts: []string{"02.01.2006"},
		References: []reconcile.Column{reconcile.Named("reference")},
		Amount:     reconcile.Named("amount"), DecimalComma: true, Thousands: '.',
		Sign: reconcile.SignFlag, Flag: reconcile.Named("dc"),
		Counterparty: reconcile.Named("partner"), DefaultCurrency: accrue.MustCurrency("USD"),
	}
}

// Reconcile payout items against a provider's settlement file: exact
// references, a rounding residual written off, one settlement line paying
// two items, an amount break, and a malformed row reported with its line.
func ExampleReconciler_Run() {
	external, malformed, err := reconcile.ReadCSV(strings.NewReader(settlement), settlementMapping())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, bad := range malformed {
		fmt.Println("malformed:", bad)
	}
	rc, err := reconcile.New(reconcile.Config{Rules: reconcile.DefaultRules(), WriteOffUnits: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := rc.Run(context.Background(),
		reconcile.Side{Name: "payouts", Records: payoutItems()},
		reconcile.Side{Name: "provider", Records: external})
	if err != nil {
		fmt.Println(err)
		return
	}
	in, ex := rep.Sides[0].Records, rep.Sides[1].Records
	for _, m := range rep.Legs[0].Matches() {
		var l, r []string
		for _, k := range m.Left {
			l = append(l, in[k].ID)
		}
		for _, k := range m.Right {
			r = append(r, ex[k].ID)
		}
		fmt.Printf("%-11s %v ↔ %v difference %s written off %v\n", m.Rule, l, r, m.Difference(), m.WrittenOff)
	}
	for _, b := range rep.Breaks {
		fmt.Printf("break %s %v %v difference %s\n", b.Reason, b.LeftIDs, b.RightIDs, b.Difference)
	}
	for _, t := range rep.Legs[0].Totals {
		fmt.Printf("%s: %d records %s = matched %s + unmatched %s\n", t.Side, t.InputCount, t.Input, t.Matched, t.Unmatched)
	}
	// Output:
	// malformed: reconcile: settlement.csv:8: column "dc": flag "X" is neither "D" nor "C"
	// subset      [item-4 item-5] ↔ [settlement.csv:6] difference 0.00 USD written off false
	// amount-date [item-3] ↔ [settlement.csv:5] difference -0.01 USD written off true
	// reference   [item-2] ↔ [settlement.csv:4] difference 0.00 USD written off false
	// reference   [item-1] ↔ [settlement.csv:3] difference 0.00 USD written off false
	// break amount [item-6] [settlement.csv:7] difference 2.00 USD
	// payouts: 6 records 305.50 USD = matched 295.50 USD + unmatched 10.00 USD
	// provider: 5 records 307.49 USD = matched 295.49 USD + unmatched 12.00 USD
}

// Breaks go to an exception queue. A resolution is recorded with who and
// when; re-running the same reconciliation raises nothing new and the
// resolved break comes back resolved.
func ExampleMemoryQueue() {
	ctx := context.Background()
	q := &reconcile.MemoryQueue{}
	rc, _ := reconcile.New(reconcile.Config{Rules: reconcile.DefaultRules(), Queue: q})
	sides := []reconcile.Side{
		{Name: "payouts", Records: payoutItems()[:2]},
		{Name: "bank", Records: []reconcile.Record{{ID: "stmt-1", References: []string{"PI-1"}, Amount: accrue.MustParseMoney("119.00 USD"), Date: day("2026-03-04")}}},
	}
	rep, _ := rc.Run(ctx, sides...)
	fmt.Println("raised:", rep.Raised)
	for _, b := range rep.Breaks {
		fmt.Println(b.Reason, b.LeftIDs, b.RightIDs, "age", b.Age)
	}

	fee := rep.AmountMismatches()[0]
	err := q.Resolve(ctx, fee.ID, reconcile.Resolution{
		Kind: reconcile.AcceptDifference, By: "ana@finance", At: time.Date(2026, 3, 5, 9, 30, 0, 0, time.UTC),
		Note: "bank fee"})
	fmt.Println("resolve:", err)

	again, _ := rc.Run(ctx, sides...)
	fmt.Println("raised on re-run:", again.Raised)
	for _, b := range again.Breaks {
		if b.Resolution != nil {
			fmt.Println(b.Reason, "resolved:", b.Resolution.Kind, "by", b.Resolution.By, "at", b.Resolution.At.Format(time.RFC3339))
		}
	}
	fmt.Println("open:", len(q.Open()))
	// Output:
	// raised: 2
	// missing_external [item-2] [] age 2
	// amount [item-1] [stmt-1] age 2
	// resolve: <nil>
	// raised on re-run: 0
	// amount resolved: accept_difference by ana@finance at 2026-03-05T09:30:00Z
	// open: 1
}

// Run keeps the exception queue true as files arrive: a missing bank line
// that turns up with another amount replaces the missing-payment break
// with an amount break (closed as superseded), and the corrected line
// closes that one (matched later). A person only ever sees the current
// exception.
func Example_closedByRun() {
	ctx := context.Background()
	q := &reconcile.MemoryQueue{}
	rc, _ := reconcile.New(reconcile.Config{Rules: reconcile.DefaultRules(), Queue: q, By: "nightly"})
	payouts := reconcile.Side{Name: "payouts", Records: payoutItems()[1:2]} // item-2, 80.00 USD, PI-2
	bank := func(amount string) reconcile.Side {
		return reconcile.Side{Name: "bank", Records: []reconcile.Record{{ID: "stmt-7", References: []string{"PI-2"},
			Amount: accrue.MustParseMoney(amount), Date: day("2026-03-04")}}}
	}
	show := func(day string, rep *reconcile.Report) {
		fmt.Printf("%s: breaks", day)
		for _, b := range rep.Breaks {
			fmt.Printf(" %s", b.Reason)
		}
		for _, id := range rep.Closed {
			e, _, _ := q.Get(ctx, id)
			fmt.Printf("; closed %s as %s by %s", e.Break.Reason, e.Resolution.Kind, e.Resolution.By)
		}
		fmt.Printf("; open in the queue: %d\n", len(q.Open()))
	}
	day1, _ := rc.Run(ctx, payouts, reconcile.Side{Name: "bank"})
	show("day 1", day1)
	day2, _ := rc.Run(ctx, payouts, bank("79.00 USD"))
	show("day 2", day2)
	day3, _ := rc.Run(ctx, payouts, bank("80.00 USD"))
	show("day 3", day3)
	// Output:
	// day 1: breaks missing_external; open in the queue: 1
	// day 2: breaks amount; closed missing_external as superseded by nightly; open in the queue: 1
	// day 3: breaks; closed amount as matched_later by nightly; open in the queue: 0
}

// Daily files reconcile against what is still open: yesterday's unmatched
// records are carried into today's run.
func ExampleCarryForward() {
	ctx := context.Background()
	rc, _ := reconcile.New(reconcile.Config{Rules: reconcile.DefaultRules()})
	monday, _ := rc.Run(ctx,
		reconcile.Side{Name: "payouts", Records: payoutItems()[:2]},
		reconcile.Side{Name: "bank", Records: []reconcile.Record{{ID: "b-1", References: []string{"PI-1"}, Amount: accrue.MustParseMoney("120.00 USD"), Date: day("2026-03-03")}}})
	fmt.Println("monday open:", len(monday.Breaks))
	tuesday, _ := rc.Run(ctx, reconcile.CarryForward(monday,
		reconcile.Side{Name: "payouts"},
		reconcile.Side{Name: "bank", Records: []reconcile.Record{{ID: "b-2", References: []string{"PI-2"}, Amount: accrue.MustParseMoney("80.00 USD"), Date: day("2026-03-04")}}})...)
	fmt.Println("tuesday matches:", len(tuesday.Legs[0].Matches()), "open:", len(tuesday.Breaks))
	// Output:
	// monday open: 1
	// tuesday matches: 1 open: 0
}

// Metrics for a dashboard, with the partner tier read from metadata.
func ExampleReport_Metrics() {
	items := payoutItems()
	for i := range items {
		items[i].Metadata = map[string]string{"tier": []string{"gold", "silver"}[i%2]}
	}
	external, _, _ := reconcile.ReadCSV(strings.NewReader(settlement), settlementMapping())
	rc, _ := reconcile.New(reconcile.Config{Rules: reconcile.DefaultRules(), WriteOffUnits: 1})
	rep, _ := rc.Run(context.Background(), reconcile.Side{Name: "payouts", Records: items}, reconcile.Side{Name: "provider", Records: external})
	m := rep.Metrics("tier")
	fmt.Printf("accuracy %.2f (%d of %d clean), cycle mean %v, p95 %v\n", m.Accuracy, m.Clean, m.Internal, m.CycleMean, m.CycleP95)
	for _, t := range m.Tiers {
		fmt.Printf("%s: %d/%d matched, expected %s, paid %s, variance %s\n", t.Tier, t.Matched, t.Records, t.Expected, t.Paid, t.Variance)
	}
	// Output:
	// accuracy 0.67 (4 of 6 clean), cycle mean 42h0m0s, p95 72h0m0s
	// gold: 2/3 matched, expected 185.50 USD, paid 165.49 USD, variance -20.01 USD
	// silver: 3/3 matched, expected 120.00 USD, paid 130.00 USD, variance 10.00 USD
}

// The export has one row per record: matched rows carry the rule and match
// group, unmatched rows their break.
func ExampleReport_WriteCSV() {
	rc, _ := reconcile.New(reconcile.Config{Rules: reconcile.DefaultRules()})
	rep, _ := rc.Run(context.Background(),
		reconcile.Side{Name: "payouts", Records: payoutItems()[:2]},
		reconcile.Side{Name: "bank", Records: []reconcile.Record{{ID: "b-1", References: []string{"PI-1"}, Amount: accrue.MustParseMoney("120.00 USD"), Date: day("2026-03-03")}}})
	_ = rep.WriteCSV(os.Stdout)
	// Output:
	// leg,side,record_id,currency,amount,date,outcome,rule,confidence,group,difference,written_off,reason,resolution,age_days,candidates
	// 0,payouts,item-1,USD,120.00,2026-03-02,matched,reference,0.99,M0-0,0.00,false,,,,
	// 0,bank,b-1,USD,120.00,2026-03-03,matched,reference,0.99,M0-0,0.00,false,,,,
	// 0,payouts,item-2,USD,80.00,2026-03-02,break,,,88e4cf31455aeb0c332b49b3,,false,missing_external,,1,
}

// Errors say what was wrong and match the package's sentinels.
func ExampleNew_error() {
	_, err := reconcile.New(reconcile.Config{Rules: []reconcile.Rule{{Name: "fees", Kind: reconcile.RuleTolerance, Days: -2}}})
	fmt.Println(err)
	fmt.Println(errors.Is(err, reconcile.ErrInvalidConfig))
	// Output:
	// reconcile: invalid config: rule "fees": days -2 outside 0..3660
	// true
}

// A CSVReader streams a file of any size row by row; malformed rows are
// reported with their line and reading goes on.
func ExampleCSVReader() {
	data := "Date,Debit,Credit,Ref\n2026-03-01,,1.250.000,00,X\n2026-03-02,\"15,50\",,Y\n2026-03-03,,,Z\n"
	cr, err := reconcile.NewCSVReader(strings.NewReader(data), reconcile.Mapping{
		File: "bank.csv", Header: true, Date: reconcile.Named("Date"),
		Sign: reconcile.SignDebitCredit, Debit: reconcile.Named("Debit"), Credit: reconcile.Named("Credit"),
		DecimalComma: true, Thousands: '.', References: []reconcile.Column{reconcile.Named("Ref")},
		DefaultCurrency: accrue.MustCurrency("EUR"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for {
		rec, err := cr.Read()
		var rowErr *reconcile.RowError
		switch {
		case errors.Is(err, io.EOF):
			return
		case errors.As(err, &rowErr):
			fmt.Println("skipped:", rowErr)
		case err != nil:
			fmt.Println(err)
			return
		default:
			fmt.Println(rec.ID, rec.References, rec.Amount, rec.Date.Format("2006-01-02"))
		}
	}
	// Output:
	// skipped: reconcile: bank.csv:2: 5 fields, the header has 4
	// bank.csv:3 [Y] -15.50 EUR 2026-03-02
	// skipped: reconcile: bank.csv:4: column "Debit": neither debit nor credit is filled
}
