package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/accruehq/accrue"
)

// Ledger is the double-entry ledger a host holds: it validates requests,
// enforces the business rules (balance, constraints, idempotency, pending
// status, reversal caps, closed periods) and writes through a Store, as
// *sql.DB wraps a driver. It is safe for concurrent use.
type Ledger struct {
	store      Store
	clock      accrue.Clock
	chain      bool
	policy     AccountPolicy
	maxRetries int
	ids        func(key string) string
	defaultIDs bool      // ids is DefaultID: batches make their IDs in one allocation
	pool       sync.Pool // *work
	// closed caches the store's closed-through time. It may lag behind the
	// store (another process closed a period): that is safe because Commit
	// refuses a closed period atomically, and the ledger then refreshes it.
	closed atomic.Pointer[time.Time]
	// commuting: the store applies commuting deltas without version checks
	// (CommutingStore), so calls whose effects all commute may skip the
	// read, using defs.
	commuting bool
	defs      defCache
}

// AccountPolicy decides whether a posting to a missing account creates it:
// it returns the account to create (whose Name must be name) and true, or
// false to refuse with ErrUnknownAccount.
type AccountPolicy func(name string) (Account, bool)

// Option configures New.
type Option func(*Ledger)

// WithClock sets the clock for RecordedAt, default effective times and
// pending expiry. The default is the wall clock.
func WithClock(c accrue.Clock) Option { return func(l *Ledger) { l.clock = c } }

// WithChain switches the hash chain on (the default) or off. Off is for bulk
// imports and simulations: transactions then carry no Hash and Verify cannot
// vouch for them.
func WithChain(on bool) Option { return func(l *Ledger) { l.chain = on } }

// WithAccountPolicy creates missing accounts on first use as p decides. The
// default (nil) is explicit creation only.
func WithAccountPolicy(p AccountPolicy) Option { return func(l *Ledger) { l.policy = p } }

// WithMaxRetries bounds the attempts of one call when the store reports
// ErrConflict (default 16). New refuses n < 1 with ErrInvalidInput.
func WithMaxRetries(n int) Option { return func(l *Ledger) { l.maxRetries = n } }

// WithIDs sets how transaction IDs are made from idempotency keys. f must be
// deterministic and injective (distinct keys, distinct IDs), and return at
// most MaxKeyLen bytes. The default is "tx-" and the first 16 bytes of the
// key's SHA-256 in hex, so a replay gets the same ID.
func WithIDs(f func(key string) string) Option {
	return func(l *Ledger) { l.ids, l.defaultIDs = f, false }
}

// New returns a Ledger writing through store.
func New(store Store, opts ...Option) (*Ledger, error) {
	if store == nil {
		return nil, fmt.Errorf("%w: nil store", ErrInvalidInput)
	}
	l := &Ledger{store: store, clock: accrue.ClockFunc(time.Now), chain: true, maxRetries: 16, ids: DefaultID, defaultIDs: true}
	l.defs.max = DefaultAccountCache
	for _, o := range opts {
		o(l)
	}
	if cs, ok := store.(CommutingStore); ok && cs.AppliesCommutingDeltas() && l.defs.max > 0 {
		l.commuting = true
	}
	if l.clock == nil || l.ids == nil {
		return nil, fmt.Errorf("%w: nil clock or id source", ErrInvalidInput)
	}
	if l.maxRetries < 1 {
		return nil, fmt.Errorf("%w: WithMaxRetries(%d): at least one attempt is needed", ErrInvalidInput, l.maxRetries)
	}
	return l, nil
}

// Store returns the store the ledger writes through.
func (l *Ledger) Store() Store { return l.store }

// DefaultID is the default transaction ID of key: "tx-" and 32 hex digits
// of its SHA-256.
func DefaultID(key string) string {
	var buf [defaultIDLen]byte
	return string(AppendDefaultID(buf[:0], key))
}

// defaultIDLen is the length of a DefaultID.
const defaultIDLen = 3 + 32

// AppendDefaultID appends DefaultID(key) to b and returns the extended
// buffer: DefaultID without allocating, for stores that keep only the key
// of a transaction whose Commit promised KeyedIDs and compute its ID when
// it is read.
func AppendDefaultID(b []byte, key string) []byte {
	var kb [MaxKeyLen]byte // valid keys are hashed from the stack
	sum := sha256.Sum256(append(kb[:0], key...))
	b = append(b, "tx-"...)
	return hex.AppendEncode(b, sum[:16])
}

// defaultIDs appends DefaultID of every input's key to dst[:0] and returns
// it; the IDs share one string's memory (a batch's IDs are kept as long as
// the batch's records are).
func defaultIDs(dst []string, ins []TxInput) []string {
	var sb strings.Builder // String() does not copy
	sb.Grow(defaultIDLen * len(ins))
	var buf [defaultIDLen]byte
	for i := range ins {
		sb.Write(AppendDefaultID(buf[:0], ins[i].Key))
	}
	all := sb.String()
	dst = slices.Grow(dst[:0], len(ins))
	for i := range ins {
		dst = append(dst, all[i*defaultIDLen:(i+1)*defaultIDLen])
	}
	return dst
}

// now returns the clock's time, normalised.
func (l *Ledger) now() time.Time { return normTime(l.clock.Now()) }

// normTime brings t to UTC with microsecond precision, so that SQL stores
// (microsecond timestamps) round-trip it exactly and hashes stay stable.
func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Microsecond)
}

// checkTime refuses times whose Unix nanoseconds do not fit an int64
// (before 1678 or after 2262), which the canonical encoding needs.
func checkTime(what string, t time.Time) error {
	if t.IsZero() {
		return nil
	}
	if t.Year() < 1678 || t.Year() > 2261 {
		return errorf(ErrInvalidInput, "%s %s outside years 1678-2261", what, t.Format(time.RFC3339))
	}
	return nil
}

// ctxErr wraps a done context's error.
func ctxErr(ctx context.Context, op string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("ledger: %s: %w", op, err)
	}
	return nil
}
