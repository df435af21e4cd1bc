package main

import (
	"context"
	"os"
)

// A month of referrals: duplicates dropped, a self-referral and an
// unqualified order earning nothing, the first link winning, and anomalies
// held for review, then released or voided.
func Example() {
	if err := run(context.Background(), os.Stdout); err != nil {
		panic(err)
	}
	// Output:
	// feed: dropped o-103 (duplicate conversion id)
	// feed: dropped o-104b (duplicate conversion content within window)
	// 2026-03-02 o-101  zoe 45.00 USD: referred by ana, 20.00 USD payable
	// 2026-03-03 o-102  yan 25.00 USD: referred by ana, not qualified (first order under 30.00 USD)
	// 2026-03-04 o-103  xia 60.00 USD: referred by bo, 20.00 USD payable
	// 2026-03-05 o-104  wes 80.00 USD: referred by bo, 20.00 USD payable
	// 2026-03-06 o-105  cy  99.00 USD: no reward (no eligible touchpoint; cy: self-referral)
	// 2026-03-09 o-106  vic 35.00 USD: referred by bo, 20.00 USD ON HOLD: friend used the referrer's device
	// 2026-03-10 o-107  uma 40.00 USD: referred by ana, 20.00 USD payable
	// 2026-03-12 o-108  tom 55.00 USD: referred by ana, 20.00 USD ON HOLD: more than 3 referrals this month
	// 2026-03-14 o-109  sal 70.00 USD: referred by ana, 20.00 USD ON HOLD: more than 3 referrals this month
	// review o-108: release
	// review o-106: void
	//
	// Owed to referrers:
	//   ana payable 60.00 USD, on hold 20.00 USD
	//   bo  payable 40.00 USD, on hold 0.00 USD
	//   cy  nothing
	// Ledger verified: 9 transactions.
}
