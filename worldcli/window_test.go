//go:build unix

package worldcli

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/metabench/metabench/internal/cli"
)

func TestWindowCommandsWithoutAWindow(t *testing.T) {
	fake := filepath.Join(t.TempDir(), guiBinaryName)
	if err := os.WriteFile(fake, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		gui, display string
		args         []string
		msg          string
	}{
		{"/nonexistent/metabench-gui", ":0", []string{"view", "--task", "ab"}, `view: METABENCH_GUI="/nonexistent/metabench-gui" is not an executable file`},
		{fake, "", []string{"view"}, "view: no display (DISPLAY is not set)"},
		{fake, "", []string{"record", "--task", "ab", "--dir", "d"}, "record: no display"},
		// A bad command line is answered before looking for a window.
		{fake, "", []string{"view", "--speed", "99"}, "view: --speed 99 out of range 0.25..32"},
		{"/nonexistent/metabench-gui", ":0", []string{"record", "--task", "ab"}, "record: --dir is required"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Setenv(guiEnvVar, tc.gui)
			t.Setenv("DISPLAY", tc.display)
			code, _, stderr := runCLI(t, tc.args...)
			if code != 2 || !strings.Contains(stderr, tc.msg) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want 2 and one line with %q", code, stderr, tc.msg)
			}
		})
	}
	// -h lists the flags without a display or a window binary.
	t.Setenv(guiEnvVar, "/nonexistent/metabench-gui")
	t.Setenv("DISPLAY", "")
	for _, cmd := range []string{"view", "record"} {
		code, stdout, stderr := runCLI(t, cmd, "-h")
		if code != 0 || !strings.Contains(stdout, "Usage of metabench "+cmd) || !strings.Contains(stdout, "-task") || stderr != "" {
			t.Errorf("%s -h: exit %d, stdout %q, stderr %q", cmd, code, stdout, stderr)
		}
	}
	// No window binary anywhere: the headless message, whatever DISPLAY says.
	t.Setenv(guiEnvVar, "")
	t.Setenv("PATH", t.TempDir())
	for _, display := range []string{"", ":0"} {
		t.Setenv("DISPLAY", display)
		code, _, stderr := runCLI(t, "record", "--task", "ab", "--dir", "d")
		if code != 2 || !strings.Contains(stderr, "record: no window in the headless build: run 'make gui' and retry") {
			t.Errorf("DISPLAY=%q: exit %d, stderr %q", display, code, stderr)
		}
	}
}

// TestViewExecsTheWindowBinary runs `metabench view` in a child process
// (exec replaces the process) with a fake window binary that reports its
// arguments and exits 3.
func TestViewExecsTheWindowBinary(t *testing.T) {
	if os.Getenv("METABENCH_TEST_EXEC") == "1" {
		err := cli.Dispatch(context.Background(), cli.Env{Stdout: os.Stdout, Stderr: os.Stderr}, "metabench", Commands(), []string{"view", "--task", "ab", "--seed", "4"})
		os.Exit(cli.ExitCode(os.Stderr, "metabench", err))
	}
	fake := filepath.Join(t.TempDir(), guiBinaryName)
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho \"gui $*\"\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestViewExecsTheWindowBinary$")
	cmd.Env = append(os.Environ(), "METABENCH_TEST_EXEC=1", guiEnvVar+"="+fake, "DISPLAY=:99")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 || strings.TrimSpace(string(out)) != "gui view --task ab --seed 4" {
		t.Fatalf("child: %v, output %q; want exit 3 and the window binary's echo", err, out)
	}
}
