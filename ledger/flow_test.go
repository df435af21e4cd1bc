package ledger_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
)

const (
	expense = "expense:commissions"
	pending = "liabilities:partners:p-1:pending"
	payable = "liabilities:partners:p-1:payable"
	cash    = "assets:cash"
)

func mustPost(t *testing.T, l *ledger.Ledger, in ledger.TxInput) ledger.Transaction {
	t.Helper()
	tx, err := l.Post(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return tx
}

func wantBalance(t *testing.T, l *ledger.Ledger, account, posted, available string) {
	t.Helper()
	b, err := l.Balance(context.Background(), account)
	if err != nil {
		t.Fatal(err)
	}
	if b.Posted.String() != posted+" USD" || b.Available.String() != available+" USD" {
		t.Fatalf("%s: posted %s available %s, want %s %s", account, b.Posted, b.Available, posted, available)
	}
}

func TestHoldPostPartialAndResolveOnce(t *testing.T) {
	ctx := context.Background()
	l, _ := newTestLedger(t)
	mustPost(t, l, transfer("accrue", expense, payable, "100.00"))
	hold, err := l.Hold(ctx, transfer("hold", payable, cash, "60.00"))
	if err != nil {
		t.Fatal(err)
	}
	wantBalance(t, l, payable, "100.00", "40.00")
	// The hold reserves: 50 more would overdraw the available 40.
	if _, err := l.Post(ctx, transfer("too-much", payable, cash, "50.00")); !errors.Is(err, ledger.ErrInsufficientFunds) {
		t.Fatalf("got %v", err)
	}
	got, err := l.PostPending(ctx, ledger.PendingInput{Key: "post-hold", PendingID: hold.ID, Amount: usdm("45.00")})
	if err != nil {
		t.Fatal(err)
	}
	if got.Kind != ledger.KindPostPending || got.Pending != hold.ID || len(got.Postings) != 2 {
		t.Fatalf("post pending: %+v", got)
	}
	wantBalance(t, l, payable, "55.00", "55.00")
	if _, err := l.VoidPending(ctx, ledger.PendingInput{Key: "void-hold", PendingID: hold.ID}); !errors.Is(err, ledger.ErrPendingResolved) {
		t.Fatalf("void after post: %v", err)
	}
	again, err := l.PostPending(ctx, ledger.PendingInput{Key: "post-hold", PendingID: hold.ID, Amount: usdm("45.00")})
	if err != nil || again.ID != got.ID {
		t.Fatalf("replay: %v", err)
	}
	st, err := l.PendingStatus(ctx, hold.ID)
	if err != nil || st != ledger.PendingPosted {
		t.Fatalf("status %v %v", st, err)
	}
}

func TestPendingExpiry(t *testing.T) {
	ctx := context.Background()
	l, clock := newTestLedger(t)
	mustPost(t, l, transfer("accrue", expense, payable, "10.00"))
	in := transfer("hold", payable, cash, "10.00")
	in.ExpiresAt = t0.Add(time.Hour)
	hold, err := l.Hold(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := l.ExpirePending(ctx); n != 0 || err != nil {
		t.Fatalf("early expiry: %d %v", n, err)
	}
	clock.Advance(time.Hour)
	if _, err := l.PostPending(ctx, ledger.PendingInput{Key: "late", PendingID: hold.ID}); !errors.Is(err, ledger.ErrPendingExpired) {
		t.Fatalf("post after expiry: %v", err)
	}
	if n, err := l.ExpirePending(ctx); n != 1 || err != nil {
		t.Fatalf("expiry: %d %v", n, err)
	}
	if n, err := l.ExpirePending(ctx); n != 0 || err != nil {
		t.Fatalf("second expiry: %d %v", n, err)
	}
	wantBalance(t, l, payable, "10.00", "10.00")
	if st, _ := l.PendingStatus(ctx, hold.ID); st != ledger.PendingExpired {
		t.Fatalf("status %v", st)
	}
}

func TestReversePartialCapped(t *testing.T) {
	ctx := context.Background()
	l, _ := newTestLedger(t)
	orig := mustPost(t, l, transfer("accrue", expense, pending, "10.00"))
	r1, err := l.Reverse(ctx, ledger.ReverseInput{Key: "refund-1", TxID: orig.ID, Amount: usdm("3.00")})
	if err != nil {
		t.Fatal(err)
	}
	if r1.Reverses != orig.ID || r1.Metadata[accrue.MetaReverses] != orig.ID {
		t.Fatalf("link: %+v", r1)
	}
	if _, err := l.Reverse(ctx, ledger.ReverseInput{Key: "refund-2", TxID: orig.ID, Amount: usdm("7.01")}); !errors.Is(err, ledger.ErrReversalExceeded) {
		t.Fatalf("beyond cap: %v", err)
	}
	if _, err := l.Reverse(ctx, ledger.ReverseInput{Key: "refund-1", TxID: orig.ID, Amount: usdm("3.00")}); err != nil {
		t.Fatalf("replay: %v", err)
	}
	if _, err := l.Reverse(ctx, ledger.ReverseInput{Key: "refund-1", TxID: orig.ID, Amount: usdm("4.00")}); !errors.Is(err, ledger.ErrIdempotencyConflict) {
		t.Fatalf("replay with another amount: %v", err)
	}
	if _, err := l.Reverse(ctx, ledger.ReverseInput{Key: "rest", TxID: orig.ID}); err != nil {
		t.Fatal(err)
	}
	wantBalance(t, l, pending, "0.00", "0.00")
	if _, err := l.Reverse(ctx, ledger.ReverseInput{Key: "again", TxID: orig.ID}); !errors.Is(err, ledger.ErrReversalExceeded) {
		t.Fatalf("after full: %v", err)
	}
}

func TestClosePeriodAndAsOf(t *testing.T) {
	ctx := context.Background()
	l, clock := newTestLedger(t)
	jan, feb := t0.Add(24*time.Hour), t0.Add(40*24*time.Hour)
	in := transfer("jan", expense, pending, "5.00")
	in.EffectiveAt = jan
	orig := mustPost(t, l, in)
	clock.Set(feb)
	if err := l.ClosePeriod(ctx, t0.Add(31*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	late := transfer("jan-late", expense, pending, "1.00")
	late.EffectiveAt = jan
	if _, err := l.Post(ctx, late); !errors.Is(err, ledger.ErrPeriodClosed) {
		t.Fatalf("closed: %v", err)
	}
	// Replay of a transaction inside the closed period still returns it.
	if tx, err := l.Post(ctx, in); err != nil || tx.ID != orig.ID {
		t.Fatalf("replay in closed period: %v", err)
	}
	if _, err := l.Reverse(ctx, ledger.ReverseInput{Key: "fix", TxID: orig.ID}); err != nil {
		t.Fatal(err)
	}
	b, err := l.BalanceAsOf(ctx, pending, jan)
	if err != nil || b.Posted.String() != "5.00 USD" {
		t.Fatalf("as of jan: %v %v", b.Posted, err)
	}
	b, _ = l.BalanceAsOf(ctx, pending, feb)
	if b.Posted.String() != "0.00 USD" {
		t.Fatalf("as of feb: %v", b.Posted)
	}
	b, _ = l.BalanceAsOf(ctx, pending, t0)
	if b.Posted.String() != "0.00 USD" {
		t.Fatalf("as of start: %v", b.Posted)
	}
}

func TestQueriesPaginateAndFilter(t *testing.T) {
	ctx := context.Background()
	l, _ := newTestLedger(t)
	for i := range 7 {
		in := transfer("k"+string(rune('a'+i)), expense, pending, "1.00")
		in.EffectiveAt = t0.Add(time.Duration(i) * time.Hour)
		if i%2 == 0 {
			in.Metadata = map[string]string{accrue.MetaBatchID: "b-1"}
		}
		mustPost(t, l, in)
	}
	var seen []uint64
	var cur ledger.Cursor
	for {
		p, err := l.Entries(ctx, ledger.EntryQuery{Account: pending, After: cur, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range p.Entries {
			seen = append(seen, e.Seq)
		}
		if p.Next == "" {
			break
		}
		cur = p.Next
	}
	if len(seen) != 7 || seen[0] != 1 || seen[6] != 7 {
		t.Fatalf("entries %v", seen)
	}
	p, err := l.Transactions(ctx, ledger.TxQuery{Metadata: map[string]string{accrue.MetaBatchID: "b-1"}, From: t0.Add(time.Hour), To: t0.Add(6 * time.Hour)})
	if err != nil || len(p.Txs) != 2 || p.Txs[0].Seq != 3 || p.Txs[1].Seq != 5 {
		t.Fatalf("filtered: %v %+v", err, p.Txs)
	}
	totals, err := l.RollUp(ctx, "liabilities:partners:")
	if err != nil || len(totals) != 1 || totals[0].Posted.String() != "7.00 USD" || totals[0].Accounts != 2 {
		t.Fatalf("rollup %v %+v", err, totals)
	}
	if _, err := l.Entries(ctx, ledger.EntryQuery{Account: pending, After: "bogus"}); !errors.Is(err, ledger.ErrInvalidInput) {
		t.Fatalf("bad cursor: %v", err)
	}
	res, err := l.Verify(ctx, 0, 0)
	if err != nil || res.Checked != 7 || res.Unchained != 0 {
		t.Fatalf("verify %+v %v", res, err)
	}
	if res, err := l.Verify(ctx, 3, 5); err != nil || res.Checked != 3 {
		t.Fatalf("verify range %+v %v", res, err)
	}
}
