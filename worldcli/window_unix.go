//go:build unix

package worldcli

import (
	"fmt"
	"os"
	"syscall"
)

// execGUI replaces this process with the window binary, which then owns the
// terminal, the signals and the exit status.
func execGUI(path string, argv []string) error {
	if err := syscall.Exec(path, argv, os.Environ()); err != nil {
		return fmt.Errorf("%s: start the window: %w", argv[1], err)
	}
	return nil // not reached
}
