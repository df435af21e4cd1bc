package memstore

import (
	"errors"
	"strconv"
	"testing"

	"pgregory.net/rapid"

	"github.com/accruehq/accrue/ledger"
)

// TestCheckRepeats: a commit is refused exactly when two of its
// transactions share a key, whatever the hashes, including hashes that
// collide for different keys and tables reused across commits of
// different sizes.
func TestCheckRepeats(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := New()
		for range rapid.IntRange(1, 3).Draw(t, "commits") {
			n := rapid.IntRange(1, 200).Draw(t, "n")
			pool := rapid.IntRange(1, 3*n).Draw(t, "pool")
			buckets := rapid.SampledFrom([]uint64{1, 3, 1 << 20}).Draw(t, "buckets") // 1: every hash collides
			txs := make([]ledger.Transaction, n)
			hashes := make([]uint64, n)
			want := false
			seen := map[string]bool{}
			for i := range txs {
				k := rapid.IntRange(0, pool-1).Draw(t, "key")
				txs[i].Key = "k" + strconv.Itoa(k)
				hashes[i] = uint64(k)%buckets*0x9e3779b97f4a7c15 + 7
				want = want || seen[txs[i].Key]
				seen[txs[i].Key] = true
			}
			err := s.checkRepeats(txs, hashes, func(tx *ledger.Transaction) string { return tx.Key })
			if got := errors.Is(err, ledger.ErrDuplicateKey); got != want || (err != nil && !got) {
				t.Fatalf("checkRepeats = %v, want a repeat: %v", err, want)
			}
		}
	})
}

// TestCheckRepeatsSizes: commits of no or one transaction have no repeat,
// and the table of a commit too large to keep it is dropped whether or not
// the commit repeats a key.
func TestCheckRepeatsSizes(t *testing.T) {
	s := New()
	key := func(tx *ledger.Transaction) string { return tx.Key }
	for n := range 2 {
		if err := s.checkRepeats(make([]ledger.Transaction, n), make([]uint64, n), key); err != nil {
			t.Fatalf("%d transactions: %v", n, err)
		}
	}
	const n = 40000
	txs, hashes := make([]ledger.Transaction, n), make([]uint64, n)
	for i := range txs {
		txs[i].Key = "k" + strconv.Itoa(i)
		hashes[i] = uint64(i) * 0x9e3779b97f4a7c15
	}
	for _, repeat := range []bool{false, true} {
		if repeat {
			txs[n-1].Key, hashes[n-1] = txs[7].Key, hashes[7]
		}
		err := s.checkRepeats(txs, hashes, key)
		if errors.Is(err, ledger.ErrDuplicateKey) != repeat || (err != nil && !repeat) {
			t.Fatalf("repeat %v: %v", repeat, err)
		}
		if s.repeats != nil {
			t.Fatalf("repeat %v: a table of %d slots was kept", repeat, cap(s.repeats))
		}
	}
}
