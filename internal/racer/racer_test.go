package racer

import (
	"errors"
	"sync/atomic"
	"testing"
)

func TestRunCallsEveryPairOnceAndStopsAtAnError(t *testing.T) {
	var seen [4][10]atomic.Int32
	if err := Run(4, 10, func(g, i int) error { seen[g][i].Add(1); return nil }); err != nil {
		t.Fatal(err)
	}
	for g := range seen {
		for i := range seen[g] {
			if n := seen[g][i].Load(); n != 1 {
				t.Fatalf("f(%d, %d) called %d times, want 1", g, i, n)
			}
		}
	}
	boom := errors.New("boom")
	var after atomic.Int32
	err := Run(3, 10, func(g, i int) error {
		if g == 1 && i >= 4 {
			if i > 4 {
				after.Add(1)
			}
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || err.Error() != "goroutine 1, call 4: boom" {
		t.Fatalf("err = %v, want goroutine 1's boom at call 4", err)
	}
	if after.Load() != 0 {
		t.Fatal("goroutine 1 went on after its error")
	}
}
