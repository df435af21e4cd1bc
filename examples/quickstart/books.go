package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
	"github.com/accruehq/accrue/ledger/memstore"
	"github.com/accruehq/accrue/rules"
)

// holdDays is how long a commission stays pending before it may be paid
// (the refund window most programs use).
const holdDays = 30

// The chart of accounts (see ARCHITECTURE.md).
const (
	expenseAccount = "expense:commissions"
	partnerPrefix  = "liabilities:partners:"
)

func payableAccount(partnerID string) string { return partnerPrefix + partnerID + ":payable" }

// chart creates the accounts the program posts to on first use: the
// program's expense, one payable liability per partner, and the cash,
// clearing, withholding and fee accounts payout uses, all in USD.
func chart(name string) (ledger.Account, bool) {
	switch {
	case name == expenseAccount:
		return ledger.Account{Name: name, Type: ledger.Expense, Currency: usd}, true
	case strings.HasPrefix(name, partnerPrefix):
		return ledger.Account{Name: name, Type: ledger.Liability, Currency: usd}, true
	case strings.HasPrefix(name, "assets:"):
		return ledger.Account{Name: name, Type: ledger.Asset, Currency: usd}, true
	case strings.HasPrefix(name, "liabilities:"):
		return ledger.Account{Name: name, Type: ledger.Liability, Currency: usd}, true
	case strings.HasPrefix(name, "income:"):
		return ledger.Account{Name: name, Type: ledger.Income, Currency: usd}, true
	}
	return ledger.Account{}, false
}

// books is the ledger after the accrual step.
type books struct {
	Ledger *ledger.Ledger
	Clock  *accrue.ManualClock
	// Accrued counts the commissions held (pending) in the ledger, Released
	// those whose hold ended by the cut-off; ClawedBack the clawbacks posted.
	Accrued, Released, ClawedBack int
	// Accrual maps a line (event#seq) to its pending transaction.
	Accrual map[string]string
}

// op is one ledger operation, scheduled at its time.
type op struct {
	At   time.Time
	Kind int // opAccrue, opClawback, opRelease
	Line int // index in commissions.Lines
}

const (
	opAccrue = iota
	opClawback
	opRelease
)

// record writes every line to the ledger in time order: each commission is
// a pending (held) transaction from the program's expense to the partner's
// payable account; 30 days later, if it is not held for review, the hold is
// released (PostPending); a clawback is a posted transaction back from the
// partner. Lineage travels in the metadata.
func record(ctx context.Context, p *program, a *attributed, c *commissions) (*books, error) {
	clock := accrue.NewManualClock(p.Start)
	l, err := ledger.New(memstore.New(), ledger.WithClock(clock), ledger.WithAccountPolicy(chart))
	if err != nil {
		return nil, err
	}
	exp, _ := chart(expenseAccount)
	if err := l.CreateAccount(ctx, exp); err != nil {
		return nil, err
	}
	b := &books{Ledger: l, Clock: clock, Accrual: make(map[string]string, len(c.Lines))}

	var ops []op
	for i, ln := range c.Lines {
		switch {
		case ln.Type == rules.Clawback && !ln.Amount.IsZero():
			ops = append(ops, op{ln.EventTime, opClawback, i})
		case ln.Amount.IsPositive():
			ops = append(ops, op{ln.EventTime, opAccrue, i})
			if due := ln.EventTime.AddDate(0, 0, holdDays); ln.Status == rules.Payable && due.Before(p.End) {
				ops = append(ops, op{due, opRelease, i})
			}
		}
	}
	slices.SortStableFunc(ops, func(x, y op) int { return x.At.Compare(y.At) })

	for _, o := range ops {
		clock.Set(o.At)
		ln := c.Lines[o.Line]
		ref := ln.Ref().String()
		switch o.Kind {
		case opAccrue:
			tx, err := l.Hold(ctx, ledger.TxInput{
				Key:         "accrual/" + ref,
				Postings:    transfer(expenseAccount, payableAccount(ln.Partner), ln.Amount),
				EffectiveAt: o.At,
				Metadata:    lineage(ln, a.Model),
			})
			if err != nil {
				return nil, fmt.Errorf("accrual %s: %w", ref, err)
			}
			b.Accrual[ref] = tx.ID
			b.Accrued++
		case opRelease:
			if _, err := l.PostPending(ctx, ledger.PendingInput{Key: "release/" + ref, PendingID: b.Accrual[ref], EffectiveAt: o.At,
				Metadata: lineage(ln, a.Model)}); err != nil {
				return nil, fmt.Errorf("release %s: %w", ref, err)
			}
			b.Released++
		case opClawback:
			meta := ln.Meta()
			meta["reverses_tx"] = b.Accrual[ln.Reverses.String()]
			if _, err := l.Post(ctx, ledger.TxInput{
				Key:         "clawback/" + ref,
				Postings:    transfer(payableAccount(ln.Partner), expenseAccount, ln.Amount.Neg()),
				EffectiveAt: o.At,
				Metadata:    meta,
			}); err != nil {
				return nil, fmt.Errorf("clawback %s: %w", ref, err)
			}
			b.ClawedBack++
		}
	}
	clock.Set(p.End)
	return b, nil
}

// lineage is the metadata an accrual and its release carry: the line's
// event, rule, plan and plan version, and the conversion, touchpoint and
// attribution model that credited the partner.
func lineage(ln line, model string) map[string]string {
	meta := ln.Meta()
	meta[accrue.MetaConversionID] = ln.Conversion
	meta[accrue.MetaTouchpointID] = ln.Touchpoint
	meta[accrue.MetaAttributionModel] = model
	return meta
}

// transfer moves amount from one account (debited) to another (credited).
func transfer(from, to string, amount accrue.Money) []ledger.Posting {
	return []ledger.Posting{
		{Account: from, Side: ledger.Debit, Amount: amount},
		{Account: to, Side: ledger.Credit, Amount: amount},
	}
}

// partnerBalances returns every partner's payable balance, by partner id.
func partnerBalances(ctx context.Context, l *ledger.Ledger, partners []partner) (map[string]ledger.Balance, []string, error) {
	out := make(map[string]ledger.Balance, len(partners))
	for _, pt := range partners {
		bal, err := l.Balance(ctx, payableAccount(pt.ID))
		if errors.Is(err, ledger.ErrUnknownAccount) || errors.Is(err, ledger.ErrNotFound) {
			continue // never credited: no account
		}
		if err != nil {
			return nil, nil, err
		}
		out[pt.ID] = bal
	}
	return out, slices.Sorted(maps.Keys(out)), nil
}
