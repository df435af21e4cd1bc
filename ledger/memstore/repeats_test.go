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
