package worldcli

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"github.com/metabench/metabench/internal/cli"
	"github.com/metabench/metabench/windowcli"
)

// The window commands. The headless binary has no window: ebiten needs cgo
// and panics at start without a display, so it lives in a second binary,
// metabench-gui (package cmd/metabench-gui, built by `make gui`). `metabench
// view` and `metabench record` hand their command line to it when it is
// installed next to this executable or on PATH and a display is set, and
// otherwise say in one line how to get a window. Both binaries read the
// command line with package windowcli, so -h and a bad flag are answered
// here, without a window.

// runView is `metabench view`: a rollout in the window binary.
func runView(ctx context.Context, e cli.Env, args []string) error {
	if _, err := windowcli.ParseView(args, e.Stdout); err != nil {
		return err
	}
	return runGUI(ctx, e, "view", args)
}

// runRecord is `metabench record`: keyboard recording in the window binary.
func runRecord(ctx context.Context, e cli.Env, args []string) error {
	if _, err := windowcli.ParseRecord(args, e.Stdout); err != nil {
		return err
	}
	return runGUI(ctx, e, "record", args)
}

// guiBinaryName is the window binary's file name.
const guiBinaryName = "metabench-gui"

// guiEnvVar names the window binary explicitly, overriding the search.
const guiEnvVar = "METABENCH_GUI"

func runGUI(_ context.Context, _ cli.Env, cmd string, args []string) error {
	path, err := findGUI(os.Getenv)
	if errors.Is(err, errBadGUIPath) {
		return cli.Usagef("%s: %s=%q is not an executable file", cmd, guiEnvVar, os.Getenv(guiEnvVar))
	}
	if err != nil {
		return cli.Usagef("%s: no window in the headless build: run 'make gui' and retry (needs cgo, the X11/GL dev packages and a display; see README)", cmd)
	}
	if usesX11() && os.Getenv("DISPLAY") == "" {
		return cli.Usagef("%s: no display (DISPLAY is not set): run it on a desktop, or on a virtual display with xvfb-run", cmd)
	}
	return execGUI(path, append([]string{path, cmd}, args...))
}

// usesX11 reports whether the window needs an X display here (ebiten uses
// X11 on Linux and the BSDs, not on macOS or Windows).
func usesX11() bool {
	switch runtime.GOOS {
	case "linux", "freebsd", "netbsd", "openbsd", "dragonfly":
		return true
	}
	return false
}

var errBadGUIPath = errors.New(guiEnvVar + " is not an executable file")

// findGUI returns the path of the window binary: $METABENCH_GUI if set,
// else metabench-gui next to this executable, else on PATH.
func findGUI(getenv func(string) string) (string, error) {
	if p := getenv(guiEnvVar); p != "" {
		if !isExecutable(p) {
			return "", errBadGUIPath
		}
		return p, nil
	}
	if exe, err := os.Executable(); err == nil {
		if p := filepath.Join(filepath.Dir(exe), guiBinaryName); isExecutable(p) {
			return p, nil
		}
	}
	return exec.LookPath(guiBinaryName)
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0
}
