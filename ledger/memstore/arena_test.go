package memstore

import (
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// TestArenaRuns writes runs of strings (some larger than a block, so that
// blocks fill, grow and overflow) and reads every run back after all were
// written: runs never overlap or move.
func TestArenaRuns(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var a arena
		type written struct {
			at   ref
			strs []string
		}
		var runs []written
		for range rapid.IntRange(1, 40).Draw(t, "runs") {
			strs := rapid.SliceOfN(rapid.String(), 0, 4).Draw(t, "strs")
			if rapid.IntRange(0, 9).Draw(t, "big") == 0 {
				strs = append(strs, strings.Repeat("x", rapid.IntRange(maxBlock/2, maxBlock+3).Draw(t, "len")))
			}
			n := 0
			for _, s := range strs {
				n += strSize(s)
			}
			at, b := a.alloc(n)
			for _, s := range strs {
				b = putStr(b, s)
			}
			if len(b) != n {
				t.Fatalf("run of %d bytes, strSize said %d", len(b), n)
			}
			runs = append(runs, written{at, strs})
		}
		for i, w := range runs {
			b := a.run(w.at)
			for j, want := range w.strs {
				var got []byte
				got, b = nextStr(b)
				if string(got) != want {
					t.Fatalf("run %d string %d = %.20q, want %.20q", i, j, got, want)
				}
			}
		}
	})
}

// TestNextStrCorrupt: a length prefix that is cut short or runs past the
// end yields nothing, not a panic.
func TestNextStrCorrupt(t *testing.T) {
	for _, b := range [][]byte{nil, {0x80}, {0x05, 'a'}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}} {
		if s, rest := nextStr(b); s != nil || rest != nil {
			t.Errorf("nextStr(%x) = %q, %x; want nothing", b, s, rest)
		}
	}
	if s, rest := nextStr([]byte{0}); len(s) != 0 || len(rest) != 0 {
		t.Errorf("nextStr(00) = %q, %x", s, rest)
	}
}
