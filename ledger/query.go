package ledger

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/accruehq/accrue"
)

// Balance returns the current balance of an account, or an error matching
// ErrUnknownAccount.
func (l *Ledger) Balance(ctx context.Context, account string) (Balance, error) {
	if err := ctxErr(ctx, "balance"); err != nil {
		return Balance{}, err
	}
	states, err := l.store.ReadAccounts(ctx, []string{account}, nil)
	if err != nil {
		return Balance{}, fmt.Errorf("ledger: balance: %w", err)
	}
	if len(states) != 1 || !states[0].Exists {
		return Balance{}, errorf(ErrUnknownAccount, "%s", clip(account))
	}
	return BalanceOf(states[0].Account, states[0].Counters), nil
}

// BalanceAsOf returns the posted balance of an account counting the
// transactions effective at or before t (pending amounts are not part of
// history: PendingIn and PendingOut are zero and Available equals Posted).
// It costs O(log n) in the account's entries.
func (l *Ledger) BalanceAsOf(ctx context.Context, account string, t time.Time) (Balance, error) {
	if err := ctxErr(ctx, "balance as of"); err != nil {
		return Balance{}, err
	}
	acct, err := l.Account(ctx, account)
	if err != nil {
		return Balance{}, err
	}
	c, err := l.store.PostedAsOf(ctx, account, normTime(t))
	if err != nil {
		return Balance{}, fmt.Errorf("ledger: balance as of: %w", err)
	}
	c.DebitsPending, c.CreditsPending = 0, 0
	return BalanceOf(acct, c), nil
}

// RollUp sums the balances of every account whose name starts with prefix
// (liabilities:partners: for all partners' liabilities), per currency, in
// currency-code order. Each account counts on its own normal side.
func (l *Ledger) RollUp(ctx context.Context, prefix string) ([]Total, error) {
	var totals []Total
	var page []AccountState
	after := ""
	for {
		if err := ctxErr(ctx, "roll up"); err != nil {
			return nil, err
		}
		var err error
		page, err = l.store.ListAccounts(ctx, prefix, after, 256, page[:0])
		if err != nil {
			return nil, fmt.Errorf("ledger: roll up: %w", err)
		}
		for _, s := range page {
			b := BalanceOf(s.Account, s.Counters)
			i := 0
			for i < len(totals) && totals[i].Currency != s.Account.Currency {
				i++
			}
			if i == len(totals) {
				z := accrue.Zero(s.Account.Currency)
				totals = append(totals, Total{Currency: s.Account.Currency, Posted: z, PendingIn: z, PendingOut: z, Available: z})
			}
			t := &totals[i]
			t.Posted, _ = t.Posted.Add(b.Posted)
			t.PendingIn, _ = t.PendingIn.Add(b.PendingIn)
			t.PendingOut, _ = t.PendingOut.Add(b.PendingOut)
			t.Available, _ = t.Available.Add(b.Available)
			t.Accounts++
		}
		if len(page) < 256 {
			break
		}
		after = page[len(page)-1].Account.Name
	}
	sortTotals(totals)
	return totals, nil
}

func sortTotals(t []Total) {
	for i := 1; i < len(t); i++ {
		for j := i; j > 0 && t[j].Currency.Code() < t[j-1].Currency.Code(); j-- {
			t[j], t[j-1] = t[j-1], t[j]
		}
	}
}

// Tx returns the transaction with the given ID, or an error matching
// ErrNotFound.
func (l *Ledger) Tx(ctx context.Context, id string) (Transaction, error) {
	tx, err := l.store.Tx(ctx, id)
	if err != nil {
		return Transaction{}, fmt.Errorf("ledger: tx %s: %w", clip(id), err)
	}
	return tx, nil
}

// TxByKey returns the transaction written with the given idempotency key,
// or an error matching ErrNotFound.
func (l *Ledger) TxByKey(ctx context.Context, key string) (Transaction, error) {
	tx, err := l.store.TxByKey(ctx, key)
	if err != nil {
		return Transaction{}, fmt.Errorf("ledger: tx by key %q: %w", clip(key), err)
	}
	return tx, nil
}

// Cursor is an opaque position in a listing: pass a page's Next to get the
// following page. The zero Cursor starts at the beginning.
type Cursor string

// MakeCursor returns the cursor after the item at (seq, index).
func MakeCursor(seq uint64, index int) Cursor {
	return Cursor("c1." + strconv.FormatUint(seq, 10) + "." + strconv.Itoa(index))
}

// Decode returns the position a cursor stands for; the zero cursor is
// (0, 0). Malformed cursors match ErrInvalidInput.
func (c Cursor) Decode() (seq uint64, index int, err error) {
	if c == "" {
		return 0, 0, nil
	}
	bad := func() (uint64, int, error) {
		return 0, 0, errorf(ErrInvalidInput, "malformed cursor %q", clip(string(c)))
	}
	rest, ok := strings.CutPrefix(string(c), "c1.")
	if !ok {
		return bad()
	}
	s, i, ok := strings.Cut(rest, ".")
	if !ok || !canonicalUint(s) || !canonicalUint(i) || len(i) > 9 {
		return bad()
	}
	seq, err = strconv.ParseUint(s, 10, 64)
	if err != nil {
		return bad()
	}
	idx, err := strconv.Atoi(i)
	if err != nil {
		return bad()
	}
	return seq, idx, nil
}

// canonicalUint reports whether s is a decimal number without sign or
// leading zeros, so that each position has exactly one cursor.
func canonicalUint(s string) bool {
	if s == "" || len(s) > 1 && s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// EntryQuery selects entries of one account (Entries).
type EntryQuery struct {
	Account  string            // required
	From, To time.Time         // EffectiveAt in [From, To); zero: unbounded
	Metadata map[string]string // the transaction has each key with this value
	After    Cursor            // continue after this position (a previous page's Next)
	Limit    int               // page size; 0 means 100, at most 10,000
}

// EntryPage is a page of entries in commit order.
type EntryPage struct {
	Entries []Entry
	Next    Cursor // "" when there are no more
}

// Entries lists the entries of an account in commit order, a page at a time.
func (l *Ledger) Entries(ctx context.Context, q EntryQuery) (EntryPage, error) {
	if err := ctxErr(ctx, "entries"); err != nil {
		return EntryPage{}, err
	}
	seq, idx, err := q.After.Decode()
	if err != nil {
		return EntryPage{}, err
	}
	limit, err := pageLimit(q.Limit)
	if err != nil {
		return EntryPage{}, err
	}
	f := EntryFilter{Account: q.Account, From: normTime(q.From), To: normTime(q.To), Metadata: q.Metadata, AfterSeq: seq, AfterIndex: idx, Limit: limit + 1}
	es, err := l.store.Entries(ctx, f, nil)
	if err != nil {
		return EntryPage{}, fmt.Errorf("ledger: entries: %w", err)
	}
	var p EntryPage
	if len(es) > limit {
		es = es[:limit]
		last := es[limit-1]
		p.Next = MakeCursor(last.Seq, last.Index)
	}
	p.Entries = es
	return p, nil
}

// TxQuery selects transactions (Transactions).
type TxQuery struct {
	Account  string            // only those with a posting to this account ("": any)
	Kind     Kind              // only this kind (0: any)
	From, To time.Time         // EffectiveAt in [From, To); zero: unbounded
	Metadata map[string]string // each key present with this value (batch_id=…)
	After    Cursor            // continue after this position
	Limit    int               // page size; 0 means 100, at most 10,000
}

// TxPage is a page of transactions in commit order.
type TxPage struct {
	Txs  []Transaction
	Next Cursor // "" when there are no more
}

// Transactions lists transactions in commit order, a page at a time.
func (l *Ledger) Transactions(ctx context.Context, q TxQuery) (TxPage, error) {
	if err := ctxErr(ctx, "transactions"); err != nil {
		return TxPage{}, err
	}
	seq, _, err := q.After.Decode()
	if err != nil {
		return TxPage{}, err
	}
	limit, err := pageLimit(q.Limit)
	if err != nil {
		return TxPage{}, err
	}
	f := TxFilter{Account: q.Account, Kind: q.Kind, From: normTime(q.From), To: normTime(q.To), Metadata: q.Metadata, AfterSeq: seq, Limit: limit + 1}
	txs, err := l.store.Transactions(ctx, f, nil)
	if err != nil {
		return TxPage{}, fmt.Errorf("ledger: transactions: %w", err)
	}
	var p TxPage
	if len(txs) > limit {
		txs = txs[:limit]
		p.Next = MakeCursor(txs[limit-1].Seq, 0)
	}
	p.Txs = txs
	return p, nil
}

func pageLimit(n int) (int, error) {
	switch {
	case n == 0:
		return 100, nil
	case n < 0 || n > 10000:
		return 0, errorf(ErrInvalidInput, "page size %d not in [1, 10000]", n)
	}
	return n, nil
}
