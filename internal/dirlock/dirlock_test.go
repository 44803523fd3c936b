//go:build unix

package dirlock

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const childEnv = "METABENCH_DIRLOCK_CHILD"

// TestLockChild holds the lock of a directory from another process, as a
// second metabench would.
func TestLockChild(t *testing.T) {
	dir := os.Getenv(childEnv)
	if dir == "" {
		t.Skip("run by TestLockAcrossProcesses")
	}
	if _, err := Lock(dir, "--out"); err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("locked\n")
	os.Stdin.Read(make([]byte, 1)) // hold until the parent closes stdin
}

func TestLockAcrossProcesses(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockChild$")
	cmd.Env = append(os.Environ(), childEnv+"="+dir)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, _ := out.Read(buf)
	if !strings.Contains(string(buf[:n]), "locked") {
		t.Fatalf("child did not lock: %q", buf[:n])
	}
	_, err = Lock(dir, "--out")
	if !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), "--out "+dir+" is in use") {
		t.Fatalf("second lock: %v, want busy", err)
	}
	in.Close()
	cmd.Wait()
	// The holder is gone: the lock went with it.
	unlock, err := Lock(dir, "--out")
	if err != nil {
		t.Fatalf("after the holder exited: %v", err)
	}
	unlock()
	unlock()
}

func TestLockInProcessAndErrors(t *testing.T) {
	dir := t.TempDir()
	unlock, err := MkdirLock(filepath.Join(dir, "a", "b"), "cache")
	if err != nil {
		t.Fatal(err)
	}
	// flock locks are per open file: a second Lock in the same process is
	// refused too, as two commands in one test would be.
	if _, err := Lock(filepath.Join(dir, "a", "b"), "cache"); !errors.Is(err, ErrBusy) {
		t.Fatalf("second lock in one process: %v", err)
	}
	unlock()
	for _, tc := range []struct{ name, dir string }{
		{"missing", filepath.Join(dir, "missing")},
	} {
		if _, err := Lock(tc.dir, "--out"); err == nil || errors.Is(err, ErrBusy) {
			t.Errorf("%s: %v, want an error other than busy", tc.name, err)
		}
	}
}

// TestMkdirLockLeavesNoEmptyDir: a directory MkdirLock made is removed by
// unlock if nothing was written into it; one with content, or one that
// existed before, stays.
func TestMkdirLockLeavesNoEmptyDir(t *testing.T) {
	tests := []struct {
		name   string
		exists bool
		write  bool
		stays  bool
	}{
		{"made, left empty", false, false, false},
		{"made, written", false, true, true},
		{"existed, empty", true, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			if tc.exists {
				os.Mkdir(dir, 0o755)
			}
			unlock, err := MkdirLock(dir, "--out")
			if err != nil {
				t.Fatal(err)
			}
			if tc.write {
				os.WriteFile(filepath.Join(dir, "model"), nil, 0o644)
			}
			unlock()
			if _, err := os.Stat(dir); (err == nil) != tc.stays {
				t.Errorf("after unlock: %v, want stays=%v", err, tc.stays)
			}
		})
	}
}

// TestWait: Wait takes a free lock at once, waits for a held one until it
// is released, and gives up when its context ends.
func TestWait(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache", "model")
	unlock, err := Wait(context.Background(), dir, "cache")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Wait(ctx, dir, "cache"); !errors.Is(err, context.Canceled) {
		t.Errorf("wait with a cancelled context beside a holder: %v", err)
	}
	got := make(chan error, 1)
	go func() {
		u, err := Wait(context.Background(), dir, "cache")
		if err == nil {
			u()
		}
		got <- err
	}()
	unlock()
	if err := <-got; err != nil {
		t.Errorf("wait after the holder released: %v", err)
	}
}
