package ledger

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/accruehq/accrue"
)

// effect is one change to one account's counters: a posting (posted or
// pending) or the release of a pending amount (negative units).
type effect struct {
	account string
	idx     int32 // index into work.names, set by index()
	side    Side
	pending bool
	units   int64
	cur     accrue.Currency
}

// work holds the buffers of one call. Work values are pooled so that the hot
// path (PostBatch) allocates nothing per posting besides what it returns and
// what the store keeps.
type work struct {
	txs      []Transaction // what will be committed / returned
	off      []int         // effects of txs[i] are effects[off[i]:off[i+1]]
	effects  []effect
	replayed []bool
	given    []bool    // EffectiveAt given by the caller, per tx
	postings []Posting // the call's copies of the input postings (not pooled: returned)
	ids      []string  // the call's default IDs

	names  []string   // the call's accounts, in order of first use
	index  indexTable // of names
	states []AccountState
	bal    []Counters
	// checked[i] says whether an effect on account i could break one of
	// its constraints, so that its delta must be version-checked.
	checked []bool
	keys    indexTable // of the inputs' keys, to find repeats
	sums    []curSum
	commit  Commit
	// stale, if set, reports whether the transaction states the current
	// attempt was built on have moved (so a refusal may rest on a mix of
	// old and new reads and the attempt is retried).
	stale func(ctx context.Context) bool
}

type curSum struct {
	cur             accrue.Currency
	debits, credits int64
}

func (l *Ledger) getWork() *work {
	if w, ok := l.pool.Get().(*work); ok {
		return w
	}
	return &work{}
}

// sizeFor makes w's buffers ready for n transactions with np
// postings in all, so that a large batch does not grow them step by step.
func (w *work) sizeFor(n, np int) {
	w.effects = slices.Grow(w.effects[:0], np)
	w.off = slices.Grow(w.off[:0], n+1)
	w.replayed = slices.Grow(w.replayed[:0], n)
	w.given = slices.Grow(w.given[:0], n)
}

func (l *Ledger) putWork(w *work) {
	w.index.release()
	w.keys.release()
	clear(w.txs) // drop references to returned transactions
	clear(w.ids)
	w.ids = w.ids[:0]
	clear(w.effects)
	clear(w.names)
	clear(w.states)
	w.checked = w.checked[:0]
	w.txs, w.effects, w.names = w.txs[:0], w.effects[:0], w.names[:0]
	w.off, w.replayed, w.given = w.off[:0], w.replayed[:0], w.given[:0]
	w.stale = nil
	w.postings = nil
	w.commit = Commit{NewAccounts: w.commit.NewAccounts[:0], Deltas: w.commit.Deltas[:0], TxStates: w.commit.TxStates[:0]}
	l.pool.Put(w)
}

// reset drops the transactions of w, keeping its buffers.
func (w *work) reset() {
	w.txs, w.effects, w.off, w.replayed, w.given = w.txs[:0], w.effects[:0], w.off[:0], w.replayed[:0], w.given[:0]
}

// beginTx starts the effects of a new transaction.
func (w *work) beginTx() {
	if len(w.off) == 0 {
		w.off = append(w.off, len(w.effects))
	}
}

// addTx appends tx (already filled in) to w, after its effects.
func (w *work) addTx(tx Transaction, given bool) {
	w.txs = append(w.txs, tx)
	w.replayed = append(w.replayed, false)
	w.given = append(w.given, given)
}

// endTx closes the effects of the last added transaction.
func (w *work) endTx() { w.off = append(w.off, len(w.effects)) }

// buildPost validates in (statically: nothing that depends on stored state)
// and adds it to w as a transaction of kind, with ID id (made from the key
// if empty). Its postings are copied to the end of w.postings. repeat says
// that an earlier input of the call has in's key.
func (l *Ledger) buildPost(w *work, in *TxInput, kind Kind, now time.Time, id string, repeat bool) error {
	if err := checkKey(in.Key); err != nil {
		return err
	}
	if repeat {
		return errorf(ErrInvalidInput, "key repeated in the same batch")
	}
	if len(in.Postings) < 2 {
		return errorf(ErrTooFewPostings, "%d posting(s)", len(in.Postings))
	}
	if len(in.Postings) > MaxPostings {
		return errorf(ErrInvalidInput, "%d postings, at most %d", len(in.Postings), MaxPostings)
	}
	if err := validateMetadata(in.Metadata); err != nil {
		return err
	}
	if err := checkTime("effective time", in.EffectiveAt); err != nil {
		return err
	}
	if err := checkTime("expiry", in.ExpiresAt); err != nil {
		return err
	}
	eff := normTime(in.EffectiveAt)
	given := !eff.IsZero()
	if !given {
		eff = now
	}
	exp := normTime(in.ExpiresAt)
	if kind != KindPending && !exp.IsZero() {
		return errorf(ErrInvalidInput, "expiry on a transaction that is not pending")
	}
	if !exp.IsZero() && !exp.After(now) {
		return errorf(ErrInvalidInput, "expiry %s is not after now (%s)", exp.Format(time.RFC3339Nano), now.Format(time.RFC3339Nano))
	}
	var meta map[string]string
	if len(in.Metadata) > 0 {
		meta = maps.Clone(in.Metadata) // copies the map's groups, no rehashing
	}
	w.beginTx()
	start := len(w.effects)
	w.sums = w.sums[:0]
	for i := range in.Postings {
		p := &in.Postings[i]
		if !p.Side.Valid() {
			w.effects = w.effects[:start]
			return errorf(ErrInvalidInput, "posting %d: invalid side %d", i, p.Side)
		}
		units, err := postingUnits(i, p.Amount)
		if err != nil {
			w.effects = w.effects[:start]
			return err
		}
		if err := w.sum(p.Amount.Currency(), p.Side, units); err != nil {
			w.effects = w.effects[:start]
			return err
		}
		w.effects = append(w.effects, effect{account: p.Account, side: p.Side, pending: kind == KindPending, units: units, cur: p.Amount.Currency()})
	}
	for _, s := range w.sums {
		if s.debits != s.credits {
			w.effects = w.effects[:start]
			return &UnbalancedError{Currency: s.cur, Debits: accrue.FromMinorUnits(s.debits, s.cur), Credits: accrue.FromMinorUnits(s.credits, s.cur)}
		}
	}
	from := len(w.postings)
	w.postings = append(w.postings, in.Postings...)
	postings := w.postings[from:len(w.postings):len(w.postings)] // capped: an append by the caller copies
	if id == "" {
		id = l.ids(in.Key)
	}
	// Appended in place: a Transaction is large, and this is the hot path.
	w.txs = append(w.txs, Transaction{ID: id, Key: in.Key, Kind: kind, Postings: postings,
		EffectiveAt: eff, RecordedAt: now, ExpiresAt: exp, Metadata: meta})
	w.replayed = append(w.replayed, false)
	w.given = append(w.given, given)
	w.endTx()
	return nil
}

// sum adds units on side to the running total of cur.
func (w *work) sum(cur accrue.Currency, side Side, units int64) error {
	i := 0
	for i < len(w.sums) && w.sums[i].cur != cur {
		i++
	}
	if i == len(w.sums) {
		w.sums = append(w.sums, curSum{cur: cur})
	}
	s := &w.sums[i]
	t := &s.debits
	if side == Credit {
		t = &s.credits
	}
	if *t > math.MaxInt64-units {
		return errorf(ErrOverflow, "%s postings sum beyond int64 minor units", cur.Code())
	}
	*t += units
	return nil
}

// postingUnits converts a posting amount to minor units, refusing
// non-positive and sub-minor-unit amounts.
func postingUnits(i int, m accrue.Money) (int64, error) {
	if m.Currency().IsZero() {
		return 0, errorf(ErrInvalidAmount, "posting %d: no currency", i)
	}
	units, err := m.MinorUnits()
	if err != nil {
		if errors.Is(err, accrue.ErrOverflow) {
			return 0, fmt.Errorf("%w: posting %d: %w", ErrOverflow, i, err)
		}
		return 0, fmt.Errorf("%w: posting %d: %w", ErrInvalidAmount, i, err)
	}
	if units <= 0 {
		return 0, errorf(ErrInvalidAmount, "posting %d: %s is not positive", i, m)
	}
	return units, nil
}

func checkKey(key string) error {
	if key == "" || len(key) > MaxKeyLen {
		return errorf(ErrInvalidInput, "idempotency key must be 1 to %d bytes", MaxKeyLen)
	}
	return nil
}

// stateError is an error that depends on stored state: before returning it,
// the ledger checks whether the request is a replay of a committed one.
type stateError struct{ err error }

// Error returns the wrapped error's text.
func (e stateError) Error() string { return e.err.Error() }

// indexAccounts assigns every effect its account index, collecting the
// distinct names in w.names.
func (w *work) indexAccounts() {
	w.names = w.names[:0]
	w.index.reset(len(w.effects))
	name := func(j int) string { return w.names[j] }
	for i := range w.effects {
		e := &w.effects[i]
		idx := w.index.add(e.account, len(w.names), name)
		if idx == len(w.names) {
			w.names = append(w.names, e.account)
		}
		e.idx = int32(idx)
	}
}

// apply reads the accounts, applies every non-replayed transaction's
// effects in order, checks currencies and constraints after each
// transaction, and fills w.commit with the new accounts and deltas. Errors
// are *TxError wrapping a stateError, or store errors. With fast set and a
// CommutingStore it first tries the cached definitions instead of a read,
// which works when every effect commutes.
func (l *Ledger) apply(ctx context.Context, w *work, closed time.Time, fast bool) error {
	w.commit.NewAccounts = w.commit.NewAccounts[:0]
	if fast && l.commuting && l.cachedStates(w) {
		if err := l.applyEffects(w, closed, true); err != errNeedRead {
			return err
		}
	}
	var err error
	w.states, err = l.store.ReadAccounts(ctx, w.names, w.states[:0])
	if err != nil {
		return fmt.Errorf("ledger: read accounts: %w", err)
	}
	if len(w.states) != len(w.names) {
		return fmt.Errorf("ledger: read accounts: store returned %d states for %d names", len(w.states), len(w.names))
	}
	l.cacheDefinitions(w.states, nil)
	for i := range w.states {
		s := &w.states[i]
		if !s.Exists {
			acct, ok := Account{}, false
			if l.policy != nil {
				acct, ok = l.policy(w.names[i])
			}
			if !ok {
				return l.firstTxError(w, int32(i), errorf(ErrUnknownAccount, "%s", clip(w.names[i])))
			}
			if acct.Name != w.names[i] {
				return l.firstTxError(w, int32(i), errorf(ErrInvalidAccount, "policy returned %q for %q", clip(acct.Name), clip(w.names[i])))
			}
			if err := acct.Validate(); err != nil {
				return l.firstTxError(w, int32(i), err)
			}
			w.commit.NewAccounts = append(w.commit.NewAccounts, acct)
			s.Account = acct
		}
	}
	return l.applyEffects(w, closed, false)
}

// errNeedRead stops a cached attempt: an effect does not commute, so the
// accounts' counters must be read.
var errNeedRead = errors.New("ledger: accounts must be read")

// cachedStates fills w.states from cached definitions, with zero counters
// and versions; false if one is not cached.
func (l *Ledger) cachedStates(w *work) bool {
	w.states = w.states[:0]
	for _, name := range w.names {
		a, ok := l.defs.get(name)
		if !ok {
			return false
		}
		w.states = append(w.states, AccountState{Account: *a, Exists: true})
	}
	return true
}

// applyEffects applies the effects to w.states (see apply). With cached
// set, the states hold definitions only: an effect that does not commute
// returns errNeedRead, and constraints need no check (commuting effects
// keep them by construction).
func (l *Ledger) applyEffects(w *work, closed time.Time, cached bool) error {
	w.commit.Deltas = slices.Grow(w.commit.Deltas[:0], len(w.states))
	w.bal = slices.Grow(w.bal[:0], len(w.states))[:0]
	for i := range w.states {
		w.bal = append(w.bal, w.states[i].Counters)
	}
	w.checked = slices.Grow(w.checked[:0], len(w.states))[:len(w.states)]
	clear(w.checked)
	for t := range w.txs {
		if w.replayed[t] {
			continue
		}
		if !closed.IsZero() && !w.txs[t].EffectiveAt.After(closed) {
			return &TxError{Index: t, Key: w.txs[t].Key, Err: stateError{errorf(ErrPeriodClosed, "effective %s, closed through %s",
				w.txs[t].EffectiveAt.Format(time.RFC3339Nano), closed.Format(time.RFC3339Nano))}}
		}
		effs := w.effects[w.off[t]:w.off[t+1]]
		for i := range effs {
			e := &effs[i]
			acct := &w.states[e.idx].Account
			if e.cur != acct.Currency {
				return &TxError{Index: t, Key: w.txs[t].Key, Err: stateError{errorf(ErrCurrencyMismatch, "account %s holds %s, posting in %s", acct.Name, acct.Currency.Code(), e.cur.Code())}}
			}
			if !w.bal[e.idx].add(e.side, e.pending, e.units) {
				if cached {
					return errNeedRead // a release below zero, or an overflow: decide on the real counters
				}
				return &TxError{Index: t, Key: w.txs[t].Key, Err: stateError{errorf(ErrOverflow, "account %s: balance beyond int64 minor units", acct.Name)}}
			}
			if !w.checked[e.idx] && !e.commutesOn(acct) {
				if cached {
					return errNeedRead
				}
				w.checked[e.idx] = true
			}
		}
		if cached {
			continue
		}
		for i := range effs {
			e := &effs[i]
			acct := &w.states[e.idx].Account
			if err := checkConstraints(acct, w.bal[e.idx]); err != nil {
				return &TxError{Index: t, Key: w.txs[t].Key, Err: stateError{err}}
			}
		}
	}
	for i := range w.states {
		if w.bal[i] == w.states[i].Counters {
			continue
		}
		w.commit.Deltas = append(w.commit.Deltas, AccountDelta{Account: w.names[i], Version: w.states[i].Version,
			Delta: w.bal[i].sub(w.states[i].Counters), Commutes: !w.checked[i]})
	}
	return nil
}

// commutesOn reports whether e, applied to account a with any counters
// that meet a's constraints, leaves them met: a has no constraints, or e
// does not lower the available balance when a has a floor (NoNegative,
// Min) and does not raise the balance with pending inflows when a has a
// ceiling (NoPositive, Max). Every prefix of such effects is then safe in
// any order, which is what AccountDelta.Commutes promises the store.
func (e *effect) commutesOn(a *Account) bool {
	k := &a.Constraints
	if k.IsZero() {
		return true
	}
	var c Counters // the effect alone; units < 0 releases a pending amount
	switch {
	case e.side == Debit && !e.pending:
		c.DebitsPosted = e.units
	case e.side == Debit:
		c.DebitsPending = e.units
	case !e.pending:
		c.CreditsPosted = e.units
	default:
		c.CreditsPending = e.units
	}
	posted, in, out := c.normal(a.Type.NormalSide())
	floor := k.NoNegative || k.Min != nil
	ceiling := k.NoPositive || k.Max != nil
	return (!floor || posted-out >= 0) && (!ceiling || posted+in <= 0)
}

// firstTxError attributes an account error to the first transaction that
// uses account idx.
func (l *Ledger) firstTxError(w *work, idx int32, err error) error {
	for t := range w.txs {
		if w.replayed[t] {
			continue
		}
		for _, e := range w.effects[w.off[t]:w.off[t+1]] {
			if e.idx == idx {
				return &TxError{Index: t, Key: w.txs[t].Key, Err: stateError{err}}
			}
		}
	}
	return stateError{err}
}

// add applies units on side (pending or posted) to c, keeping each side's
// posted+pending total within int64; it reports false on overflow.
func (c *Counters) add(side Side, pending bool, units int64) bool {
	var p, q *int64 // p is changed, q is the same side's other counter
	switch {
	case side == Debit && !pending:
		p, q = &c.DebitsPosted, &c.DebitsPending
	case side == Debit:
		p, q = &c.DebitsPending, &c.DebitsPosted
	case !pending:
		p, q = &c.CreditsPosted, &c.CreditsPending
	default:
		p, q = &c.CreditsPending, &c.CreditsPosted
	}
	n := *p + units
	if units > 0 && (n < *p || n > math.MaxInt64-*q) {
		return false
	}
	if n < 0 {
		return false
	}
	*p = n
	return true
}

// sub returns c - o, field by field.
func (c Counters) sub(o Counters) Counters {
	return Counters{c.DebitsPosted - o.DebitsPosted, c.CreditsPosted - o.CreditsPosted, c.DebitsPending - o.DebitsPending, c.CreditsPending - o.CreditsPending}
}

// CheckConstraints reports whether counters c satisfy the account's
// constraints: nil, or a *ConstraintError naming the limit broken. The
// ledger calls it after every transaction; conformance checks use it too.
func (a Account) CheckConstraints(c Counters) error { return checkConstraints(&a, c) }

// checkConstraints checks a's constraints against counters c.
func checkConstraints(a *Account, c Counters) error {
	k := &a.Constraints
	if k.IsZero() {
		return nil
	}
	posted, in, out := c.normal(a.Type.NormalSide())
	avail, high := posted-out, posted+in
	fail := func(name string, limit, bal int64) error {
		return &ConstraintError{Account: a.Name, Constraint: name,
			Limit: accrue.FromMinorUnits(limit, a.Currency), Balance: accrue.FromMinorUnits(bal, a.Currency)}
	}
	switch {
	case k.NoNegative && avail < 0:
		return fail("no_negative", 0, avail)
	case k.Min != nil && avail < *k.Min:
		return fail("min", *k.Min, avail)
	case k.NoPositive && high > 0:
		return fail("no_positive", 0, high)
	case k.Max != nil && high > *k.Max:
		return fail("max", *k.Max, high)
	}
	return nil
}

// compareFunc returns the names of the fields in which the request for
// w.txs[i] differs from the stored original.
type compareFunc func(w *work, i int, orig *Transaction) []string

// run commits w.txs: it applies and commits, retrying on ErrConflict, and
// resolves replays (keys already stored) through cmp. prepare, if not nil,
// is called at the start of every attempt to (re)build state-dependent
// transactions. On success w.txs holds the committed or original
// transactions.
func (l *Ledger) run(ctx context.Context, op string, w *work, cmp compareFunc, prepare func(ctx context.Context, w *work) error) error {
	if err := ctxErr(ctx, op); err != nil {
		return err
	}
	closed, err := l.closedThrough(ctx)
	if err != nil {
		return fmt.Errorf("ledger: %s: %w", op, err)
	}
	conflicts, rounds := 0, 0
	for {
		rounds++
		if rounds > l.maxRetries+len(w.txs)+1 {
			return fmt.Errorf("ledger: %s: %w: gave up after %d attempts", op, ErrConflict, rounds-1)
		}
		if prepare != nil {
			if err := prepare(ctx, w); err != nil {
				var se stateError
				if errors.As(err, &se) {
					if n, rerr := l.replays(ctx, w, cmp); rerr != nil || n > 0 {
						if rerr != nil {
							return rerr
						}
						if w.allReplayed() {
							return nil
						}
						continue
					}
					return unwrapState(err)
				}
				return err
			}
		}
		if len(w.names) == 0 {
			w.indexAccounts()
		}
		err := l.apply(ctx, w, closed, conflicts == 0)
		if err == nil {
			err = l.commit(ctx, w)
			if err == nil {
				return nil
			}
		}
		var se stateError
		switch {
		case errors.As(err, &se), errors.Is(err, ErrDuplicateKey), errors.Is(err, ErrPeriodClosed):
			n, rerr := l.replays(ctx, w, cmp)
			if rerr != nil {
				return rerr
			}
			if w.allReplayed() {
				return nil
			}
			if n > 0 {
				continue
			}
			if errors.As(err, &se) && (w.stale == nil || !w.stale(ctx)) {
				return unwrapState(err)
			}
			// A refusal based on a transaction state that has moved since
			// (the account and state reads are not one snapshot), a duplicate that vanished before TxByKey (impossible with a
			// correct store), or a period closed by a racing ClosePeriod:
			// refresh and try again, bounded like a conflict.
			conflicts++
			if conflicts >= l.maxRetries {
				return fmt.Errorf("ledger: %s: %w", op, err)
			}
			if closed, err = l.refreshClosed(ctx); err != nil {
				return fmt.Errorf("ledger: %s: %w", op, err)
			}
		case errors.Is(err, ErrConflict):
			conflicts++
			if conflicts >= l.maxRetries {
				return fmt.Errorf("ledger: %s: %w after %d attempts", op, ErrConflict, conflicts)
			}
			if err := ctxErr(ctx, op); err != nil {
				return err
			}
		default:
			return fmt.Errorf("ledger: %s: %w", op, err)
		}
	}
}

// unwrapState removes the stateError marker from err, keeping a *TxError.
func unwrapState(err error) error {
	var te *TxError
	if errors.As(err, &te) {
		var se stateError
		if errors.As(te.Err, &se) {
			return &TxError{Index: te.Index, Key: te.Key, Err: se.err}
		}
		return te
	}
	var se stateError
	if errors.As(err, &se) {
		return se.err
	}
	return err
}

func (w *work) allReplayed() bool {
	for _, r := range w.replayed {
		if !r {
			return false
		}
	}
	return true
}

// commit hands the non-replayed transactions to the store.
func (l *Ledger) commit(ctx context.Context, w *work) error {
	c := &w.commit
	c.Chain = l.chain
	c.KeyedIDs = l.defaultIDs // every ID is l.ids(key)
	c.Txs = w.txs
	replays := false
	for _, r := range w.replayed {
		replays = replays || r
	}
	if replays {
		c.Txs = make([]Transaction, 0, len(w.txs))
		for i := range w.txs {
			if !w.replayed[i] {
				c.Txs = append(c.Txs, w.txs[i])
			}
		}
	}
	if err := l.store.Commit(ctx, c); err != nil {
		return err
	}
	if replays {
		j := 0
		for i := range w.txs {
			if !w.replayed[i] {
				w.txs[i] = c.Txs[j]
				j++
			}
		}
	}
	c.Txs = nil
	return nil
}

// replays looks up the keys of the transactions not yet known as replays;
// each found one is compared (an *IdempotencyConflictError if it differs)
// and replaced by the original. It returns how many it found.
func (l *Ledger) replays(ctx context.Context, w *work, cmp compareFunc) (int, error) {
	n := 0
	for i := range w.txs {
		if w.replayed[i] {
			continue
		}
		orig, err := l.store.TxByKey(ctx, w.txs[i].Key)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return n, fmt.Errorf("ledger: look up key: %w", err)
		}
		if fields := cmp(w, i, &orig); len(fields) > 0 {
			return n, &TxError{Index: i, Key: w.txs[i].Key, Err: &IdempotencyConflictError{Key: orig.Key, ID: orig.ID, Fields: fields, Original: orig}}
		}
		w.txs[i] = orig
		w.replayed[i] = true
		n++
	}
	return n, nil
}
