package memstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
)

// index records the entries of the just appended record r.
func (s *Store) index(r *record, seq uint64) {
	posted := r.kind().MovesPosted()
	for i := range r.np() {
		p := s.posting(r, i)
		a := s.accts[p.acct]
		if posted && !a.dense && r.eff < a.lastEff {
			s.densify(a)
		}
		a.entries.append(entryRef{seq: uint32(seq), idx: uint32(i)})
		var d, c int64
		if posted {
			if v := p.signed(); v > 0 {
				d = v
			} else {
				c = -v
			}
		}
		if a.dense {
			if posted {
				a.addPoint(r.eff, d, c)
			}
			continue
		}
		// In order: a checkpoint every asofStep entries.
		a.run.debits += d
		a.run.credits += c
		if posted {
			a.lastEff = r.eff
		}
		if a.entries.len()%asofStep == 0 {
			a.asof.append(point{eff: a.lastEff, debits: a.run.debits, credits: a.run.credits})
		}
	}
}

// asofStep is the number of entries between the checkpoints of an
// account whose posted entries came in effective time order.
const asofStep = 16

// addPoint adds a posted entry at eff (debits d, credits c) to the points
// of a dense account.
func (a *account) addPoint(eff, d, c int64) {
	n := a.asof.len()
	pos := n
	if n > 0 && a.asof.last().eff > eff {
		pos = a.asof.search(func(q *point) bool { return q.eff > eff })
	}
	if pos > 0 && a.asof.at(pos-1).eff == eff {
		// One point per effective time: an as-of query takes all entries
		// at a time or none, so the entry joins the point there (a
		// batch's entries share the batch's time).
		for j := pos - 1; j < n; j++ {
			q := a.asof.at(j)
			q.debits += d
			q.credits += c
		}
		return
	}
	pt := point{eff: eff, debits: d, credits: c}
	if pos > 0 {
		prev := a.asof.at(pos - 1)
		pt.debits += prev.debits
		pt.credits += prev.credits
	}
	if pos == n {
		a.asof.append(pt)
		return
	}
	a.asof.insert(pos, pt)
	for j := pos + 1; j <= n; j++ {
		q := a.asof.at(j)
		q.debits += d
		q.credits += c
	}
}

// densify turns a's checkpoints into one point per effective time, from
// its entries (in effective time order so far), before a posted entry
// earlier than its latest arrives: O(n), once per account.
func (s *Store) densify(a *account) {
	a.dense = true
	a.asof = chunked[point]{pages: s.pages}
	for j := range a.entries.len() {
		r, p, ok := s.entry(a.entries.at(j))
		if !ok || !r.kind().MovesPosted() {
			continue
		}
		var d, c int64
		if v := p.signed(); v > 0 {
			d = v
		} else {
			c = -v
		}
		a.addPoint(r.eff, d, c)
	}
}

// entry returns the record and posting e refers to; ok is false for a
// record that is not there (a tampering test removed it).
func (s *Store) entry(e *entryRef) (r *record, p *posting, ok bool) {
	if int(e.seq) > s.txs.len() {
		return nil, nil, false
	}
	r = s.txs.at(int(e.seq) - 1)
	if int(e.idx) >= r.np() {
		return nil, nil, false
	}
	return r, s.posting(r, int(e.idx)), true
}

// PostedAsOf implements ledger.Store: O(log n). A dense account's points
// answer with one binary search; otherwise a binary search over the
// checkpoints finds the last one at or before t, and at most asofStep
// entries after it are added.
func (s *Store) PostedAsOf(ctx context.Context, name string, t time.Time) (ledger.Counters, error) {
	if err := done(ctx, "posted as of"); err != nil {
		return ledger.Counters{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, ok := s.accounts[name]
	if !ok {
		return ledger.Counters{}, nil
	}
	at := t.UnixNano()
	i := a.asof.search(func(q *point) bool { return q.eff > at })
	var sum point
	if i > 0 {
		sum = *a.asof.at(i - 1)
	}
	if !a.dense {
		for j := i * asofStep; j < a.entries.len(); j++ {
			r, p, ok := s.entry(a.entries.at(j))
			if !ok || !r.kind().MovesPosted() {
				continue
			}
			if r.eff > at {
				break
			}
			if v := p.signed(); v > 0 {
				sum.debits += v
			} else {
				sum.credits -= v
			}
		}
	}
	return ledger.Counters{DebitsPosted: sum.debits, CreditsPosted: sum.credits}, nil
}

// Tx implements ledger.Store.
func (s *Store) Tx(ctx context.Context, id string) (ledger.Transaction, error) {
	if err := done(ctx, "tx"); err != nil {
		return ledger.Transaction{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	seq, ok := s.byID.lookup(id)
	return s.found(seq, ok, id)
}

// TxByKey implements ledger.Store.
func (s *Store) TxByKey(ctx context.Context, key string) (ledger.Transaction, error) {
	if err := done(ctx, "tx by key"); err != nil {
		return ledger.Transaction{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	seq, ok := s.keyedByKey(key)
	if !ok {
		seq, ok = s.byKey.lookup(key)
	}
	return s.found(seq, ok, key)
}

// keyedByKey returns the Seq of the keyed record (flagKeyedID) with key,
// which byKey leaves out: it is the record with the ID DefaultID(key).
func (s *Store) keyedByKey(key string) (uint64, bool) {
	if s.nKeyed == 0 {
		return 0, false
	}
	seq, ok := s.byID.lookup(ledger.DefaultID(key))
	if !ok || seq > uint64(s.txs.len()) {
		return 0, false
	}
	r := s.txs.at(int(seq - 1))
	if got, _, _ := s.keyID(r); r.flags()&flagKeyedID == 0 || string(got) != key {
		return 0, false // an ID that a key of another kind made
	}
	return seq, true
}

// found returns the transaction with Seq seq if ok, or ErrNotFound for k.
func (s *Store) found(seq uint64, ok bool, k string) (ledger.Transaction, error) {
	if !ok || seq > uint64(s.txs.len()) {
		return ledger.Transaction{}, fmt.Errorf("memstore: %q: %w", k, ledger.ErrNotFound)
	}
	return s.tx(int(seq - 1)), nil
}

// Entries implements ledger.Store.
func (s *Store) Entries(ctx context.Context, f ledger.EntryFilter, dst []ledger.Entry) ([]ledger.Entry, error) {
	if err := done(ctx, "entries"); err != nil {
		return nil, err
	}
	dst = dst[:0]
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, ok := s.accounts[f.Account]
	if !ok {
		return dst, nil
	}
	i := a.entries.search(func(e *entryRef) bool {
		return uint64(e.seq) > f.AfterSeq || uint64(e.seq) == f.AfterSeq && int(e.idx) > f.AfterIndex
	})
	for ; i < a.entries.len() && len(dst) < f.Limit; i++ {
		e := a.entries.at(i)
		r := s.txs.at(int(e.seq - 1))
		if !s.match(r, &ledger.TxFilter{From: f.From, To: f.To, Metadata: f.Metadata}) {
			continue
		}
		p := s.posting(r, int(e.idx))
		dst = append(dst, ledger.Entry{TxID: s.idString(r), Seq: uint64(e.seq), Index: int(e.idx), Kind: r.kind(), Account: f.Account, Side: p.side(),
			Amount: accrue.FromMinorUnits(p.units(), a.state.Account.Currency), EffectiveAt: fromNanos(r.eff)})
	}
	return dst, nil
}

// Transactions implements ledger.Store.
func (s *Store) Transactions(ctx context.Context, f ledger.TxFilter, dst []ledger.Transaction) ([]ledger.Transaction, error) {
	if err := done(ctx, "transactions"); err != nil {
		return nil, err
	}
	dst = dst[:0]
	s.mu.RLock()
	defer s.mu.RUnlock()
	last := uint64(s.txs.len())
	if f.ToSeq != 0 && f.ToSeq < last {
		last = f.ToSeq
	}
	take := func(seq uint64) bool {
		if s.match(s.txs.at(int(seq-1)), &f) {
			dst = append(dst, s.tx(int(seq-1)))
		}
		return len(dst) < f.Limit
	}
	if f.Account != "" {
		a, ok := s.accounts[f.Account]
		if !ok {
			return dst, nil
		}
		i := a.entries.search(func(e *entryRef) bool { return uint64(e.seq) > f.AfterSeq })
		var prev uint64
		for ; i < a.entries.len() && uint64(a.entries.at(i).seq) <= last; i++ {
			if seq := uint64(a.entries.at(i).seq); seq != prev {
				prev = seq
				if !take(seq) {
					break
				}
			}
		}
		return dst, nil
	}
	for seq := f.AfterSeq + 1; seq <= last; seq++ {
		if !take(seq) {
			break
		}
	}
	return dst, nil
}

// ListAccounts implements ledger.Store.
func (s *Store) ListAccounts(ctx context.Context, prefix, after string, limit int, dst []ledger.AccountState) ([]ledger.AccountState, error) {
	if err := done(ctx, "list accounts"); err != nil {
		return nil, err
	}
	dst = dst[:0]
	s.mu.Lock() // sorting the name index may be needed
	defer s.mu.Unlock()
	if s.dirty {
		slices.Sort(s.names)
		s.dirty = false
	}
	from := prefix
	if after > from {
		from = after
	}
	i, _ := slices.BinarySearch(s.names, from)
	for ; i < len(s.names) && len(dst) < limit; i++ {
		n := s.names[i]
		if !strings.HasPrefix(n, prefix) {
			break
		}
		if n <= after {
			continue
		}
		st := s.accounts[n].state
		st.Account = ledger.CloneAccount(st.Account)
		dst = append(dst, st)
	}
	return dst, nil
}

// ClosePeriod implements ledger.Store.
func (s *Store) ClosePeriod(ctx context.Context, through time.Time) error {
	if err := done(ctx, "close period"); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if through.After(s.closed) {
		s.closed = through
	}
	return nil
}

// ClosedThrough implements ledger.Store.
func (s *Store) ClosedThrough(ctx context.Context) (time.Time, error) {
	if err := done(ctx, "closed through"); err != nil {
		return time.Time{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.closed, nil
}
