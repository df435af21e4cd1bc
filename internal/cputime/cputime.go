// Package cputime reads the CPU time the process has used. Benchmarks on a
// shared, loaded machine report a rate per CPU-second beside the wall-clock
// rate, so that the work done (the garbage collector's on any core included)
// can be read apart from time spent waiting for a core. It is a test helper,
// not API.
package cputime
