package payout_test

import (
	"errors"
	"testing"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/payout"
)

func TestApprovals(t *testing.T) {
	e := newEnv(t, nil, payout.Config{Approval: payout.ApprovalPolicy{Rules: []payout.ApprovalRule{
		{BatchAbove: accrue.FromMinorUnits(100000, usd), Approvers: 2},
		{ItemAbove: accrue.FromMinorUnits(500000, usd), Approvers: 3},
	}}})
	e.partner("a")
	e.earn(t, "a", usd, 150000)
	r := e.build(t, "r")
	b := r.Batches[0]
	before := e.txCount(t)
	steps := []struct {
		who, hash string
		want      error
	}{
		{"maker", b.Hash, payout.ErrSelfApproval},
		{"c1", "deadbeef", payout.ErrStaleApproval},
		{"c1", b.Hash, nil},
		{"c1", b.Hash, payout.ErrDuplicateApproval},
	}
	for _, s := range steps {
		if _, err := e.svc.Approve(e.ctx, b.ID, s.who, s.hash); !errors.Is(err, s.want) {
			t.Fatalf("Approve(%s, %.8s) = %v, want %v", s.who, s.hash, err, s.want)
		}
	}
	var ae *payout.ApprovalError
	if _, err := e.svc.CheckApproved(e.ctx, b.ID); !errors.As(err, &ae) || ae.Need != 2 || ae.Have != 1 {
		t.Fatalf("CheckApproved with one of two approvals = %v", err)
	}
	if _, err := e.svc.Approve(e.ctx, b.ID, "c2", b.Hash); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CheckApproved(e.ctx, b.ID); err != nil {
		t.Fatalf("CheckApproved with two approvals: %v", err)
	}
	if _, err := e.svc.Approve(e.ctx, "nope", "c2", b.Hash); !errors.Is(err, payout.ErrNotFound) {
		t.Fatalf("approving a missing batch: %v", err)
	}
	if after := e.txCount(t); after != before {
		t.Fatalf("approvals wrote %d ledger transactions", after-before)
	}
}

func TestApprovalPolicyRequired(t *testing.T) {
	p := payout.ApprovalPolicy{Rules: []payout.ApprovalRule{
		{BatchAbove: accrue.FromMinorUnits(1000, usd), Approvers: 2},
		{ItemAbove: accrue.FromMinorUnits(800, usd), Approvers: 3},
		{BatchAbove: accrue.FromMinorUnits(1, eur), Approvers: 5},
	}}
	item := func(u int64) payout.Item { return payout.Item{Amount: accrue.FromMinorUnits(u, usd)} }
	tests := []struct {
		name  string
		batch payout.Batch
		want  int
	}{
		{"small", payout.Batch{Total: accrue.FromMinorUnits(1000, usd), Items: []payout.Item{item(500), item(500)}}, 1},
		{"big batch", payout.Batch{Total: accrue.FromMinorUnits(1001, usd), Items: []payout.Item{item(501), item(500)}}, 2},
		{"big item", payout.Batch{Total: accrue.FromMinorUnits(801, usd), Items: []payout.Item{item(801)}}, 3},
	}
	for _, tc := range tests {
		if got := p.Required(&tc.batch); got != tc.want {
			t.Errorf("%s: Required = %d, want %d", tc.name, got, tc.want)
		}
	}
}
