package simd

import (
	"runtime"
	"sync"
	"testing"
)

// TestThreadBudget runs two "workers" that each multiply matrices large
// enough to split over goroutines, and checks that the goroutines
// executing kernels at once never exceed the budget. Without it each
// product would add GOMAXPROCS−1 helpers to the two workers.
func TestThreadBudget(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	for _, limit := range []int{1, 2, 3} {
		prev := SetThreads(limit)
		KernelPeak()
		const m, n, k = 200, 200, 200 // above parallelMin
		a, b := make([]float32, m*k), make([]float32, k*n)
		for i := range a {
			a[i], b[i] = 1, 1
		}
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				c := make([]float32, m*n)
				for range 20 {
					Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
				}
			})
		}
		wg.Wait()
		if p := KernelPeak(); p > limit || p < 1 {
			t.Errorf("budget %d: %d goroutines executed kernels at once", limit, p)
		}
		SetThreads(prev)
	}
}
