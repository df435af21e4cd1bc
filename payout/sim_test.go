package payout_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
	"github.com/accruehq/accrue/payout"
	"github.com/accruehq/accrue/payout/payouttest"
	"github.com/shopspring/decimal"
)

// TestSimulationExactlyOnce runs 1,000 seeded random programs: a few
// partners with earnings and clawbacks, one run of batches, then a random
// interleaving of executions by fresh executors (a crash between every
// step), provider faults (timeouts before and after accepting, failures,
// pending items, lookup errors), ledger store errors (before and after
// commit), clock jumps past the dedup window, bounces, and duplicated,
// reordered status updates. Then faults stop, exceptions are resolved from
// the provider's truth, and it checks: no key paid twice; every item
// final; what the provider paid each partner equals the items the ledger
// records as paid; each partner's earnings = remaining payable + paid
// gross (net + withholding + fees); every currency in the ledger sums to
// zero. Every 50th seed runs twice and must produce the same ledger.
//
// Replay one seed with PAYOUT_SEED=<n> or -run 'TestSimulationExactlyOnce/seed=<n>$'.
func TestSimulationExactlyOnce(t *testing.T) {
	seeds := make([]uint64, 0, 1000)
	if s := os.Getenv("PAYOUT_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("PAYOUT_SEED=%q: %v", s, err)
		}
		seeds = append(seeds, n)
	} else {
		for s := range uint64(1000) {
			seeds = append(seeds, s)
		}
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			d := simulate(t, seed)
			if seed%50 == 0 {
				if again := simulate(t, seed); again != d {
					t.Errorf("seed %d is not reproducible: ledger digest %s then %s", seed, d, again)
				}
			}
			if t.Failed() {
				t.Logf("replay: PAYOUT_SEED=%d go test -run TestSimulationExactlyOnce ./payout/", seed)
			}
		})
	}
}

// simulate runs one seed and returns a digest of the final ledger.
func simulate(t *testing.T, seed uint64) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 0x9a7))
	fs := &faultStore{}
	methods := payout.DefaultMethods()
	pp := methods[payout.PayPal]
	pp.Fee = payout.Fee{Fixed: []accrue.Money{accrue.FromMinorUnits(rng.Int64N(3)*25, usd)}}
	methods[payout.PayPal] = pp
	e := newEnv(t, fs.wrap(nil), payout.Config{Methods: methods, ItemLimit: 1 + rng.IntN(3),
		Thresholds: []accrue.Money{accrue.FromMinorUnits(500, usd)}})
	ctx := context.Background()

	// Partners and earnings.
	earned := map[string]int64{}
	n := 2 + rng.IntN(3)
	for i := range n {
		id := fmt.Sprintf("p%d", i)
		p := e.partner(id)
		if rng.IntN(6) == 0 {
			p.Hold = "dispute"
		}
		p.Withholding = decimal.New(int64(rng.IntN(3))*10, -2)
		e.set(*p)
		for range 1 + rng.IntN(3) {
			u := 100 + rng.Int64N(5000)
			if rng.IntN(8) == 0 {
				u = -u / 2
			}
			e.earn(t, id, usd, u)
			earned[id] += u
		}
	}

	// Build under store faults, retrying: a crashed build is finished by
	// the next.
	fs.random(rng, 0.15)
	var run payout.Run
	for attempt := 0; ; attempt++ {
		r, err := e.svc.Build(ctx, payout.BuildRequest{Run: "run-1", Period: "2026-11", Creator: "maker"})
		if err == nil {
			run = r
			break
		}
		if attempt > 50 {
			t.Fatalf("seed %d: build keeps failing: %v", seed, err)
		}
	}
	fs.off()
	e.approve(t, run)
	fs.random(rng, 0.1)

	lookup := rng.IntN(4) != 0
	fake := payouttest.NewFake(e.clock, payouttest.WithName("paypal"),
		payouttest.WithCapabilities(payout.Capabilities{MaxItems: 1 + rng.IntN(3), DedupWindow: 24 * time.Hour, Lookup: lookup}),
		payouttest.WithDelay(time.Duration(1+rng.IntN(3))*time.Hour))
	faults := []payouttest.Fault{payouttest.FaultNone, payouttest.FaultNone, payouttest.FaultNone,
		payouttest.FaultTimeoutBefore, payouttest.FaultTimeoutAfter, payouttest.FaultFail, payouttest.FaultPending}
	fake.SetProgram(func(op, key string) payouttest.Fault {
		if op == "lookup" {
			if rng.IntN(8) == 0 {
				return payouttest.FaultLookupError
			}
			return payouttest.FaultNone
		}
		return faults[rng.IntN(len(faults))]
	})
	var queue []payout.Update
	deliver := func(x *payout.Executor) {
		queue = append(queue, fake.Updates(rng, 0.3)...)
		var keep []payout.Update
		for _, u := range queue {
			if _, err := x.Apply(ctx, u); err != nil {
				keep = append(keep, u) // a store error: the webhook is redelivered later
			}
		}
		queue = keep
	}
	executor := func() *payout.Executor {
		x, err := e.svc.Executor("paypal", fake)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	for range 10 + rng.IntN(20) {
		x := executor() // a new executor every step: the old one "crashed"
		switch rng.IntN(6) {
		case 0, 1, 2:
			if len(run.Batches) > 0 {
				_, _ = x.Execute(ctx, run.Batches[rng.IntN(len(run.Batches))].ID)
			}
		case 3:
			deliver(x)
		case 4:
			if rng.IntN(5) == 0 {
				e.clock.Advance(30 * time.Hour) // past the dedup window
			} else {
				e.clock.Advance(time.Duration(rng.IntN(120)) * time.Minute)
			}
		case 5:
			if keys := fake.PaidKeys(); len(keys) > 0 && rng.IntN(2) == 0 {
				_, _ = fake.Bounce(keys[rng.IntN(len(keys))], "account closed")
			}
		}
	}

	// Recovery: no more faults; run until every item is final, resolving
	// exceptions from the provider's truth as a person would.
	fs.off()
	fake.SetProgram(nil)
	recoverRun(t, seed, e, run, fake, func(x *payout.Executor) int { deliver(x); return len(queue) })
	dumpLedger(t, e)
	checkSimulation(t, seed, e, run, fake, earned)
	return ledgerDigest(t, e)
}

// recoverRun executes every batch with fresh executors until every item is
// final, resolving exceptions from the provider's truth as a person would;
// deliver applies pending webhooks and returns how many are left.
func recoverRun(t *testing.T, seed uint64, e *env, run payout.Run, fake *payouttest.Fake, deliver func(*payout.Executor) int) {
	t.Helper()
	for round := 0; ; round++ {
		x, err := e.svc.Executor("paypal", fake)
		if err != nil {
			t.Fatal(err)
		}
		open := 0
		for _, b := range run.Batches {
			rep, err := x.Execute(e.ctx, b.ID)
			if err != nil {
				t.Fatalf("seed %d: recovery execute %s: %v", seed, b.ID, err)
			}
			for _, ex := range rep.Exceptions {
				out := payout.Outcome{Status: payout.StatusFailed, Reason: "not paid per provider"}
				if fake.Paid(ex.Key) > 0 {
					out = payout.Outcome{Status: payout.StatusPaid}
				}
				if err := e.svc.Resolve(e.ctx, b.ID, ex.Item, out); err != nil {
					t.Fatalf("seed %d: resolve %s: %v", seed, ex.Item, err)
				}
			}
			open += rep.Reserved + rep.Submitted
		}
		if left := deliver(x); open == 0 && left == 0 {
			return
		}
		if round > 20 {
			t.Fatalf("seed %d: %d items still open after recovery", seed, open)
		}
		e.clock.Advance(time.Hour)
	}
}

// checkSimulation asserts the end state of a run: nothing paid twice,
// every item final, provider and ledger agree per partner, and the ledger
// sums to zero.
func checkSimulation(t *testing.T, seed uint64, e *env, run payout.Run, fake *payouttest.Fake, earned map[string]int64) {
	t.Helper()
	if m := fake.MaxPaid(); m > 1 {
		t.Errorf("seed %d: a key was paid %d times", seed, m)
	}
	units := func(m accrue.Money) int64 { u, _ := m.MinorUnits(); return u }
	paidNet := map[string]int64{}
	deducted := map[string]int64{} // withholding and fees of paid items
	for _, b := range run.Batches {
		sts, err := e.svc.Status(e.ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i, st := range sts {
			it := b.Items[i]
			switch st.State {
			case payout.StatePaid:
				paidNet[it.Partner] += units(it.Amount)
				deducted[it.Partner] += units(it.Withholding) + units(it.Fee)
			case payout.StateFailed, payout.StateReturned:
			default:
				t.Errorf("seed %d: item %s ends %s", seed, it.ID, st.State)
			}
		}
	}
	provider := fake.PaidTotals()
	for id, earn := range earned {
		if got := provider[id+"/USD"]; got != paidNet[id] {
			t.Errorf("seed %d: provider paid %s %d, ledger says %d", seed, id, got, paidNet[id])
		}
		b, err := e.l.Balance(e.ctx, "liabilities:partners:"+id+":payable")
		if err != nil {
			t.Fatal(err)
		}
		// Paid = earned - what is still owed (held, carried, failed,
		// returned) - withholding - fees.
		if left := units(b.Posted); provider[id+"/USD"] != earn-left-deducted[id] {
			t.Errorf("seed %d: %s paid %d, but earned %d - left %d - withholding and fees %d = %d",
				seed, id, provider[id+"/USD"], earn, left, deducted[id], earn-left-deducted[id])
		}
		if !b.PendingOut.IsZero() {
			t.Errorf("seed %d: %s still has %s reserved", seed, id, b.PendingOut)
		}
	}
	checkZeroSum(t, e)
}

// checkZeroSum asserts that, per currency, debits equal credits over all
// accounts, posted and pending.
func checkZeroSum(t tb, e *env) {
	t.Helper()
	sum := map[accrue.Currency][2]int64{}
	var after string
	for {
		page, err := e.l.Store().ListAccounts(e.ctx, "", after, 1000, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range page {
			c := a.Counters
			s := sum[a.Account.Currency]
			s[0] += c.DebitsPosted - c.CreditsPosted
			s[1] += c.DebitsPending - c.CreditsPending
			sum[a.Account.Currency] = s
		}
		if len(page) < 1000 {
			break
		}
		after = page[len(page)-1].Account.Name
	}
	for cur, s := range sum {
		if s != [2]int64{} {
			t.Errorf("%s does not sum to zero: posted %d, pending %d", cur, s[0], s[1])
		}
	}
}

// ledgerDigest hashes every transaction's key, kind and postings in order.
func ledgerDigest(t *testing.T, e *env) string {
	t.Helper()
	h := sha256.New()
	q := ledger.TxQuery{Limit: 10000}
	for {
		p, err := e.l.Transactions(e.ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, tx := range p.Txs {
			fmt.Fprintf(h, "%s|%s|%v|%v\n", tx.Key, tx.Kind, tx.Postings, tx.RecordedAt.UnixNano())
		}
		if p.Next == "" {
			return hex.EncodeToString(h.Sum(nil))
		}
		q.After = p.Next
	}
}

// dumpLedger logs every transaction when PAYOUT_DUMP is set, to read a
// failing seed's history.
func dumpLedger(t *testing.T, e *env) {
	if os.Getenv("PAYOUT_DUMP") == "" {
		return
	}
	p, _ := e.l.Transactions(e.ctx, ledger.TxQuery{Limit: 10000})
	for _, tx := range p.Txs {
		t.Logf("%d %s %s %v %v pend=%s", tx.Seq, tx.Key, tx.Kind, tx.Postings, tx.Metadata["payout_step"], tx.Pending)
	}
}
