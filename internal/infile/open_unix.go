//go:build unix

package infile

import (
	"os"

	"golang.org/x/sys/unix"
)

func openNonblock(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|unix.O_NONBLOCK, 0)
}

// setBlocking turns O_NONBLOCK off again: it was only for the open, and a
// regular file's reads do not block anyway; clearing it keeps the file in
// the state os.Open would give.
func setBlocking(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = unix.SetNonblock(int(fd), false) }); err != nil {
		return err
	}
	return serr
}
