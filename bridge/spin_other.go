//go:build !unix

package bridge

import (
	"io"
	"os"
	"time"
)

// newSpinReader returns f: the poll loop of spin_unix.go is for Unix
// pipes.
func newSpinReader(f *os.File, _ time.Duration) io.Reader { return f }
