//go:build unix

package bridge

import (
	"io"
	"os"
	"runtime"
	"testing"
	"time"
)

func TestSpinReaderOffIsTheFile(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if got := newSpinReader(r, 0); got != io.Reader(r) {
		t.Errorf("newSpinReader(f, 0) = %T, want the file itself", got)
	}
}

// TestSpinReaderBackoff checks that a spinReader reads what is written,
// whether it arrives while it polls or after the budget, and that polling
// which does not pay is skipped for the next reads and comes back once it
// pays.
func TestSpinReaderBackoff(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("a spinReader polls only with two CPUs or more")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	s, ok := newSpinReader(r, 200*time.Microsecond).(*spinReader)
	if !ok {
		t.Fatal("newSpinReader with a budget did not wrap the pipe")
	}
	read := func(want string) {
		t.Helper()
		buf := make([]byte, 16)
		n, err := s.Read(buf)
		if err != nil || string(buf[:n]) != want {
			t.Fatalf("Read = %q, %v; want %q", buf[:n], err, want)
		}
	}
	// Late: the budget runs out, the read sleeps, polling backs off.
	go func() {
		time.Sleep(20 * time.Millisecond)
		w.Write([]byte("late"))
	}()
	read("late")
	if s.backoff != 1 || s.skip != 1 {
		t.Fatalf("after a late request: backoff %d, skip %d; want 1, 1", s.backoff, s.skip)
	}
	// The next read does not poll; the one after polls, finds the bytes
	// there and turns polling on again.
	w.Write([]byte("a"))
	read("a")
	if s.skip != 0 || s.backoff != 1 {
		t.Fatalf("after a skipped poll: backoff %d, skip %d; want 1, 0", s.backoff, s.skip)
	}
	w.Write([]byte("b"))
	read("b")
	if s.skip != 0 || s.backoff != 0 {
		t.Fatalf("after polling that paid: backoff %d, skip %d; want 0, 0", s.backoff, s.skip)
	}
	// An end of the stream still reads as one.
	w.Close()
	if n, err := s.Read(make([]byte, 4)); n != 0 || err != io.EOF {
		t.Fatalf("Read at the end = %d, %v; want 0, EOF", n, err)
	}
}
