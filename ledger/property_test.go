package ledger_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
	"github.com/accruehq/accrue/ledger/memstore"
	"pgregory.net/rapid"
)

// drawTx draws an arbitrary transaction for encoding properties.
func drawTx(t *rapid.T) ledger.Transaction {
	str := rapid.StringMatching(`[a-z0-9:_-]{0,12}`)
	tx := ledger.Transaction{
		ID: str.Draw(t, "id"), Key: str.Draw(t, "key"), Kind: ledger.Kind(rapid.IntRange(1, 5).Draw(t, "kind")),
		EffectiveAt: time.Unix(rapid.Int64Range(0, 1<<40).Draw(t, "eff"), 0).UTC(),
		RecordedAt:  time.Unix(rapid.Int64Range(0, 1<<40).Draw(t, "rec"), 0).UTC(),
		Reverses:    str.Draw(t, "reverses"), Pending: str.Draw(t, "pending"),
		Seq: rapid.Uint64().Draw(t, "seq"),
	}
	for range rapid.IntRange(0, 4).Draw(t, "postings") {
		tx.Postings = append(tx.Postings, ledger.Posting{Account: str.Draw(t, "account"), Side: ledger.Side(rapid.IntRange(1, 2).Draw(t, "side")),
			Amount: accrue.FromMinorUnits(rapid.Int64().Draw(t, "units"), rapid.SampledFrom([]accrue.Currency{usd, eur}).Draw(t, "cur"))})
	}
	if rapid.Bool().Draw(t, "meta") {
		tx.Metadata = rapid.MapOf(str, str).Draw(t, "metadata")
	}
	return tx
}

// TestCanonicalEncodingProperties: the encoding is deterministic (map order
// does not matter), ignores Hash and PrevHash, and changes when any hashed
// field changes, so the chain detects edits of each.
func TestCanonicalEncodingProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		tx := drawTx(t)
		enc := ledger.AppendCanonical(nil, &tx)
		clone := tx.Clone()
		clone.Hash, clone.PrevHash = [32]byte{1}, [32]byte{2}
		if !bytes.Equal(enc, ledger.AppendCanonical(nil, &clone)) {
			t.Fatal("encoding depends on the hashes or on map order")
		}
		edits := map[string]func(*ledger.Transaction){
			"id":    func(x *ledger.Transaction) { x.ID += "x" },
			"key":   func(x *ledger.Transaction) { x.Key += "x" },
			"kind":  func(x *ledger.Transaction) { x.Kind = x.Kind%5 + 1 },
			"eff":   func(x *ledger.Transaction) { x.EffectiveAt = x.EffectiveAt.Add(time.Microsecond) },
			"rec":   func(x *ledger.Transaction) { x.RecordedAt = x.RecordedAt.Add(time.Microsecond) },
			"exp":   func(x *ledger.Transaction) { x.ExpiresAt = x.RecordedAt.Add(time.Hour) },
			"seq":   func(x *ledger.Transaction) { x.Seq++ },
			"links": func(x *ledger.Transaction) { x.Reverses, x.Pending = x.Pending, x.Reverses+"x" },
			"meta":  func(x *ledger.Transaction) { x.Metadata = map[string]string{"edited": ""} },
			"append": func(x *ledger.Transaction) {
				x.Postings = append(x.Postings, ledger.Posting{Side: ledger.Debit, Amount: accrue.FromMinorUnits(1, usd)})
			},
		}
		name := rapid.SampledFrom([]string{"id", "key", "kind", "eff", "rec", "exp", "seq", "links", "meta", "append"}).Draw(t, "edit")
		edited := tx.Clone()
		edits[name](&edited)
		if name == "meta" && len(tx.Metadata) == 1 && tx.Metadata["edited"] == "" {
			t.Skip("edit is a no-op")
		}
		if bytes.Equal(enc, ledger.AppendCanonical(nil, &edited)) {
			t.Fatalf("edit %s does not change the encoding", name)
		}
		prev := [32]byte{byte(tx.Seq)}
		if ledger.ChainHash(prev, &tx) == ledger.ChainHash(prev, &edited) || ledger.ChainHash(prev, &tx) == ledger.ChainHash([32]byte{9, 9}, &tx) {
			t.Fatal("hash ignores an edit or the previous hash")
		}
	})
}

// TestAccountPolicy: accounts are created on first use, atomically with the
// transaction that uses them; a refused transaction creates none, and a
// policy that returns another name or an invalid account is refused.
func TestAccountPolicy(t *testing.T) {
	ctx := context.Background()
	policy := func(name string) (ledger.Account, bool) {
		switch name {
		case "assets:renamed":
			return ledger.Account{Name: "assets:other", Type: ledger.Asset, Currency: usd}, true
		case "assets:typeless":
			return ledger.Account{Name: name, Currency: usd}, true
		case "assets:refused":
			return ledger.Account{}, false
		}
		return ledger.Account{Name: name, Type: ledger.Asset, Currency: usd, Constraints: ledger.Constraints{NoNegative: name == "assets:guarded"}}, true
	}
	s := memstore.New()
	l, err := ledger.New(s, ledger.WithClock(accrue.NewManualClock(t0)), ledger.WithAccountPolicy(policy))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		to   string
		want error
	}{
		{"assets:renamed", ledger.ErrInvalidAccount},
		{"assets:typeless", ledger.ErrInvalidAccount},
		{"assets:refused", ledger.ErrUnknownAccount},
		{"Assets:Bad", ledger.ErrInvalidAccount},
		{"assets:guarded", ledger.ErrInsufficientFunds}, // created and refused in one step: not created
	} {
		_, err := l.Post(ctx, transfer("k-"+tc.to, "assets:a", tc.to, "1.00"))
		if !errors.Is(err, tc.want) {
			t.Errorf("post to %s: %v, want %v", tc.to, err, tc.want)
		}
	}
	if accts, _ := s.ListAccounts(ctx, "", "", 100, nil); len(accts) != 0 {
		t.Fatalf("refused transactions created %d accounts", len(accts))
	}
	if _, err := l.Post(ctx, transfer("ok", "assets:a", "assets:b", "1.00")); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Account(ctx, "assets:b"); err != nil {
		t.Fatal(err)
	}
}
