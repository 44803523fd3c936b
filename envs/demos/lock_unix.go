//go:build unix

package demos

import (
	"fmt"
	"os"
	"syscall"
)

// lockDir takes an exclusive advisory lock on a dataset directory, so that
// two writers (a generator and a recorder, say) never modify it at once. The
// lock goes away with the process, however it ends.
func lockDir(dir string) (unlock func() error, err error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if err == syscall.EWOULDBLOCK {
			return nil, fmt.Errorf("dataset %s is in use by another writer", dir)
		}
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	return f.Close, nil
}
