package main

import (
	"context"
	"fmt"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
)

// tally is where every cent of commission is at the cut-off. Earned and
// ClawedBack come from the commission lines, Paid from the provider, and
// CarriedForward and Held from the ledger's balances, so that the identity
// earned = paid + carried forward + held + clawed back checks three
// sources against each other.
type tally struct {
	Earned, Paid, CarriedForward, Held, ClawedBack accrue.Money
	// Pending is the part of Held still inside the 30-day hold or held
	// for review; PartnerHolds the part kept back from partners on a
	// payout hold.
	Pending, PartnerHolds accrue.Money
	// Expense is the program's commission expense in the ledger; it must
	// equal Earned less ClawedBack.
	Expense accrue.Money
	// Verified is the ledger's hash chain check.
	Verified ledger.VerifyResult
}

// TiesOut reports whether earned = paid + carried forward + held + clawed
// back, and the ledger's expense agrees.
func (t tally) TiesOut() bool {
	sum := t.Paid
	for _, m := range []accrue.Money{t.CarriedForward, t.Held, t.ClawedBack} {
		sum, _ = sum.Add(m)
	}
	net, _ := t.Earned.Sub(t.ClawedBack)
	return sum.Equal(t.Earned) && net.Equal(t.Expense)
}

// tieOut reads the ledger at the cut-off. paid is what the provider paid;
// onHold names the partners kept out of payouts.
func tieOut(ctx context.Context, r *result, paid accrue.Money, onHold map[string]bool) (tally, error) {
	t := tally{Earned: r.Commissions.Earned, ClawedBack: r.Commissions.ClawedBack, Paid: paid,
		CarriedForward: accrue.Zero(usd), Held: accrue.Zero(usd), Pending: accrue.Zero(usd), PartnerHolds: accrue.Zero(usd)}
	l := r.Books.Ledger
	bals, ids, err := partnerBalances(ctx, l, r.Program.Partners)
	if err != nil {
		return t, err
	}
	for _, id := range ids {
		b := bals[id]
		if t.Pending, err = t.Pending.Add(b.PendingIn); err != nil {
			return t, err
		}
		if !b.PendingOut.IsZero() {
			return t, fmt.Errorf("partner %s: %s still reserved by a payout", id, b.PendingOut)
		}
		if onHold[id] {
			t.PartnerHolds, _ = t.PartnerHolds.Add(b.Posted)
		} else {
			t.CarriedForward, _ = t.CarriedForward.Add(b.Posted)
		}
	}
	t.Held, _ = t.Pending.Add(t.PartnerHolds)
	exp, err := l.Balance(ctx, expenseAccount)
	if err != nil {
		return t, err
	}
	t.Expense = exp.Posted
	t.Expense, _ = t.Expense.Add(exp.PendingIn)
	if t.Verified, err = l.Verify(ctx, 0, 0); err != nil {
		return t, err
	}
	return t, nil
}
