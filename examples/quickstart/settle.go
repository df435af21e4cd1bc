package main

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/payout"
	"github.com/accruehq/accrue/payout/payouttest"
	"github.com/accruehq/accrue/reconcile"
)

// faults are the provider faults injected, per thousand items.
type faults struct {
	Fail, TimeoutBefore, TimeoutAfter int
}

var defaultFaults = faults{Fail: 8, TimeoutBefore: 10, TimeoutAfter: 10}

// faultProgram decides, from a hash of the seed and the item's key, which
// items the fake provider fails or times out on. A timeout happens on the
// first submission only, as a network blip would; a failure is final. It
// counts what it injected.
type faultProgram struct {
	seed  uint64
	rates faults
	mu    sync.Mutex
	calls map[string]int
	Count faults
}

func (f *faultProgram) decide(op, key string) payouttest.Fault {
	if op != "submit" {
		return payouttest.FaultNone
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[key]++
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%s", f.seed, key)
	x := int(h.Sum64() % 1000)
	switch {
	case x < f.rates.Fail:
		f.Count.Fail++
		return payouttest.FaultFail
	case f.calls[key] > 1:
		return payouttest.FaultNone
	case x < f.rates.Fail+f.rates.TimeoutBefore:
		f.Count.TimeoutBefore++
		return payouttest.FaultTimeoutBefore
	case x < f.rates.Fail+f.rates.TimeoutBefore+f.rates.TimeoutAfter:
		f.Count.TimeoutAfter++
		return payouttest.FaultTimeoutAfter
	}
	return payouttest.FaultNone
}

// settlement is the outcome of paying and reconciling.
type settlement struct {
	Injected faults
	Passes   int             // Execute passes until every item was settled
	Reports  []payout.Report // the last pass's report per batch
	Items    map[string]payout.ItemStatus
	Bounced  string // the item key the bank sent back
	Updates  int    // status updates delivered (duplicated, out of order)
	Applied  int    // updates that changed something
	// PaidByProvider is what the provider says left and stayed out.
	PaidByProvider accrue.Money
	MaxPaid        int // the most times the provider paid one key (1: exactly once)
	// Before and After are the reconciliations of the ledger's paid items
	// against the provider's settlement report, before and after the
	// provider's status updates were applied.
	Before, After *reconcile.Report
	Queue         *reconcile.MemoryQueue
	Settlement    []reconcile.Record // the provider's report, as read
}

// settle executes every approved batch against the fake provider with
// faults injected, resumes until each item is paid or failed (timeouts are
// resolved by looking the item up, never by blindly resubmitting), has the
// bank bounce one payment, and reconciles the ledger against the
// provider's settlement report before and after the provider's status
// updates arrive.
func settle(ctx context.Context, r *result, rates faults) (*settlement, error) {
	clock, svc := r.Books.Clock, r.Payouts.Service
	prog := &faultProgram{seed: r.Config.Seed, rates: rates, calls: map[string]int{}}
	fake := payouttest.NewFake(clock, payouttest.WithName(providerName), payouttest.WithProgram(prog.decide),
		payouttest.WithCapabilities(payout.Capabilities{MaxItems: 500, DedupWindow: 24 * time.Hour, Lookup: true}))
	ex, err := svc.Executor(providerName, fake)
	if err != nil {
		return nil, err
	}
	s := &settlement{Items: map[string]payout.ItemStatus{}, Queue: &reconcile.MemoryQueue{}}
	for _, b := range r.Payouts.Run.Batches {
		for pass := 1; ; pass++ {
			if pass > 10 {
				return nil, fmt.Errorf("batch %s: items still open after %d passes", b.ID, pass-1)
			}
			rep, err := ex.Execute(ctx, b.ID)
			if err != nil {
				clock.Advance(time.Minute) // a transient provider error: try again shortly
				continue
			}
			s.Passes = max(s.Passes, pass)
			if rep.Reserved+rep.Submitted == 0 || len(rep.Exceptions) > 0 {
				s.Reports = append(s.Reports, rep)
				break
			}
			clock.Advance(10 * time.Minute)
		}
	}
	s.Injected = prog.Count
	paid, err := itemStates(ctx, r, s)
	if err != nil {
		return nil, err
	}

	// A week later the bank sends one payment back (an account closed).
	clock.Advance(7 * 24 * time.Hour)
	if len(paid) > 0 {
		s.Bounced = paid[len(paid)/2].Key
		if _, err := fake.Bounce(s.Bounced, "account closed"); err != nil {
			return nil, err
		}
	}
	rc, err := reconcile.New(reconcile.Config{Rules: reconcile.DefaultRules(), Queue: s.Queue, AsOf: clock.Now()})
	if err != nil {
		return nil, err
	}
	if s.Before, err = reconcileRun(ctx, rc, r, s, fake); err != nil {
		return nil, err
	}

	// The provider's status updates arrive, some twice, out of order; each
	// is applied once.
	// An update confirming the state the ledger already records (the paid
	// outcomes Submit returned) is acknowledged without work: looking an
	// item up by key is a scan of the ledger's history in payout today.
	ups := fake.Updates(rand.New(rand.NewPCG(r.Config.Seed, 0x5eed)), 0.2)
	s.Updates = len(ups)
	for _, u := range ups {
		if st, ok := s.Items[u.Key]; ok && sameState(st.State, u.Outcome.Status) {
			continue
		}
		ok, err := ex.Apply(ctx, u)
		if err != nil {
			return nil, fmt.Errorf("update %s: %w", u.EventID, err)
		}
		if ok {
			s.Applied++
		}
	}
	if _, err := itemStates(ctx, r, s); err != nil {
		return nil, err
	}
	// The break the bounce caused is explained by the return the update
	// booked: record that in the queue.
	for _, b := range s.Before.Breaks {
		if b.Reason == reconcile.ReasonMissingExternal && slices.Contains(b.LeftIDs, s.Items[s.Bounced].Item) {
			if err := s.Queue.Resolve(ctx, b.ID, reconcile.Resolution{Kind: reconcile.Adjust, By: "payout webhook",
				At: clock.Now(), Note: "returned by the bank; the partner's payable was re-credited"}); err != nil {
				return nil, err
			}
		}
	}
	if s.After, err = reconcileRun(ctx, rc, r, s, fake); err != nil {
		return nil, err
	}

	s.PaidByProvider = accrue.Zero(usd)
	for k, units := range fake.PaidTotals() {
		if !strings.HasSuffix(k, "/USD") {
			return nil, fmt.Errorf("provider paid %s in another currency", k)
		}
		s.PaidByProvider, _ = s.PaidByProvider.Add(accrue.FromMinorUnits(units, usd))
	}
	s.MaxPaid = fake.MaxPaid()
	return s, nil
}

// sameState reports whether an item's ledger state already is a provider
// status.
func sameState(st payout.ItemState, s payout.Status) bool {
	return st == payout.StatePaid && s == payout.StatusPaid || st == payout.StateFailed && s == payout.StatusFailed
}

// itemStates reads every item's state from the ledger (through payout) and
// returns the paid ones in batch order.
func itemStates(ctx context.Context, r *result, s *settlement) ([]payout.ItemStatus, error) {
	var paid []payout.ItemStatus
	for _, b := range r.Payouts.Run.Batches {
		sts, err := r.Payouts.Service.Status(ctx, b.ID)
		if err != nil {
			return nil, err
		}
		for _, st := range sts {
			s.Items[st.Key] = st
			if st.State == payout.StatePaid {
				paid = append(paid, st)
			}
		}
	}
	return paid, nil
}

// reconcileRun matches the items the ledger says were paid with the
// provider's settlement report: one line per payment that left and stayed
// out, as the provider sees it (its reference, the partner, the amount),
// plus a payment someone made by hand in the provider's dashboard.
func reconcileRun(ctx context.Context, rc *reconcile.Reconciler, r *result, s *settlement, fake *payouttest.Fake) (*reconcile.Report, error) {
	tier := map[string]string{}
	for _, p := range r.Program.Partners {
		tier[p.ID] = p.Tier
	}
	var internal []reconcile.Record
	for _, b := range r.Payouts.Run.Batches {
		for _, it := range b.Items {
			if s.Items[it.Key].State != payout.StatePaid {
				continue
			}
			internal = append(internal, reconcile.Record{ID: it.ID, Source: "ledger", References: []string{it.Key},
				Amount: it.Amount, Date: b.Cutoff, Counterparty: it.Partner, Metadata: map[string]string{"tier": tier[it.Partner]}})
		}
	}
	var external []reconcile.Record
	for _, l := range fake.Settlement() {
		if l.Returned {
			continue // the money came back: the report nets it out
		}
		external = append(external, reconcile.Record{ID: l.Ref, Source: providerName, References: []string{l.Key},
			Amount: l.Amount, Date: l.PaidAt, Counterparty: l.Partner})
	}
	external = append(external, reconcile.Record{ID: "ref-manual-0001", Source: providerName + " dashboard",
		Amount: accrue.MustParseMoney("25.00 USD"), Date: r.Program.End, Counterparty: "p-unknown"})
	s.Settlement = external
	return rc.Run(ctx, reconcile.Side{Name: "ledger", Records: internal}, reconcile.Side{Name: providerName, Records: external})
}
