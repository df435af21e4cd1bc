package ledgertest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
)

// Tamperer is an optional capability of a store under test: it edits a
// stored transaction behind the ledger's back, as an attacker or a buggy
// migration with database access would. Stores that implement it (usually
// through a test-only wrapper) get the Tamper subtest; the others skip it.
type Tamperer interface {
	// TamperTx loads the stored transaction with the given Seq, lets edit
	// change it (content, Hash), and writes it back without any check.
	TamperTx(ctx context.Context, seq uint64, edit func(tx *ledger.Transaction)) error
}

// testTamper edits stored transactions one way at a time and checks that
// Verify reports the first break where it is, then restores each edit.
func testTamper(t *testing.T, s ledger.Store) {
	tam, ok := s.(Tamperer)
	if !ok {
		t.Skip("the store does not implement ledgertest.Tamperer")
	}
	ctx := context.Background()
	f := newFixture(t, s)
	for i := range 5 {
		in := transfer(string(rune('a'+i)), "expense:commissions", "assets:cash", int64(100+i))
		in.Metadata = map[string]string{accrue.MetaEventID: "e"}
		f.post(in)
	}
	edits := []struct {
		name    string
		edit    func(tx *ledger.Transaction)
		wantSeq uint64
	}{
		{"amount", func(tx *ledger.Transaction) { tx.Postings[0].Amount = usdm(999); tx.Postings[1].Amount = usdm(999) }, 3},
		{"metadata", func(tx *ledger.Transaction) { tx.Metadata = map[string]string{accrue.MetaEventID: "forged"} }, 3},
		{"effective time", func(tx *ledger.Transaction) { tx.EffectiveAt = tx.EffectiveAt.Add(time.Second) }, 3},
		{"account", func(tx *ledger.Transaction) {
			tx.Postings[0].Account, tx.Postings[1].Account = tx.Postings[1].Account, tx.Postings[0].Account
		}, 3},
		{"content and its hash", func(tx *ledger.Transaction) {
			tx.Metadata = map[string]string{accrue.MetaEventID: "forged"}
			tx.Hash = ledger.ChainHash(tx.PrevHash, tx)
		}, 4},
	}
	for _, e := range edits {
		var orig ledger.Transaction
		err := tam.TamperTx(ctx, 3, func(tx *ledger.Transaction) {
			orig = tx.Clone()
			e.edit(tx)
		})
		if err != nil {
			t.Fatalf("%s: tamper: %v", e.name, err)
		}
		res, err := f.l.Verify(ctx, 0, 0)
		var ce *ledger.ChainError
		if !errors.As(err, &ce) || !errors.Is(err, ledger.ErrChainBroken) || ce.Seq != e.wantSeq || res.Checked != int(e.wantSeq-1) {
			t.Errorf("%s: Verify = %+v, %v; want a *ChainError at seq %d", e.name, res, err, e.wantSeq)
		}
		if err := tam.TamperTx(ctx, 3, func(tx *ledger.Transaction) { *tx = orig }); err != nil {
			t.Fatalf("%s: restore: %v", e.name, err)
		}
		if _, err := f.l.Verify(ctx, 0, 0); err != nil {
			t.Fatalf("%s: after restoring: %v", e.name, err)
		}
	}
}
