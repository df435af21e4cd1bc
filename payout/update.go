package payout

import (
	"context"
	"errors"
	"fmt"
)

// Update is a status change reported by a provider (a webhook or a poll).
// Updates are deduplicated by (Provider, EventID) and may arrive late,
// twice or out of order.
type Update struct {
	Provider string  // the provider's name, as the batch's Provider
	EventID  string  // the provider's event id, unique per provider
	Key      string  // the item's idempotency key
	Outcome  Outcome // the status reported
}

// Apply applies a status update from the executor's provider (a webhook or
// a poll). Updates are deduplicated by (Provider, EventID): a repeated
// event returns false and writes nothing. Late and out-of-order updates
// are safe because moves are one-way: an update that would move an item
// backwards (paid after failed, pending after paid) is ignored and
// reported as not applied. The regressions providers really make, paid →
// failed and paid → returned, post a compensating transaction that
// re-credits the partner. The event is marked seen only after its effect
// is in the ledger, so a crash in between replays it harmlessly.
func (e *Executor) Apply(ctx context.Context, u Update) (applied bool, err error) {
	if u.Provider != e.name {
		return false, fmt.Errorf("%w: update from %s, executor for %s", ErrWrongProvider, u.Provider, e.name)
	}
	if u.EventID == "" || u.Key == "" || !u.Outcome.Status.Valid() {
		return false, errorf(ErrInvalidInput, "update needs an event id, a key and a documented status")
	}
	seen, err := e.svc.store.Seen(ctx, u.Provider, u.EventID)
	if err != nil || seen {
		return false, err
	}
	st, err := e.svc.itemByKey(ctx, u.Key)
	if err != nil {
		return false, err
	}
	applied, err = e.svc.apply(ctx, st, u.Outcome)
	switch {
	case errors.Is(err, ErrIllegalTransition):
		applied = false
	case err != nil:
		return false, err
	}
	if err := e.svc.store.MarkSeen(ctx, u.Provider, u.EventID); err != nil {
		return applied, fmt.Errorf("payout: mark event %s seen: %w", u.EventID, err)
	}
	return applied, nil
}

// itemByKey finds the item with a provider key through the Store.
func (s *Service) itemByKey(ctx context.Context, key string) (*ItemStatus, error) {
	batch, item, err := s.store.Item(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("payout: find item %s: %w", key, err)
	}
	return s.itemState(ctx, batch, item)
}
