//go:build openblas && cgo

package nn

import "testing"

// TestOpenBLASRunsOneThread: the engine runs one trainer per core, so
// OpenBLAS must not add threads of its own, whatever OPENBLAS_NUM_THREADS
// says (two trainers × two threads ran the imitation smoke profile 4×
// slower on two cores).
func TestOpenBLASRunsOneThread(t *testing.T) {
	t.Setenv("OPENBLAS_NUM_THREADS", "2") // too late for init: what counts is that init set 1
	if n := SetBLASThreads(1); n != 1 {
		t.Fatalf("OpenBLAS ran %d threads after init, want 1", n)
	}
	if prev := SetBLASThreads(2); prev != 1 {
		t.Fatalf("SetBLASThreads returned %d", prev)
	}
	if prev := SetBLASThreads(1); prev != 2 {
		t.Fatalf("SetBLASThreads(2) left %d threads", prev)
	}
}
