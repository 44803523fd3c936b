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
	// limit is the slots (0: GOMAXPROCS) and busy those taken. A slot is
	// taken by compare-and-swap on busy, without the lock: two workers
	// that each run thousands of small products a second made the lock
	// and its wake-ups 3.6% of a translation run's CPU. Only a goroutine
	// that finds no slot takes the lock, counts itself in waiting and
	// sleeps on freed; a release wakes the sleepers when there are any.
	limit, busy, waiting atomic.Int64
	mu                   sync.Mutex
	freed                sync.Cond

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
	prev := b.limit.Swap(int64(max(n, 0)))
	b.freed.Broadcast()
	return int(prev)
}

// cap returns the slots. Reading GOMAXPROCS takes the scheduler's lock,
// so a process that sets its threads (as the suites do) never reads it
// here.
func (b *budget) cap() int64 {
	if l := b.limit.Load(); l > 0 {
		return l
	}
	return int64(runtime.GOMAXPROCS(0))
}

// acquire takes one slot, waiting for it, and up to extra more that are
// free; it returns how many it took (at least 1).
func (b *budget) acquire(extra int) int {
	c := b.cap()
	for {
		busy := b.busy.Load()
		if busy < c {
			got := 1 + max(0, min(int64(extra), c-busy-1))
			if b.busy.CompareAndSwap(busy, busy+got) {
				return int(got)
			}
			continue
		}
		// Every slot is taken. waiting is raised before busy is read
		// again, and a release lowers busy before it reads waiting: one
		// of the two sees the other, so no wake-up is lost.
		b.mu.Lock()
		b.waiting.Add(1)
		for b.busy.Load() >= c {
			b.freed.Wait()
			c = b.cap()
		}
		b.waiting.Add(-1)
		b.mu.Unlock()
	}
}

func (b *budget) release(n int) {
	b.busy.Add(int64(-n))
	if b.waiting.Load() > 0 {
		b.mu.Lock()
		b.freed.Broadcast()
		b.mu.Unlock()
	}
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
