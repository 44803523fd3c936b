package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// asMainEnv makes the test binary run main() with the arguments it holds
// (separated by \x1f): a real metabench process, with real signals, without
// building one.
const asMainEnv = "METABENCH_TEST_AS_MAIN"

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(asMainEnv); ok {
		os.Args = append([]string{"metabench"}, strings.Split(args, "\x1f")...)
		main()
		return
	}
	os.Exit(m.Run())
}

// metabench returns the command of a metabench process running args.
func metabench(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), asMainEnv+"="+strings.Join(args, "\x1f"))
	return cmd
}

// writeLines writes n numbered lines made by line.
func writeLines(t *testing.T, path, header string, n int, line func(i int) string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString(header)
	for i := range n {
		w.WriteString(line(i))
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// TestSignalsStopEveryLongCommand sends SIGINT or SIGTERM to each
// long-running command as a real process, once it is at work: each must
// stop by itself (not by the deadline of last resort in main), well within
// the grace period, with exit status 130 or 143 and a last line saying it
// was interrupted.
func TestSignalsStopEveryLongCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a dozen processes")
	}
	dir := t.TempDir()
	csv := filepath.Join(dir, "big.csv")
	writeLines(t, csv, "smiles,a\n", 300_000, func(i int) string { return fmt.Sprintf("CC(=O)Oc1ccccc1C(=O)O%s,%d\n", strings.Repeat("C", i%7), i%2) })
	hyp, ref := filepath.Join(dir, "hyp.txt"), filepath.Join(dir, "ref.txt")
	sentence := func(i int) string {
		return fmt.Sprintf("the cat number %d sat on the mat , and the dog %d ran after it .\n", i, i*7)
	}
	writeLines(t, hyp, "", 600_000, sentence)
	writeLines(t, ref, "", 600_000, func(i int) string { return sentence(i + i%3) })
	out := func(name string) string { return filepath.Join(dir, name) }
	tests := []struct {
		name  string
		args  []string
		after time.Duration // time to get to work before the signal
	}{
		{"drug featurize", []string{"drug", "featurize", "--data", csv, "--out", out("x.npz")}, 800 * time.Millisecond},
		{"bleu", []string{"bleu", "--hyp", hyp, "--ref", ref}, 500 * time.Millisecond},
		{"bench drug", []string{"bench", "drug", "--profile", "default", "--cache", out("cache-drug"), "--quiet"}, time.Second},
		{"train imitation", []string{"train", "imitation", "--out", out("m-imit"), "--cache", out("cache-imit"), "--task", "abc", "--demos", "4", "--steps", "100000", "--workers", "1"}, 1500 * time.Millisecond},
		{"train density", []string{"train", "density", "--profile", "smoke", "--out", out("m-density"), "--steps", "1000000", "--workers", "1"}, time.Second},
		{"train nmt", []string{"train", "nmt", "--profile", "default", "--out", out("m-nmt")}, time.Second},
		{"train drug", []string{"train", "drug", "--data", csv, "--out", out("drug.safetensors")}, 1500 * time.Millisecond},
		{"demos gen", []string{"demos", "gen", "--out", out("demos"), "--split", "train", "--episodes", "30", "--workers", "1"}, time.Second},
		{"bench density", []string{"bench", "density", "--profile", "default", "--cache", out("cache-density"), "--quiet", "--workers", "1"}, time.Second},
		{"bench nmt", []string{"bench", "nmt", "--profile", "smoke", "--cache", out("cache-nmt"), "--quiet"}, time.Second},
	}
	for i, tc := range tests {
		sig, code := syscall.SIGINT, 130
		if i%2 == 1 {
			sig, code = syscall.SIGTERM, 143
		}
		t.Run(tc.name, func(t *testing.T) {
			cmd := metabench(tc.args...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(tc.after)
			t0 := time.Now()
			cmd.Process.Signal(sig)
			cmd.Wait()
			took := time.Since(t0)
			got := cmd.ProcessState.ExitCode()
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			last := lines[len(lines)-1]
			if got == 0 || got == 1 && !strings.Contains(last, "interrupted") {
				t.Skipf("finished before the signal (exit %d: %s): give it more work", got, last)
			}
			if got != code || !strings.Contains(last, "interrupted by "+map[int]string{130: "SIGINT", 143: "SIGTERM"}[code]) {
				t.Errorf("exit %d, last line %q; want %d and the signal named", got, last, code)
			}
			if strings.Contains(last, "without waiting") || took >= graceAfterSignal {
				t.Errorf("took %v and was ended by the deadline of last resort: the command does not look at its context (%q)", took, last)
			}
			if strings.Contains(last, "context canceled") || strings.Contains(last, "goroutine") {
				t.Errorf("last line %q", last)
			}
		})
	}
}

// TestDataThatIsNotAFile: a FIFO, a directory or a device given as a file
// to read is refused at once in one line (a FIFO used to block the open
// forever, beyond the reach of signals).
func TestDataThatIsNotAFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{fifo, "/dev/null"} {
		for _, args := range [][]string{
			{"drug", "featurize", "--data", path, "--out", filepath.Join(dir, "x.npz")},
			{"bench", "drug", "--data", path, "--cache", filepath.Join(dir, "cache"), "--quiet"},
			{"train", "drug", "--data", path, "--out", filepath.Join(dir, "d.safetensors")},
			{"bleu", "--hyp", path, "--ref", path},
			{"bench", "imitation", "--merge", path},
		} {
			cmd := metabench(args...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			done := make(chan error, 1)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(time.Minute):
				cmd.Process.Kill()
				t.Fatalf("%v: still running after a minute", args)
			}
			msg := strings.TrimSpace(stderr.String())
			if cmd.ProcessState.ExitCode() == 0 || strings.Count(msg, "\n") != 0 || !strings.Contains(msg, "not a regular file") {
				t.Errorf("%v: exit %d, stderr %q", args, cmd.ProcessState.ExitCode(), msg)
			}
		}
	}
}
