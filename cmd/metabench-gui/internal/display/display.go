//go:build linux || freebsd || netbsd || openbsd || dragonfly

// Package display stops metabench-gui with a one-line message, instead of
// ebiten's panic and goroutine trace, when there is no X display to open on
// the systems where ebiten uses X11 (elsewhere it does nothing): when
// DISPLAY is not set, and when no X server answers at the display it names
// (as after an SSH session's forwarding went away, or DISPLAY=:99 with no
// Xvfb running). Import it for its side effect before any package that
// imports ebiten.
//
// It imports nothing but syscall (and xdisplay, which imports only syscall), so Go's initialisation order (packages
// sorted by import path, each initialised as soon as its imports are) runs
// its init before that of os, and so before ebiten's, which needs os and
// panics in its init when it cannot open a display.
package display

import (
	"syscall"

	"github.com/metabench/metabench/cmd/metabench-gui/internal/xdisplay"
)

func init() {
	v, _ := syscall.Getenv("DISPLAY")
	if v == "" {
		fail("metabench: no display (DISPLAY is not set): run the window on a desktop, or on a virtual display with xvfb-run\n", 2)
	}
	if problem := xdisplay.Check(v, xdisplay.SocketDir); problem != "" {
		fail("metabench: cannot open display "+v+": "+problem+"; start an X server there, run the window under xvfb-run, or set DISPLAY to a display that runs\n", 1)
	}
}

func fail(msg string, code int) {
	_, _ = syscall.Write(2, []byte(msg))
	syscall.Exit(code)
}
