package ledger

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
)

// CreateAccount creates a. It is idempotent: if an account of that name
// exists with the same definition it returns nil; with a different one it
// returns an error matching ErrAccountExists. Invalid definitions match
// ErrInvalidAccount or ErrMetadataTooLarge.
func (l *Ledger) CreateAccount(ctx context.Context, a Account) error {
	return l.CreateAccounts(ctx, []Account{a})
}

// CreateAccounts creates several accounts atomically: all or none. Accounts
// that already exist with the same definition are left alone.
func (l *Ledger) CreateAccounts(ctx context.Context, accounts []Account) error {
	if err := ctxErr(ctx, "create accounts"); err != nil {
		return err
	}
	seen := make(map[string]int, len(accounts))
	names := make([]string, 0, len(accounts))
	for i, a := range accounts {
		if err := a.Validate(); err != nil {
			return fmt.Errorf("ledger: create account %d: %w", i, err)
		}
		if j, ok := seen[a.Name]; ok {
			if !accounts[j].Equal(a) {
				return fmt.Errorf("ledger: create account %d: %w: %s given twice, differently", i, ErrAccountExists, a.Name)
			}
			continue
		}
		seen[a.Name] = i
		names = append(names, a.Name)
	}
	var states []AccountState
	for attempt := 0; ; attempt++ {
		var err error
		states, err = l.store.ReadAccounts(ctx, names, states[:0])
		if err != nil {
			return fmt.Errorf("ledger: create accounts: %w", err)
		}
		c := &Commit{Chain: l.chain}
		for i, s := range states {
			a := accounts[seen[names[i]]]
			if s.Exists {
				if !s.Account.Equal(a) {
					return fmt.Errorf("ledger: create account %s: %w", a.Name, ErrAccountExists)
				}
				continue
			}
			c.NewAccounts = append(c.NewAccounts, a.clone())
		}
		if len(c.NewAccounts) == 0 {
			l.cacheDefinitions(states, nil)
			return nil
		}
		err = l.store.Commit(ctx, c)
		if err == nil {
			l.cacheDefinitions(states, c.NewAccounts)
			return nil
		}
		if !errors.Is(err, ErrConflict) || attempt+1 >= l.maxRetries {
			return fmt.Errorf("ledger: create accounts: %w", err)
		}
	}
}

// Account returns the account named name, or an error matching
// ErrUnknownAccount.
func (l *Ledger) Account(ctx context.Context, name string) (Account, error) {
	states, err := l.store.ReadAccounts(ctx, []string{name}, nil)
	if err != nil {
		return Account{}, fmt.Errorf("ledger: account: %w", err)
	}
	if len(states) != 1 || !states[0].Exists {
		return Account{}, errorf(ErrUnknownAccount, "%s", clip(name))
	}
	return states[0].Account, nil
}

// Post writes one balanced transaction of posted amounts, atomically. Bad
// input is refused with an error matching one of the sentinels and writes
// nothing. The same Key with the same content returns the original
// transaction and writes nothing; with different content the error is an
// *IdempotencyConflictError. After an error whose outcome is unknown (a
// store timeout), retrying with the same key is safe.
func (l *Ledger) Post(ctx context.Context, in TxInput) (Transaction, error) {
	txs, err := l.postKind(ctx, "post", KindPosted, []TxInput{in}, nil)
	if err != nil {
		return Transaction{}, err
	}
	return txs[0], nil
}

// PostBatch writes several transactions in one atomic commit: all or none.
// Constraints are checked after each transaction in order. Inputs whose keys
// are already stored with the same content are returned as stored (not
// written again); the error of a failing input is a *TxError giving its
// index.
func (l *Ledger) PostBatch(ctx context.Context, ins []TxInput) ([]Transaction, error) {
	return l.PostBatchInto(ctx, nil, ins)
}

// PostBatchInto is PostBatch returning the transactions in buf's memory
// instead of fresh memory (buf nil: fresh, as PostBatch). The returned
// slice, and the postings of its transactions, are valid until buf's next
// use: a host that posts batch after batch and is done with each batch's
// results before the next (a bulk import, an accrual pipeline) then
// allocates nothing per transaction for them.
func (l *Ledger) PostBatchInto(ctx context.Context, buf *BatchBuffer, ins []TxInput) ([]Transaction, error) {
	if len(ins) == 0 {
		return nil, nil
	}
	return l.postKind(ctx, "post batch", KindPosted, ins, buf)
}

// Hold writes a pending transaction: its amounts are reserved (they count
// against the paying accounts' available balance) until PostPending posts
// them, VoidPending releases them or, once in.ExpiresAt has passed by the
// ledger's clock, ExpirePending does. Idempotency as for Post.
func (l *Ledger) Hold(ctx context.Context, in TxInput) (Transaction, error) {
	txs, err := l.postKind(ctx, "hold", KindPending, []TxInput{in}, nil)
	if err != nil {
		return Transaction{}, err
	}
	return txs[0], nil
}

// HoldBatch writes several pending transactions in one atomic commit: all
// or none, as PostBatch does for posted ones. Each input is a Hold (its
// amounts are reserved against the paying accounts' available balance
// until posted, voided or expired, each on its own), and constraints are
// checked after each transaction in order, so the reservations of a batch
// can never together overdraw an account. Inputs whose keys are already
// stored with the same content are returned as stored (not written again),
// so a batch retried after an unknown outcome writes each hold once; the
// error of a failing input is a *TxError giving its index.
func (l *Ledger) HoldBatch(ctx context.Context, ins []TxInput) ([]Transaction, error) {
	return l.HoldBatchInto(ctx, nil, ins)
}

// HoldBatchInto is HoldBatch returning the transactions in buf's memory, as
// PostBatchInto does for PostBatch.
func (l *Ledger) HoldBatchInto(ctx context.Context, buf *BatchBuffer, ins []TxInput) ([]Transaction, error) {
	if len(ins) == 0 {
		return nil, nil
	}
	return l.postKind(ctx, "hold batch", KindPending, ins, buf)
}

// BatchBuffer is memory for the transactions that PostBatchInto and
// HoldBatchInto return, reused from one call to the next: a batch's
// results then cost no allocation and leave the garbage collector nothing
// to collect. The zero value is ready to use. A BatchBuffer serves one call
// at a time; each call overwrites what the previous one returned.
type BatchBuffer struct {
	txs      []Transaction
	postings []Posting
}

func (l *Ledger) postKind(ctx context.Context, op string, kind Kind, ins []TxInput, buf *BatchBuffer) ([]Transaction, error) {
	if err := ctxErr(ctx, op); err != nil {
		return nil, err
	}
	w := l.getWork()
	defer l.putWork(w)
	np := 0
	for i := range ins {
		np += len(ins[i].Postings)
	}
	w.sizeFor(len(ins), np)
	// The transactions are built in the slice handed back to the caller:
	// one allocation (none with a buf that has room), no copy. Their
	// postings share one allocation, and so do their default IDs.
	if buf == nil {
		buf = &BatchBuffer{}
	}
	w.txs = slices.Grow(buf.txs[:0], len(ins))
	w.postings = slices.Grow(buf.postings[:0], np)
	buf.txs, buf.postings = w.txs[:0], w.postings[:0] // the grown memory, for the next call
	var ids []string
	if l.defaultIDs && len(ins) > 1 {
		w.ids = defaultIDs(w.ids, ins)
		ids = w.ids
	}
	now := l.now()
	batch := op == "post batch" || op == "hold batch"
	repeat := w.keys.firstRepeat(ins) // checked in the loop, so that an earlier input's error comes first
	for i := range ins {
		id := ""
		if ids != nil {
			id = ids[i]
		}
		if err := l.buildPost(w, &ins[i], kind, now, id, i == repeat); err != nil {
			return nil, &TxError{Index: i, Key: ins[i].Key, Err: err, batch: batch}
		}
	}
	cmp := func(w *work, i int, orig *Transaction) []string {
		return diffPost(&ins[i], w.given[i], &w.txs[i], orig)
	}
	if err := l.run(ctx, op, w, cmp, nil); err != nil {
		var te *TxError
		if batch && errors.As(err, &te) {
			te.batch = true
		}
		return nil, err
	}
	out := w.txs
	w.txs = nil
	return out, nil
}

// diffPost names the fields in which a request differs from the original.
func diffPost(in *TxInput, givenEff bool, tx, orig *Transaction) []string {
	var f []string
	if tx.Kind != orig.Kind {
		f = append(f, "kind")
	}
	if givenEff && !tx.EffectiveAt.Equal(orig.EffectiveAt) {
		f = append(f, "effective_at")
	}
	if !tx.ExpiresAt.Equal(orig.ExpiresAt) {
		f = append(f, "expires_at")
	}
	if !maps.Equal(tx.Metadata, orig.Metadata) {
		f = append(f, "metadata")
	}
	if !slices.EqualFunc(in.Postings, orig.Postings, func(a, b Posting) bool {
		return a.Account == b.Account && a.Side == b.Side && a.Amount.Equal(b.Amount)
	}) {
		f = append(f, "postings")
	}
	slices.Sort(f)
	return f
}
