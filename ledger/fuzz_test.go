package ledger_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
	"github.com/accruehq/accrue/ledger/ledgertest"
	"github.com/accruehq/accrue/ledger/memstore"
)

// FuzzPost posts arbitrary transaction input on a ledger that creates any
// validly named account on first use: it must never panic; a refusal writes
// nothing; an acceptance leaves the invariants intact and replays to the
// same transaction.
func FuzzPost(f *testing.F) {
	f.Add("k", "assets:a", "assets:b", "1.00", "1.00", uint8(1), uint8(2), "event_id", "e-1", int64(0), "USD")
	f.Add("k", "assets:a", "assets:a", "0.01", "0.01", uint8(2), uint8(1), "", "", int64(1767225600), "JPY")
	f.Add("", "Assets:A", "assets:b", "-1", "1e3", uint8(0), uint8(3), strings.Repeat("k", 70), "v", int64(-1e12), "XXX")
	f.Add("k2", "assets:a", "expense:b", "92233720368547758.07", "92233720368547758.07", uint8(1), uint8(2), "k", "v", int64(4102444800), "KWD")
	f.Fuzz(func(t *testing.T, key, a1, a2, m1, m2 string, s1, s2 uint8, mk, mv string, eff int64, code string) {
		ctx := context.Background()
		cur, err := accrue.LookupCurrency(code)
		if err != nil {
			cur = accrue.MustCurrency("USD")
		}
		store := memstore.New()
		l, err := ledger.New(store, ledger.WithClock(accrue.NewManualClock(t0)), ledger.WithAccountPolicy(func(name string) (ledger.Account, bool) {
			typ := ledger.Asset
			if strings.HasPrefix(name, "expense:") {
				typ = ledger.Expense
			}
			return ledger.Account{Name: name, Type: typ, Currency: cur, Constraints: ledger.Constraints{NoNegative: strings.Contains(name, "nn")}}, true
		}))
		if err != nil {
			t.Fatal(err)
		}
		amount := func(s string) accrue.Money {
			m, err := accrue.ParseAmount(s, cur)
			if err != nil {
				return accrue.Money{}
			}
			return m
		}
		in := ledger.TxInput{Key: key, Postings: []ledger.Posting{
			{Account: a1, Side: ledger.Side(s1), Amount: amount(m1)},
			{Account: a2, Side: ledger.Side(s2), Amount: amount(m2)},
		}}
		if mk != "" {
			in.Metadata = map[string]string{mk: mv}
		}
		if eff != 0 {
			in.EffectiveAt = time.Unix(eff, 0)
		}
		tx, err := l.Post(ctx, in)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "ledger: ") {
				t.Errorf("error %q does not start with the package name", err)
			}
			if txs, _ := store.Transactions(ctx, ledger.TxFilter{Limit: 10}, nil); len(txs) != 0 {
				t.Fatalf("refused input %v wrote %d transactions", err, len(txs))
			}
			if accts, _ := store.ListAccounts(ctx, "", "", 10, nil); len(accts) != 0 {
				t.Fatalf("refused input %v created %d accounts", err, len(accts))
			}
			return
		}
		ledgertest.CheckInvariants(t, store)
		again, err := l.Post(ctx, in)
		if err != nil || again.ID != tx.ID || again.Hash != tx.Hash {
			t.Fatalf("replay: %v", err)
		}
		// The same postings held twice in one batch (the batch path: shared
		// ID and posting memory): all or nothing, and a replay writes nothing.
		h1, h2 := in, in
		h1.Key, h2.Key = in.Key+"#h1", in.Key+"#h2"
		before, _ := store.Transactions(ctx, ledger.TxFilter{Limit: 10}, nil)
		held, err := l.HoldBatch(ctx, []ledger.TxInput{h1, h2})
		after, _ := store.Transactions(ctx, ledger.TxFilter{Limit: 10}, nil)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "ledger: ") || len(after) != len(before) {
				t.Fatalf("refused hold batch %v wrote %d transactions", err, len(after)-len(before))
			}
			return
		}
		ledgertest.CheckInvariants(t, store)
		if len(held) != 2 || held[0].ID != ledger.DefaultID(h1.Key) || held[1].ID != ledger.DefaultID(h2.Key) || len(after) != len(before)+2 {
			t.Fatalf("hold batch: %d transactions, ids %v, %d written", len(held), held, len(after)-len(before))
		}
		if again, err := l.HoldBatch(ctx, []ledger.TxInput{h1, h2}); err != nil || again[0].ID != held[0].ID || again[1].Seq != held[1].Seq {
			t.Fatalf("hold batch replay: %v", err)
		}
	})
}

// FuzzCursor decodes arbitrary cursors: no panic, and every cursor that
// decodes is the one MakeCursor writes for its position.
func FuzzCursor(f *testing.F) {
	for _, s := range []string{"", "c1.0.0", "c1.18446744073709551615.3", "c1.01.0", "c1.-1.0", "c2.1.1", "c1.1.999999999", "c1.1.1.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		seq, idx, err := ledger.Cursor(s).Decode()
		if err != nil {
			return
		}
		if s == "" {
			return
		}
		if got := ledger.MakeCursor(seq, idx); string(got) != s {
			t.Fatalf("Decode(%q) = %d, %d; MakeCursor gives %q", s, seq, idx, got)
		}
	})
}

// FuzzAccountName checks the name validator: no panic, and every accepted
// name obeys the documented grammar and bounds.
func FuzzAccountName(f *testing.F) {
	for _, s := range []string{"liabilities:partners:p-42:payable", "a", "", ":", "a:", "A", "a::b", strings.Repeat("a:", 16) + "a", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ledger.ValidateAccountName(s) != nil {
			return
		}
		segs := strings.Split(s, ":")
		if len(s) > ledger.MaxAccountNameLen || len(segs) > ledger.MaxAccountSegments {
			t.Fatalf("accepted %q beyond the bounds", s)
		}
		for _, seg := range segs {
			if seg == "" || strings.Trim(seg, "abcdefghijklmnopqrstuvwxyz0123456789_-") != "" {
				t.Fatalf("accepted %q with segment %q", s, seg)
			}
		}
	})
}
