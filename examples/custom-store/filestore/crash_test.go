package filestore_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/accruehq/accrue/examples/custom-store/filestore"
	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// TestCrashAtAnyByte is the crash-safety property: whatever byte a crash
// cuts the file at, Open succeeds and holds exactly the commits whose lines
// were complete (newline included), and cuts the rest off.
func TestCrashAtAnyByte(t *testing.T) {
	accounts := []string{"assets:cash", "equity:capital", "expense:commissions", "liabilities:partners:p-1:payable"}
	rapid.Check(t, func(rt *rapid.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "ledger.jsonl")
		s := open(t, path)
		l := newLedger(t, s)
		// ends[k] is the file size after k complete lines, states[k] the
		// store then.
		ends := []int64{0}
		states := []state{snapshot(t, s)}
		for i := range rapid.IntRange(1, 6).Draw(rt, "commits") {
			from := rapid.SampledFrom(accounts).Draw(rt, "from")
			to := rapid.SampledFrom(accounts).Filter(func(a string) bool { return a != from }).Draw(rt, "to")
			in := transfer(fmt.Sprint("k", i), from, to, rapid.Int64Range(1, 1_000_000).Draw(rt, "cents"))
			in.EffectiveAt = start.Add(time.Duration(rapid.IntRange(-120, 120).Draw(rt, "minutes")) * time.Minute)
			if rapid.Bool().Draw(rt, "close first") {
				_ = l.ClosePeriod(ctx, start.Add(time.Duration(rapid.IntRange(-180, 0).Draw(rt, "closed"))*time.Minute))
				ends, states = record(t, path, s, ends, states)
			}
			_, _ = l.Post(ctx, in) // may be refused by the closed period: then no line
			ends, states = record(t, path, s, ends, states)
		}
		s.Close()
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		cut := rapid.IntRange(0, len(data)).Draw(rt, "cut")
		k := 0
		for k+1 < len(ends) && ends[k+1] <= int64(cut) {
			k++
		}
		crashed := filepath.Join(dir, "crashed.jsonl")
		if err := os.WriteFile(crashed, data[:cut], 0o600); err != nil {
			t.Fatal(err)
		}
		again := open(t, crashed)
		defer again.Close()
		if d := cmp.Diff(states[k], snapshot(t, again)); d != "" {
			rt.Fatalf("cut at byte %d of %d: store differs from the one after %d complete lines (-want +got):\n%s", cut, len(data), k, d)
		}
		if got, want := again.TornBytes(), int64(cut)-ends[k]; got != want {
			rt.Errorf("TornBytes = %d, want %d", got, want)
		}
		if got := fileSize(t, crashed); got != ends[k] {
			rt.Errorf("file is %d bytes after open, want %d", got, ends[k])
		}
	})
}

// record appends the file size and store state if the last call wrote a
// line.
func record(t *testing.T, path string, s *filestore.Store, ends []int64, states []state) ([]int64, []state) {
	t.Helper()
	size := fileSize(t, path)
	if size == ends[len(ends)-1] {
		return ends, states
	}
	return append(ends, size), append(states, snapshot(t, s))
}
