package payout

import (
	"context"
	"errors"
	"fmt"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
)

// apply posts a provider outcome for an item in state st and reports
// whether it moved the item. Moves are one-way: an outcome the item is
// already at (or past) changes nothing; one that contradicts it (paid
// after failed) returns ErrIllegalTransition and writes nothing.
func (s *Service) apply(ctx context.Context, st *ItemStatus, out Outcome) (bool, error) {
	reason := cmpOr(out.Reason, out.Status.String())
	switch {
	case out.Status == StatusPending || out.Status == StatusUnknown:
		return false, nil
	case st.State == StateSubmitted && out.Status == StatusPaid:
		return s.resolvePair(ctx, st, StepPaid, "", out)
	case st.State == StateSubmitted:
		return s.resolvePair(ctx, st, StepFailed, reason, out)
	case st.State == StatePaid && out.Status != StatusPaid:
		return true, s.returned(ctx, st, reason)
	case st.State == StateReserved && out.Status == StatusFailed:
		return true, s.cancel(ctx, st, cmpOr(out.Reason, "cancelled"))
	case st.State == StatePaid,
		st.State == StateFailed && out.Status != StatusPaid,
		st.State == StateReturned && out.Status != StatusPaid:
		return false, nil // already there
	}
	return false, fmt.Errorf("%w: item %s is %s, provider says %s", ErrIllegalTransition, st.Item, st.State, out.Status)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// resolvePair posts (paid) or voids (failed) the submission and then the
// reservation. The submission decides: of racing posts and voids one wins,
// and the loser follows it.
func (s *Service) resolvePair(ctx context.Context, st *ItemStatus, step, reason string, out Outcome) (bool, error) {
	err := s.resolveOne(ctx, st, &st.submit, "submit", step, reason)
	if err != nil && !errors.Is(err, ledger.ErrPendingResolved) {
		return false, err
	}
	now, rerr := s.itemState(ctx, st.Batch, st.Item)
	if rerr != nil {
		return false, rerr
	}
	if ferr := s.finish(ctx, now); ferr != nil {
		return false, ferr
	}
	if err != nil { // another writer decided first: apply the outcome to what it decided
		return s.apply(ctx, now, out)
	}
	return true, nil
}

// finish resolves the reservation the way the submission was resolved (a
// crash may have come between the two).
func (s *Service) finish(ctx context.Context, st *ItemStatus) error {
	switch {
	case st.reserveSt != ledger.PendingOpen:
		return nil
	case st.submitSt == ledger.PendingPosted:
		return s.resolveOne(ctx, st, &st.reserve, "reserve", StepPaid, st.Reason)
	case st.submitSt == ledger.PendingVoided:
		return s.resolveOne(ctx, st, &st.reserve, "reserve", StepFailed, st.Reason)
	}
	return nil
}

// resolveOne posts (StepPaid) or voids (StepFailed) one of an item's
// pending transactions. A key already used is the same step done before.
func (s *Service) resolveOne(ctx context.Context, st *ItemStatus, pending *ledger.Transaction, which, step, reason string) error {
	meta := stepMeta(st.reserve.Metadata, step)
	if reason != "" {
		meta[MetaReason] = reason
	}
	in := ledger.PendingInput{Key: "payout:" + step + ":" + st.Item + ":" + which, PendingID: pending.ID, Metadata: meta}
	var err error
	if step == StepPaid {
		_, err = s.l.PostPending(ctx, in)
	} else {
		_, err = s.l.VoidPending(ctx, in)
	}
	if err != nil && !errors.Is(err, ledger.ErrIdempotencyConflict) {
		return fmt.Errorf("payout: %s %s: %w", step, st.Item, err)
	}
	return nil
}

// returned posts the compensating transaction of a paid item that came
// back: the reservation's postings mirrored, so the partner's payable is
// re-credited and withholding and fees are undone.
func (s *Service) returned(ctx context.Context, st *ItemStatus, reason string) error {
	if err := s.finish(ctx, st); err != nil {
		return err
	}
	ps := make([]ledger.Posting, 0, len(st.reserve.Postings))
	for _, p := range st.reserve.Postings {
		acct := p.Account
		if p.Side == ledger.Credit && acct == st.submit.Postings[1].Account {
			acct = st.submit.Postings[0].Account // the money came back to cash
		}
		ps = append(ps, ledger.Posting{Account: acct, Side: p.Side.Opposite(), Amount: p.Amount})
	}
	meta := stepMeta(st.reserve.Metadata, StepReturned)
	meta[MetaReason] = reason
	meta[accrue.MetaReverses] = st.reserve.ID
	_, err := s.l.Post(ctx, ledger.TxInput{Key: "payout:returned:" + st.Item, Postings: ps, Metadata: meta})
	if err != nil && !errors.Is(err, ledger.ErrIdempotencyConflict) {
		return fmt.Errorf("payout: return %s: %w", st.Item, err)
	}
	return nil
}

// stepMeta returns the lineage of a reservation with step set, without the
// reservation-only keys.
func stepMeta(m map[string]string, step string) map[string]string {
	out := map[string]string{MetaStep: step}
	for _, k := range []string{accrue.MetaBatchID, accrue.MetaItemID, accrue.MetaPartnerID, MetaRun, MetaKey} {
		out[k] = m[k]
	}
	return out
}
