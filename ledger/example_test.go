package ledger_test

import (
	"context"
	"fmt"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
	"github.com/accruehq/accrue/ledger/memstore"
)

// exampleLedger returns a ledger with the chart of accounts of
// ARCHITECTURE.md for partner p-42, on a clock at 2026-03-01.
func exampleLedger(payableNoNegative bool) (*ledger.Ledger, *accrue.ManualClock) {
	usd := accrue.MustCurrency("USD")
	clock := accrue.NewManualClock(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	l, err := ledger.New(memstore.New(), ledger.WithClock(clock))
	if err != nil {
		panic(err)
	}
	err = l.CreateAccounts(context.Background(), []ledger.Account{
		{Name: "expense:commissions", Type: ledger.Expense, Currency: usd},
		{Name: "liabilities:partners:p-42:pending", Type: ledger.Liability, Currency: usd, Constraints: ledger.Constraints{NoNegative: true}},
		{Name: "liabilities:partners:p-42:payable", Type: ledger.Liability, Currency: usd, Constraints: ledger.Constraints{NoNegative: payableNoNegative}},
		{Name: "assets:clearing:acmepay", Type: ledger.Asset, Currency: usd},
		{Name: "assets:cash", Type: ledger.Asset, Currency: usd},
	})
	if err != nil {
		panic(err)
	}
	return l, clock
}

// move debits one account and credits another.
func move(key, debit, credit, amount string, meta map[string]string) ledger.TxInput {
	m := accrue.MustParseMoney(amount)
	return ledger.TxInput{Key: key, Metadata: meta, Postings: []ledger.Posting{
		{Account: debit, Side: ledger.Debit, Amount: m},
		{Account: credit, Side: ledger.Credit, Amount: m},
	}}
}

func printBalance(l *ledger.Ledger, account string) {
	b, err := l.Balance(context.Background(), account)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%-34s posted %s, pending in %s, out %s, available %s\n", account, b.Posted, b.PendingIn, b.PendingOut, b.Available)
}

// Accrue a commission: the program's expense grows and the partner's
// pending liability with it; lineage metadata traces the amount back to the
// order, rule and plan version.
func Example_accrueCommission() {
	ctx := context.Background()
	l, _ := exampleLedger(true)
	tx, err := l.Post(ctx, move("accrual:order-1001", "expense:commissions", "liabilities:partners:p-42:pending", "12.50 USD",
		map[string]string{accrue.MetaEventID: "order-1001", accrue.MetaRuleID: "base-10pct", accrue.MetaPlanVersion: "sha256:9f2c", accrue.MetaPartnerID: "p-42"}))
	if err != nil {
		panic(err)
	}
	fmt.Println(tx.Kind, tx.Seq, tx.Metadata[accrue.MetaEventID])
	printBalance(l, "expense:commissions")
	printBalance(l, "liabilities:partners:p-42:pending")
	// Output:
	// posted 1 order-1001
	// expense:commissions                posted 12.50 USD, pending in 0.00 USD, out 0.00 USD, available 12.50 USD
	// liabilities:partners:p-42:pending  posted 12.50 USD, pending in 0.00 USD, out 0.00 USD, available 12.50 USD
}

// Hold then release: during the refund window the move from pending to
// payable is a pending (two-phase) transaction; when the window has passed
// it is posted, and the partner's payable becomes available.
func Example_holdThenRelease() {
	ctx := context.Background()
	l, clock := exampleLedger(true)
	accrual, _ := l.Post(ctx, move("accrual:order-1001", "expense:commissions", "liabilities:partners:p-42:pending", "12.50 USD", nil))
	in := move("release:order-1001", "liabilities:partners:p-42:pending", "liabilities:partners:p-42:payable", "12.50 USD",
		map[string]string{accrue.MetaEventID: "order-1001"})
	hold, err := l.Hold(ctx, in)
	if err != nil {
		panic(err)
	}
	printBalance(l, "liabilities:partners:p-42:payable")
	clock.Advance(30 * 24 * time.Hour) // the refund window has passed
	if _, err := l.PostPending(ctx, ledger.PendingInput{Key: "release:order-1001:post", PendingID: hold.ID}); err != nil {
		panic(err)
	}
	printBalance(l, "liabilities:partners:p-42:pending")
	printBalance(l, "liabilities:partners:p-42:payable")
	st, _ := l.PendingStatus(ctx, hold.ID)
	fmt.Println("hold:", st, "accrual:", accrual.Seq)
	// Output:
	// liabilities:partners:p-42:payable  posted 0.00 USD, pending in 12.50 USD, out 0.00 USD, available 0.00 USD
	// liabilities:partners:p-42:pending  posted 0.00 USD, pending in 0.00 USD, out 0.00 USD, available 0.00 USD
	// liabilities:partners:p-42:payable  posted 12.50 USD, pending in 0.00 USD, out 0.00 USD, available 12.50 USD
	// hold: posted accrual: 1
}

// Pay: the payout reserves the payable while the provider works (a pending
// transaction to the provider's clearing account), is posted when the
// provider confirms, and the clearing account is settled from cash.
func Example_pay() {
	ctx := context.Background()
	l, _ := exampleLedger(true)
	_, _ = l.Post(ctx, move("accrual:order-1001", "expense:commissions", "liabilities:partners:p-42:payable", "40.00 USD", nil))
	batch := map[string]string{accrue.MetaBatchID: "b-7", accrue.MetaItemID: "b-7/p-42"}
	payout, err := l.Hold(ctx, move("payout:b-7/p-42", "liabilities:partners:p-42:payable", "assets:clearing:acmepay", "40.00 USD", batch))
	if err != nil {
		panic(err)
	}
	printBalance(l, "liabilities:partners:p-42:payable")
	// The provider confirms the item.
	if _, err := l.PostPending(ctx, ledger.PendingInput{Key: "payout:b-7/p-42:confirmed", PendingID: payout.ID, Metadata: batch}); err != nil {
		panic(err)
	}
	// The provider debits the program's bank.
	if _, err := l.Post(ctx, move("settle:b-7", "assets:clearing:acmepay", "assets:cash", "40.00 USD", batch)); err != nil {
		panic(err)
	}
	printBalance(l, "liabilities:partners:p-42:payable")
	printBalance(l, "assets:clearing:acmepay")
	printBalance(l, "assets:cash")
	page, _ := l.Transactions(ctx, ledger.TxQuery{Metadata: map[string]string{accrue.MetaBatchID: "b-7"}})
	for _, tx := range page.Txs {
		fmt.Println(tx.Seq, tx.Kind, tx.Key)
	}
	// Output:
	// liabilities:partners:p-42:payable  posted 40.00 USD, pending in 0.00 USD, out 40.00 USD, available 0.00 USD
	// liabilities:partners:p-42:payable  posted 0.00 USD, pending in 0.00 USD, out 0.00 USD, available 0.00 USD
	// assets:clearing:acmepay            posted 0.00 USD, pending in 0.00 USD, out 0.00 USD, available 0.00 USD
	// assets:cash                        posted -40.00 USD, pending in 0.00 USD, out 0.00 USD, available -40.00 USD
	// 2 pending payout:b-7/p-42
	// 3 post_pending payout:b-7/p-42:confirmed
	// 4 posted settle:b-7
}

// Claw back after payout: the order is refunded after the commission was
// paid, so the accrual is reversed in part (pro rata, capped at what is
// left). The partner's payable goes negative (the partner owes it) and the
// next commission nets it off. The same refund cannot be clawed back twice.
func Example_clawBackAfterPayout() {
	ctx := context.Background()
	l, _ := exampleLedger(false) // the payable may go negative: clawbacks are owed
	accrual, _ := l.Post(ctx, move("accrual:order-1001", "expense:commissions", "liabilities:partners:p-42:payable", "40.00 USD",
		map[string]string{accrue.MetaEventID: "order-1001"}))
	_, _ = l.Post(ctx, move("payout:b-7/p-42", "liabilities:partners:p-42:payable", "assets:cash", "40.00 USD", nil))
	// Half the order is refunded.
	clawback, err := l.Reverse(ctx, ledger.ReverseInput{Key: "refund:order-1001:r1", TxID: accrual.ID, Amount: accrue.MustParseMoney("20.00 USD"),
		Metadata: map[string]string{accrue.MetaEventID: "refund-r1"}})
	if err != nil {
		panic(err)
	}
	fmt.Println(clawback.Kind, "of", clawback.Reverses == accrual.ID, clawback.Metadata[accrue.MetaReverses] == accrual.ID)
	printBalance(l, "liabilities:partners:p-42:payable")
	// The same refund again (same key) changes nothing.
	again, _ := l.Reverse(ctx, ledger.ReverseInput{Key: "refund:order-1001:r1", TxID: accrual.ID, Amount: accrue.MustParseMoney("20.00 USD"),
		Metadata: map[string]string{accrue.MetaEventID: "refund-r1"}})
	fmt.Println("replay returns the original:", again.ID == clawback.ID)
	// More than is left is refused.
	_, err = l.Reverse(ctx, ledger.ReverseInput{Key: "refund:order-1001:r2", TxID: accrual.ID, Amount: accrue.MustParseMoney("25.00 USD")})
	fmt.Println(err)
	_, _ = l.Post(ctx, move("accrual:order-1002", "expense:commissions", "liabilities:partners:p-42:payable", "30.00 USD", nil))
	printBalance(l, "liabilities:partners:p-42:payable")
	// Output:
	// reversal of true true
	// liabilities:partners:p-42:payable  posted -20.00 USD, pending in 0.00 USD, out 0.00 USD, available -20.00 USD
	// replay returns the original: true
	// ledger: tx "refund:order-1001:r2": reversal exceeds what is left: 25.00 USD exceeds the 20.00 USD left of tx-61d15d28f0271bd4501ce0c29e5acb37
	// liabilities:partners:p-42:payable  posted 10.00 USD, pending in 0.00 USD, out 0.00 USD, available 10.00 USD
}

// FX through trading accounts: a transaction that converts EUR to USD
// balances each currency on its own, through one trading (equity) account
// per currency. The trading accounts' balances are the program's FX
// position; the rate used is recorded as lineage.
func Example_fxTradingAccounts() {
	ctx := context.Background()
	eur, usd := accrue.MustCurrency("EUR"), accrue.MustCurrency("USD")
	l, _ := ledger.New(memstore.New(), ledger.WithClock(accrue.NewManualClock(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))))
	_ = l.CreateAccounts(ctx, []ledger.Account{
		{Name: "assets:cash:eur", Type: ledger.Asset, Currency: eur},
		{Name: "assets:cash:usd", Type: ledger.Asset, Currency: usd},
		{Name: "equity:trading:eur", Type: ledger.Equity, Currency: eur},
		{Name: "equity:trading:usd", Type: ledger.Equity, Currency: usd},
	})
	rate := accrue.Rate{From: eur, To: usd, Value: accrue.MustParseMoney("1.0825 USD").Amount(), Source: "ecb"}
	usdAmount, _ := rate.Convert(accrue.MustParseMoney("100.00 EUR"), accrue.HalfEven)
	_, err := l.Post(ctx, ledger.TxInput{Key: "fx:2026-03-01:1", Metadata: map[string]string{accrue.MetaRate: "EUR/USD 1.0825 ecb 2026-03-01"},
		Postings: []ledger.Posting{
			{Account: "equity:trading:eur", Side: ledger.Debit, Amount: accrue.MustParseMoney("100.00 EUR")},
			{Account: "assets:cash:eur", Side: ledger.Credit, Amount: accrue.MustParseMoney("100.00 EUR")},
			{Account: "assets:cash:usd", Side: ledger.Debit, Amount: usdAmount},
			{Account: "equity:trading:usd", Side: ledger.Credit, Amount: usdAmount},
		}})
	if err != nil {
		panic(err)
	}
	totals, _ := l.RollUp(ctx, "assets:cash:")
	for _, t := range totals {
		fmt.Println("cash", t.Posted)
	}
	// Mixing currencies on one side without trading accounts is refused,
	// naming the currency that does not balance.
	_, err = l.Post(ctx, ledger.TxInput{Key: "fx:bad", Postings: []ledger.Posting{
		{Account: "assets:cash:usd", Side: ledger.Debit, Amount: usdAmount},
		{Account: "assets:cash:eur", Side: ledger.Credit, Amount: accrue.MustParseMoney("100.00 EUR")},
	}})
	fmt.Println(err)
	// Output:
	// cash -100.00 EUR
	// cash 108.25 USD
	// ledger: tx "fx:bad": unbalanced transaction: USD: debits 108.25 USD, credits 0.00 USD
}

// Errors say what was refused and match the package's sentinels with
// errors.Is; typed errors carry the details.
func ExampleIdempotencyConflictError() {
	ctx := context.Background()
	l, _ := exampleLedger(true)
	_, _ = l.Post(ctx, move("accrual:order-1001", "expense:commissions", "liabilities:partners:p-42:payable", "12.50 USD",
		map[string]string{accrue.MetaEventID: "order-1001"}))
	// The same key with a different amount and event: refused, naming the fields.
	_, err := l.Post(ctx, move("accrual:order-1001", "expense:commissions", "liabilities:partners:p-42:payable", "13.00 USD",
		map[string]string{accrue.MetaEventID: "order-1002"}))
	fmt.Println(err)
	// Paying out more than is available: refused, naming account and limit.
	_, err = l.Post(ctx, move("payout:1", "liabilities:partners:p-42:payable", "assets:cash", "20.00 USD", nil))
	fmt.Println(err)
	// Output:
	// ledger: tx "accrual:order-1001": idempotency key "accrual:order-1001" reused with different content (original tx-61d15d28f0271bd4501ce0c29e5acb37): metadata, postings differ
	// ledger: tx "payout:1": insufficient funds: account liabilities:partners:p-42:payable: balance would be -7.50 USD, no_negative 0.00 USD
}

// Import history in bulk: a migration loads an existing program's accruals
// with their original effective times, a batch at a time, each batch
// atomic. One BatchBuffer serves every batch, so the results cost no
// allocation per transaction; each batch's results are used (here, counted
// and their last Seq printed) before the next batch overwrites them.
// Re-running the import after a crash is safe: keys already stored are
// returned as stored, not written again.
func ExampleLedger_PostBatchInto() {
	ctx := context.Background()
	l, _ := exampleLedger(true)
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var buf ledger.BatchBuffer
	batch := make([]ledger.TxInput, 0, 100)
	imported := 0
	for run := range 2 { // the second run replays the first
		for day := range 300 {
			in := move(fmt.Sprintf("import:2025:%d", day), "expense:commissions", "liabilities:partners:p-42:payable", "1.25 USD", nil)
			in.EffectiveAt = start.AddDate(0, 0, day)
			batch = append(batch, in)
			if len(batch) < cap(batch) && day < 299 {
				continue
			}
			txs, err := l.PostBatchInto(ctx, &buf, batch)
			if err != nil {
				panic(err)
			}
			imported += len(txs)
			fmt.Printf("run %d: batch ending %s, last seq %d\n", run, txs[len(txs)-1].EffectiveAt.Format("2006-01-02"), txs[len(txs)-1].Seq)
			batch = batch[:0]
		}
	}
	fmt.Println(imported, "inputs")
	printBalance(l, "liabilities:partners:p-42:payable")
	// Output:
	// run 0: batch ending 2025-04-10, last seq 100
	// run 0: batch ending 2025-07-19, last seq 200
	// run 0: batch ending 2025-10-27, last seq 300
	// run 1: batch ending 2025-04-10, last seq 100
	// run 1: batch ending 2025-07-19, last seq 200
	// run 1: batch ending 2025-10-27, last seq 300
	// 600 inputs
	// liabilities:partners:p-42:payable  posted 375.00 USD, pending in 0.00 USD, out 0.00 USD, available 375.00 USD
}
