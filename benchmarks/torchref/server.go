package torchref

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/metabench/metabench/internal/atomicfile"
)

// Server is the reference script in serving mode (torch_ref.py --serve):
// one Python process that keeps its models built and times one of them
// for a given time on request, so that the engine and PyTorch can take
// turns every fraction of a second.
type Server struct {
	Version         string `json:"torch_version"`
	Threads         int    `json:"threads"`
	OpenBLASThreads int    `json:"openblas_num_threads"`

	cmd    *exec.Cmd
	dir    string
	in     io.WriteCloser
	out    *bufio.Scanner
	stderr *bytes.Buffer
	waited bool
	err    error // of the process, once it has ended
}

// Timing is one timed run of the server: the steps run and the wall and
// process CPU time they took.
type Timing struct {
	Bench string  `json:"bench"`
	Calls int     `json:"calls"`
	Wall  float64 `json:"wall"`
	CPU   float64 `json:"cpu"`
}

// Start runs the script with the given Python interpreter and thread count
// (as [Run]); data, marshalled to JSON, is the real steps' input.
func Start(ctx context.Context, python string, threads int, data any) (*Server, error) {
	dir, err := os.MkdirTemp("", "metabench-torchref-")
	if err != nil {
		return nil, fmt.Errorf("torch reference: %w", err)
	}
	s := &Server{dir: dir, stderr: &bytes.Buffer{}}
	fail := func(err error) (*Server, error) {
		s.Close()
		return nil, fmt.Errorf("torch reference with %s: %w", python, err)
	}
	path, dataPath := filepath.Join(dir, "torch_ref.py"), filepath.Join(dir, "data.json")
	blob, err := json.Marshal(data)
	if err != nil {
		return fail(err)
	}
	if err := atomicfile.WriteFile(path, script, 0o644); err != nil {
		return fail(err)
	}
	if err := atomicfile.WriteFile(dataPath, blob, 0o644); err != nil {
		return fail(err)
	}
	s.cmd = exec.CommandContext(ctx, python, path, "--serve", "--threads", strconv.Itoa(threads), "--data", dataPath)
	s.cmd.Env = append(os.Environ(), "OPENBLAS_NUM_THREADS="+strconv.Itoa(threads))
	s.cmd.Stderr = s.stderr
	if s.in, err = s.cmd.StdinPipe(); err != nil {
		return fail(err)
	}
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		return fail(err)
	}
	s.out = bufio.NewScanner(stdout)
	if err := s.cmd.Start(); err != nil {
		return fail(err)
	}
	if err := s.read(s); err != nil {
		return fail(err)
	}
	return s, nil
}

// read decodes the next line of the server's output into v.
func (s *Server) read(v any) error {
	if !s.out.Scan() {
		err := s.out.Err()
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		s.wait() // the process has ended: wait for all of its stderr
		if msg := strings.TrimSpace(s.stderr.String()); msg != "" {
			if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
				msg = msg[i+1:] // the exception line
			}
			err = fmt.Errorf("%w: %s", err, msg)
		}
		return err
	}
	if err := json.Unmarshal(s.out.Bytes(), v); err != nil {
		return fmt.Errorf("unreadable output %q: %w", s.out.Text(), err)
	}
	return nil
}

// Time runs the script's benchmark bench (see [Only]) for at least d (and
// at least one step). The first request for a benchmark also builds and
// warms it up, outside the timing.
func (s *Server) Time(bench string, d time.Duration) (Timing, error) {
	req, err := json.Marshal(map[string]any{"bench": bench, "seconds": d.Seconds()})
	if err != nil {
		return Timing{}, err
	}
	if _, err := s.in.Write(append(req, '\n')); err != nil {
		return Timing{}, fmt.Errorf("torch reference: %s: %w", bench, err)
	}
	var t Timing
	if err := s.read(&t); err != nil {
		return Timing{}, fmt.Errorf("torch reference: %s: %w", bench, err)
	}
	if t.Bench != bench || t.Calls < 1 || !(t.Wall > 0) {
		return Timing{}, fmt.Errorf("torch reference: asked for %s, got %+v", bench, t)
	}
	return t, nil
}

// wait waits once for the process to end.
func (s *Server) wait() error {
	if !s.waited && s.cmd != nil && s.cmd.Process != nil {
		s.waited, s.err = true, s.cmd.Wait()
	}
	return s.err
}

// Close ends the server and removes its files.
func (s *Server) Close() error {
	if s.in != nil {
		s.in.Close() // the script ends at the end of its input
	}
	err := s.wait()
	os.RemoveAll(s.dir)
	return err
}
