package payout

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
)

// ItemState is where an item is in its life cycle, as the ledger records
// it.
type ItemState uint8

// Item states. Moves are one-way (Reserved → Submitted → Paid or Failed),
// except Paid → Returned (a bounce or reversal, which re-credits the
// partner).
const (
	StateReserved  ItemState = iota + 1 // reservation written, never handed to the provider
	StateSubmitted                      // handed (or about to be handed) to the provider; outcome open
	StatePaid                           // paid
	StateFailed                         // not paid; the money is back in the partner's payable balance
	StateReturned                       // paid, then came back; the partner's payable is re-credited
)

var stateNames = [...]string{"", "reserved", "submitted", "paid", "failed", "returned"}

// String returns the state's name.
func (s ItemState) String() string {
	if s >= StateReserved && s <= StateReturned {
		return stateNames[s]
	}
	return fmt.Sprintf("ItemState(%d)", uint8(s))
}

// ItemStatus is an item's state rebuilt from the ledger.
type ItemStatus struct {
	Batch, Item, Key, Partner string
	State                     ItemState
	// SubmittedAt is when the submission record was written (the start of
	// the provider's dedup window); zero before.
	SubmittedAt time.Time
	// Reason is why the item failed or came back, when recorded.
	Reason string

	reserve, submit     ledger.Transaction
	reserveSt, submitSt ledger.PendingStatus
	returned            bool
	at                  time.Time // the latest recorded time of the item's transactions
}

// stateBuilder derives item states from an item's transactions.
type stateBuilder struct {
	batchID   string
	out       map[string]*ItemStatus
	byPending map[string]ledger.Transaction // resolving transaction by pending id
}

func newStateBuilder(batchID string) *stateBuilder {
	return &stateBuilder{batchID: batchID, out: map[string]*ItemStatus{}, byPending: map[string]ledger.Transaction{}}
}

// add takes one transaction of the batch, in commit order.
func (b *stateBuilder) add(tx *ledger.Transaction) {
	id := tx.Metadata[accrue.MetaItemID]
	st := b.out[id]
	if st == nil {
		st = &ItemStatus{Batch: b.batchID, Item: id, Key: tx.Metadata[MetaKey], Partner: tx.Metadata[accrue.MetaPartnerID]}
		b.out[id] = st
	}
	if tx.RecordedAt.After(st.at) {
		st.at = tx.RecordedAt
	}
	switch {
	case tx.Kind == ledger.KindPending && tx.Metadata[MetaStep] == StepReserve:
		st.reserve = *tx
	case tx.Kind == ledger.KindPending && tx.Metadata[MetaStep] == StepSubmit:
		st.submit = *tx
		st.SubmittedAt = tx.RecordedAt
	case tx.Kind == ledger.KindPostPending || tx.Kind == ledger.KindVoidPending:
		b.byPending[tx.Pending] = *tx
		if r := tx.Metadata[MetaReason]; r != "" {
			st.Reason = r
		}
	case tx.Metadata[MetaStep] == StepReturned:
		st.returned = true
		st.Reason = tx.Metadata[MetaReason]
	}
}

// states derives each item's state.
func (b *stateBuilder) states() map[string]*ItemStatus {
	status := func(tx *ledger.Transaction) ledger.PendingStatus {
		if tx.ID == "" {
			return ledger.PendingNone
		}
		r, ok := b.byPending[tx.ID]
		switch {
		case !ok:
			return ledger.PendingOpen
		case r.Kind == ledger.KindPostPending:
			return ledger.PendingPosted
		default:
			return ledger.PendingVoided
		}
	}
	for _, st := range b.out {
		st.reserveSt, st.submitSt = status(&st.reserve), status(&st.submit)
		switch {
		case st.returned:
			st.State = StateReturned
		case st.submitSt == ledger.PendingPosted:
			st.State = StatePaid
		case st.submitSt == ledger.PendingVoided:
			st.State = StateFailed
		case st.submitSt == ledger.PendingOpen:
			st.State = StateSubmitted
		case st.reserveSt == ledger.PendingVoided:
			st.State = StateFailed
		default:
			st.State = StateReserved
		}
	}
	return b.out
}

// itemStates rebuilds the states of a batch's items from the ledger's
// transactions tagged with the batch id (one scan of the batch).
func (s *Service) itemStates(ctx context.Context, batchID string) (map[string]*ItemStatus, error) {
	b := newStateBuilder(batchID)
	q := ledger.TxQuery{Metadata: map[string]string{accrue.MetaBatchID: batchID}, Limit: 1000}
	for {
		page, err := s.l.Transactions(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("payout: rebuild %s: %w", batchID, err)
		}
		for i := range page.Txs {
			b.add(&page.Txs[i])
		}
		if page.Next == "" {
			return b.states(), nil
		}
		q.After = page.Next
	}
}

// itemKeys are the ledger keys of an item's transactions, all derived
// from its id.
func itemKeys(itemID string) []string {
	return []string{
		"payout:reserve:" + itemID,
		"payout:submit:" + itemID,
		"payout:" + StepPaid + ":" + itemID + ":submit",
		"payout:" + StepFailed + ":" + itemID + ":submit",
		"payout:" + StepPaid + ":" + itemID + ":reserve",
		"payout:" + StepFailed + ":" + itemID + ":reserve",
		"payout:" + StepReturned + ":" + itemID,
	}
}

// itemState rebuilds one item's state from its transactions, found by key
// (no scan). It returns nil when the item has no reservation.
func (s *Service) itemState(ctx context.Context, batchID, itemID string) (*ItemStatus, error) {
	var txs []ledger.Transaction
	for _, k := range itemKeys(itemID) {
		tx, err := s.l.TxByKey(ctx, k)
		if errors.Is(err, ledger.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("payout: rebuild %s: %w", itemID, err)
		}
		if tx.Metadata[accrue.MetaBatchID] == batchID {
			txs = append(txs, tx)
		}
	}
	slices.SortFunc(txs, func(a, b ledger.Transaction) int { return cmp.Compare(a.Seq, b.Seq) })
	b := newStateBuilder(batchID)
	for i := range txs {
		b.add(&txs[i])
	}
	st := b.states()[itemID]
	if st == nil || st.reserve.ID == "" {
		return nil, fmt.Errorf("%w: item %s in batch %s", ErrNotFound, itemID, batchID)
	}
	return st, nil
}
