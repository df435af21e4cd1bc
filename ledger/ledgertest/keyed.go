package ledgertest

import (
	"context"
	"errors"
	"testing"

	"github.com/accruehq/accrue/ledger"
)

// testKeyedIDs mixes, on one store, commits whose IDs are DefaultID(key)
// and say so (Commit.KeyedIDs: a ledger with the default IDs) with commits
// of other IDs (WithIDs), including DefaultIDs not promised as such. Every
// transaction is found by its ID and by its key; a replay through either
// kind of ledger returns the original; a key or ID that one kind took is
// refused to the other, and nothing refused is written.
func testKeyedIDs(t *testing.T, s ledger.Store) {
	ctx := context.Background()
	keyed := newFixture(t, s)
	custom := newFixture(t, s, ledger.WithIDs(func(k string) string { return "id:" + k }))
	unsaid := newFixture(t, s, ledger.WithIDs(func(k string) string { return ledger.DefaultID(k) }))
	const p1 = "liabilities:partners:p-1:payable"
	a := keyed.fund("ka", p1, 1)
	b := custom.fund("kb", p1, 2)
	c := unsaid.fund("kc", p1, 3)
	batch, err := keyed.l.PostBatch(ctx, []ledger.TxInput{
		transfer("kd", "expense:commissions", p1, 4), transfer("ke", "expense:commissions", p1, 5)})
	if err != nil {
		t.Fatal(err)
	}
	all := []ledger.Transaction{a, b, c, batch[0], batch[1]}
	for i, want := range []string{ledger.DefaultID("ka"), "id:kb", ledger.DefaultID("kc"), ledger.DefaultID("kd"), ledger.DefaultID("ke")} {
		if all[i].ID != want {
			t.Fatalf("transaction %s has ID %q, want %q", all[i].Key, all[i].ID, want)
		}
	}
	for _, want := range all {
		if got, err := s.Tx(ctx, want.ID); err != nil || got.Seq != want.Seq || got.Key != want.Key {
			t.Errorf("Tx(%q) = seq %d key %q, %v; want seq %d key %q", want.ID, got.Seq, got.Key, err, want.Seq, want.Key)
		}
		if got, err := s.TxByKey(ctx, want.Key); err != nil || got.Seq != want.Seq || got.ID != want.ID {
			t.Errorf("TxByKey(%q) = seq %d ID %q, %v; want seq %d ID %q", want.Key, got.Seq, got.ID, err, want.Seq, want.ID)
		}
	}
	// Replays across kinds return the original.
	for _, r := range []struct {
		f    *fixture
		orig ledger.Transaction
	}{{keyed, b}, {keyed, c}, {custom, a}, {custom, c}, {unsaid, a}, {unsaid, batch[1]}} {
		units := map[string]int64{"ka": 1, "kb": 2, "kc": 3, "kd": 4, "ke": 5}[r.orig.Key]
		if got := r.f.fund(r.orig.Key, p1, units); got.ID != r.orig.ID || got.Seq != r.orig.Seq {
			t.Errorf("replay of %s = ID %q seq %d, want the original %q seq %d", r.orig.Key, got.ID, got.Seq, r.orig.ID, r.orig.Seq)
		}
	}
	// Commits that reuse a key or an ID of the other kind are refused.
	with := func(key, id string) ledger.Transaction {
		tx := a
		tx.Key, tx.ID = key, id
		return tx
	}
	for _, r := range []struct {
		name  string
		keyed bool
		txs   []ledger.Transaction
	}{
		{"keyed, key of a WithIDs transaction", true, []ledger.Transaction{with("kb", ledger.DefaultID("kb"))}},
		{"keyed, key of an unpromised DefaultID", true, []ledger.Transaction{with("kc", ledger.DefaultID("kc"))}},
		{"unkeyed, key of a keyed transaction", false, []ledger.Transaction{with("ka", "id:other")}},
		{"unkeyed, key of a keyed batch's transaction", false, []ledger.Transaction{with("ke", "id:ke")}},
		{"unkeyed, ID of a keyed transaction", false, []ledger.Transaction{with("kz", a.ID)}},
		{"keyed, one key twice", true, []ledger.Transaction{with("ky", ledger.DefaultID("ky")), with("ky", ledger.DefaultID("ky"))}},
		{"keyed, then a stored key", true, []ledger.Transaction{with("ky", ledger.DefaultID("ky")), with("kd", ledger.DefaultID("kd"))}},
	} {
		if err := s.Commit(ctx, &ledger.Commit{Txs: r.txs, KeyedIDs: r.keyed}); !errors.Is(err, ledger.ErrDuplicateKey) {
			t.Errorf("Commit (%s) = %v, want ErrDuplicateKey", r.name, err)
		}
	}
	for _, k := range []string{"kz", "ky"} {
		if _, err := s.TxByKey(ctx, k); !errors.Is(err, ledger.ErrNotFound) {
			t.Errorf("TxByKey(%q) after refused commits = %v, want ErrNotFound", k, err)
		}
		if _, err := s.Tx(ctx, ledger.DefaultID(k)); !errors.Is(err, ledger.ErrNotFound) {
			t.Errorf("Tx(DefaultID(%q)) after refused commits = %v, want ErrNotFound", k, err)
		}
	}
	if n := keyed.count(); n != len(all) {
		t.Errorf("%d transactions, want %d", n, len(all))
	}
}
