package payout

import (
	"context"
	"fmt"

	"github.com/accruehq/accrue"
)

// ApprovalPolicy says how many distinct approvers a batch needs. Every
// batch needs at least one approver who is not its creator (maker-checker);
// each rule that applies raises the number, and the largest wins.
type ApprovalPolicy struct {
	Rules []ApprovalRule
}

// ApprovalRule requires Approvers distinct approvers for a batch whose
// Total is above BatchAbove, or which holds an item whose Amount is above
// ItemAbove. A zero limit (or one in another currency than the batch)
// does not apply.
type ApprovalRule struct {
	BatchAbove accrue.Money
	ItemAbove  accrue.Money
	Approvers  int
}

// Required returns the number of distinct approvers b needs.
func (p ApprovalPolicy) Required(b *Batch) int {
	need := 1
	above := func(m, limit accrue.Money) bool {
		if limit.Currency() != m.Currency() || limit.IsZero() {
			return false
		}
		c, err := m.Cmp(limit)
		return err == nil && c > 0
	}
	for _, r := range p.Rules {
		if r.Approvers <= need {
			continue
		}
		hit := above(b.Total, r.BatchAbove)
		for i := 0; !hit && i < len(b.Items); i++ {
			hit = above(b.Items[i].Amount, r.ItemAbove)
		}
		if hit {
			need = r.Approvers
		}
	}
	return need
}

// Approve records approver's sign-off on the version hash of a batch. The
// creator cannot approve (ErrSelfApproval), nor can anyone approve twice
// (ErrDuplicateApproval) or approve a version that is not the batch's
// current one (ErrStaleApproval). Identity comes from the host.
func (s *Service) Approve(ctx context.Context, batchID, approver, hash string) (Approval, error) {
	b, err := s.store.Batch(ctx, batchID)
	if err != nil {
		return Approval{}, fmt.Errorf("payout: approve %s: %w", batchID, err)
	}
	switch {
	case approver == "":
		return Approval{}, errorf(ErrInvalidInput, "approve %s: empty approver", batchID)
	case hash != b.Hash || b.ContentHash() != b.Hash:
		return Approval{}, fmt.Errorf("%w: approve %s: hash %.12s, batch is %.12s", ErrStaleApproval, batchID, hash, b.ContentHash())
	case approver == b.Creator:
		return Approval{}, fmt.Errorf("%w: %s created batch %s", ErrSelfApproval, approver, batchID)
	}
	a := Approval{Approver: approver, At: s.cfg.Clock.Now().UTC(), Hash: hash}
	if err := s.store.AddApproval(ctx, batchID, a); err != nil {
		return Approval{}, fmt.Errorf("payout: approve %s: %w", batchID, err)
	}
	return a, nil
}

// CheckApproved returns the batch if its content matches its hash and it
// has enough distinct approvals (not by the creator) for that hash; else
// an error matching ErrBatchChanged or an *ApprovalError.
func (s *Service) CheckApproved(ctx context.Context, batchID string) (Batch, error) {
	b, err := s.store.Batch(ctx, batchID)
	if err != nil {
		return Batch{}, fmt.Errorf("payout: batch %s: %w", batchID, err)
	}
	if got := b.ContentHash(); got != b.Hash {
		return Batch{}, fmt.Errorf("%w: batch %s content hash %.12s, recorded %.12s", ErrBatchChanged, batchID, got, b.Hash)
	}
	as, err := s.store.Approvals(ctx, batchID)
	if err != nil {
		return Batch{}, fmt.Errorf("payout: batch %s: %w", batchID, err)
	}
	who := map[string]bool{}
	for _, a := range as {
		if a.Hash == b.Hash && a.Approver != b.Creator {
			who[a.Approver] = true
		}
	}
	if need := s.cfg.Approval.Required(&b); len(who) < need {
		return Batch{}, &ApprovalError{Batch: batchID, Need: need, Have: len(who)}
	}
	return b, nil
}
