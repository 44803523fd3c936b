// Package parallel runs independent units of work on a fixed number of
// goroutines. Results are stored by unit index, so they never depend on
// scheduling.
package parallel

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// Workers returns n if positive, else the number of usable CPUs.
func Workers(n int) int {
	if n > 0 {
		return n
	}
	return runtime.GOMAXPROCS(0)
}

// For calls fn(i) for i in [0, n) on the given number of goroutines (all
// CPUs when workers ≤ 0), handing out indices in increasing order. It stops
// handing out work when ctx is cancelled or a call fails, and returns the
// error of the lowest failing index, else ctx's error.
func For(ctx context.Context, n, workers int, fn func(i int) error) error {
	workers = min(Workers(workers), max(n, 1))
	next := make(chan int)
	errs := make([]error, n)
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(i); err != nil {
					errs[i] = err
					failed.Store(true)
				}
			}
		}()
	}
feed:
	for i := 0; i < n && !failed.Load(); i++ {
		select {
		case <-ctx.Done():
			break feed
		case next <- i:
		}
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return ctx.Err()
}
