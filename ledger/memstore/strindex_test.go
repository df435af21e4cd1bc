package memstore

import "testing"

// TestStrIndexCollisions forces strings onto one hash and one home slot:
// every lookup must still find its own Seq, through growth.
func TestStrIndexCollisions(t *testing.T) {
	strs := map[uint64]string{}
	x := newStrIndex(nil, func(seq uint64, s string) bool { return strs[seq] == s })
	const same = 0xdeadbeef_00000007
	for seq := uint64(1); seq <= 3000; seq++ {
		s := string(rune('a'+seq%26)) + string(rune(seq))
		strs[seq] = s
		h := x.hash(s)
		if seq%3 == 0 {
			h = same // a third share one hash
		}
		x.insert(h, seq)
	}
	for seq, s := range strs {
		h := x.hash(s)
		if seq%3 == 0 {
			h = same
		}
		if got, ok := x.lookupHashed(h, s); !ok || got != seq {
			t.Fatalf("lookup %q = %d, %v; want %d", s, got, ok, seq)
		}
	}
	if _, ok := x.lookupHashed(same, "absent"); ok {
		t.Fatal("found an absent string")
	}
}
