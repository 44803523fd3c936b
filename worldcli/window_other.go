//go:build !unix

package worldcli

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
)

// execGUI runs the window binary with this process's streams and returns
// its failure, if any (the window binary has printed the reason).
func execGUI(path string, argv []string) error {
	c := exec.Command(path, argv[1:]...)
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := c.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("%s: the window exited with status %d", argv[1], ee.ExitCode())
		}
		return fmt.Errorf("%s: start the window: %w", argv[1], err)
	}
	return nil
}
