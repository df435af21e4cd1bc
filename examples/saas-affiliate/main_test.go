package main

import (
	"context"
	"os"
)

// The program's whole run: the 12-month limit, a refund inside the hold
// (voided), a chargeback after it (clawed back), the $50 minimum, and a
// self-referral that earns nothing.
func Example() {
	if err := run(context.Background(), os.Stdout); err != nil {
		panic(err)
	}
	// Output:
	// 2025-02-03  signup acme    referred by ana (last_touch)
	// 2025-11-20  signup bistro  referred by bo (last_touch)
	// 2026-01-05  signup cafe    referred by bo (last_touch)
	// 2026-02-10  signup delta   referred by cy (last_touch)
	// 2026-03-01  signup cy      no affiliate: no eligible touchpoint (cy: self-referral)
	// 2025-06-01  payout-2025-06-01      ana paid 59.40 USD
	// 2025-09-01  payout-2025-09-01      ana paid 59.40 USD
	// 2025-12-01  payout-2025-12-01      ana paid 59.40 USD
	// 2026-02-03  acme-pay-13            acme pays 99.00 USD: no commission (after the first 12 months)
	// 2026-02-28  chargeback-cafe-pay-01 bo chargeback: clawed back 5.80 USD
	// 2026-03-01  payout-2026-03-01      ana paid 59.40 USD
	// 2026-03-03  acme-pay-14            acme pays 99.00 USD: no commission (after the first 12 months)
	// 2026-03-25  refund-bistro-pay-05   bo refund: hold voided, 9.80 USD never reaches the affiliate
	// 2026-04-01  payout-2026-04-01      bo: 45.00 USD carried forward (below the minimum payout 50.00)
	// 2026-04-01  payout-2026-04-01      cy: 49.80 USD carried forward (below the minimum payout 50.00)
	//
	// Balances on 2026-04-01 (payable carries forward; pending is inside the hold):
	//   ana  earned    237.60  clawed back    0.00  paid    237.60  payable    0.00  pending    0.00
	//   bo   earned     66.40  clawed back   15.60  paid      0.00  payable   45.00  pending    5.80
	//   cy   earned     99.60  clawed back    0.00  paid      0.00  payable   49.80  pending   49.80
	// Ledger verified: 59 transactions.
}
