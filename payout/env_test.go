package payout_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
	"github.com/accruehq/accrue/ledger/memstore"
	"github.com/accruehq/accrue/payout"
)

var (
	usd   = accrue.MustCurrency("USD")
	eur   = accrue.MustCurrency("EUR")
	start = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
)

// env is a ledger, a document store and a service over them.
type env struct {
	ctx      context.Context
	clock    *accrue.ManualClock
	l        *ledger.Ledger
	store    *payout.MemoryStore
	svc      *payout.Service
	partners payout.PartnerMap
	n        int
}

func newEnv(t tb, st ledger.Store, cfg payout.Config) *env {
	t.Helper()
	if st == nil {
		st = memstore.New()
	}
	e := &env{ctx: context.Background(), clock: accrue.NewManualClock(start), store: payout.NewMemoryStore(), partners: payout.PartnerMap{}}
	l, err := ledger.New(st, ledger.WithClock(e.clock), ledger.WithChain(false))
	if err != nil {
		t.Fatal(err)
	}
	e.l = l
	cfg.Clock = e.clock
	cfg.Partners = e.partners
	if e.svc, err = payout.New(l, e.store, cfg); err != nil {
		t.Fatal(err)
	}
	return e
}

// partner registers a PayPal partner.
func (e *env) partner(id string) *payout.Partner {
	p := payout.Partner{ID: id, Method: payout.PayPal, Details: map[string]string{"email": id + "@example.com"}}
	e.partners[id] = p
	return &p
}

func (e *env) set(p payout.Partner) { e.partners[p.ID] = p }

// earn credits a partner's payable account in cur (units may be negative:
// a clawback).
func (e *env) earn(t tb, id string, cur accrue.Currency, units int64) {
	t.Helper()
	acct := "liabilities:partners:" + id + ":payable"
	if cur != usd {
		acct += ":" + strings.ToLower(cur.Code())
	}
	exp := "expense:commissions:" + strings.ToLower(cur.Code())
	if err := e.l.CreateAccounts(e.ctx, []ledger.Account{
		{Name: exp, Type: ledger.Expense, Currency: cur},
		{Name: acct, Type: ledger.Liability, Currency: cur},
	}); err != nil {
		t.Fatal(err)
	}
	if units == 0 {
		return
	}
	e.n++
	from, to := exp, acct
	if units < 0 {
		from, to, units = to, from, -units
	}
	amt := accrue.FromMinorUnits(units, cur)
	if _, err := e.l.Post(e.ctx, ledger.TxInput{Key: fmt.Sprintf("earn-%d", e.n), Postings: []ledger.Posting{
		{Account: from, Side: ledger.Debit, Amount: amt},
		{Account: to, Side: ledger.Credit, Amount: amt},
	}, Metadata: map[string]string{accrue.MetaPartnerID: id, accrue.MetaEventID: fmt.Sprintf("order-%d", e.n)}}); err != nil {
		t.Fatal(err)
	}
}

// available returns the available payable balance of an account.
func (e *env) available(t tb, acct string) int64 {
	t.Helper()
	b, err := e.l.Balance(e.ctx, acct)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := b.Available.MinorUnits()
	return u
}

// txCount returns the number of ledger transactions.
func (e *env) txCount(t tb) int {
	t.Helper()
	n := 0
	q := ledger.TxQuery{Limit: 10000}
	for {
		p, err := e.l.Transactions(e.ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		n += len(p.Txs)
		if p.Next == "" {
			return n
		}
		q.After = p.Next
	}
}

// build runs a build as "maker".
func (e *env) build(t tb, run string) payout.Run {
	t.Helper()
	r, err := e.svc.Build(e.ctx, payout.BuildRequest{Run: run, Period: "2026-11", Creator: "maker"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// approve approves every batch of r by "checker".
func (e *env) approve(t tb, r payout.Run) {
	t.Helper()
	for _, b := range r.Batches {
		if _, err := e.svc.Approve(e.ctx, b.ID, "checker", b.Hash); err != nil {
			t.Fatal(err)
		}
	}
}

// tb is what the helpers need of *testing.T, *testing.B and *rapid.T.
type tb interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Errorf(format string, args ...any)
}
