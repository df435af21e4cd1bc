package payouttest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/payout"
	"github.com/accruehq/accrue/payout/payouttest"
)

// A test pays two partners through the fake, the bank sends one payment
// back, and the provider's settlement report shows both payments and the
// return: the external side a host's reconciliation test matches against
// its ledger.
func ExampleFake_Settlement() {
	usd := accrue.MustCurrency("USD")
	clock := accrue.NewManualClock(time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC))
	fake := payouttest.NewFake(clock)
	items := []payout.SubmitItem{
		{Key: "run-2026-03/p-1", Partner: "p-1", Method: payout.PayPal, Amount: accrue.FromMinorUnits(12_050, usd)},
		{Key: "run-2026-03/p-2", Partner: "p-2", Method: payout.PayPal, Amount: accrue.FromMinorUnits(7_500, usd)},
	}
	if _, err := fake.Submit(context.Background(), items); err != nil {
		fmt.Println(err)
		return
	}
	clock.Advance(72 * time.Hour)
	if _, err := fake.Bounce("run-2026-03/p-2", "account closed"); err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range fake.Settlement() {
		fmt.Printf("%s %s %s %s", l.PaidAt.Format("2006-01-02"), l.Ref, l.Partner, l.Amount)
		if l.Returned {
			fmt.Printf(" returned %s: %s", l.ReturnedAt.Format("2006-01-02"), l.Reason)
		}
		fmt.Println()
	}
	// Output:
	// 2026-04-01 ref-run-2026-03/p-1 p-1 120.50 USD
	// 2026-04-01 ref-run-2026-03/p-2 p-2 75.00 USD returned 2026-04-04: account closed
}
