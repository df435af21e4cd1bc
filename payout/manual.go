package payout

import (
	"context"
	"fmt"
	"slices"
)

// Status returns the items of a batch with their states rebuilt from the
// ledger, in the batch's order.
func (s *Service) Status(ctx context.Context, batchID string) ([]ItemStatus, error) {
	b, err := s.store.Batch(ctx, batchID)
	if err != nil {
		return nil, fmt.Errorf("payout: status %s: %w", batchID, err)
	}
	states, err := s.itemStates(ctx, batchID)
	if err != nil {
		return nil, err
	}
	out := make([]ItemStatus, 0, len(b.Items))
	for _, it := range b.Items {
		if st := states[it.ID]; st != nil {
			out = append(out, *st)
		}
	}
	return out, nil
}

// Resolve records a person's decision on an exception (or any open item):
// StatusPaid or StatusFailed after checking with the provider, or
// StatusReturned for a paid item. It follows the same one-way rules as
// provider outcomes.
func (s *Service) Resolve(ctx context.Context, batchID, itemID string, out Outcome) error {
	st, err := s.itemState(ctx, batchID, itemID)
	if err != nil {
		return err
	}
	if out.Status != StatusPaid && out.Status != StatusFailed && out.Status != StatusReturned {
		return errorf(ErrInvalidInput, "resolve %s with %s", itemID, out.Status)
	}
	_, err = s.apply(ctx, st, out)
	return err
}

// cancel voids the reservation of an item never handed to the provider.
func (s *Service) cancel(ctx context.Context, st *ItemStatus, reason string) error {
	return s.resolveOne(ctx, st, &st.reserve, "reserve", StepFailed, reason)
}

// Cancel abandons the items of a batch that were never handed to the
// provider: their reservations are voided and the money is back in the
// partners' payable balances. Items already submitted are left alone (use
// Execute and Resolve). It returns how many items it cancelled. Do not run
// it while an Executor may be executing the same batch: an item the
// executor has just recorded as submitted is not cancelled, but one it is
// about to record could be handed to the provider after its reservation
// was voided.
func (s *Service) Cancel(ctx context.Context, batchID, reason string) (int, error) {
	states, err := s.itemStates(ctx, batchID)
	if err != nil {
		return 0, err
	}
	ids := make([]string, 0, len(states))
	for id, st := range states {
		if st.State == StateReserved {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for i, id := range ids {
		if err := s.cancel(ctx, states[id], cmpOr(reason, "cancelled")); err != nil {
			return i, err
		}
	}
	return len(ids), nil
}

// Reverse asks the provider to pull back a paid item (the provider must
// implement Reverser and declare Reversal). When the provider confirms,
// the item becomes StateReturned and the partner is re-credited.
func (e *Executor) Reverse(ctx context.Context, batchID, itemID, reason string) (Outcome, error) {
	r, ok := e.p.(Reverser)
	if !ok || !e.caps.Reversal {
		return Outcome{}, fmt.Errorf("%w: reverse via %s", ErrNotSupported, e.name)
	}
	st, err := e.svc.itemState(ctx, batchID, itemID)
	if err != nil {
		return Outcome{}, err
	}
	if st.State != StatePaid {
		return Outcome{}, fmt.Errorf("%w: reverse %s, which is %s", ErrIllegalTransition, itemID, st.State)
	}
	e.pace(ctx)
	out, err := r.Reverse(ctx, st.Key, reason)
	if err != nil {
		return Outcome{}, fmt.Errorf("payout: reverse %s: %w", itemID, err)
	}
	if out.Status == StatusReturned {
		if out.Reason == "" {
			out.Reason = reason
		}
		if _, err := e.svc.apply(ctx, st, out); err != nil {
			return out, err
		}
	}
	return out, nil
}
