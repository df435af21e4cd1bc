package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
	"github.com/accruehq/accrue/ledger/memstore"
)

// snapshot is everything a bad request must leave untouched.
type snapshot struct {
	counters map[string]ledger.Counters
	txs      int
	closed   time.Time
}

func takeSnapshot(t *testing.T, s *memstore.Store) snapshot {
	t.Helper()
	ctx := context.Background()
	states, err := s.ListAccounts(ctx, "", "", 1000, nil)
	if err != nil {
		t.Fatal(err)
	}
	snap := snapshot{counters: map[string]ledger.Counters{}}
	for _, st := range states {
		snap.counters[st.Account.Name] = st.Counters
	}
	txs, err := s.Transactions(ctx, ledger.TxFilter{Limit: 100000}, nil)
	if err != nil {
		t.Fatal(err)
	}
	snap.txs = len(txs)
	snap.closed, _ = s.ClosedThrough(ctx)
	return snap
}

func TestBadInputWritesNothing(t *testing.T) {
	setup := func(t *testing.T) (*ledger.Ledger, *memstore.Store, map[string]string) {
		ctx := context.Background()
		clock := accrue.NewManualClock(t0)
		s := memstore.New()
		l, err := ledger.New(s, ledger.WithClock(clock))
		if err != nil {
			t.Fatal(err)
		}
		if err := l.CreateAccounts(ctx, []ledger.Account{
			{Name: expense, Type: ledger.Expense, Currency: usd},
			{Name: payable, Type: ledger.Liability, Currency: usd, Constraints: ledger.Constraints{NoNegative: true}},
			{Name: cash, Type: ledger.Asset, Currency: usd},
			{Name: "assets:cash-eur", Type: ledger.Asset, Currency: eur},
		}); err != nil {
			t.Fatal(err)
		}
		ids := map[string]string{}
		keep := func(name string, tx ledger.Transaction, err error) {
			if err != nil {
				t.Fatal(err)
			}
			ids[name] = tx.ID
		}
		tx, err := l.Post(ctx, transfer("fund", expense, payable, "100.00"))
		keep("fund", tx, err)
		exp := transfer("hold-expiring", payable, cash, "10.00")
		exp.ExpiresAt = t0.Add(time.Minute)
		tx, err = l.Hold(ctx, exp)
		keep("expiring", tx, err)
		tx, err = l.Hold(ctx, transfer("hold-posted", payable, cash, "10.00"))
		keep("posted-hold", tx, err)
		if _, err := l.PostPending(ctx, ledger.PendingInput{Key: "post-it", PendingID: ids["posted-hold"]}); err != nil {
			t.Fatal(err)
		}
		tx, err = l.Hold(ctx, transfer("hold-voided", payable, cash, "1.00"))
		keep("voided-hold", tx, err)
		if _, err := l.VoidPending(ctx, ledger.PendingInput{Key: "void-it", PendingID: ids["voided-hold"]}); err != nil {
			t.Fatal(err)
		}
		tx, err = l.Hold(ctx, transfer("hold-open", payable, cash, "1.00"))
		keep("open-hold", tx, err)
		tx, err = l.Post(ctx, transfer("to-reverse", expense, cash, "5.00"))
		keep("reversed", tx, err)
		if _, err := l.Reverse(ctx, ledger.ReverseInput{Key: "rev-all", TxID: ids["reversed"]}); err != nil {
			t.Fatal(err)
		}
		if err := l.ClosePeriod(ctx, t0.Add(-24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Hour) // the expiring hold is now expired
		return l, s, ids
	}
	bigMeta := map[string]string{}
	for i := range ledger.MaxMetadataKeys + 1 {
		bigMeta[fmt.Sprint("k", i)] = "v"
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	withMeta := func(in ledger.TxInput, m map[string]string) ledger.TxInput { in.Metadata = m; return in }
	withEff := func(in ledger.TxInput, at time.Time) ledger.TxInput { in.EffectiveAt = at; return in }
	withExp := func(in ledger.TxInput, at time.Time) ledger.TxInput { in.ExpiresAt = at; return in }
	one := func(p ledger.Posting) ledger.TxInput {
		return ledger.TxInput{Key: "new", Postings: []ledger.Posting{p}}
	}
	money := func(s string) accrue.Money { return accrue.MustParseMoney(s) }

	tests := []struct {
		name string
		call func(ctx context.Context, l *ledger.Ledger, ids map[string]string) error
		want error
	}{
		{"unknown account", post(transfer("new", expense, "assets:nowhere", "1.00")), ledger.ErrUnknownAccount},
		{"malformed account name", post(transfer("new", expense, "Assets:Cash", "1.00")), ledger.ErrUnknownAccount},
		{"currency mismatch", post(ledger.TxInput{Key: "new", Postings: []ledger.Posting{
			{Account: expense, Side: ledger.Debit, Amount: money("1.00 EUR")},
			{Account: "assets:cash-eur", Side: ledger.Credit, Amount: money("1.00 EUR")}}}), ledger.ErrCurrencyMismatch},
		{"zero amount", post(transfer("new", expense, cash, "0.00")), ledger.ErrInvalidAmount},
		{"negative amount", post(transfer("new", expense, cash, "-1.00")), ledger.ErrInvalidAmount},
		{"finer than the minor unit", post(transfer("new", expense, cash, "1.001")), accrue.ErrInvalidAmount},
		{"no currency", post(ledger.TxInput{Key: "new", Postings: []ledger.Posting{{Account: expense, Side: ledger.Debit}, {Account: cash, Side: ledger.Credit}}}), ledger.ErrInvalidAmount},
		{"one posting", post(one(ledger.Posting{Account: expense, Side: ledger.Debit, Amount: usdm("1.00")})), ledger.ErrTooFewPostings},
		{"no postings", post(ledger.TxInput{Key: "new"}), ledger.ErrTooFewPostings},
		{"unbalanced", post(ledger.TxInput{Key: "new", Postings: []ledger.Posting{
			{Account: expense, Side: ledger.Debit, Amount: usdm("1.00")}, {Account: cash, Side: ledger.Credit, Amount: usdm("0.99")}}}), ledger.ErrUnbalanced},
		{"invalid side", post(ledger.TxInput{Key: "new", Postings: []ledger.Posting{
			{Account: expense, Side: 0, Amount: usdm("1.00")}, {Account: cash, Side: ledger.Credit, Amount: usdm("1.00")}}}), ledger.ErrInvalidInput},
		{"too many metadata keys", post(withMeta(transfer("new", expense, cash, "1.00"), bigMeta)), ledger.ErrMetadataTooLarge},
		{"metadata value too long", post(withMeta(transfer("new", expense, cash, "1.00"), map[string]string{"k": strings.Repeat("x", ledger.MaxMetadataValue+1)})), ledger.ErrMetadataTooLarge},
		{"metadata key too long", post(withMeta(transfer("new", expense, cash, "1.00"), map[string]string{strings.Repeat("k", ledger.MaxMetadataKeyLen+1): "v"})), ledger.ErrMetadataTooLarge},
		{"empty key", post(transfer("", expense, cash, "1.00")), ledger.ErrInvalidInput},
		{"key too long", post(transfer(strings.Repeat("k", ledger.MaxKeyLen+1), expense, cash, "1.00")), ledger.ErrInvalidInput},
		{"effective in a closed period", post(withEff(transfer("new", expense, cash, "1.00"), t0.Add(-48*time.Hour))), ledger.ErrPeriodClosed},
		{"effective time out of range", post(withEff(transfer("new", expense, cash, "1.00"), time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC))), ledger.ErrInvalidInput},
		{"expiry on a posted transaction", post(withExp(transfer("new", expense, cash, "1.00"), t0.Add(48*time.Hour))), ledger.ErrInvalidInput},
		{"hold that expired before it was made", func(ctx context.Context, l *ledger.Ledger, _ map[string]string) error {
			_, err := l.Hold(ctx, withExp(transfer("new", payable, cash, "1.00"), t0))
			return err
		}, ledger.ErrInvalidInput},
		{"overdraft", post(transfer("new", payable, cash, "100.00")), ledger.ErrInsufficientFunds},
		{"key reused with other content", post(transfer("fund", expense, payable, "99.00")), ledger.ErrIdempotencyConflict},
		{"key repeated in a batch", func(ctx context.Context, l *ledger.Ledger, _ map[string]string) error {
			_, err := l.PostBatch(ctx, []ledger.TxInput{transfer("new", expense, cash, "1.00"), transfer("new", expense, cash, "1.00")})
			return err
		}, ledger.ErrInvalidInput},
		{"batch with one bad transaction", func(ctx context.Context, l *ledger.Ledger, _ map[string]string) error {
			_, err := l.PostBatch(ctx, []ledger.TxInput{transfer("new", expense, cash, "1.00"), transfer("new2", expense, "assets:nowhere", "1.00")})
			return err
		}, ledger.ErrUnknownAccount},
		{"hold batch that together overdraws", func(ctx context.Context, l *ledger.Ledger, _ map[string]string) error {
			_, err := l.HoldBatch(ctx, []ledger.TxInput{transfer("new", payable, cash, "40.00"), transfer("new2", payable, cash, "40.00")})
			return err
		}, ledger.ErrInsufficientFunds},
		{"hold batch with an expiry not after now", func(ctx context.Context, l *ledger.Ledger, _ map[string]string) error {
			_, err := l.HoldBatch(ctx, []ledger.TxInput{transfer("new", payable, cash, "1.00"), withExp(transfer("new2", payable, cash, "1.00"), t0)})
			return err
		}, ledger.ErrInvalidInput},
		{"cancelled context", func(_ context.Context, l *ledger.Ledger, _ map[string]string) error {
			_, err := l.Post(cancelled, transfer("new", expense, cash, "1.00"))
			return err
		}, context.Canceled},
		{"cancelled context, reverse", func(_ context.Context, l *ledger.Ledger, ids map[string]string) error {
			_, err := l.Reverse(cancelled, ledger.ReverseInput{Key: "new", TxID: ids["fund"]})
			return err
		}, context.Canceled},
		{"post an expired pending", func(ctx context.Context, l *ledger.Ledger, ids map[string]string) error {
			_, err := l.PostPending(ctx, ledger.PendingInput{Key: "new", PendingID: ids["expiring"]})
			return err
		}, ledger.ErrPendingExpired},
		{"post an already posted pending", func(ctx context.Context, l *ledger.Ledger, ids map[string]string) error {
			_, err := l.PostPending(ctx, ledger.PendingInput{Key: "new", PendingID: ids["posted-hold"]})
			return err
		}, ledger.ErrPendingResolved},
		{"void an already voided pending", func(ctx context.Context, l *ledger.Ledger, ids map[string]string) error {
			_, err := l.VoidPending(ctx, ledger.PendingInput{Key: "new", PendingID: ids["voided-hold"]})
			return err
		}, ledger.ErrPendingResolved},
		{"post more than pending", func(ctx context.Context, l *ledger.Ledger, ids map[string]string) error {
			_, err := l.PostPending(ctx, ledger.PendingInput{Key: "new", PendingID: ids["open-hold"], Amount: usdm("1.01")})
			return err
		}, ledger.ErrInvalidAmount},
		{"void with an amount", func(ctx context.Context, l *ledger.Ledger, ids map[string]string) error {
			_, err := l.VoidPending(ctx, ledger.PendingInput{Key: "new", PendingID: ids["open-hold"], Amount: usdm("1.00")})
			return err
		}, ledger.ErrInvalidInput},
		{"post pending of a posted transaction", func(ctx context.Context, l *ledger.Ledger, ids map[string]string) error {
			_, err := l.PostPending(ctx, ledger.PendingInput{Key: "new", PendingID: ids["fund"]})
			return err
		}, ledger.ErrNotPending},
		{"post pending of an unknown transaction", func(ctx context.Context, l *ledger.Ledger, _ map[string]string) error {
			_, err := l.PostPending(ctx, ledger.PendingInput{Key: "new", PendingID: "tx-nowhere"})
			return err
		}, ledger.ErrNotFound},
		{"reverse a fully reversed transaction", func(ctx context.Context, l *ledger.Ledger, ids map[string]string) error {
			_, err := l.Reverse(ctx, ledger.ReverseInput{Key: "new", TxID: ids["reversed"]})
			return err
		}, ledger.ErrReversalExceeded},
		{"reverse more than the original", func(ctx context.Context, l *ledger.Ledger, ids map[string]string) error {
			_, err := l.Reverse(ctx, ledger.ReverseInput{Key: "new", TxID: ids["fund"], Amount: usdm("100.01")})
			return err
		}, ledger.ErrReversalExceeded},
		{"reverse a pending transaction", func(ctx context.Context, l *ledger.Ledger, ids map[string]string) error {
			_, err := l.Reverse(ctx, ledger.ReverseInput{Key: "new", TxID: ids["open-hold"]})
			return err
		}, ledger.ErrReversalExceeded},
		{"reverse in another currency", func(ctx context.Context, l *ledger.Ledger, ids map[string]string) error {
			_, err := l.Reverse(ctx, ledger.ReverseInput{Key: "new", TxID: ids["fund"], Amount: money("1.00 EUR")})
			return err
		}, ledger.ErrCurrencyMismatch},
		{"reversal that overdraws", func(ctx context.Context, l *ledger.Ledger, ids map[string]string) error {
			_, err := l.Reverse(ctx, ledger.ReverseInput{Key: "new", TxID: ids["fund"]}) // payable has 100 - 10 posted - 1 held
			return err
		}, ledger.ErrInsufficientFunds},
		{"create an invalid account", func(ctx context.Context, l *ledger.Ledger, _ map[string]string) error {
			return l.CreateAccount(ctx, ledger.Account{Name: "assets::x", Type: ledger.Asset, Currency: usd})
		}, ledger.ErrInvalidAccount},
		{"create an account with no currency", func(ctx context.Context, l *ledger.Ledger, _ map[string]string) error {
			return l.CreateAccount(ctx, ledger.Account{Name: "assets:x", Type: ledger.Asset})
		}, ledger.ErrInvalidAccount},
		{"redefine an account", func(ctx context.Context, l *ledger.Ledger, _ map[string]string) error {
			return l.CreateAccount(ctx, ledger.Account{Name: cash, Type: ledger.Liability, Currency: usd})
		}, ledger.ErrAccountExists},
		{"bad cursor", func(ctx context.Context, l *ledger.Ledger, _ map[string]string) error {
			_, err := l.Transactions(ctx, ledger.TxQuery{After: "c1.01.0"})
			return err
		}, ledger.ErrInvalidInput},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, s, ids := setup(t)
			before := takeSnapshot(t, s)
			err := tc.call(context.Background(), l, ids)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want an error matching %v", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "ledger: ") {
				t.Errorf("message %q does not start with the package name", err)
			}
			after := takeSnapshot(t, s)
			if fmt.Sprint(after) != fmt.Sprint(before) {
				t.Fatalf("bad input wrote:\nbefore %+v\nafter  %+v", before, after)
			}
		})
	}
}

// post adapts Post to the table.
func post(in ledger.TxInput) func(context.Context, *ledger.Ledger, map[string]string) error {
	return func(ctx context.Context, l *ledger.Ledger, _ map[string]string) error {
		_, err := l.Post(ctx, in)
		return err
	}
}

// TestNewRefusesBadOptions: New returns ErrInvalidInput for options no
// ledger can run with, instead of panicking.
func TestNewRefusesBadOptions(t *testing.T) {
	cases := map[string][]ledger.Option{
		"no retries":       {ledger.WithMaxRetries(0)},
		"negative retries": {ledger.WithMaxRetries(-3)},
		"nil clock":        {ledger.WithClock(nil)},
		"nil ids":          {ledger.WithIDs(nil)},
	}
	for name, opts := range cases {
		if l, err := ledger.New(memstore.New(), opts...); !errors.Is(err, ledger.ErrInvalidInput) || l != nil {
			t.Errorf("%s: New = %v, %v; want ErrInvalidInput", name, l, err)
		}
	}
	if _, err := ledger.New(memstore.New(), ledger.WithMaxRetries(1)); err != nil {
		t.Errorf("WithMaxRetries(1): %v", err)
	}
}
