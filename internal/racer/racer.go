// Package racer runs the same calls from several goroutines at once, for
// the conformance suites' concurrency subtests (accruetest,
// attribution/attributiontest, reconcile/reconciletest).
package racer

import (
	"errors"
	"fmt"
	"sync"
)

// Run starts n goroutines, releases them together, and has goroutine g call
// f(g, i) for i = 0 … calls-1 in that order, stopping at its first error.
// It returns the errors joined, each naming its goroutine and call, or nil.
func Run(n, calls int, f func(g, i int) error) error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for g := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := range calls {
				if err := f(g, i); err != nil {
					errs[g] = fmt.Errorf("goroutine %d, call %d: %w", g, i, err)
					return
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	return errors.Join(errs...)
}
