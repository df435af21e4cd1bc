//go:build !unix

package cputime

import "time"

// Process is not available on this platform: benchmarks report wall-clock
// rates only.
func Process() (time.Duration, bool) { return 0, false }
