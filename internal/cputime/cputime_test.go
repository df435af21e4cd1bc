//go:build unix

package cputime

import "testing"

// TestProcessGrows checks that CPU time is reported and does not go backwards
// across some work.
func TestProcessGrows(t *testing.T) {
	before, ok := Process()
	if !ok {
		t.Fatal("Process() is not available on a unix platform")
	}
	x := 0
	for i := range 50_000_000 {
		x ^= i
	}
	after, _ := Process()
	if after < before || before <= 0 {
		t.Fatalf("CPU time went from %v to %v (x=%d)", before, after, x)
	}
}
