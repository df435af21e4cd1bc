package postgres

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
	"github.com/accruehq/accrue/ledger/ledgertest"
	"github.com/jackc/pgx/v5"
)

// flightLedger returns a store (two committers, the default) with three
// accounts and a ledger on it whose snapshot is warm: the next posts to
// those accounts are decided on the snapshot and sent as flights.
func flightLedger(t *testing.T) (*Store, *ledger.Ledger) {
	t.Helper()
	ctx := context.Background()
	s := newStore(t)
	l := newLedger(t, s, accrue.NewManualClock(t0))
	accts := []ledger.Account{
		{Name: "expenses:fund", Type: ledger.Expense, Currency: usd},
		{Name: "liabilities:x", Type: ledger.Liability, Currency: usd},
		{Name: "liabilities:y", Type: ledger.Liability, Currency: usd},
	}
	if err := l.CreateAccounts(ctx, accts); err != nil {
		t.Fatal(err)
	}
	before := s.rounds.snapshot.Load()
	for _, k := range []string{"warm-1", "warm-2", "warm-3"} {
		if _, err := l.Post(ctx, transfer(k, "expenses:fund", "liabilities:x", "1.00 USD")); err != nil {
			t.Fatal(err)
		}
	}
	if s.rounds.snapshot.Load() == before {
		t.Fatal("no round was decided on the snapshot while warming it")
	}
	return s, l
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(t *testing.T, what string, cond func() bool) bool {
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Errorf("timed out waiting for %s", what)
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
}

// firstCall returns a hook that runs f (once, in the committer) the first
// time stage is reached after arm is called.
func firstCall(stage string, f func(ctx context.Context)) (hook func(context.Context, string, *pgx.Conn), arm func()) {
	var armed atomic.Bool
	var calls atomic.Int32
	hook = func(ctx context.Context, at string, _ *pgx.Conn) {
		if at == stage && armed.Load() && calls.Add(1) == 1 {
			f(ctx)
		}
	}
	return hook, func() { armed.Store(true) }
}

// TestFlightAfterRefusedFlight: a round decided on the snapshot while the
// round before it is in flight builds on that round's state; when the
// database refuses the earlier round (another store moved the head), the
// later one must not commit either. Both are decided again on the
// database: each transfer lands once, the chain verifies.
func TestFlightAfterRefusedFlight(t *testing.T) {
	ctx := context.Background()
	s, l := flightLedger(t)
	other, err := New(ctx, testPool(t), WithSchema(s.Schema()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(other.Close)
	lo := newLedger(t, other, accrue.NewManualClock(t0))
	snapshots, fallbacks := s.rounds.snapshot.Load(), s.rounds.fallback.Load()
	second := make(chan error, 1)
	hook, arm := firstCall("before-writes", func(ctx context.Context) {
		// Hold the first flight until a second round has been decided
		// after it, then move the head from the other store.
		go func() {
			_, err := l.Post(context.Background(), transfer("second", "expenses:fund", "liabilities:y", "2.00 USD"))
			second <- err
		}()
		if waitFor(t, "a second flight", func() bool { return s.rounds.snapshot.Load() >= snapshots+2 }) {
			if _, err := lo.Post(ctx, transfer("other", "expenses:fund", "liabilities:y", "4.00 USD")); err != nil {
				t.Errorf("other store: %v", err)
			}
		}
	})
	s.hook = hook
	arm()
	if _, err := l.Post(ctx, transfer("first", "expenses:fund", "liabilities:x", "1.00 USD")); err != nil {
		t.Fatalf("first: %v", err)
	}
	if err := <-second; err != nil {
		t.Fatalf("second: %v", err)
	}
	if n := s.rounds.fallback.Load() - fallbacks; n < 2 {
		t.Errorf("%d rounds redone on the database, want both flights (2)", n)
	}
	for name, want := range map[string]string{"liabilities:x": "4.00 USD", "liabilities:y": "6.00 USD", "expenses:fund": "-10.00 USD"} {
		b, err := l.Balance(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if got := b.Posted; !got.Equal(money(want)) && !got.Neg().Equal(money(want)) {
			t.Errorf("%s = %s, want %s", name, got, want)
		}
	}
	if _, err := l.Verify(ctx, 0, 0); err != nil {
		t.Fatal(err)
	}
	ledgertest.CheckInvariants(t, s)
}

// TestFlightKeyInFlight: a key sent again while the round that writes it
// is in flight is not sent in a second flight (whose insert would wait on
// the first round's uncommitted row while it waits for that round): it is
// decided on the database once the first round has committed, and the
// ledger answers it as a replay of the stored transaction.
func TestFlightKeyInFlight(t *testing.T) {
	ctx := context.Background()
	s, l := flightLedger(t)
	fallbacks := s.rounds.fallback.Load()
	in := transfer("twice", "expenses:fund", "liabilities:y", "3.00 USD")
	type result struct {
		tx  ledger.Transaction
		err error
	}
	second := make(chan result, 1)
	hook, arm := firstCall("before-writes", func(context.Context) {
		go func() {
			tx, err := l.Post(context.Background(), in)
			second <- result{tx, err}
		}()
		waitFor(t, "the repeated key to be refused on the snapshot", func() bool { return s.rounds.fallback.Load() > fallbacks })
	})
	s.hook = hook
	arm()
	done := make(chan struct{})
	go func() {
		defer close(done)
		first, err := l.Post(ctx, in)
		if err != nil {
			t.Errorf("first: %v", err)
			return
		}
		r := <-second
		if r.err != nil {
			t.Errorf("second: %v", r.err)
			return
		}
		if r.tx.ID != first.ID || r.tx.Seq != first.Seq {
			t.Errorf("second post is tx %s seq %d, want the first's %s seq %d", r.tx.ID, r.tx.Seq, first.ID, first.Seq)
		}
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("posting one key twice in consecutive rounds did not finish: flights deadlocked")
	}
	b, err := l.Balance(ctx, "liabilities:y")
	if err != nil {
		t.Fatal(err)
	}
	if want := money("3.00 USD"); !b.Posted.Equal(want) && !b.Posted.Neg().Equal(want) {
		t.Errorf("liabilities:y = %s, want %s once", b.Posted, want)
	}
	ledgertest.CheckInvariants(t, s)
}

// TestFlightClosedPeriod: a period closed after a flight's inserts but
// before its head compare-and-swap makes the database refuse the flight;
// decided again, the transaction is refused for the closed period and
// nothing of it is written.
func TestFlightClosedPeriod(t *testing.T) {
	ctx := context.Background()
	s, l := flightLedger(t)
	s.splitFlights = true
	fallbacks := s.rounds.fallback.Load()
	hook, arm := firstCall("inserted", func(ctx context.Context) {
		if err := s.ClosePeriod(ctx, t0.Add(time.Hour)); err != nil {
			t.Errorf("close period: %v", err)
		}
	})
	s.hook = hook
	arm()
	_, err := l.Post(ctx, transfer("late", "expenses:fund", "liabilities:y", "5.00 USD"))
	if !errors.Is(err, ledger.ErrPeriodClosed) {
		t.Fatalf("post after the period closed under it: %v, want ErrPeriodClosed", err)
	}
	if s.rounds.fallback.Load() == fallbacks {
		t.Error("the flight was not refused by the database")
	}
	if _, err := s.TxByKey(ctx, "late"); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("refused transaction stored: %v", err)
	}
	b, err := l.Balance(ctx, "liabilities:y")
	if err != nil {
		t.Fatal(err)
	}
	if !b.Posted.IsZero() {
		t.Errorf("liabilities:y = %s, want nothing written", b.Posted)
	}
	ledgertest.CheckInvariants(t, s)
}
