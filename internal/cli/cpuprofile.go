package cli

import (
	"fmt"
	"runtime/pprof"

	"github.com/metabench/metabench/internal/atomicfile"
)

// StartCPUProfile starts profiling the process's CPU into path (pprof's
// format, for `go tool pprof BINARY path`) and returns the function that
// stops it and publishes the file, whole, at path: the profile is written
// to a temporary file beside it and renamed only when complete, so an
// interrupted command still leaves a readable profile of what it did.
func StartCPUProfile(path string) (stop func() error, err error) {
	f, err := atomicfile.Create(path, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Cleanup()
		return nil, fmt.Errorf("cpu profile %s: %w", path, err)
	}
	return func() error {
		pprof.StopCPUProfile()
		defer f.Cleanup()
		return f.Commit()
	}, nil
}
