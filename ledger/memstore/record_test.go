package memstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/accruehq/accrue"
	"github.com/accruehq/accrue/ledger"
	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// TestCommitRefusesNonPositiveAmount: a stored posting keeps its side as
// the sign of its amount, so Commit refuses a zero or negative amount
// (which the ledger never sends) instead of storing the wrong side.
func TestCommitRefusesNonPositiveAmount(t *testing.T) {
	ctx := context.Background()
	usd := accrue.MustCurrency("USD")
	s := New()
	accts := []ledger.Account{{Name: "assets:a", Type: ledger.Asset, Currency: usd}, {Name: "assets:b", Type: ledger.Asset, Currency: usd}}
	if err := s.Commit(ctx, &ledger.Commit{NewAccounts: accts}); err != nil {
		t.Fatal(err)
	}
	for _, amt := range []string{"0.00 USD", "-1.00 USD"} {
		tx := ledger.Transaction{ID: "tx-1", Key: "k", Kind: ledger.KindPosted, Postings: []ledger.Posting{
			{Account: "assets:a", Side: ledger.Debit, Amount: accrue.MustParseMoney(amt)},
			{Account: "assets:b", Side: ledger.Credit, Amount: accrue.MustParseMoney(amt)},
		}}
		if err := s.Commit(ctx, &ledger.Commit{Txs: []ledger.Transaction{tx}}); !errors.Is(err, ledger.ErrInvalidAmount) {
			t.Errorf("%s: Commit = %v, want ErrInvalidAmount", amt, err)
		}
	}
	if s.txs.len() != 0 {
		t.Errorf("%d transactions stored", s.txs.len())
	}
}

// TestCommitRefusesTooManyPostings: a record counts its postings in 16
// bits, so Commit refuses more (the ledger allows 1,024) and writes
// nothing.
func TestCommitRefusesTooManyPostings(t *testing.T) {
	ctx := context.Background()
	usd := accrue.MustCurrency("USD")
	s := New()
	if err := s.Commit(ctx, &ledger.Commit{NewAccounts: []ledger.Account{{Name: "assets:a", Type: ledger.Asset, Currency: usd}}}); err != nil {
		t.Fatal(err)
	}
	one := accrue.FromMinorUnits(1, usd)
	tx := ledger.Transaction{ID: "tx-1", Key: "k", Kind: ledger.KindPosted}
	for i := range math.MaxUint16 + 1 {
		tx.Postings = append(tx.Postings, ledger.Posting{Account: "assets:a", Side: ledger.Side(1 + i%2), Amount: one})
	}
	if err := s.Commit(ctx, &ledger.Commit{Txs: []ledger.Transaction{tx}}); !errors.Is(err, ledger.ErrInvalidInput) {
		t.Fatalf("Commit = %v, want ErrInvalidInput", err)
	}
	if s.txs.len() != 0 || s.postings.len() != 0 {
		t.Fatalf("%d transactions, %d postings stored", s.txs.len(), s.postings.len())
	}
	tx.Postings = tx.Postings[:math.MaxUint16-1] // even: balanced in count, accepted
	if err := s.Commit(ctx, &ledger.Commit{Txs: []ledger.Transaction{tx}}); err != nil {
		t.Fatalf("Commit of %d postings: %v", len(tx.Postings), err)
	}
	if got, _ := s.TxByKey(ctx, "k"); len(got.Postings) != math.MaxUint16-1 {
		t.Fatalf("%d postings read back", len(got.Postings))
	}
}

// TestPostingSide: a posting reads back with the side and amount it was
// stored with.
func TestPostingSide(t *testing.T) {
	for _, side := range []ledger.Side{ledger.Debit, ledger.Credit} {
		for _, units := range []int64{1, 12345, 1<<31 - 1, 1 << 31, 1<<32 - 1, 1 << 32, 1 << 62, math.MaxInt64} {
			p := newPosting(0, units, side)
			if p.side() != side || p.units() != units {
				t.Errorf("newPosting(%d, %v) reads back %d, %v", units, side, p.units(), p.side())
			}
		}
	}
}

// TestRecordRoundTrip commits transactions with every optional field
// (metadata, expiry, reverses, pending; keys and IDs of any bytes; commits
// that promise KeyedIDs, whose IDs are kept as their keys only) and reads
// each back through Tx, TxByKey, Transactions and Entries exactly as
// committed.
func TestRecordRoundTrip(t *testing.T) {
	usd := accrue.MustCurrency("USD")
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rapid.Check(t, func(t *rapid.T) {
		ctx := context.Background()
		names := []string{"assets:a", "assets:b", "liabilities:c"}
		s := storeWith(t, usd, names...)
		str := rapid.StringN(0, 40, -1)
		var want []ledger.Transaction
		for i := range rapid.IntRange(1, 6).Draw(t, "commits") {
			var txs []ledger.Transaction
			keyed := rapid.Bool().Draw(t, "keyed")
			for j := range rapid.IntRange(1, 4).Draw(t, "txs") {
				n := fmt.Sprintf("%d.%d", i, j)
				key := "k" + n + str.Draw(t, "key")
				// IDs of any bytes, DefaultIDs (kept packed) and IDs one
				// character away from that shape (kept as they are).
				def := ledger.DefaultID(key)
				id := rapid.SampledFrom([]string{"id" + n + rapid.StringN(0, 300, -1).Draw(t, "id"), def,
					"tx-" + strings.ToUpper(def[3:]), def[:len(def)-1] + "g", def + "0", "tX" + def[2:]}).Draw(t, "id form")
				if keyed {
					id = def
				}
				tx := ledger.Transaction{ID: id, Key: key,
					Kind:        rapid.SampledFrom([]ledger.Kind{ledger.KindPosted, ledger.KindPending}).Draw(t, "kind"),
					EffectiveAt: t0.Add(time.Duration(rapid.IntRange(0, 1e6).Draw(t, "eff")) * time.Microsecond),
					RecordedAt:  t0.Add(time.Hour), Reverses: str.Draw(t, "reverses"), Pending: str.Draw(t, "pending")}
				if rapid.Bool().Draw(t, "expires") {
					tx.ExpiresAt = t0.Add(2 * time.Hour)
				}
				if m := rapid.MapOfN(rapid.StringN(1, 20, -1), str, 0, 5).Draw(t, "meta"); len(m) > 0 {
					tx.Metadata = m
				}
				for k := range rapid.IntRange(2, 5).Draw(t, "postings") {
					side := ledger.Debit
					if k%2 == 1 {
						side = ledger.Credit
					}
					amt := accrue.FromMinorUnits(int64(rapid.IntRange(1, 1e9).Draw(t, "units")), usd)
					tx.Postings = append(tx.Postings, ledger.Posting{Account: rapid.SampledFrom(names).Draw(t, "account"), Side: side, Amount: amt})
				}
				txs = append(txs, tx)
			}
			c := &ledger.Commit{Txs: txs, KeyedIDs: keyed}
			if err := s.Commit(ctx, c); err != nil {
				t.Fatal(err)
			}
			want = append(want, c.Txs...)
		}
		for _, w := range want {
			byID, err := s.Tx(ctx, w.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(w, byID); diff != "" {
				t.Fatalf("Tx(%q) differs from what was committed (-want +got):\n%s", w.ID, diff)
			}
			byKey, err := s.TxByKey(ctx, w.Key)
			if err != nil || byKey.ID != w.ID {
				t.Fatalf("TxByKey(%q) = %q, %v; want %q", w.Key, byKey.ID, err, w.ID)
			}
		}
		all, err := s.Transactions(ctx, ledger.TxFilter{Limit: len(want)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, all); diff != "" {
			t.Fatalf("Transactions differ from what was committed (-want +got):\n%s", diff)
		}
		for _, name := range names {
			entries, err := s.Entries(ctx, ledger.EntryFilter{Account: name, Limit: 5 * len(want)}, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				w := want[e.Seq-1]
				if p := w.Postings[e.Index]; e.TxID != w.ID || p.Account != name || !p.Amount.Equal(e.Amount) {
					t.Fatalf("entry %+v of %s; the transaction committed has ID %q and posting %+v", e, name, w.ID, p)
				}
			}
		}
	})
}

// TestPostedAsOfSharedTimes: PostedAsOf at any time equals the sum of the
// posted entries at or before it, with entries at one effective time
// (which share a point), pending ones among them, in or out of order: an
// account keeps checkpoints while its posted entries come in time order
// and a point per time once an earlier one comes; the test checks after
// every commit, so both forms and the switch are covered.
func TestPostedAsOfSharedTimes(t *testing.T) {
	usd := accrue.MustCurrency("USD")
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rapid.Check(t, func(t *rapid.T) {
		ctx := context.Background()
		names := []string{"assets:a", "assets:b"}
		s := storeWith(t, usd, names...)
		type entry struct {
			eff             int
			debits, credits int64
		}
		var model []entry // of assets:a
		// Times mostly move forward (by 0 to step hours), and go back
		// with probability back in 100.
		step := rapid.IntRange(0, 3).Draw(t, "step")
		back := rapid.IntRange(0, 100).Draw(t, "back")
		eff := 0
		for i := range rapid.IntRange(1, 60).Draw(t, "commits") {
			var txs []ledger.Transaction
			for j := range rapid.IntRange(1, 8).Draw(t, "txs") {
				if rapid.IntRange(0, 99).Draw(t, "backdate") < back {
					eff -= rapid.IntRange(1, 5).Draw(t, "by")
				} else {
					eff += rapid.IntRange(0, step).Draw(t, "forward")
				}
				units := int64(rapid.IntRange(1, 100).Draw(t, "units"))
				kind := rapid.SampledFrom([]ledger.Kind{ledger.KindPosted, ledger.KindPending}).Draw(t, "kind")
				side := rapid.SampledFrom([]ledger.Side{ledger.Debit, ledger.Credit}).Draw(t, "side")
				amt := accrue.FromMinorUnits(units, usd)
				txs = append(txs, ledger.Transaction{ID: fmt.Sprintf("id%d.%d", i, j), Key: fmt.Sprintf("k%d.%d", i, j), Kind: kind,
					EffectiveAt: t0.Add(time.Duration(eff) * time.Hour), Postings: []ledger.Posting{
						{Account: names[0], Side: side, Amount: amt}, {Account: names[1], Side: 3 - side, Amount: amt}}})
				if kind.MovesPosted() {
					e := entry{eff: eff}
					if side == ledger.Debit {
						e.debits = units
					} else {
						e.credits = units
					}
					model = append(model, e)
				}
			}
			if err := s.Commit(ctx, &ledger.Commit{Txs: txs}); err != nil {
				t.Fatal(err)
			}
			lo, hi := 0, 0
			for _, e := range model {
				lo, hi = min(lo, e.eff), max(hi, e.eff)
			}
			for at := lo - 1; at <= hi+1; at++ {
				var want ledger.Counters
				for _, e := range model {
					if e.eff <= at {
						want.DebitsPosted += e.debits
						want.CreditsPosted += e.credits
					}
				}
				got, err := s.PostedAsOf(ctx, names[0], t0.Add(time.Duration(at)*time.Hour))
				if err != nil || got != want {
					t.Fatalf("after commit %d: PostedAsOf(+%dh) = %+v, %v; want %+v", i, at, got, err, want)
				}
			}
		}
	})
}

// storeWith returns a new Store holding asset accounts names in cur. It
// keeps its memory in the heap, or in regions from its first byte, or
// switches after a few kilobytes.
func storeWith(t *rapid.T, cur accrue.Currency, names ...string) *Store {
	s := newStore(rapid.SampledFrom([]int{-1, 0, 4 << 10}).Draw(t, "mapAfter"))
	var accts []ledger.Account
	for _, n := range names {
		accts = append(accts, ledger.Account{Name: n, Type: ledger.Asset, Currency: cur})
	}
	if err := s.Commit(context.Background(), &ledger.Commit{NewAccounts: accts}); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRecordSize: a record takes 32 bytes, two to a cache line.
func TestRecordSize(t *testing.T) {
	if n := unsafe.Sizeof(record{}); n != 32 {
		t.Fatalf("a record takes %d bytes, want 32", n)
	}
}
