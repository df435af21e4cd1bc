package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/payout"
)

// The payout run's terms and people.
const (
	providerName  = "fakepay"
	minimumPayout = "50.00" // USD
	maker         = "maria@finance.example"
	checker       = "li@finance.example"
	controller    = "sam@controller.example"
)

// payouts is the outcome of the payout step.
type payouts struct {
	Service *payout.Service
	Run     payout.Run
	// SelfApproval is the maker's own approval, refused (maker-checker).
	SelfApproval error
	Approvals    []payout.Approval
}

// directory is the host's partner directory: payment details and holds.
// Platinum and gold partners are paid by bank transfer, the others by
// PayPal; both go through one provider.
func directory(ps []partner) payout.PartnerMap {
	dir := make(payout.PartnerMap, len(ps))
	for _, p := range ps {
		e := payout.Partner{ID: p.ID, Method: payout.PayPal, Hold: p.Hold,
			Details: map[string]string{"email": p.ID + "@partners.example"}}
		if p.Tier == "platinum" || p.Tier == "gold" {
			e.Method = payout.BankTransfer
			e.Details = map[string]string{"iban": "XX00TEST" + p.ID, "name": "Partner " + p.ID}
		}
		dir[p.ID] = e
	}
	return dir
}

// buildPayouts builds the month's run from the payable balances at the
// cut-off — a $50 minimum, partners on hold left out with their reason —
// and has each batch approved under maker-checker: the maker's own
// approval is refused; a batch over 20,000 USD needs two approvers.
func buildPayouts(ctx context.Context, r *result) (*payouts, error) {
	p, k := r.Program, r.Books
	methods := payout.DefaultMethods()
	for _, m := range []payout.Method{payout.PayPal, payout.BankTransfer} {
		spec := methods[m]
		spec.Provider = providerName
		methods[m] = spec
	}
	svc, err := payout.New(k.Ledger, payout.NewMemoryStore(), payout.Config{
		Clock:      k.Clock,
		Partners:   directory(p.Partners),
		Methods:    methods,
		Thresholds: []accrue.Money{accrue.MustParseMoney(minimumPayout + " USD")},
		Approval: payout.ApprovalPolicy{Rules: []payout.ApprovalRule{
			{BatchAbove: accrue.MustParseMoney("20000.00 USD"), Approvers: 2}}},
	})
	if err != nil {
		return nil, err
	}
	out := &payouts{Service: svc}
	period := p.End.AddDate(0, 0, -1).Format("2006-01")
	if out.Run, err = svc.Build(ctx, payout.BuildRequest{Run: "run-" + period, Period: period, Cutoff: p.End, Creator: maker}); err != nil {
		return nil, err
	}
	for _, b := range out.Run.Batches {
		if _, err := svc.Approve(ctx, b.ID, maker, b.Hash); errors.Is(err, payout.ErrSelfApproval) {
			out.SelfApproval = err
		} else {
			return nil, fmt.Errorf("maker's approval of %s: want it refused, got %v", b.ID, err)
		}
		approvers := []string{checker}
		if c, _ := b.Total.Cmp(accrue.MustParseMoney("20000.00 USD")); c > 0 {
			approvers = append(approvers, controller)
		}
		for _, who := range approvers {
			a, err := svc.Approve(ctx, b.ID, who, b.Hash)
			if err != nil {
				return nil, err
			}
			out.Approvals = append(out.Approvals, a)
		}
		if _, err := svc.CheckApproved(ctx, b.ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}
