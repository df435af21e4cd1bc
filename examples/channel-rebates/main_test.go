package main

import (
	"context"
	"os"
)

// A quarter of channel sales: graduated bands crossed within a sale, a
// SPIFF on the new product line, overrides two levels up, rewards split
// into cash, points and vouchers, the quarter's cash paid through payout,
// and the tiers starting again in April.
func Example() {
	if err := run(context.Background(), os.Stdout); err != nil {
		panic(err)
	}
	// Output:
	// 2026-01-15 inv-1001 fjord-it   core-switch  20 units   40000.00 USD
	//     band from         0 at 2%: 800.00 USD on 40000.00 USD
	//     volume-rebate commission fjord-it        800.00 USD  → 640.00 USD + 16000 POINTS
	//     volume-rebate override   north-dist       80.00 USD  → 64.00 USD + 1600 POINTS
	//     volume-rebate override   nordic-master    40.00 USD  → 32.00 USD + 800 POINTS
	// 2026-02-10 inv-1002 fjord-it   core-switch  15 units   30000.00 USD
	//     band from         0 at 2%: 200.00 USD on 10000.00 USD
	//     band from     50000 at 3%: 600.00 USD on 20000.00 USD
	//     volume-rebate commission fjord-it        800.00 USD  → 640.00 USD + 16000 POINTS
	//     volume-rebate override   north-dist       80.00 USD  → 64.00 USD + 1600 POINTS
	//     volume-rebate override   nordic-master    40.00 USD  → 32.00 USD + 800 POINTS
	// 2026-02-20 inv-1003 polar-sys  edge-x1       5 units    7500.00 USD
	//     band from         0 at 2%: 150.00 USD on 7500.00 USD
	//     volume-rebate commission polar-sys       150.00 USD  → 120.00 USD + 3000 POINTS
	//     volume-rebate override   north-dist       15.00 USD  → 12.00 USD + 300 POINTS
	//     volume-rebate override   nordic-master     7.50 USD  → 6.00 USD + 150 POINTS
	//     spiff-edge    commission polar-sys       200.00 USD  → 200.00 VOUCHER
	// 2026-03-05 inv-1004 fjord-it   edge-x1      12 units   18000.00 USD
	//     band from     50000 at 3%: 540.00 USD on 18000.00 USD
	//     volume-rebate commission fjord-it        540.00 USD  → 432.00 USD + 10800 POINTS
	//     volume-rebate override   north-dist       54.00 USD  → 43.20 USD + 1080 POINTS
	//     volume-rebate override   nordic-master    27.00 USD  → 21.60 USD + 540 POINTS
	//     spiff-edge    commission fjord-it        480.00 USD  → 480.00 VOUCHER
	// 2026-03-30 inv-1005 north-dist core-switch  80 units  160000.00 USD
	//     band from         0 at 2%: 1000.00 USD on 50000.00 USD
	//     band from     50000 at 3%: 3000.00 USD on 100000.00 USD
	//     band from    150000 at 5%: 500.00 USD on 10000.00 USD
	//     volume-rebate commission north-dist     4500.00 USD  → 3600.00 USD + 90000 POINTS
	//     volume-rebate override   nordic-master   450.00 USD  → 360.00 USD + 9000 POINTS
	// 2026-04-01 rebates-2026-q1:bank_transfer:bank_transfer:usd:1: 4 items, 6066.80 USD, 4 paid
	//     fjord-it       1712.00 USD by bank_transfer
	//     nordic-master   451.60 USD by bank_transfer
	//     north-dist     3783.20 USD by bank_transfer
	//     polar-sys       120.00 USD by bank_transfer
	// 2026-04-02 inv-1006 fjord-it   core-switch   5 units   10000.00 USD
	//     band from         0 at 2%: 200.00 USD on 10000.00 USD
	//     volume-rebate commission fjord-it        200.00 USD  → 160.00 USD + 4000 POINTS
	//     volume-rebate override   north-dist       20.00 USD  → 16.00 USD + 400 POINTS
	//     volume-rebate override   nordic-master    10.00 USD  → 8.00 USD + 200 POINTS
	//
	// Owed to each partner (ledger balances: cash, points, vouchers):
	//   nordic-master          8.00 USD      11490 POINTS      0.00 VOUCHER
	//   north-dist            16.00 USD      94980 POINTS      0.00 VOUCHER
	//   fjord-it             160.00 USD      46800 POINTS    480.00 VOUCHER
	//   polar-sys              0.00 USD       3000 POINTS    200.00 VOUCHER
	//   owed in USD     184.00 USD across 4 accounts
	//   owed in POINTS  156270 POINTS across 4 accounts
	//   owed in VOUCHER 680.00 VOUCHER across 2 accounts
	// Lines earned 8493.50 USD = cash paid 6066.80 USD + owed (cash + points/100 + vouchers): 8493.50 USD; ties out: true
	// Ledger verified: 52 transactions.
}
