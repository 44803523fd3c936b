package simd

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
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

// TestBudgetSlots takes and gives back slots from many goroutines at once,
// some asking for more than one: the slots taken never exceed the limit,
// and no goroutine is left waiting for a slot that was given back (the
// test would hang). Then the limit changes under goroutines that wait.
func TestBudgetSlots(t *testing.T) {
	for _, limit := range []int{1, 2, 3} {
		b := newBudget()
		b.setLimit(limit)
		var taken atomic.Int64
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 2000 {
					got := int64(b.acquire((g + i) % 3))
					if n := taken.Add(got); n > int64(limit) || got < 1 {
						t.Errorf("limit %d: %d slots taken at once, %d by one acquire", limit, n, got)
					}
					taken.Add(-got)
					b.release(int(got))
				}
			})
		}
		wg.Wait()
		if n := b.busy.Load(); n != 0 {
			t.Errorf("limit %d: %d slots still taken", limit, n)
		}
	}
	// Waiters wake when the limit grows.
	b := newBudget()
	b.setLimit(1)
	first := b.acquire(0)
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() { b.release(b.acquire(0)) })
	}
	for deadline := time.Now().Add(10 * time.Second); b.waiting.Load() < 3; {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines wait for a slot, want 3", b.waiting.Load())
		}
		runtime.Gosched()
	}
	b.setLimit(4)
	woken := make(chan struct{})
	go func() { wg.Wait(); close(woken) }()
	select {
	case <-woken:
	case <-time.After(10 * time.Second):
		t.Fatal("goroutines still wait for a slot after the limit grew")
	}
	b.release(first)
}

// BenchmarkSgemmTwoWorkers multiplies decode-sized matrices (4×64 by
// 64×64) from two goroutines at once under a budget of two, as two suite
// workers do: what taking and giving back a slot costs each product.
func BenchmarkSgemmTwoWorkers(b *testing.B) {
	defer SetThreads(SetThreads(2))
	const m, n, k = 4, 64, 64
	b.SetParallelism(1) // with GOMAXPROCS 2: two goroutines
	b.RunParallel(func(pb *testing.PB) {
		x, y, z := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
		for pb.Next() {
			Sgemm(false, true, m, n, k, 1, x, k, y, k, 0, z, n)
		}
	})
}
