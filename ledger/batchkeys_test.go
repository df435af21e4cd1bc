package ledger_test

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"pgregory.net/rapid"

	"github.com/accruehq/accrue/ledger"
)

// TestBatchRepeatedKeys: a batch is refused at its first input that repeats
// an earlier input's key or is invalid, whichever comes first, with
// ErrInvalidInput for the repeat and ErrTooFewPostings for the invalid one;
// nothing is written. Batches of all sizes run on one ledger, so that the
// ledger's reused buffers see larger and smaller calls in turn.
func TestBatchRepeatedKeys(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ctx := context.Background()
		l, _ := newTestLedger(t)
		for call := range rapid.IntRange(1, 4).Draw(t, "calls") {
			n := rapid.IntRange(1, 300).Draw(t, "n")
			pool := rapid.IntRange(1, 2*n).Draw(t, "pool") // a small pool repeats keys
			ins := make([]ledger.TxInput, n)
			firstRepeat, firstBad := -1, -1
			seen := map[string]bool{}
			for i := range ins {
				key := "c" + strconv.Itoa(call) + "-" + strconv.Itoa(rapid.IntRange(0, pool-1).Draw(t, "key"))
				ins[i] = transfer(key, "expense:commissions", "liabilities:partners:p-1:payable", "1.00")
				if rapid.IntRange(0, 50).Draw(t, "bad") == 0 {
					ins[i].Postings = ins[i].Postings[:1]
					if firstBad < 0 {
						firstBad = i
					}
				}
				if seen[key] && firstRepeat < 0 {
					firstRepeat = i
				}
				seen[key] = true
			}
			before, err := l.Balance(ctx, "expense:commissions")
			if err != nil {
				t.Fatal(err)
			}
			_, err = l.PostBatch(ctx, ins)
			var te *ledger.TxError
			switch {
			case firstRepeat < 0 && firstBad < 0:
				if err != nil {
					t.Fatalf("distinct valid keys refused: %v", err)
				}
				continue
			case !errors.As(err, &te):
				t.Fatalf("got %v, want a *TxError", err)
			case firstBad >= 0 && (firstRepeat < 0 || firstBad < firstRepeat):
				if te.Index != firstBad || !errors.Is(err, ledger.ErrTooFewPostings) {
					t.Fatalf("got %v, want ErrTooFewPostings at %d", err, firstBad)
				}
			default:
				if te.Index != firstRepeat || !errors.Is(err, ledger.ErrInvalidInput) {
					t.Fatalf("got %v, want ErrInvalidInput at %d", err, firstRepeat)
				}
			}
			after, err := l.Balance(ctx, "expense:commissions")
			if err != nil || after.Counters != before.Counters {
				t.Fatalf("a refused batch wrote: %v -> %v (%v)", before, after, err)
			}
		}
	})
}

// TestLargeBatchThenSmall: a batch too large for the ledger's reused tables
// to be kept (over 32,768 keys and postings), then small batches with a
// repeat, on one ledger.
func TestLargeBatchThenSmall(t *testing.T) {
	ctx := context.Background()
	l, _ := newTestLedger(t, ledger.WithChain(false))
	const n = 40000
	big := make([]ledger.TxInput, n)
	for i := range big {
		big[i] = transfer("big-"+strconv.Itoa(i), "expense:commissions", "liabilities:partners:p-1:payable", "0.01")
	}
	big[n-1].Key = "big-7"
	_, err := l.PostBatch(ctx, big)
	var te *ledger.TxError
	if !errors.As(err, &te) || te.Index != n-1 || !errors.Is(err, ledger.ErrInvalidInput) {
		t.Fatalf("repeat at the end of a large batch: %v", err)
	}
	big[n-1].Key = "big-last"
	if _, err := l.PostBatch(ctx, big); err != nil {
		t.Fatal(err)
	}
	small := []ledger.TxInput{
		transfer("s-1", "expense:commissions", "liabilities:partners:p-1:payable", "1.00"),
		transfer("s-2", "expense:commissions", "liabilities:partners:p-1:pending", "1.00"),
		transfer("s-1", "expense:commissions", "liabilities:partners:p-1:payable", "1.00"),
	}
	if _, err := l.PostBatch(ctx, small); !errors.As(err, &te) || te.Index != 2 {
		t.Fatalf("repeat in a small batch after a large one: %v", err)
	}
	if _, err := l.PostBatch(ctx, small[:2]); err != nil {
		t.Fatal(err)
	}
	for acct, want := range map[string]string{
		"expense:commissions":              "402.00",
		"liabilities:partners:p-1:payable": "401.00",
		"liabilities:partners:p-1:pending": "1.00",
	} {
		b, err := l.Balance(ctx, acct)
		if err != nil || !b.Posted.Equal(usdm(want)) {
			t.Fatalf("%s: %v (%v), want %s", acct, b.Posted, err, want)
		}
	}
}
