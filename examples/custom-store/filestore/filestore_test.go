package filestore_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/examples/custom-store/filestore"
	"github.com/accruehq/accrue/ledger"
	"github.com/accruehq/accrue/ledger/ledgertest"
	"github.com/google/go-cmp/cmp"
)

var (
	ctx   = context.Background()
	usd   = accrue.MustCurrency("USD")
	start = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
)

// TestConformance runs the ledger's conformance suite on a fresh file per
// subtest. After each subtest (and after the suite's own invariant check),
// the file is reopened and the replayed store must hold exactly what the
// live one did: every scenario of the suite is also a replay test. The
// Tamper subtest edits transactions in the file itself, and Verify must
// find each edit after the reopen.
func TestConformance(t *testing.T) {
	ledgertest.Run(t, func(t *testing.T) ledger.Store {
		path := filepath.Join(t.TempDir(), "ledger.jsonl")
		w := &tamperable{Store: open(t, path), path: path}
		t.Cleanup(func() {
			live := snapshot(t, w.Store)
			if err := w.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
			again := open(t, w.path)
			defer again.Close()
			if d := cmp.Diff(live, snapshot(t, again)); d != "" {
				t.Errorf("reopened store differs (-live +replayed):\n%s", d)
			}
			ledgertest.CheckInvariants(t, again)
		})
		return w
	})
}

// tamperable is the file store with ledgertest.Tamperer: it closes the
// store, rewrites the transaction in the file and reopens it.
type tamperable struct {
	*filestore.Store
	path string
}

func (w *tamperable) TamperTx(_ context.Context, seq uint64, edit func(tx *ledger.Transaction)) error {
	if err := w.Close(); err != nil {
		return err
	}
	if err := filestore.RewriteTx(w.path, seq, edit); err != nil {
		return err
	}
	s, err := filestore.Open(w.path)
	if err != nil {
		return err
	}
	w.Store = s
	return nil
}

// TestReopenRebuildsState posts every kind of transaction, closes a period,
// reopens the file and checks that balances, as-of balances, transaction
// states and the hash chain are the same.
func TestReopenRebuildsState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.jsonl")
	s := open(t, path)
	l := newLedger(t, s)
	postScenario(t, l)
	before := snapshot(t, s)
	wantVerify, err := l.Verify(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	asOf := start.Add(90 * time.Minute)
	wantAsOf, err := l.BalanceAsOf(ctx, "assets:cash", asOf)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	again := open(t, path)
	defer again.Close()
	if again.TornBytes() != 0 {
		t.Errorf("TornBytes = %d on a clean file", again.TornBytes())
	}
	if d := cmp.Diff(before, snapshot(t, again)); d != "" {
		t.Errorf("reopened store differs (-before +after):\n%s", d)
	}
	l2 := newLedger(t, again)
	gotVerify, err := l2.Verify(ctx, 0, 0)
	if err != nil {
		t.Fatalf("verify after reopen: %v", err)
	}
	if gotVerify != wantVerify || gotVerify.Checked != len(before.Txs) || gotVerify.Unchained != 0 {
		t.Errorf("verify after reopen = %+v, want %+v over %d transactions", gotVerify, wantVerify, len(before.Txs))
	}
	gotAsOf, err := l2.BalanceAsOf(ctx, "assets:cash", asOf)
	if err != nil {
		t.Fatal(err)
	}
	if !gotAsOf.Posted.Equal(wantAsOf.Posted) {
		t.Errorf("as-of balance after reopen = %s, want %s", gotAsOf.Posted, wantAsOf.Posted)
	}
	// The reopened store goes on where the old one stopped.
	tx, err := l2.Post(ctx, transfer("after-reopen", "assets:cash", "equity:capital", 100))
	if err != nil {
		t.Fatal(err)
	}
	if want := uint64(len(before.Txs) + 1); tx.Seq != want {
		t.Errorf("next seq = %d, want %d", tx.Seq, want)
	}
	if _, err := l2.Verify(ctx, 0, 0); err != nil {
		t.Errorf("verify after a post on the reopened store: %v", err)
	}
}

// TestTornLastLine cuts the file inside its last line, as a crash during
// the write would, and checks that Open ignores that line and cuts it off:
// the store is the one before the torn commit, which the ledger can then
// retry by key.
func TestTornLastLine(t *testing.T) {
	tests := []struct {
		name string
		tear func(last []byte) []byte // the torn form of the last line
	}{
		{"first byte only", func(last []byte) []byte { return last[:1] }},
		{"half the line", func(last []byte) []byte { return last[:len(last)/2] }},
		{"all but the newline", func(last []byte) []byte { return last[:len(last)-1] }},
		{"garbage ending in a newline", func([]byte) []byte { return []byte("{\"commit\":{\"tx\x00\x00\n") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ledger.jsonl")
			s := open(t, path)
			l := newLedger(t, s)
			postScenario(t, l)
			before := snapshot(t, s)
			good := fileSize(t, path)
			last := transfer("last", "assets:cash", "equity:capital", 700)
			if _, err := l.Post(ctx, last); err != nil {
				t.Fatal(err)
			}
			s.Close()

			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			torn := tc.tear(data[good:])
			if err := os.WriteFile(path, append(data[:good:good], torn...), 0o600); err != nil {
				t.Fatal(err)
			}

			again := open(t, path)
			defer again.Close()
			if got := again.TornBytes(); got != int64(len(torn)) {
				t.Errorf("TornBytes = %d, want %d", got, len(torn))
			}
			if got := fileSize(t, path); got != good {
				t.Errorf("file is %d bytes after open, want the torn line cut off at %d", got, good)
			}
			if d := cmp.Diff(before, snapshot(t, again)); d != "" {
				t.Errorf("store after a torn line differs from before the lost commit (-want +got):\n%s", d)
			}
			l2 := newLedger(t, again)
			if _, err := l2.TxByKey(ctx, "last"); !errors.Is(err, ledger.ErrNotFound) {
				t.Errorf("torn transaction found: %v", err)
			}
			// The caller retries by key; the chain still verifies.
			if _, err := l2.Post(ctx, last); err != nil {
				t.Fatalf("retry: %v", err)
			}
			if res, err := l2.Verify(ctx, 0, 0); err != nil || res.Checked != len(before.Txs)+1 {
				t.Errorf("verify after retry = %+v, %v", res, err)
			}
		})
	}
}

// TestDamagedLineBeforeTheLast checks that damage inside the file (not a
// torn tail) is refused rather than silently dropped.
func TestDamagedLineBeforeTheLast(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.jsonl")
	s := open(t, path)
	postScenario(t, newLedger(t, s))
	s.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[3] = '#' // inside the first line
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = filestore.Open(path)
	if !errors.Is(err, filestore.ErrCorrupt) {
		t.Fatalf("Open of a damaged file: %v, want ErrCorrupt", err)
	}
	if want := "filestore: corrupt file: line 1: "; len(err.Error()) < len(want) || err.Error()[:len(want)] != want {
		t.Errorf("error %q does not name the line", err)
	}
}

// TestClosedStore checks that writes after Close are refused.
func TestClosedStore(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "ledger.jsonl"))
	s.Close()
	if err := s.ClosePeriod(ctx, start); !errors.Is(err, filestore.ErrClosed) {
		t.Errorf("ClosePeriod after Close: %v, want ErrClosed", err)
	}
	if err := s.Commit(ctx, &ledger.Commit{}); !errors.Is(err, filestore.ErrClosed) {
		t.Errorf("Commit after Close: %v, want ErrClosed", err)
	}
	if err := s.Close(); !errors.Is(err, filestore.ErrClosed) {
		t.Errorf("second Close: %v, want ErrClosed", err)
	}
}
