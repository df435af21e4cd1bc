package ledger

import (
	"context"
	"fmt"
	"time"
)

// ClosePeriod closes every effective time up to and including through:
// afterwards, transactions effective at or before it are refused with an
// error matching ErrPeriodClosed, and corrections go into the open period
// (Reverse with a later effective time). Closing is monotonic: an earlier
// through than the current one changes nothing.
func (l *Ledger) ClosePeriod(ctx context.Context, through time.Time) error {
	if err := checkTime("close through", through); err != nil {
		return err
	}
	if err := l.store.ClosePeriod(ctx, normTime(through)); err != nil {
		return fmt.Errorf("ledger: close period: %w", err)
	}
	l.noteClosed(normTime(through))
	return nil
}

// ClosedThrough returns the end of the closed period (zero if none).
func (l *Ledger) ClosedThrough(ctx context.Context) (time.Time, error) {
	t, err := l.refreshClosed(ctx)
	if err != nil {
		return time.Time{}, fmt.Errorf("ledger: closed through: %w", err)
	}
	return t, nil
}

// closedThrough returns the cached closed-through time, reading the store
// only the first time: writes then cost no extra round trip. A cached value
// older than the store's is refreshed when Commit refuses a closed period.
func (l *Ledger) closedThrough(ctx context.Context) (time.Time, error) {
	if p := l.closed.Load(); p != nil {
		return *p, nil
	}
	return l.refreshClosed(ctx)
}

// refreshClosed reads the closed-through time from the store and caches it.
func (l *Ledger) refreshClosed(ctx context.Context) (time.Time, error) {
	t, err := l.store.ClosedThrough(ctx)
	if err != nil {
		return time.Time{}, err
	}
	l.noteClosed(t)
	return t, nil
}

// noteClosed raises the cached closed-through time to t (it never goes back).
func (l *Ledger) noteClosed(t time.Time) {
	for {
		p := l.closed.Load()
		if p != nil && !t.After(*p) {
			return
		}
		if l.closed.CompareAndSwap(p, &t) {
			return
		}
	}
}
