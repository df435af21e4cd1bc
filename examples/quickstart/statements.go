package main

import (
	"context"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
	"github.com/accruehq/accrue/payout"
)

// statementLine is one movement on a partner's payable account, with the
// lineage its ledger transaction carries.
type statementLine struct {
	Date         time.Time
	TxID         string
	What         string // accrual held, released, clawback, payout reserved, …
	Event, Rule  string
	Conversion   string
	Amount       accrue.Money // + to the partner, − from
	Posted       accrue.Money // payable balance after the line
	Pending      accrue.Money // held (+) or reserved (−) after the line
	BatchAndItem string
}

// statement sums up a partner's payable account over the program, pending
// movements included, from ledger transactions and their metadata alone:
// the summary's top partners and the tests' per-partner conservation
// read it. The statements partners receive are payout's (files.go).
type statement struct {
	Partner, Tier, Hold string
	Lines               []statementLine
	Earned, ClawedBack  accrue.Money
	Paid                accrue.Money // posted out to the provider
	Closing, Pending    accrue.Money
}

// statements reads each partner's payable account from the ledger.
func statements(ctx context.Context, l *ledger.Ledger, ps []partner) ([]statement, error) {
	var out []statement
	for _, p := range ps {
		acct := payableAccount(p.ID)
		st := statement{Partner: p.ID, Tier: p.Tier, Hold: p.Hold, Earned: accrue.Zero(usd), ClawedBack: accrue.Zero(usd),
			Paid: accrue.Zero(usd), Closing: accrue.Zero(usd), Pending: accrue.Zero(usd)}
		q := ledger.TxQuery{Account: acct, Limit: 500}
		for {
			page, err := l.Transactions(ctx, q)
			if err != nil {
				return nil, err
			}
			for i := range page.Txs {
				st.add(&page.Txs[i], acct)
			}
			if page.Next == "" {
				break
			}
			q.After = page.Next
		}
		if len(st.Lines) > 0 {
			out = append(out, st)
		}
	}
	return out, nil
}

// add applies one transaction to the statement.
func (st *statement) add(tx *ledger.Transaction, acct string) {
	amt := accrue.Zero(usd)
	for _, p := range tx.Postings {
		if p.Account != acct {
			continue
		}
		if p.Side == ledger.Credit {
			amt, _ = amt.Add(p.Amount)
		} else {
			amt, _ = amt.Sub(p.Amount)
		}
	}
	m := tx.Metadata
	what := string(tx.Kind)
	step := m[payout.MetaStep]
	switch {
	case tx.Kind == ledger.KindPending && step == "":
		what = "commission, held"
		st.Pending, _ = st.Pending.Add(amt)
		st.Earned, _ = st.Earned.Add(amt)
	case tx.Kind == ledger.KindPending:
		what = "payout " + step
		st.Pending, _ = st.Pending.Add(amt)
	case tx.Kind == ledger.KindPostPending:
		what = "released"
		if step != "" {
			what = "payout " + step
			st.Paid, _ = st.Paid.Sub(amt)
		}
		st.post(amt)
		st.Pending, _ = st.Pending.Sub(amt)
	case tx.Kind == ledger.KindVoidPending:
		what = "voided"
		if step != "" {
			what = "payout " + step
		}
		st.Pending, _ = st.Pending.Sub(amt)
	default:
		switch {
		case step != "":
			what = "payout " + step
			if step == payout.StepReturned {
				st.Paid, _ = st.Paid.Sub(amt)
			}
		case m[accrue.MetaReverses] != "":
			what = "clawback"
			st.ClawedBack, _ = st.ClawedBack.Sub(amt)
		}
		st.post(amt)
	}
	st.Lines = append(st.Lines, statementLine{Date: tx.EffectiveAt, TxID: tx.ID, What: what,
		Event: m[accrue.MetaEventID], Rule: m[accrue.MetaRuleID], Conversion: m[accrue.MetaConversionID],
		Amount: amt, Posted: st.Closing, Pending: st.Pending, BatchAndItem: joinNonEmpty(m[accrue.MetaBatchID], m[accrue.MetaItemID])})
}

// post moves the closing (posted) balance.
func (st *statement) post(amt accrue.Money) { st.Closing, _ = st.Closing.Add(amt) }

func joinNonEmpty(a, b string) string {
	if a == "" || b == "" {
		return a + b
	}
	return a + "/" + b
}

func fixed(m accrue.Money) string { return m.Amount().StringFixed(m.Currency().MinorUnits()) }
