package ledgertest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/accruehq/accrue/ledger"
)

// ErrInjected is the error Faulty returns for an injected failure.
var ErrInjected = errors.New("ledgertest: injected fault")

// Fault is what Faulty does to one call.
type Fault uint8

// Faults Faulty can inject.
const (
	// NoFault passes the call through.
	NoFault Fault = iota
	// FailBefore returns ErrInjected without calling the store: nothing
	// happened.
	FailBefore
	// FailAfter calls the store and then returns ErrInjected whatever the
	// store did: for Commit, the commit happened but the caller cannot know.
	FailAfter
	// TimeoutAfter calls the store and then returns an error wrapping
	// context.DeadlineExceeded, as a client whose deadline expired while the
	// server committed would.
	TimeoutAfter
	// TimeoutBefore calls the store with an already expired context: a
	// correct store does nothing and returns an error wrapping
	// context.DeadlineExceeded.
	TimeoutBefore
)

// Faulty is a ledger.Store that wraps another and injects failures, for
// testing that callers which retry by idempotency key neither lose nor
// duplicate transactions. It is safe for concurrent use.
type Faulty struct {
	// Store is the wrapped store.
	ledger.Store
	// Inject decides the fault of each call: op is the method name
	// ("Commit", "ReadAccounts", …) and n counts the calls so far, all
	// methods together, from 1. A nil Inject injects nothing.
	Inject func(op string, n int) Fault

	mu    sync.Mutex
	calls int
	stats map[Fault]int
}

// Injected returns how many faults of each kind were injected.
func (f *Faulty) Injected() map[Fault]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[Fault]int, len(f.stats))
	for k, v := range f.stats {
		out[k] = v
	}
	return out
}

func (f *Faulty) decide(op string) Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.Inject == nil {
		return NoFault
	}
	k := f.Inject(op, f.calls)
	if k != NoFault {
		if f.stats == nil {
			f.stats = map[Fault]int{}
		}
		f.stats[k]++
	}
	return k
}

// do runs call under the fault decided for op.
func (f *Faulty) do(ctx context.Context, op string, call func(ctx context.Context) error) error {
	switch f.decide(op) {
	case FailBefore:
		return fmt.Errorf("%w: before %s", ErrInjected, op)
	case FailAfter:
		_ = call(ctx)
		return fmt.Errorf("%w: after %s", ErrInjected, op)
	case TimeoutAfter:
		_ = call(ctx)
		return fmt.Errorf("ledgertest: %s: %w", op, context.DeadlineExceeded)
	case TimeoutBefore:
		expired, cancel := context.WithDeadline(ctx, time.Unix(0, 0))
		defer cancel()
		return call(expired)
	}
	return call(ctx)
}

// ReadAccounts implements ledger.Store with injected faults.
func (f *Faulty) ReadAccounts(ctx context.Context, names []string, dst []ledger.AccountState) (out []ledger.AccountState, err error) {
	err = f.do(ctx, "ReadAccounts", func(ctx context.Context) error {
		out, err = f.Store.ReadAccounts(ctx, names, dst)
		return err
	})
	return out, err
}

// ReadTxStates implements ledger.Store with injected faults.
func (f *Faulty) ReadTxStates(ctx context.Context, ids []string, dst []ledger.TxState) (out []ledger.TxState, err error) {
	err = f.do(ctx, "ReadTxStates", func(ctx context.Context) error {
		out, err = f.Store.ReadTxStates(ctx, ids, dst)
		return err
	})
	return out, err
}

// Commit implements ledger.Store with injected faults.
func (f *Faulty) Commit(ctx context.Context, c *ledger.Commit) error {
	return f.do(ctx, "Commit", func(ctx context.Context) error { return f.Store.Commit(ctx, c) })
}

// TxByKey implements ledger.Store with injected faults.
func (f *Faulty) TxByKey(ctx context.Context, key string) (tx ledger.Transaction, err error) {
	err = f.do(ctx, "TxByKey", func(ctx context.Context) error {
		tx, err = f.Store.TxByKey(ctx, key)
		return err
	})
	return tx, err
}

// Tx implements ledger.Store with injected faults.
func (f *Faulty) Tx(ctx context.Context, id string) (tx ledger.Transaction, err error) {
	err = f.do(ctx, "Tx", func(ctx context.Context) error {
		tx, err = f.Store.Tx(ctx, id)
		return err
	})
	return tx, err
}
