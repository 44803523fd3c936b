package simd

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// budget bounds the goroutines that execute the kernels at once, across
// the process: a GEMM takes one slot for its caller (waiting when every
// slot is taken) and as many more as are free, up to what its size
// deserves, for helper goroutines. So a suite with N workers and a budget
// of N never runs more than N kernel goroutines, however its products
// split: one busy worker's large products use every core, N busy
// workers' products each run on their own goroutine.
//
// It is process state, as GOMAXPROCS is: the CPUs a process uses are one
// budget, set where the process decides its parallelism (SetThreads).
type budget struct {
	mu    sync.Mutex
	freed sync.Cond
	limit int // 0: GOMAXPROCS
	busy  int

	// executing counts the goroutines inside kernel loops and peak its
	// maximum since the last reset: what the tests of the bound observe,
	// independently of the slot accounting.
	executing, peak atomic.Int64
}

var threads = newBudget()

func newBudget() *budget {
	b := &budget{}
	b.freed.L = &b.mu
	return b
}

// SetThreads sets how many goroutines may execute the kernels at once
// (n ≤ 0: GOMAXPROCS, the default) and returns the previous setting.
func SetThreads(n int) int {
	return threads.setLimit(n)
}

// KernelPeak returns the largest number of goroutines that executed the
// kernels at once since the last call, and starts counting anew.
func KernelPeak() int {
	return int(threads.peak.Swap(threads.executing.Load()))
}

func (b *budget) setLimit(n int) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	prev := b.limit
	b.limit = max(n, 0)
	b.freed.Broadcast()
	return prev
}

func (b *budget) cap() int {
	if b.limit > 0 {
		return b.limit
	}
	return runtime.GOMAXPROCS(0)
}

// acquire takes one slot, waiting for it, and up to extra more that are
// free; it returns how many it took (at least 1).
func (b *budget) acquire(extra int) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	// cap reads GOMAXPROCS, which takes the scheduler's lock: once per
	// wait, not once per use, as small products call this at a high rate.
	c := b.cap()
	for b.busy >= c {
		b.freed.Wait()
		c = b.cap()
	}
	got := 1 + max(0, min(extra, c-b.busy-1))
	b.busy += got
	return got
}

func (b *budget) release(n int) {
	b.mu.Lock()
	b.busy -= n
	b.mu.Unlock()
	b.freed.Broadcast()
}

// enter and leave bracket a goroutine's kernel loop, for KernelPeak.
func (b *budget) enter() {
	n := b.executing.Add(1)
	for {
		p := b.peak.Load()
		if n <= p || b.peak.CompareAndSwap(p, n) {
			return
		}
	}
}

func (b *budget) leave() { b.executing.Add(-1) }
