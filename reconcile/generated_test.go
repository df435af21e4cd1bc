package reconcile

import (
	"bytes"
	"runtime"
	"testing"
)

// TestInjectedDiscrepancies reconciles a generated set with every kind of
// discrepancy injected and checks that each is reported with its reason,
// that automatic matches are at least 99.9% precise against the ground
// truth, and that nothing else breaks.
func TestInjectedDiscrepancies(t *testing.T) {
	g := generate(genConfig{n: 10_000, seed: 11, extraKinds: true})
	rep := run(t, benchConfig(), g.internal, g.external)

	found := map[string]Reason{}
	for _, b := range rep.Breaks {
		for _, id := range b.LeftIDs {
			found["i:"+id] = b.Reason
		}
		for _, id := range b.RightIDs {
			found["e:"+id] = b.Reason
		}
	}
	kinds := map[Reason]int{}
	for key, want := range g.expect {
		kinds[want]++
		if got, ok := found[key]; !ok {
			t.Errorf("%s: injected %s, not reported", key, want)
		} else if got != want {
			t.Errorf("%s: injected %s, reported %s", key, want, got)
		}
	}
	for r := ReasonMissingInternal; r <= ReasonStatus; r++ {
		if kinds[r] == 0 {
			t.Errorf("the generated set injects no %s", r)
		}
	}
	var unexpected int
	for key := range found {
		if _, ok := g.expect[key]; !ok {
			unexpected++
		}
	}
	if unexpected > 0 {
		t.Errorf("%d records broke without an injected discrepancy", unexpected)
	}

	var wrong, total int
	for _, m := range rep.Legs[0].Matches() {
		total++
		group := g.truthI[m.Left[0]]
		ok := true
		for _, k := range m.Left {
			ok = ok && g.truthI[k] == group
		}
		for _, k := range m.Right {
			ok = ok && g.truthE[k] == group
		}
		if !ok {
			wrong++
		}
	}
	if total == 0 || float64(total-wrong)/float64(total) < 0.999 {
		t.Errorf("precision %d/%d correct; want ≥ 99.9%%", total-wrong, total)
	}
	t.Logf("%d matches, %d wrong, %d breaks, %d injected", total, wrong, len(rep.Breaks), len(g.expect))
}

// TestByteIdenticalAcrossGOMAXPROCS renders the report of a generated set
// under several GOMAXPROCS settings and repeated runs, and with the input in
// another order: the bytes must not change.
func TestByteIdenticalAcrossGOMAXPROCS(t *testing.T) {
	g := generate(genConfig{n: 9_000, seed: 3, extraKinds: true}) // above parallelMin: the concurrent paths run
	want := csvBytes(t, run(t, benchConfig(), g.internal, g.external))
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 4, 8} {
		runtime.GOMAXPROCS(procs)
		if got := csvBytes(t, run(t, benchConfig(), g.internal, g.external)); !bytes.Equal(got, want) {
			t.Fatalf("GOMAXPROCS=%d: report differs", procs)
		}
	}
	// Reversed input: indexes in the export are by record, so compare the
	// rendering keyed by ids.
	rin, rex := reversed(g.internal), reversed(g.external)
	if got := csvBytes(t, run(t, benchConfig(), rin, rex)); !bytes.Equal(got, want) {
		t.Fatal("reversed input: report differs")
	}
}

func reversed(recs []Record) []Record {
	out := make([]Record, len(recs))
	for i, r := range recs {
		out[len(recs)-1-i] = r
	}
	return out
}
