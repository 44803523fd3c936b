// Package infile opens the files a command reads: only regular files. A
// FIFO given as --data would block the open until a writer appears (so
// that no signal could stop the command), and a device such as /dev/zero
// never ends; both are refused in one line instead.
package infile

import (
	"fmt"
	"io"
	"os"
)

// Open opens path for reading if it is a regular file. Opening does not
// block, whatever path is.
func Open(path string) (*os.File, error) {
	f, err := openNonblock(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		what := "not a regular file"
		switch {
		case st.IsDir():
			what = "a directory, not a file"
		case st.Mode()&os.ModeNamedPipe != 0:
			what = "a FIFO, not a regular file"
		case st.Mode()&os.ModeDevice != 0:
			what = "a device, not a regular file"
		}
		return nil, fmt.Errorf("%s: %s", path, what)
	}
	if err := setBlocking(f); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// ReadFile reads the regular file path whole.
func ReadFile(path string) ([]byte, error) {
	return ReadFileMax(path, -1)
}

// ReadFileMax reads the regular file path whole if it holds at most max
// bytes (max < 0: any size); a larger one is refused before it is read.
func ReadFileMax(path string, max int64) ([]byte, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if max < 0 {
		return io.ReadAll(f)
	}
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > max {
		return nil, fmt.Errorf("%s: %d bytes, at most %d expected", path, st.Size(), max)
	}
	// The file may grow while it is read: the bound holds anyway.
	return io.ReadAll(Limit(f, max, path))
}

// Limit returns a reader of r that fails, naming name, once more than n
// bytes have been read: a bound on what a small compressed file may expand
// to, checked as it is read rather than after it is held.
func Limit(r io.Reader, n int64, name string) io.Reader {
	return &limited{r: r, left: n, n: n, name: name}
}

type limited struct {
	r       io.Reader
	left, n int64
	name    string
}

func (l *limited) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, fmt.Errorf("%s: more than %d bytes", l.name, l.n)
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	k, err := l.r.Read(p)
	l.left -= int64(k)
	if l.left < 0 {
		return 0, fmt.Errorf("%s: more than %d bytes", l.name, l.n)
	}
	return k, err
}
