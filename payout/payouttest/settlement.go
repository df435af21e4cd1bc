package payouttest

import (
	"cmp"
	"slices"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/payout"
)

// SettlementLine is one payment in the fake's settlement report, the file a
// provider sends for reconciliation: one line each time money left for an
// item, with the provider's reference, and the return if the money came
// back.
type SettlementLine struct {
	Key     string       // the item's idempotency key, as submitted
	Ref     string       // the provider's reference for the payment
	Partner string       // the payee
	Amount  accrue.Money // the amount that left (positive)
	PaidAt  time.Time    // when it left (a pending item: when it settled)

	// Returned is set when the money came back (Bounce, Reverse); ReturnedAt
	// and Reason say when and why.
	Returned   bool
	ReturnedAt time.Time
	Reason     string
}

// Settlement returns the fake's settlement report: a line for every time
// money left, ordered by PaidAt, then Key, then the order paid. It includes
// payments that came back (Returned set) and payments of keys the fake has
// since forgotten, so a key paid twice (resubmitted after the dedup window)
// has two lines: what a reconciliation against the ledger must flag. Pending
// items whose delay has passed on the clock are settled first.
func (f *Fake) Settlement() []SettlementLine {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.settle(f.clock.Now())
	out := slices.Clone(f.lines)
	slices.SortStableFunc(out, func(a, b SettlementLine) int {
		return cmp.Or(a.PaidAt.Compare(b.PaidAt), cmp.Compare(a.Key, b.Key))
	})
	return out
}

// returned marks the latest payment of key not yet returned as returned
// with outcome out. Call with mu held.
func (f *Fake) returned(key string, out payout.Outcome) {
	for i := len(f.lines) - 1; i >= 0; i-- {
		if l := &f.lines[i]; l.Key == key && !l.Returned {
			l.Returned, l.ReturnedAt, l.Reason = true, out.At, out.Reason
			return
		}
	}
}
