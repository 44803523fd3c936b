//go:build unix

package bridge

import (
	"errors"
	"io"
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// spinReader reads a pipe (the server's stdin), polling it (poll(2) with
// a zero timeout) for a while before a read that may sleep: `metabench
// serve --spin`, off unless asked for (the Python client asks for 200 µs).
// A client stepping an environment sends its next request a few
// microseconds after the reply; a read that sleeps until then pays for the
// sleep and the wake-up, where a server polling on a core of its own sees
// the request land, and a client that polls too passes replies the same
// way. On the idle 2-core KVM guest, where the two run on different CPUs
// and a wake-up that crosses them is dear, one environment's steps per
// second about doubled (docs/python.md, "Speed"); on a loaded one, whose
// scheduler keeps them on one CPU, polling only keeps the other from
// running and cost a little. Polling that does not pay,
// because no request came within the budget or the server lost its CPU
// meanwhile (a gap in its polling loop), is skipped for the next 1, 3, 7,
// ... reads, up to maxBackoff, and polling that pays turns it on for
// every read again. A client that takes longer than the budget between
// requests costs one spent budget every maxBackoff requests; an idle
// server sleeps in its read.
type spinReader struct {
	f       *os.File
	budget  time.Duration
	backoff int // reads to skip after the next polling that does not pay
	skip    int // reads left before polling again
	fds     [1]unix.PollFd
}

const (
	// maxBackoff bounds the reads between two tries of polling that did not
	// pay: against a client always slower than the budget, one budget spent
	// every 1023 requests.
	maxBackoff = 1023
	// lostGap is a gap between two polls of the loop that says the thread
	// lost its CPU meanwhile: a poll takes well under a microsecond, a
	// trip through the scheduler several.
	lostGap = 10 * time.Microsecond
)

// newSpinReader wraps f, or returns f itself where polling cannot pay: a
// budget of zero, one CPU (polling would take it from the client), or a
// file without a descriptor to poll.
func newSpinReader(f *os.File, budget time.Duration) io.Reader {
	if budget <= 0 || runtime.GOMAXPROCS(0) < 2 {
		return f
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return f
	}
	s := &spinReader{f: f, budget: budget}
	// The descriptor is read once: f stays open while the server runs
	// (only the process's exit closes its stdin).
	if err := rc.Control(func(fd uintptr) { s.fds[0].Fd = int32(fd) }); err != nil {
		return f
	}
	s.fds[0].Events = unix.POLLIN
	return s
}

func (s *spinReader) Read(p []byte) (int, error) {
	if s.skip > 0 {
		s.skip--
	} else if s.poll() {
		s.backoff = 0
	} else {
		s.backoff = min(2*s.backoff+1, maxBackoff)
		s.skip = s.backoff
	}
	return s.f.Read(p)
}

// poll polls the file until it is readable, the budget is spent or the
// thread loses its CPU, and reports whether it became readable with the
// CPU kept throughout.
func (s *spinReader) poll() bool {
	start := time.Now()
	last := start
	for {
		n, err := unix.Poll(s.fds[:], 0)
		if n > 0 || (err != nil && !errors.Is(err, unix.EINTR)) {
			return true // readable, or an error that the read will say
		}
		now := time.Now()
		if now.Sub(last) > lostGap || now.Sub(start) >= s.budget {
			return false
		}
		last = now
	}
}
