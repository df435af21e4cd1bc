package ledgertest

import (
	"context"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
)

// TB is the part of testing.TB that CheckInvariants needs.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
}

// CheckInvariants checks what must hold of any store at rest and reports
// violations with tb.Errorf:
//   - every currency sums to zero over all accounts, posted and pending;
//   - every account's posted counters equal the sum of its entries of
//     posting kinds, and its pending counters the sum of the entries of its
//     open pending transactions;
//   - every account satisfies its constraints;
//   - no posting is reversed beyond its amount;
//   - Seq runs 1..n without gaps, idempotency keys and IDs are unique, and
//     the hash chain verifies.
//
// tb is a *testing.T, *testing.B or *rapid.T (anything with Helper and
// Errorf), so state-machine tests can call it after every step.
func CheckInvariants(tb TB, s ledger.Store) {
	tb.Helper()
	ctx := context.Background()
	var accounts []ledger.AccountState
	after := ""
	for {
		page, err := s.ListAccounts(ctx, "", after, 500, nil)
		if err != nil {
			tb.Errorf("invariants: list accounts: %v", err)
			return
		}
		accounts = append(accounts, page...)
		if len(page) < 500 {
			break
		}
		after = page[len(page)-1].Account.Name
	}
	type sums struct{ posted, pending int64 }
	perCur := map[accrue.Currency]*sums{}
	for _, a := range accounts {
		c := a.Counters
		sm := perCur[a.Account.Currency]
		if sm == nil {
			sm = &sums{}
			perCur[a.Account.Currency] = sm
		}
		sm.posted += c.DebitsPosted - c.CreditsPosted
		sm.pending += c.DebitsPending - c.CreditsPending
		if err := a.Account.CheckConstraints(c); err != nil {
			tb.Errorf("invariants: %v", err)
		}
		got := entrySums(tb, s, a.Account.Name)
		if got != c {
			tb.Errorf("invariants: account %s: counters %+v, entries sum to %+v", a.Account.Name, c, got)
		}
	}
	for cur, sm := range perCur {
		if sm.posted != 0 || sm.pending != 0 {
			tb.Errorf("invariants: %s does not sum to zero: posted %d, pending %d minor units", cur.Code(), sm.posted, sm.pending)
		}
	}
	checkTransactions(tb, s)
}

// entrySums recomputes an account's counters from its entries.
func entrySums(tb TB, s ledger.Store, account string) ledger.Counters {
	ctx := context.Background()
	var c ledger.Counters
	var pendingIDs []string
	pendingUnits := map[string][2]int64{} // tx id -> debit, credit units on this account
	f := ledger.EntryFilter{Account: account, Limit: 1000}
	for {
		es, err := s.Entries(ctx, f, nil)
		if err != nil {
			tb.Errorf("invariants: entries of %s: %v", account, err)
			return c
		}
		for _, e := range es {
			u, err := e.Amount.MinorUnits()
			if err != nil {
				tb.Errorf("invariants: entry %s/%d: %v", e.TxID, e.Index, err)
			}
			switch {
			case e.Kind.MovesPosted() && e.Side == ledger.Debit:
				c.DebitsPosted += u
			case e.Kind.MovesPosted():
				c.CreditsPosted += u
			case e.Kind == ledger.KindPending:
				if _, ok := pendingUnits[e.TxID]; !ok {
					pendingIDs = append(pendingIDs, e.TxID)
				}
				pu := pendingUnits[e.TxID]
				if e.Side == ledger.Debit {
					pu[0] += u
				} else {
					pu[1] += u
				}
				pendingUnits[e.TxID] = pu
			}
		}
		if len(es) < f.Limit {
			break
		}
		f.AfterSeq, f.AfterIndex = es[len(es)-1].Seq, es[len(es)-1].Index
	}
	if len(pendingIDs) > 0 {
		states, err := s.ReadTxStates(ctx, pendingIDs, nil)
		if err != nil {
			tb.Errorf("invariants: tx states: %v", err)
			return c
		}
		for _, st := range states {
			if st.Status == ledger.PendingNone || st.Status == ledger.PendingOpen {
				pu := pendingUnits[st.ID]
				c.DebitsPending += pu[0]
				c.CreditsPending += pu[1]
			}
		}
	}
	return c
}

// checkTransactions checks Seq, key and ID uniqueness, reversal caps and the
// hash chain.
func checkTransactions(tb TB, s ledger.Store) {
	ctx := context.Background()
	keys, ids := map[string]bool{}, map[string]bool{}
	var want uint64 = 1
	var reversed []string
	f := ledger.TxFilter{Limit: 1000}
	for {
		txs, err := s.Transactions(ctx, f, nil)
		if err != nil {
			tb.Errorf("invariants: transactions: %v", err)
			return
		}
		for _, tx := range txs {
			if tx.Seq != want {
				tb.Errorf("invariants: seq %d where %d expected", tx.Seq, want)
			}
			want = tx.Seq + 1
			if keys[tx.Key] || ids[tx.ID] {
				tb.Errorf("invariants: key %q or id %s stored twice", tx.Key, tx.ID)
			}
			keys[tx.Key], ids[tx.ID] = true, true
			if tx.Kind == ledger.KindPosted || tx.Kind == ledger.KindPostPending {
				reversed = append(reversed, tx.ID)
			}
		}
		if len(txs) < f.Limit {
			break
		}
		f.AfterSeq = txs[len(txs)-1].Seq
	}
	if len(reversed) > 0 {
		states, err := s.ReadTxStates(ctx, reversed, nil)
		if err != nil {
			tb.Errorf("invariants: tx states: %v", err)
		}
		for _, st := range states {
			if len(st.Reversed) == 0 {
				continue
			}
			tx, err := s.Tx(ctx, st.ID)
			if err != nil {
				tb.Errorf("invariants: tx %s: %v", st.ID, err)
				continue
			}
			for i, r := range st.Reversed {
				u, _ := tx.Postings[i].Amount.MinorUnits()
				if r < 0 || r > u {
					tb.Errorf("invariants: tx %s posting %d: reversed %d of %d", tx.ID, i, r, u)
				}
			}
		}
	}
	l, err := ledger.New(s)
	if err != nil {
		tb.Errorf("invariants: %v", err)
		return
	}
	if _, err := l.Verify(ctx, 0, 0); err != nil {
		tb.Errorf("invariants: %v", err)
	}
}
