package ledger

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/accruehq/accrue"
)

// PendingInput asks to post or void a pending transaction (PostPending,
// VoidPending).
type PendingInput struct {
	// Key is the idempotency key of the resolving transaction.
	Key string
	// PendingID is the ID of the pending transaction (from Hold).
	PendingID string
	// Amount, for PostPending, is how much to post, in the pending
	// transaction's currency, as the total of its debits; the postings get
	// their pro rata share (accrue.AllocateUnits) and the rest is released.
	// Zero posts it in full. It must be zero for VoidPending.
	Amount accrue.Money
	// EffectiveAt of the resolving transaction; zero means now.
	EffectiveAt time.Time
	// Metadata of the resolving transaction.
	Metadata map[string]string
}

// ReverseInput asks to reverse a posted transaction (Reverse).
type ReverseInput struct {
	// Key is the idempotency key of the reversal.
	Key string
	// TxID is the transaction to reverse (KindPosted or KindPostPending).
	TxID string
	// Amount is how much to reverse, as the total of the original's debits
	// in its currency; each posting gets its pro rata share of what is left
	// of it (accrue.AllocateUnits), so the reversal stays balanced. Zero
	// reverses everything that is left.
	Amount accrue.Money
	// EffectiveAt of the reversal; zero means now. It must be in the open
	// period: this is how closed periods are corrected.
	EffectiveAt time.Time
	// Metadata of the reversal; the ledger adds accrue.MetaReverses.
	Metadata map[string]string
}

// PostPending posts a pending transaction, in full or in part (the rest is
// released), exactly once: of racing PostPending and VoidPending calls on
// the same pending transaction one wins and the others get
// ErrPendingResolved. After the pending transaction's ExpiresAt (by the
// ledger's clock) it is refused with ErrPendingExpired. Idempotent by Key.
func (l *Ledger) PostPending(ctx context.Context, in PendingInput) (Transaction, error) {
	return l.resolvePending(ctx, "post pending", KindPostPending, PendingPosted, in)
}

// VoidPending releases a pending transaction exactly once (see PostPending).
// Idempotent by Key.
func (l *Ledger) VoidPending(ctx context.Context, in PendingInput) (Transaction, error) {
	if !in.Amount.IsZero() {
		return Transaction{}, &TxError{Key: in.Key, Err: errorf(ErrInvalidInput, "void takes no amount")}
	}
	return l.resolvePending(ctx, "void pending", KindVoidPending, PendingVoided, in)
}

// ExpirePending voids every open pending transaction whose ExpiresAt is at
// or before the clock's now, with status PendingExpired and the idempotency
// key "expire:<id>", and returns how many it voided. Pending transactions
// resolved concurrently are skipped. It scans the pending transactions.
func (l *Ledger) ExpirePending(ctx context.Context) (int, error) {
	now := l.now()
	n := 0
	var (
		after  uint64
		states []TxState
	)
	for {
		page, err := l.store.Transactions(ctx, TxFilter{Kind: KindPending, AfterSeq: after, Limit: 500}, nil)
		if err != nil {
			return n, fmt.Errorf("ledger: expire pending: %w", err)
		}
		var due []string
		for _, tx := range page {
			if !tx.ExpiresAt.IsZero() && !now.Before(tx.ExpiresAt) {
				due = append(due, tx.ID)
			}
		}
		if len(due) > 0 {
			if states, err = l.store.ReadTxStates(ctx, due, states[:0]); err != nil {
				return n, fmt.Errorf("ledger: expire pending: %w", err)
			}
			for _, st := range states {
				if st.Status != PendingNone && st.Status != PendingOpen {
					continue
				}
				_, err := l.resolvePending(ctx, "expire pending", KindVoidPending, PendingExpired, PendingInput{Key: "expire:" + st.ID, PendingID: st.ID})
				switch {
				case err == nil:
					n++
				case errors.Is(err, ErrPendingResolved):
				default:
					return n, err
				}
			}
		}
		if len(page) < 500 {
			return n, nil
		}
		after = page[len(page)-1].Seq
	}
}

// PendingStatus returns the state of the pending transaction id, or an
// error matching ErrNotFound or ErrNotPending.
func (l *Ledger) PendingStatus(ctx context.Context, id string) (PendingStatus, error) {
	tx, err := l.Tx(ctx, id)
	if err != nil {
		return PendingNone, err
	}
	if tx.Kind != KindPending {
		return PendingNone, errorf(ErrNotPending, "%s is %s", id, tx.Kind)
	}
	st, err := l.store.ReadTxStates(ctx, []string{id}, nil)
	if err != nil {
		return PendingNone, fmt.Errorf("ledger: pending status: %w", err)
	}
	if len(st) != 1 || st[0].Status == PendingNone {
		return PendingOpen, nil
	}
	return st[0].Status, nil
}

// Reverse writes a reversal of a posted transaction: its postings mirrored
// (debits become credits), in full or in part, linked through Reverses.
// Reversals are capped at what is left to reverse, per posting, even under
// racing calls: beyond it they are refused with ErrReversalExceeded, so the
// same amount can never be clawed back twice. Idempotent by Key.
func (l *Ledger) Reverse(ctx context.Context, in ReverseInput) (Transaction, error) {
	meta := in.Metadata
	if meta[accrue.MetaReverses] != in.TxID {
		meta = maps.Clone(in.Metadata)
		if meta == nil {
			meta = make(map[string]string, 1)
		}
		meta[accrue.MetaReverses] = in.TxID
	}
	r := resolution{op: "reverse", kind: KindReversal, key: in.Key, target: in.TxID, amount: in.Amount, eff: in.EffectiveAt, meta: meta}
	r.build = func(orig *Transaction, st *TxState, w *work) (TxState, error) {
		if orig.Kind != KindPosted && orig.Kind != KindPostPending {
			return TxState{}, errorf(ErrReversalExceeded, "%s is %s: only posted transactions are reversed (void a pending one)", orig.ID, orig.Kind)
		}
		left := make([]int64, len(orig.Postings))
		for i := range orig.Postings {
			u, _ := orig.Postings[i].Amount.MinorUnits()
			left[i] = u
			if i < len(st.Reversed) {
				left[i] -= st.Reversed[i]
			}
		}
		parts, err := share(orig, left, in.Amount)
		if err != nil {
			return TxState{}, err
		}
		if !slices.ContainsFunc(parts, func(u int64) bool { return u > 0 }) {
			return TxState{}, stateError{errorf(ErrReversalExceeded, "%s is already fully reversed", orig.ID)}
		}
		next := TxState{ID: orig.ID, Status: st.Status, Reversed: make([]int64, len(orig.Postings))}
		copy(next.Reversed, st.Reversed)
		for i, p := range orig.Postings {
			if parts[i] == 0 {
				continue
			}
			next.Reversed[i] += parts[i]
			w.addPosting(Posting{Account: p.Account, Side: p.Side.Opposite(), Amount: accrue.FromMinorUnits(parts[i], p.Amount.Currency())}, false, parts[i])
		}
		return next, nil
	}
	return l.resolve(ctx, &r)
}

func (l *Ledger) resolvePending(ctx context.Context, op string, kind Kind, status PendingStatus, in PendingInput) (Transaction, error) {
	r := resolution{op: op, kind: kind, key: in.Key, target: in.PendingID, amount: in.Amount, eff: in.EffectiveAt, meta: in.Metadata}
	r.build = func(orig *Transaction, st *TxState, w *work) (TxState, error) {
		if orig.Kind != KindPending {
			return TxState{}, errorf(ErrNotPending, "%s is %s", orig.ID, orig.Kind)
		}
		if st.Status != PendingNone && st.Status != PendingOpen {
			return TxState{}, stateError{errorf(ErrPendingResolved, "%s is %s", orig.ID, st.Status)}
		}
		if kind == KindPostPending && !orig.ExpiresAt.IsZero() && !l.now().Before(orig.ExpiresAt) {
			return TxState{}, stateError{errorf(ErrPendingExpired, "%s expired at %s", orig.ID, orig.ExpiresAt.Format(time.RFC3339Nano))}
		}
		full := make([]int64, len(orig.Postings))
		for i := range orig.Postings {
			full[i], _ = orig.Postings[i].Amount.MinorUnits()
			p := orig.Postings[i]
			w.effects = append(w.effects, effect{account: p.Account, side: p.Side, pending: true, units: -full[i], cur: p.Amount.Currency()})
		}
		if kind == KindVoidPending {
			w.txs[0].Postings = slices.Clone(orig.Postings)
			return TxState{ID: orig.ID, Status: status}, nil
		}
		parts, err := share(orig, full, in.Amount)
		if err != nil {
			return TxState{}, err
		}
		for i, p := range orig.Postings {
			if parts[i] > 0 {
				w.addPosting(Posting{Account: p.Account, Side: p.Side, Amount: accrue.FromMinorUnits(parts[i], p.Amount.Currency())}, false, parts[i])
			}
		}
		return TxState{ID: orig.ID, Status: status}, nil
	}
	return l.resolve(ctx, &r)
}

// share returns the units of each posting of orig to move: all of avail if
// amount is zero, else amount split pro rata over avail on each side
// (accrue.AllocateUnits), which needs a single-currency transaction. An
// amount beyond what is available is refused with ErrReversalExceeded for
// reversals and ErrInvalidAmount for pending posts (the caller wraps).
func share(orig *Transaction, avail []int64, amount accrue.Money) ([]int64, error) {
	if amount.IsZero() {
		return slices.Clone(avail), nil
	}
	cur := orig.Postings[0].Amount.Currency()
	for _, p := range orig.Postings {
		if p.Amount.Currency() != cur {
			return nil, errorf(ErrInvalidAmount, "a partial amount needs a single-currency transaction; %s has several", orig.ID)
		}
	}
	if amount.Currency() != cur {
		return nil, errorf(ErrCurrencyMismatch, "amount in %s, transaction in %s", amount.Currency().Code(), cur.Code())
	}
	units, err := postingUnits(0, amount)
	if err != nil {
		return nil, err
	}
	parts := make([]int64, len(avail))
	for _, side := range []Side{Debit, Credit} {
		var idx []int
		var weights []uint64
		var total int64
		for i, p := range orig.Postings {
			if p.Side == side {
				idx = append(idx, i)
				weights = append(weights, uint64(avail[i]))
				total += avail[i]
			}
		}
		if units > total {
			what := ErrInvalidAmount
			if orig.Kind != KindPending {
				what = ErrReversalExceeded
			}
			return nil, stateError{errorf(what, "%s exceeds the %s left of %s", amount, accrue.FromMinorUnits(total, cur), orig.ID)}
		}
		got, err := accrue.AllocateUnits(nil, units, weights)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidAmount, err)
		}
		for j, i := range idx {
			parts[i] = got[j]
		}
	}
	return parts, nil
}

// resolution is one state-dependent single-transaction operation: a pending
// post or void, or a reversal.
type resolution struct {
	op, key, target string
	kind            Kind
	amount          accrue.Money
	eff             time.Time
	meta            map[string]string
	// build adds the effects and postings of the new transaction (w.txs[0])
	// from the target and its state, and returns the target's new state.
	build func(orig *Transaction, st *TxState, w *work) (TxState, error)
}

// addPosting appends a posting of the transaction being built, with its
// effect.
func (w *work) addPosting(p Posting, pending bool, units int64) {
	w.txs[0].Postings = append(w.txs[0].Postings, p)
	w.effects = append(w.effects, effect{account: p.Account, side: p.Side, pending: pending, units: units, cur: p.Amount.Currency()})
}

func (l *Ledger) resolve(ctx context.Context, r *resolution) (Transaction, error) {
	fail := func(err error) (Transaction, error) { return Transaction{}, &TxError{Key: r.key, Err: err} }
	if err := ctxErr(ctx, r.op); err != nil {
		return Transaction{}, err
	}
	if err := checkKey(r.key); err != nil {
		return fail(err)
	}
	if err := validateMetadata(r.meta); err != nil {
		return fail(err)
	}
	if err := checkTime("effective time", r.eff); err != nil {
		return fail(err)
	}
	if r.target == "" || len(r.target) > MaxKeyLen {
		return fail(errorf(ErrInvalidInput, "transaction id must be 1 to %d bytes", MaxKeyLen))
	}
	if r.amount.IsNegative() {
		return fail(errorf(ErrInvalidAmount, "%s is negative", r.amount))
	}
	orig, err := l.store.Tx(ctx, r.target)
	if err != nil {
		return fail(fmt.Errorf("target %s: %w", clip(r.target), err))
	}
	eff := normTime(r.eff)
	w := l.getWork()
	defer l.putWork(w)
	var states []TxState
	prepare := func(ctx context.Context, w *work) error {
		w.reset()
		w.names = w.names[:0]
		now := l.now()
		tx := Transaction{ID: l.ids(r.key), Key: r.key, Kind: r.kind, EffectiveAt: eff, RecordedAt: now, Metadata: maps.Clone(r.meta)}
		if tx.EffectiveAt.IsZero() {
			tx.EffectiveAt = now
		}
		if r.kind == KindReversal {
			tx.Reverses = orig.ID
		} else {
			tx.Pending = orig.ID
		}
		w.beginTx()
		w.addTx(tx, !eff.IsZero())
		var err error
		if states, err = l.store.ReadTxStates(ctx, []string{orig.ID}, states[:0]); err != nil {
			return fmt.Errorf("ledger: %s: %w", r.op, err)
		}
		if len(states) != 1 {
			return fmt.Errorf("ledger: %s: store returned %d states for 1 id", r.op, len(states))
		}
		next, err := r.build(&orig, &states[0], w)
		w.endTx()
		if err != nil {
			var se stateError
			if errors.As(err, &se) {
				return stateError{&TxError{Key: r.key, Err: se.err}}
			}
			return &TxError{Key: r.key, Err: err}
		}
		w.commit.TxStates = append(w.commit.TxStates[:0], TxStateUpdate{Version: states[0].Version, State: next})
		return nil
	}
	w.stale = func(ctx context.Context) bool {
		now, err := l.store.ReadTxStates(ctx, []string{orig.ID}, nil)
		return err == nil && len(now) == 1 && len(states) == 1 && now[0].Version != states[0].Version
	}
	cmp := func(w *work, _ int, got *Transaction) []string { return r.diff(got) }
	if err := l.run(ctx, r.op, w, cmp, prepare); err != nil {
		return Transaction{}, err
	}
	return w.txs[0], nil
}

// diff names the fields in which the request differs from the stored
// transaction with its key.
func (r *resolution) diff(got *Transaction) []string {
	var f []string
	if !r.amount.IsZero() {
		var sum int64
		for _, p := range got.Postings {
			if p.Side == Debit && p.Amount.Currency() == r.amount.Currency() {
				u, _ := p.Amount.MinorUnits()
				sum += u
			}
		}
		if u, err := r.amount.MinorUnits(); err != nil || u != sum {
			f = append(f, "amount")
		}
	}
	if !r.eff.IsZero() && !normTime(r.eff).Equal(got.EffectiveAt) {
		f = append(f, "effective_at")
	}
	if got.Kind != r.kind {
		f = append(f, "kind")
	}
	if !maps.Equal(r.meta, got.Metadata) {
		f = append(f, "metadata")
	}
	if r.kind == KindReversal && got.Reverses != r.target || r.kind != KindReversal && got.Pending != r.target {
		f = append(f, "target")
	}
	return f
}
