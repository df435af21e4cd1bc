package payout_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/accruehq/accrue/ledger"
	"github.com/accruehq/accrue/ledger/memstore"
)

// errStore is the error the fault-injecting store returns.
var errStore = errors.New("faultstore: injected failure")

// faultStore wraps a ledger.Store and fails calls on demand: after a number
// of commits, or at random (a commit that fails may have been applied: the
// outcome-unknown case the ledger contract allows).
type faultStore struct {
	ledger.Store
	mu      sync.Mutex
	commits int
	failAt  int  // fail commits once this many succeeded (-1: never)
	applied bool // a commit failed by failAt is applied before it fails
	rng     *rand.Rand
	p       float64 // probability a call fails
	on      bool
}

func (f *faultStore) wrap(s ledger.Store) ledger.Store {
	if s == nil {
		s = memstore.New()
	}
	f.Store = s
	f.failAt = -1
	return f
}

func (f *faultStore) failCommitAfter(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failAt, f.commits, f.applied = n, 0, false
}

// failCommitAfterApplying is failCommitAfter where the failing commit is
// applied first: the caller sees an error whose outcome is unknown.
func (f *faultStore) failCommitAfterApplying(n int) {
	f.failCommitAfter(n)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.applied = true
}

// random makes each call fail with probability p, drawn from rng.
func (f *faultStore) random(rng *rand.Rand, p float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rng, f.p, f.on = rng, p, true
}

func (f *faultStore) off() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.on = false
	f.failAt = -1
}

// roll returns 0 (no fault), 1 (fail before) or 2 (fail after applying).
func (f *faultStore) roll(commit bool) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if commit && f.failAt >= 0 {
		if f.commits >= f.failAt {
			if f.applied {
				return 2
			}
			return 1
		}
		f.commits++
	}
	if !f.on || f.rng.Float64() >= f.p {
		return 0
	}
	if commit && f.rng.IntN(2) == 0 {
		return 2
	}
	return 1
}

func (f *faultStore) Commit(ctx context.Context, c *ledger.Commit) error {
	switch f.roll(true) {
	case 1:
		return errStore
	case 2:
		if err := f.Store.Commit(ctx, c); err != nil {
			return err
		}
		return errStore
	}
	return f.Store.Commit(ctx, c)
}

func (f *faultStore) ReadAccounts(ctx context.Context, names []string, dst []ledger.AccountState) ([]ledger.AccountState, error) {
	if f.roll(false) != 0 {
		return nil, errStore
	}
	return f.Store.ReadAccounts(ctx, names, dst)
}

func (f *faultStore) Transactions(ctx context.Context, fl ledger.TxFilter, dst []ledger.Transaction) ([]ledger.Transaction, error) {
	if f.roll(false) != 0 {
		return nil, errStore
	}
	return f.Store.Transactions(ctx, fl, dst)
}

func (f *faultStore) TxByKey(ctx context.Context, key string) (ledger.Transaction, error) {
	if f.roll(false) != 0 {
		return ledger.Transaction{}, errStore
	}
	return f.Store.TxByKey(ctx, key)
}

func (f *faultStore) PostedAsOf(ctx context.Context, account string, t time.Time) (ledger.Counters, error) {
	if f.roll(false) != 0 {
		return ledger.Counters{}, errStore
	}
	return f.Store.PostedAsOf(ctx, account, t)
}
