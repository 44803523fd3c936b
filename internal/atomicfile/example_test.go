package atomicfile_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/metabench/metabench/internal/atomicfile"
)

// A file written through Write appears whole or not at all: a reader never
// sees a half-written report, even if the writer is killed.
func ExampleWrite() {
	dir, _ := os.MkdirTemp("", "atomicfile")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "report.csv")
	err := atomicfile.Write(path, 0o644, func(w io.Writer) error {
		_, err := fmt.Fprintln(w, "model,auc\nPMTNN,0.84")
		return err
	})
	b, _ := os.ReadFile(path)
	fmt.Print(string(b), err)
	// Output:
	// model,auc
	// PMTNN,0.84
	// <nil>
}
