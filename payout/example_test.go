package payout_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
	"github.com/accruehq/accrue/ledger/memstore"
	"github.com/accruehq/accrue/payout"
	"github.com/accruehq/accrue/payout/payouttest"
	"github.com/shopspring/decimal"
)

// setup returns a ledger where partner "ana" earned 120.00 USD (two
// orders) and "bo" 30.00 USD, and a Service paying by PayPal with a 0.50
// USD fee per item and a 50.00 USD minimum.
func setup() (*payout.Service, *ledger.Ledger, *accrue.ManualClock) {
	ctx := context.Background()
	usd := accrue.MustCurrency("USD")
	clock := accrue.NewManualClock(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))
	l, _ := ledger.New(memstore.New(), ledger.WithClock(clock))
	_ = l.CreateAccounts(ctx, []ledger.Account{
		{Name: "expense:commissions", Type: ledger.Expense, Currency: usd},
		{Name: "liabilities:partners:ana:payable", Type: ledger.Liability, Currency: usd},
		{Name: "liabilities:partners:bo:payable", Type: ledger.Liability, Currency: usd},
	})
	earn := func(key, partner, order, rule string, cents int64) {
		amt := accrue.FromMinorUnits(cents, usd)
		_, _ = l.Post(ctx, ledger.TxInput{Key: key, EffectiveAt: time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC), Postings: []ledger.Posting{
			{Account: "expense:commissions", Side: ledger.Debit, Amount: amt},
			{Account: "liabilities:partners:" + partner + ":payable", Side: ledger.Credit, Amount: amt},
		}, Metadata: map[string]string{accrue.MetaEventID: order, accrue.MetaRuleID: rule}})
	}
	earn("accrual:1", "ana", "order-1", "base-10pct", 10000)
	earn("accrual:2", "ana", "order-2", "bonus", 2000)
	earn("accrual:3", "bo", "order-3", "base-10pct", 3000)
	methods := payout.DefaultMethods()
	pp := methods[payout.PayPal]
	pp.Fee = payout.Fee{Fixed: []accrue.Money{accrue.MustParseMoney("0.50 USD")}}
	methods[payout.PayPal] = pp
	svc, _ := payout.New(l, payout.NewMemoryStore(), payout.Config{
		Clock:      clock,
		Methods:    methods,
		Thresholds: []accrue.Money{accrue.MustParseMoney("50.00 USD")},
		Partners: payout.PartnerMap{
			"ana": {ID: "ana", Method: payout.PayPal, Details: map[string]string{"email": "ana@example.com"}, Withholding: decimal.RequireFromString("0.1")},
			"bo":  {ID: "bo", Method: payout.PayPal, Details: map[string]string{"email": "bo@example.com"}},
		},
	})
	return svc, l, clock
}

// buildAndApprove builds November's run and has its batch approved.
func buildAndApprove(svc *payout.Service) payout.Batch {
	ctx := context.Background()
	run, _ := svc.Build(ctx, payout.BuildRequest{Run: "2026-11", Period: "2026-11", Creator: "maker@acme"})
	b := run.Batches[0]
	_, _ = svc.Approve(ctx, b.ID, "checker@acme", b.Hash)
	return b
}

// Example builds a run, has it approved by someone other than its maker,
// pays it through a provider (here the fake) and prints the batch export
// and a receipt.
func Example() {
	ctx := context.Background()
	svc, _, clock := setup()
	run, err := svc.Build(ctx, payout.BuildRequest{Run: "2026-11", Period: "2026-11", Creator: "maker@acme"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range run.Carried {
		fmt.Printf("carried: %s %s (%s)\n", c.Partner, c.Amount, c.Reason)
	}
	b := run.Batches[0]
	if _, err := svc.Approve(ctx, b.ID, "checker@acme", b.Hash); err != nil {
		fmt.Println(err)
		return
	}
	x, _ := svc.Executor("paypal", payouttest.NewFake(clock))
	rep, err := x.Execute(ctx, b.ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("paid %d, failed %d, exceptions %d\n", rep.Paid, rep.Failed, len(rep.Exceptions))
	_ = b.WriteCSV(os.Stdout)
	r, _ := svc.Receipt(ctx, b.ID, b.Items[0].ID)
	_ = r.WriteText(os.Stdout)
	// Output:
	// carried: bo 30.00 USD (below the minimum payout)
	// paid 1, failed 0, exceptions 0
	// batch,item,partner,method,provider,account,gross,fee,withholding,net,source_currency,amount,currency,fx_rate,key
	// 2026-11:paypal:paypal:usd:1,2026-11:ana:payable,ana,paypal,paypal,liabilities:partners:ana:payable,120.00,0.50,12.00,107.50,USD,107.50,USD,,acr_fa351530a6ed8931f63671e1c5715ca3
	// 2026-11:paypal:paypal:usd:1,total,1 items,paypal,paypal,,,,,,,107.50,USD,,0e90028766db6d0578d29af2c353509e1261a7728b8c7d3d6c94852a7607d9fd
	// Receipt:      2026-11:ana:payable
	// Partner:      ana
	// Period:       2026-11
	// Batch:        2026-11:paypal:paypal:usd:1
	// Method:       paypal via paypal
	// Status:       paid
	// Gross:        120.00 USD
	// Fee:          0.50 USD
	// Withholding:  12.00 USD
	// Net:          107.50 USD
	// Amount:       107.50 USD
	// Reference:    acr_fa351530a6ed8931f63671e1c5715ca3
	// Recorded:     2026-11-30T12:00:00Z
}

// Example_approvalErrors shows the maker-checker rule's error text.
func Example_approvalErrors() {
	ctx := context.Background()
	svc, _, _ := setup()
	run, _ := svc.Build(ctx, payout.BuildRequest{Run: "2026-11", Period: "2026-11", Creator: "maker@acme"})
	b := run.Batches[0]
	_, err := svc.Approve(ctx, b.ID, "maker@acme", b.Hash)
	fmt.Println(err)
	x, _ := svc.Executor("paypal", payouttest.NewFake(accrue.NewManualClock(time.Time{})))
	_, err = x.Execute(ctx, b.ID)
	fmt.Println(err)
	// Output:
	// payout: creator cannot approve: maker@acme created batch 2026-11:paypal:paypal:usd:1
	// payout: batch 2026-11:paypal:paypal:usd:1 not approved: 0 of 1 required approvals
}

// Example_statement prints a partner's statement for November after the
// payout.
func Example_statement() {
	ctx := context.Background()
	svc, _, clock := setup()
	b := buildAndApprove(svc)
	x, _ := svc.Executor("paypal", payouttest.NewFake(clock))
	_, _ = x.Execute(ctx, b.ID)
	st, err := svc.Statement(ctx, "ana", "2026-11", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = st.WriteCSV(os.Stdout)
	// Output:
	// partner,period,account,date,kind,amount,currency,explanation,source,tx
	// ana,2026-11,liabilities:partners:ana:payable,2026-11-01T00:00:00Z,opening,0.00,USD,,,
	// ana,2026-11,liabilities:partners:ana:payable,2026-11-10T00:00:00Z,accrual,100.00,USD,rule_id=base-10pct,order-1,tx-d77bdd86770fb07024a35f1276b9d087
	// ana,2026-11,liabilities:partners:ana:payable,2026-11-10T00:00:00Z,accrual,20.00,USD,rule_id=bonus,order-2,tx-1371deaa03247340ce30d2532d670393
	// ana,2026-11,liabilities:partners:ana:payable,2026-11-30T12:00:00Z,payout,-107.50,USD,batch 2026-11:paypal:paypal:usd:1,2026-11:ana:payable,tx-dd9d344a4ab75d37de279fd14e734438
	// ana,2026-11,liabilities:partners:ana:payable,2026-11-30T12:00:00Z,withholding,-12.00,USD,batch 2026-11:paypal:paypal:usd:1,2026-11:ana:payable,tx-dd9d344a4ab75d37de279fd14e734438
	// ana,2026-11,liabilities:partners:ana:payable,2026-11-30T12:00:00Z,fee,-0.50,USD,batch 2026-11:paypal:paypal:usd:1,2026-11:ana:payable,tx-dd9d344a4ab75d37de279fd14e734438
	// ana,2026-11,liabilities:partners:ana:payable,2026-12-01T00:00:00Z,closing,0.00,USD,,,
}

// ExampleExecutor_Apply feeds webhook updates: a duplicate is ignored, a
// bounce after payment re-credits the partner.
func ExampleExecutor_Apply() {
	ctx := context.Background()
	svc, l, clock := setup()
	b := buildAndApprove(svc)
	fake := payouttest.NewFake(clock, payouttest.WithName("paypal"), payouttest.WithProgram(func(op, key string) payouttest.Fault {
		return payouttest.FaultPending
	}))
	x, _ := svc.Executor("paypal", fake)
	_, _ = x.Execute(ctx, b.ID)
	clock.Advance(2 * time.Hour)
	_, _ = fake.Bounce(b.Items[0].Key, "account closed")
	for _, u := range fake.Updates(nil, 0) {
		for range 2 { // every webhook delivered twice
			applied, err := x.Apply(ctx, u)
			fmt.Println(u.EventID, u.Outcome.Status, applied, err)
		}
	}
	bal, _ := l.Balance(ctx, "liabilities:partners:ana:payable")
	fmt.Println("ana payable:", bal.Available)
	// Output:
	// ev-000001 pending false <nil>
	// ev-000001 pending false <nil>
	// ev-000002 paid true <nil>
	// ev-000002 paid false <nil>
	// ev-000003 returned true <nil>
	// ev-000003 returned false <nil>
	// ana payable: 120.00 USD
}

// Example_routes pays a reseller's USD earnings by PayPal and its EUR
// earnings by bank transfer to its European account: a Route per balance
// currency overrides the partner's default method and details.
func Example_routes() {
	ctx := context.Background()
	usd, eur := accrue.MustCurrency("USD"), accrue.MustCurrency("EUR")
	clock := accrue.NewManualClock(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))
	l, _ := ledger.New(memstore.New(), ledger.WithClock(clock))
	_ = l.CreateAccounts(ctx, []ledger.Account{
		{Name: "expense:commissions:usd", Type: ledger.Expense, Currency: usd},
		{Name: "expense:commissions:eur", Type: ledger.Expense, Currency: eur},
		{Name: "liabilities:partners:reseller-7:payable", Type: ledger.Liability, Currency: usd},
		{Name: "liabilities:partners:reseller-7:payable:eur", Type: ledger.Liability, Currency: eur},
	})
	for _, m := range []accrue.Money{accrue.MustParseMoney("310.00 USD"), accrue.MustParseMoney("145.20 EUR")} {
		cur := m.Currency().Code()
		payable := "liabilities:partners:reseller-7:payable"
		if m.Currency() == eur {
			payable += ":eur"
		}
		_, _ = l.Post(ctx, ledger.TxInput{Key: "accrual:" + cur, Postings: []ledger.Posting{
			{Account: "expense:commissions:" + strings.ToLower(cur), Side: ledger.Debit, Amount: m},
			{Account: payable, Side: ledger.Credit, Amount: m},
		}})
	}
	svc, _ := payout.New(l, payout.NewMemoryStore(), payout.Config{Clock: clock, Partners: payout.PartnerMap{
		"reseller-7": {ID: "reseller-7", Method: payout.PayPal, Details: map[string]string{"email": "pay@reseller7.example"},
			Routes: []payout.Route{{Balance: eur, Method: payout.BankTransfer,
				Details: map[string]string{"iban": "FR7630006000011234567890189", "name": "Reseller Sept SARL"}}}},
	}})
	run, err := svc.Build(ctx, payout.BuildRequest{Run: "2026-11", Period: "2026-11", Creator: "maker@acme"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, b := range run.Batches {
		for _, it := range b.Items {
			fmt.Printf("%s: %s by %s to %s%s\n", b.ID, it.Amount, b.Method, it.Details["email"], it.Details["iban"])
		}
	}
	// Output:
	// 2026-11:bank_transfer:bank_transfer:eur:1: 145.20 EUR by bank_transfer to FR7630006000011234567890189
	// 2026-11:paypal:paypal:usd:1: 310.00 USD by paypal to pay@reseller7.example
}
