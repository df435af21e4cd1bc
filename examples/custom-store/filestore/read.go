package filestore

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/accruehq/accrue/ledger"
)

// The reads below answer from the in-memory index under a read lock, and
// copy what they return (the caller owns it).

// ReadAccounts implements ledger.Store.
func (s *Store) ReadAccounts(ctx context.Context, names []string, dst []ledger.AccountState) ([]ledger.AccountState, error) {
	if err := ctxErr(ctx, "read accounts"); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	dst = dst[:0]
	for _, name := range names {
		if a := s.accounts[name]; a != nil && a.state.Exists {
			dst = append(dst, stateCopy(a.state))
		} else {
			dst = append(dst, ledger.AccountState{Account: ledger.Account{Name: name}})
		}
	}
	return dst, nil
}

func stateCopy(st ledger.AccountState) ledger.AccountState {
	st.Account = ledger.CloneAccount(st.Account)
	return st
}

// ReadTxStates implements ledger.Store.
func (s *Store) ReadTxStates(ctx context.Context, ids []string, dst []ledger.TxState) ([]ledger.TxState, error) {
	if err := ctxErr(ctx, "read tx states"); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	dst = dst[:0]
	for _, id := range ids {
		st := s.states[id]
		st.ID = id
		st.Reversed = slices.Clone(st.Reversed)
		dst = append(dst, st)
	}
	return dst, nil
}

// Tx implements ledger.Store.
func (s *Store) Tx(ctx context.Context, id string) (ledger.Transaction, error) {
	return s.txBy(ctx, s.byID, "id", id)
}

// TxByKey implements ledger.Store.
func (s *Store) TxByKey(ctx context.Context, key string) (ledger.Transaction, error) {
	return s.txBy(ctx, s.byKey, "key", key)
}

func (s *Store) txBy(ctx context.Context, m map[string]uint64, what, v string) (ledger.Transaction, error) {
	if err := ctxErr(ctx, "tx"); err != nil {
		return ledger.Transaction{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	seq, ok := m[v]
	if !ok {
		return ledger.Transaction{}, fmt.Errorf("filestore: tx %s %q: %w", what, v, ledger.ErrNotFound)
	}
	return s.txs[seq-1].Clone(), nil
}

// Entries implements ledger.Store.
func (s *Store) Entries(ctx context.Context, f ledger.EntryFilter, dst []ledger.Entry) ([]ledger.Entry, error) {
	if err := ctxErr(ctx, "entries"); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	dst = dst[:0]
	a := s.accounts[f.Account]
	if a == nil {
		return dst, nil
	}
	i := sort.Search(len(a.entries), func(i int) bool {
		p := a.entries[i]
		return p.seq > f.AfterSeq || (p.seq == f.AfterSeq && p.index > f.AfterIndex)
	})
	for ; i < len(a.entries) && len(dst) < f.Limit; i++ {
		pos := a.entries[i]
		tx := &s.txs[pos.seq-1]
		if !ledger.InRange(tx.EffectiveAt, f.From, f.To) || !hasMetadata(tx, f.Metadata) {
			continue
		}
		p := tx.Postings[pos.index]
		dst = append(dst, ledger.Entry{TxID: tx.ID, Seq: tx.Seq, Index: pos.index, Kind: tx.Kind,
			Account: p.Account, Side: p.Side, Amount: p.Amount, EffectiveAt: tx.EffectiveAt})
	}
	return dst, nil
}

// hasMetadata reports whether tx has every key of want with its value.
func hasMetadata(tx *ledger.Transaction, want map[string]string) bool {
	for k, v := range want {
		if got, ok := tx.Metadata[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// Transactions implements ledger.Store. With an account filter it walks that
// account's entries; otherwise the history from f.AfterSeq.
func (s *Store) Transactions(ctx context.Context, f ledger.TxFilter, dst []ledger.Transaction) ([]ledger.Transaction, error) {
	if err := ctxErr(ctx, "transactions"); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	dst = dst[:0]
	last := uint64(len(s.txs))
	if f.ToSeq != 0 && f.ToSeq < last {
		last = f.ToSeq
	}
	if f.AfterSeq >= last {
		return dst, nil
	}
	visit := func(seq uint64) bool { // false: stop
		if seq > last || len(dst) >= f.Limit {
			return false
		}
		if tx := &s.txs[seq-1]; f.Match(tx) {
			dst = append(dst, tx.Clone())
		}
		return true
	}
	if f.Account == "" {
		for seq := f.AfterSeq + 1; visit(seq); seq++ {
		}
		return dst, nil
	}
	if a := s.accounts[f.Account]; a != nil {
		prev := f.AfterSeq
		for _, pos := range a.entries {
			if pos.seq <= prev { // earlier, or a second posting of the same tx
				continue
			}
			prev = pos.seq
			if !visit(pos.seq) {
				break
			}
		}
	}
	return dst, nil
}

// PostedAsOf implements ledger.Store with one binary search.
func (s *Store) PostedAsOf(ctx context.Context, account string, t time.Time) (ledger.Counters, error) {
	if err := ctxErr(ctx, "posted as of"); err != nil {
		return ledger.Counters{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	a := s.accounts[account]
	if a == nil {
		return ledger.Counters{}, nil
	}
	n := a.countAtOrBefore(t)
	if n == 0 {
		return ledger.Counters{}, nil
	}
	return ledger.Counters{DebitsPosted: a.posted[n-1].debits, CreditsPosted: a.posted[n-1].credits}, nil
}

// ListAccounts implements ledger.Store.
func (s *Store) ListAccounts(ctx context.Context, prefix, after string, limit int, dst []ledger.AccountState) ([]ledger.AccountState, error) {
	if err := ctxErr(ctx, "list accounts"); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	dst = dst[:0]
	i := sort.Search(len(s.names), func(i int) bool { return s.names[i] > after && s.names[i] >= prefix })
	for ; i < len(s.names) && len(dst) < limit && strings.HasPrefix(s.names[i], prefix); i++ {
		dst = append(dst, stateCopy(s.accounts[s.names[i]].state))
	}
	return dst, nil
}

// ClosedThrough implements ledger.Store.
func (s *Store) ClosedThrough(ctx context.Context) (time.Time, error) {
	if err := ctxErr(ctx, "closed through"); err != nil {
		return time.Time{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.closed, nil
}
