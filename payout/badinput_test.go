package payout_test

import (
	"errors"
	"testing"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/payout"
	"github.com/accruehq/accrue/payout/payouttest"
)

// TestBadInput is the bad-input table: each case is refused with a typed
// error and leaves the ledger exactly as it was (same transactions, same
// balances) and the provider untouched.
func TestBadInput(t *testing.T) {
	ok := payout.Partner{ID: "x", Method: payout.PayPal, Details: map[string]string{"email": "x@example.com"}}
	tests := []struct {
		name    string
		partner payout.Partner // partner x's setup
		build   bool           // build (and then act) with x as set up
		act     func(e *env, r payout.Run) error
		want    error
		as      any // a typed error the result must match with errors.As
	}{
		{name: "unknown payout method", partner: payout.Partner{ID: "x", Method: "carrier_pigeon"},
			want: payout.ErrUnknownMethod, as: new(*payout.PartnerError)},
		{name: "missing payment details", partner: payout.Partner{ID: "x", Method: payout.BankTransfer, Details: map[string]string{"name": "X"}},
			want: payout.ErrMissingDetails, as: new(*payout.PartnerError)},
		{name: "currency without a rate", partner: payout.Partner{ID: "x", Method: payout.PayPal, Details: map[string]string{"email": "x@x"}, Currency: eur},
			want: accrue.ErrNoRate, as: new(*payout.PartnerError)},
		{name: "route to an unknown method", partner: withRoutes(ok, payout.Route{Balance: usd, Method: "carrier_pigeon"}),
			want: payout.ErrUnknownMethod, as: new(*payout.PartnerError)},
		{name: "route missing payment details", partner: withRoutes(ok, payout.Route{Balance: usd, Method: payout.BankTransfer, Details: map[string]string{"iban": "DE00"}}),
			want: payout.ErrMissingDetails, as: new(*payout.PartnerError)},
		{name: "two routes for one currency", partner: withRoutes(ok, payout.Route{Balance: usd, Method: payout.PayPal, Details: ok.Details},
			payout.Route{Balance: usd, Method: payout.PayPal, Details: ok.Details}),
			want: payout.ErrInvalidInput, as: new(*payout.PartnerError)},
		{name: "route without a balance currency", partner: withRoutes(ok, payout.Route{Method: payout.PayPal, Details: ok.Details}),
			want: payout.ErrInvalidInput, as: new(*payout.PartnerError)},
		{name: "route to a currency without a rate", partner: withRoutes(ok, payout.Route{Balance: usd, Method: payout.PayPal, Details: ok.Details, Currency: eur}),
			want: accrue.ErrNoRate, as: new(*payout.PartnerError)},
		{name: "approval by the creator", partner: ok, build: true, want: payout.ErrSelfApproval,
			act: func(e *env, r payout.Run) error {
				_, err := e.svc.Approve(e.ctx, r.Batches[0].ID, "maker", r.Batches[0].Hash)
				return err
			}},
		{name: "approval twice by one approver", partner: ok, build: true, want: payout.ErrDuplicateApproval,
			act: func(e *env, r payout.Run) error {
				if _, err := e.svc.Approve(e.ctx, r.Batches[0].ID, "checker", r.Batches[0].Hash); err != nil {
					return err
				}
				_, err := e.svc.Approve(e.ctx, r.Batches[0].ID, "checker", r.Batches[0].Hash)
				return err
			}},
		{name: "executing an unapproved batch", partner: ok, build: true, want: payout.ErrNotApproved, as: new(*payout.ApprovalError),
			act: func(e *env, r payout.Run) error {
				x, _ := e.svc.Executor("paypal", payouttest.NewFake(e.clock))
				_, err := x.Execute(e.ctx, r.Batches[0].ID)
				return err
			}},
		{name: "executing a changed batch", partner: ok, build: true, want: payout.ErrBatchChanged,
			act: func(e *env, r payout.Run) error {
				e.approve(t, r)
				changed, _ := payout.New(e.l, tamperStore{e.store}, payout.Config{Partners: e.partners, Clock: e.clock})
				x, _ := changed.Executor("paypal", payouttest.NewFake(e.clock))
				_, err := x.Execute(e.ctx, r.Batches[0].ID)
				return err
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil, payout.Config{Rates: accrue.NewStaticRates()})
			e.partner("ok")
			e.earn(t, "ok", usd, 1000)
			e.set(tc.partner)
			e.earn(t, "x", usd, 1000)
			var r payout.Run
			if tc.build {
				r = e.build(t, "r")
			}
			before := ledgerDigest(t, e)
			var err error
			if tc.act != nil {
				err = tc.act(e, r)
			} else {
				_, err = e.svc.Build(e.ctx, payout.BuildRequest{Run: "r", Period: "2026-11", Creator: "maker"})
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.as != nil && !errors.As(err, tc.as) {
				t.Errorf("err %v is not a %T", err, tc.as)
			}
			if after := ledgerDigest(t, e); after != before {
				t.Error("the ledger changed")
			}
			if !tc.build && e.available(t, "liabilities:partners:ok:payable") != 1000 {
				t.Error("a refused build reserved money")
			}
		})
	}
}

// withRoutes returns p with routes.
func withRoutes(p payout.Partner, routes ...payout.Route) payout.Partner {
	p.Routes = routes
	return p
}
