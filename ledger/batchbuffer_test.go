package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/accruehq/accrue/ledger"
)

// TestBatchBufferMatchesFresh: batches posted and held through one reused
// BatchBuffer return, and store, exactly what PostBatch and HoldBatch
// return on a twin ledger, whatever the sizes of the batches in turn, with
// replayed keys and refused batches in between.
func TestBatchBufferMatchesFresh(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ctx := context.Background()
		buffered, _ := newTestLedger(t)
		fresh, _ := newTestLedger(t)
		const payable, cash = "liabilities:partners:p-1:payable", "liabilities:partners:p-1:pending"
		var buf ledger.BatchBuffer
		next := 0
		for call := range rapid.IntRange(1, 6).Draw(t, "calls") {
			n := rapid.IntRange(1, 150).Draw(t, "n")
			hold := rapid.Bool().Draw(t, "hold")
			ins := make([]ledger.TxInput, n)
			for i := range ins {
				key := "k" + strconv.Itoa(next)
				if next > 0 && rapid.IntRange(0, 9).Draw(t, "replay") == 0 {
					key = "k" + strconv.Itoa(rapid.IntRange(0, next-1).Draw(t, "old"))
				} else {
					next++
				}
				amount := strconv.Itoa(rapid.IntRange(1, 99).Draw(t, "amount")) + ".00"
				ins[i] = transfer(key, "expense:commissions", payable, amount)
				if hold {
					ins[i] = transfer(key, payable, cash, "0.01")
				}
			}
			post, postInto := fresh.PostBatch, buffered.PostBatchInto
			if hold {
				post, postInto = fresh.HoldBatch, buffered.HoldBatchInto
			}
			want, wantErr := post(ctx, ins)
			got, err := postInto(ctx, &buf, ins)
			if (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
				t.Fatalf("call %d: error %v, want %v", call, err, wantErr)
			}
			// The ledgers' clocks stand still, so their transactions agree
			// to the byte.
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("call %d: results differ (-fresh +buffered):\n%s", call, diff)
			}
		}
		wantTxs, err := fresh.Transactions(ctx, ledger.TxQuery{Limit: 10000})
		if err != nil {
			t.Fatal(err)
		}
		gotTxs, err := buffered.Transactions(ctx, ledger.TxQuery{Limit: 10000})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantTxs, gotTxs); diff != "" {
			t.Fatalf("stored transactions differ (-fresh +buffered):\n%s", diff)
		}
	})
}

// TestBatchBufferReusesMemory: a batch that fits in a BatchBuffer's memory
// returns its transactions and postings there; a larger one grows it, and
// the next batch uses the grown memory. Without a buffer, every batch gets
// memory of its own. (The allocations this saves show in the benchmarks'
// allocs/op: BenchmarkPostBatch against BenchmarkPostBatchFresh.)
func TestBatchBufferReusesMemory(t *testing.T) {
	ctx := context.Background()
	l, _ := newTestLedger(t, ledger.WithChain(false))
	call := 0
	post := func(buf *ledger.BatchBuffer, n int) (*ledger.Transaction, *ledger.Posting) {
		t.Helper()
		call++
		ins := make([]ledger.TxInput, n)
		for i := range ins {
			ins[i] = transfer(fmt.Sprintf("m%d-%d", call, i), "expense:commissions", "liabilities:partners:p-1:payable", "1.00")
		}
		txs, err := l.PostBatchInto(ctx, buf, ins)
		if err != nil || len(txs) != n {
			t.Fatalf("call %d: %d transactions, %v", call, len(txs), err)
		}
		return &txs[0], &txs[0].Postings[0]
	}
	var buf ledger.BatchBuffer
	tx1, p1 := post(&buf, 100)
	if tx2, p2 := post(&buf, 50); tx2 != tx1 || p2 != p1 {
		t.Errorf("a smaller batch did not reuse the buffer's memory")
	}
	tx3, p3 := post(&buf, 200)
	if tx3 == tx1 || p3 == p1 {
		t.Errorf("a larger batch did not grow the buffer")
	}
	if tx4, p4 := post(&buf, 200); tx4 != tx3 || p4 != p3 {
		t.Errorf("the grown memory was not reused")
	}
	if tx5, p5 := post(nil, 10); tx5 == tx3 || p5 == p3 {
		t.Errorf("a batch without a buffer used the buffer's memory")
	}
}

// TestBatchBufferAfterRefusal: a refused batch returns nil and leaves the
// buffer usable.
func TestBatchBufferAfterRefusal(t *testing.T) {
	ctx := context.Background()
	l, _ := newTestLedger(t)
	var buf ledger.BatchBuffer
	bad := []ledger.TxInput{transfer("b1", "expense:commissions", "assets:nowhere", "1.00")}
	if txs, err := l.PostBatchInto(ctx, &buf, bad); !errors.Is(err, ledger.ErrUnknownAccount) || txs != nil {
		t.Fatalf("PostBatchInto = %v, %v; want nil, ErrUnknownAccount", txs, err)
	}
	txs, err := l.PostBatchInto(ctx, &buf, []ledger.TxInput{transfer("b2", "expense:commissions", "assets:cash", "2.00")})
	if err != nil || len(txs) != 1 || txs[0].Key != "b2" || txs[0].Seq != 1 || !txs[0].Postings[1].Amount.Equal(usdm("2.00")) {
		t.Fatalf("after a refusal: %+v, %v", txs, err)
	}
}
