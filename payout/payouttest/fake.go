package payouttest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/payout"
)

// Fault is what the fake does to one item (or call) of a Submit.
type Fault uint8

// Faults a program can inject.
const (
	FaultNone          Fault = iota // pay at once
	FaultTimeoutBefore              // the call times out before the provider accepts: nothing done, outcome unknown
	FaultTimeoutAfter               // the provider accepts and pays, then the answer is lost: outcome unknown
	FaultFail                       // the provider refuses the item (StatusFailed)
	FaultPending                    // accepted; paid once Delay has passed on the clock
	FaultLookupError                // Lookup of the item fails with an unknown outcome
)

// Program decides the faults. Submit asks it once per item per call, Lookup
// once per call; a nil Program means no faults.
type Program func(op, key string) Fault

// Fake is an in-memory payout.Provider with programmable faults, for hosts'
// tests and Accrue's own simulation. Time comes from an injected clock, so
// delays and the deduplication window are deterministic. It counts how many
// times each key was paid, so a test can assert exactly-once. Safe for
// concurrent use.
type Fake struct {
	mu      sync.Mutex
	clock   accrue.Clock
	caps    payout.Capabilities
	program Program
	delay   time.Duration
	reverse bool
	items   map[string]*fakeItem
	payouts map[string]int               // key -> number of times money left, net of returns
	paidTo  map[string]payout.SubmitItem // key -> the item paid, kept after the key is forgotten
	lines   []SettlementLine             // every time money left, in the order it left
	events  []payout.Update
	seq     int
	name    string
}

type fakeItem struct {
	item     payout.SubmitItem
	out      payout.Outcome
	first    time.Time // first accepted submission
	settleAt time.Time // for pending items
}

// FakeOption configures NewFake.
type FakeOption func(*Fake)

// WithCapabilities sets the declared capabilities (default: 100 items per
// call, 24 h dedup window, lookup on, reversal off).
func WithCapabilities(c payout.Capabilities) FakeOption {
	return func(f *Fake) { f.caps = c; f.reverse = c.Reversal }
}

// WithProgram sets the fault program.
func WithProgram(p Program) FakeOption { return func(f *Fake) { f.program = p } }

// WithName sets the provider name put on status updates (default "fake").
func WithName(name string) FakeOption { return func(f *Fake) { f.name = name } }

// WithDelay sets how long a FaultPending item stays pending (default 1 h).
func WithDelay(d time.Duration) FakeOption { return func(f *Fake) { f.delay = d } }

// NewFake returns a fake provider reading time from clock.
func NewFake(clock accrue.Clock, opts ...FakeOption) *Fake {
	f := &Fake{
		clock:   clock,
		caps:    payout.Capabilities{MaxItems: 100, DedupWindow: 24 * time.Hour, Lookup: true},
		delay:   time.Hour,
		name:    "fake",
		items:   make(map[string]*fakeItem),
		payouts: make(map[string]int),
		paidTo:  make(map[string]payout.SubmitItem),
	}
	for _, o := range opts {
		o(f)
	}
	return f
}

// SetProgram replaces the fault program.
func (f *Fake) SetProgram(p Program) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.program = p
}

// Capabilities implements payout.Provider.
func (f *Fake) Capabilities() payout.Capabilities { return f.caps }

func (f *Fake) fault(op, key string) Fault {
	if f.program == nil {
		return FaultNone
	}
	return f.program(op, key)
}

// settle pays the pending items whose delay has passed. Call with mu held.
func (f *Fake) settle(now time.Time) {
	keys := make([]string, 0)
	for k, it := range f.items {
		if it.out.Status == payout.StatusPending && !now.Before(it.settleAt) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		it := f.items[k]
		it.out = payout.Outcome{Status: payout.StatusPaid, Ref: it.out.Ref, At: it.settleAt}
		f.pay(k, it.item, it.out)
		f.emit(k, it.out)
	}
}

// forget drops the keys whose dedup window has passed, as a real provider
// does: a later submission of such a key pays again. Call with mu held.
func (f *Fake) forget(now time.Time) {
	for k, it := range f.items {
		if it.out.Status != payout.StatusPending && now.Sub(it.first) > f.caps.DedupWindow {
			delete(f.items, k)
		}
	}
}

// pay records that money left for key with outcome out. Call with mu held.
func (f *Fake) pay(key string, it payout.SubmitItem, out payout.Outcome) {
	f.payouts[key]++
	f.paidTo[key] = cloneItem(it)
	f.lines = append(f.lines, SettlementLine{Key: key, Ref: out.Ref, Partner: it.Partner, Amount: it.Amount, PaidAt: out.At})
}

func (f *Fake) emit(key string, out payout.Outcome) {
	f.seq++
	f.events = append(f.events, payout.Update{Provider: f.name, EventID: fmt.Sprintf("ev-%06d", f.seq), Key: key, Outcome: out})
}

// Submit implements payout.Provider.
func (f *Fake) Submit(ctx context.Context, items []payout.SubmitItem) ([]payout.Outcome, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(items) > f.caps.MaxItems {
		return nil, fmt.Errorf("%w: %d > %d", payout.ErrTooManyItems, len(items), f.caps.MaxItems)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.clock.Now()
	f.settle(now)
	f.forget(now)
	outs := make([]payout.Outcome, len(items))
	lost := false
	for i, in := range items {
		if in.Key == "" || !in.Amount.IsPositive() {
			outs[i] = payout.Outcome{Status: payout.StatusFailed, Reason: "invalid item", At: now}
			continue
		}
		if it, ok := f.items[in.Key]; ok {
			outs[i] = it.out
			continue
		}
		switch f.fault("submit", in.Key) {
		case FaultTimeoutBefore:
			outs[i] = payout.Outcome{Status: payout.StatusUnknown}
			lost = true
			continue
		case FaultFail:
			out := payout.Outcome{Status: payout.StatusFailed, Reason: "account closed", Ref: "ref-" + in.Key, At: now}
			f.items[in.Key] = &fakeItem{item: cloneItem(in), out: out, first: now}
			f.emit(in.Key, out)
			outs[i] = out
		case FaultPending:
			out := payout.Outcome{Status: payout.StatusPending, Ref: "ref-" + in.Key, At: now}
			f.items[in.Key] = &fakeItem{item: cloneItem(in), out: out, first: now, settleAt: now.Add(f.delay)}
			f.emit(in.Key, out)
			outs[i] = out
		case FaultTimeoutAfter:
			out := payout.Outcome{Status: payout.StatusPaid, Ref: "ref-" + in.Key, At: now}
			f.items[in.Key] = &fakeItem{item: cloneItem(in), out: out, first: now}
			f.pay(in.Key, in, out)
			f.emit(in.Key, out)
			outs[i] = payout.Outcome{Status: payout.StatusUnknown}
			lost = true
		default:
			out := payout.Outcome{Status: payout.StatusPaid, Ref: "ref-" + in.Key, At: now}
			f.items[in.Key] = &fakeItem{item: cloneItem(in), out: out, first: now}
			f.pay(in.Key, in, out)
			f.emit(in.Key, out)
			outs[i] = out
		}
	}
	if lost && len(items) == 1 {
		return nil, fmt.Errorf("payouttest: submit %s: %w", items[0].Key, context.DeadlineExceeded)
	}
	return outs, nil
}

// Lookup implements payout.Provider.
func (f *Fake) Lookup(ctx context.Context, key string) (payout.Outcome, error) {
	if err := ctx.Err(); err != nil {
		return payout.Outcome{}, err
	}
	if !f.caps.Lookup {
		return payout.Outcome{}, payout.ErrNotSupported
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.clock.Now()
	f.settle(now)
	if f.fault("lookup", key) == FaultLookupError {
		return payout.Outcome{}, fmt.Errorf("payouttest: lookup %s: %w", key, context.DeadlineExceeded)
	}
	it, ok := f.items[key]
	if !ok {
		return payout.Outcome{}, fmt.Errorf("payouttest: %s: %w", key, payout.ErrNotFound)
	}
	return it.out, nil
}

// Reverse implements payout.Reverser when the capabilities declare
// Reversal; otherwise it returns ErrNotSupported.
func (f *Fake) Reverse(ctx context.Context, key, reason string) (payout.Outcome, error) {
	if err := ctx.Err(); err != nil {
		return payout.Outcome{}, err
	}
	if !f.reverse {
		return payout.Outcome{}, payout.ErrNotSupported
	}
	return f.Bounce(key, reason)
}

// Bounce returns a paid item (the bank sent it back): its status becomes
// StatusReturned and a status update is emitted.
func (f *Fake) Bounce(key, reason string) (payout.Outcome, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.clock.Now()
	f.settle(now)
	it, ok := f.items[key]
	if !ok {
		return payout.Outcome{}, fmt.Errorf("payouttest: %s: %w", key, payout.ErrNotFound)
	}
	if it.out.Status != payout.StatusPaid {
		return it.out, nil
	}
	it.out = payout.Outcome{Status: payout.StatusReturned, Reason: reason, Ref: it.out.Ref, At: now}
	f.payouts[key]--
	f.returned(key, it.out)
	f.emit(key, it.out)
	return it.out, nil
}

// Paid returns how many times money left for key, net of returns: more
// than one means the key was paid twice.
func (f *Fake) Paid(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.settle(f.clock.Now())
	return f.payouts[key]
}

// PaidTotals returns, per partner, the total of money that left and stayed
// out (paid, not returned), in each currency, keyed "partner/CUR" in units
// of the currency's minor unit.
func (f *Fake) PaidTotals() map[string]int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.settle(f.clock.Now())
	out := make(map[string]int64)
	for k, n := range f.payouts {
		if it := f.paidTo[k]; n > 0 {
			u, _ := it.Amount.MinorUnits()
			out[it.Partner+"/"+it.Amount.Currency().Code()] += int64(n) * u
		}
	}
	return out
}

// EverPaid reports whether money ever left for key (even if it came back
// or the key has since been forgotten).
func (f *Fake) EverPaid(key string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.settle(f.clock.Now())
	_, ok := f.paidTo[key]
	return ok
}

// PaidKeys returns the keys paid and not returned, sorted.
func (f *Fake) PaidKeys() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.settle(f.clock.Now())
	var keys []string
	for k, n := range f.payouts {
		if n > 0 {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// MaxPaid returns the largest payment count of any key (1 when every key
// was paid at most once), counting keys the fake has since forgotten.
func (f *Fake) MaxPaid() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.settle(f.clock.Now())
	m := 0
	for _, n := range f.payouts {
		m = max(m, n)
	}
	return m
}

// Updates returns the status updates emitted since the last call, as a
// webhook would deliver them. With rng non-nil each is duplicated with
// probability dup and the list is shuffled (out-of-order delivery).
func (f *Fake) Updates(rng *rand.Rand, dup float64) []payout.Update {
	f.mu.Lock()
	f.settle(f.clock.Now())
	ev := f.events
	f.events = nil
	f.mu.Unlock()
	if rng == nil {
		return ev
	}
	out := make([]payout.Update, 0, len(ev))
	for _, e := range ev {
		out = append(out, e)
		if rng.Float64() < dup {
			out = append(out, e)
		}
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func cloneItem(in payout.SubmitItem) payout.SubmitItem {
	d := make(map[string]string, len(in.Details))
	for k, v := range in.Details {
		d[k] = v
	}
	in.Details = d
	return in
}
