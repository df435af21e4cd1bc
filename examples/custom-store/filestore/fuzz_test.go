package filestore

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/accruehq/accrue/ledger"
)

// FuzzReplay feeds Open's replay arbitrary file contents, in memory (no
// file, so that the fuzzer runs fast): it must never panic, must account
// for every byte as applied or torn, and a file it accepts must answer
// every read and Verify without panicking and replay the same again.
func FuzzReplay(f *testing.F) {
	sample, err := os.ReadFile("testdata/sample.jsonl")
	if err != nil {
		f.Fatal(err)
	}
	// Seeds are short (the fuzzer minimizes every new find, which costs
	// time in proportion to its size): the first two lines, a torn first
	// line and the period close at the end.
	lines := bytes.SplitAfter(sample, []byte("\n"))
	f.Add(bytes.Join(lines[:2], nil))
	f.Add(lines[0][:len(lines[0])/2])
	f.Add(lines[len(lines)-2])
	f.Add([]byte{})
	f.Add([]byte("\n"))
	f.Add([]byte("{}\n"))
	f.Add([]byte(`{"commit":{"txs":[{"seq":1,"id":"a","key":"a","kind":"posted","postings":[{"account":"x","side":"debit","amount":{"amount":"1","currency":"USD"}}]}]}}` + "\n"))
	f.Add([]byte(`{"commit":{"deltas":[{"account":"nowhere","debits_posted":1}]}}` + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := &Store{index: newIndex()}
		good, torn, err := s.index.replay(bytes.NewReader(data))
		if err != nil {
			return
		}
		if good+torn != int64(len(data)) {
			t.Fatalf("applied %d and torn %d bytes of %d", good, torn, len(data))
		}
		ctx := context.Background()
		accounts, err := s.ListAccounts(ctx, "", "", 1<<20, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range accounts {
			if _, err := s.Entries(ctx, ledger.EntryFilter{Account: a.Account.Name, Limit: 1 << 20}, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := s.PostedAsOf(ctx, a.Account.Name, s.closed); err != nil {
				t.Fatal(err)
			}
		}
		txs, err := s.Transactions(ctx, ledger.TxFilter{Limit: 1 << 20}, nil)
		if err != nil {
			t.Fatal(err)
		}
		l, err := ledger.New(s)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = l.Verify(ctx, 0, 0) // a fuzzed chain may be broken; it must not panic

		again := &Store{index: newIndex()}
		if g, tr, err := again.index.replay(bytes.NewReader(data[:good])); err != nil || g != good || tr != 0 {
			t.Fatalf("replaying the applied %d bytes: %d applied, %d torn, %v", good, g, tr, err)
		}
		if len(again.txs) != len(txs) || len(again.names) != len(accounts) || len(s.names) != len(accounts) {
			t.Fatalf("replaying the applied bytes gave %d txs and %d accounts, want %d and %d (%d listed)", len(again.txs), len(again.names), len(txs), len(s.names), len(accounts))
		}
	})
}
