package main

import (
	"runtime"
	"testing"

	"github.com/metabench/metabench/nn"
)

// TestWorkersBoundKernels runs a suite with two workers on more
// GOMAXPROCS than that and checks that no more than two goroutines
// executed the engine's kernels at once: the suite's workers and the
// matrix products they split share one budget.
func TestWorkersBoundKernels(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the drug suite's default section")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	nn.KernelPeak()
	code, _, stderr := runCLI(t, "bench", "drug", "--workers", "2", "--quiet", "--cache", t.TempDir())
	if code != 0 {
		t.Fatalf("bench drug: code %d, stderr %q", code, stderr)
	}
	if p := nn.KernelPeak(); p > 2 || p < 1 {
		t.Errorf("bench drug --workers 2: %d goroutines executed kernels at once, want at most 2", p)
	}
}
