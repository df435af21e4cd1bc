package main

import (
	"context"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
)

// chart is the program's chart of accounts (see ARCHITECTURE.md).
var chart = []ledger.Account{
	{Name: "assets:cash", Type: ledger.Asset, Currency: usd},
	{Name: "equity:capital", Type: ledger.Equity, Currency: usd},
	{Name: "expense:commissions", Type: ledger.Expense, Currency: usd},
	{Name: "liabilities:partners:p-ana:payable", Type: ledger.Liability, Currency: usd,
		Constraints: ledger.Constraints{NoNegative: true}},
	{Name: "liabilities:partners:p-bo:payable", Type: ledger.Liability, Currency: usd,
		Constraints: ledger.Constraints{NoNegative: true}},
}

// monthStart is when the month begins; the ledger's clock is fixed there so
// that every run writes the same bytes.
var monthStart = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

func newLedger(s ledger.Store) (*ledger.Ledger, error) {
	return ledger.New(s, ledger.WithClock(accrue.NewManualClock(monthStart.AddDate(0, 1, 0))))
}

// recordMonth writes the month: the program is funded, three orders earn
// commissions, one order is refunded (its commission clawed back by a
// reversal) and one partner is paid. It returns how many transactions the
// ledger holds. Every write has an idempotency key, so running it again
// writes nothing new.
func recordMonth(ctx context.Context, l *ledger.Ledger) (int, error) {
	if err := l.CreateAccounts(ctx, chart); err != nil {
		return 0, err
	}
	var err error // the first error stops the rest
	n := 0
	post := func(key, debit, credit, amount string, day int, meta map[string]string) {
		if err != nil {
			return
		}
		m := accrue.MustParseMoney(amount)
		_, err = l.Post(ctx, ledger.TxInput{Key: key, EffectiveAt: monthStart.AddDate(0, 0, day-1), Metadata: meta,
			Postings: []ledger.Posting{
				{Account: debit, Side: ledger.Debit, Amount: m},
				{Account: credit, Side: ledger.Credit, Amount: m},
			}})
		n++
	}
	accrual := func(order, partner, amount string, day int) {
		post("accrual:"+order, "expense:commissions", "liabilities:partners:"+partner+":payable", amount, day,
			map[string]string{accrue.MetaEventID: order, accrue.MetaPartnerID: partner})
	}

	post("funding:2026-03", "assets:cash", "equity:capital", "1000.00 USD", 1, nil)
	accrual("ord-1001", "p-ana", "40.00 USD", 3)
	accrual("ord-1002", "p-bo", "25.50 USD", 9)
	accrual("ord-1003", "p-ana", "12.25 USD", 17)
	if err == nil { // ord-1002 is refunded: claw its commission back with a reversal
		var orig ledger.Transaction
		if orig, err = l.TxByKey(ctx, "accrual:ord-1002"); err == nil {
			_, err = l.Reverse(ctx, ledger.ReverseInput{Key: "clawback:ord-1002", TxID: orig.ID,
				EffectiveAt: monthStart.AddDate(0, 0, 19), Metadata: map[string]string{accrue.MetaEventID: "refund-ord-1002"}})
			n++
		}
	}
	post("payout:p-ana:2026-03", "liabilities:partners:p-ana:payable", "assets:cash", "40.00 USD", 28,
		map[string]string{accrue.MetaPartnerID: "p-ana"})
	return n, err
}
