//go:build linux || freebsd || netbsd || openbsd || dragonfly

// Package display stops metabench-gui with a one-line message, instead of
// ebiten's panic, when there is no X display on the systems where ebiten
// uses X11 (elsewhere it does nothing). Import it for its side effect before
// any package that imports ebiten.
//
// It imports nothing but syscall, so Go's initialisation order (packages
// sorted by import path, each initialised as soon as its imports are) runs
// its init before that of os, and so before ebiten's, which needs os and
// panics in its init when it cannot open a display.
package display

import "syscall"

func init() {
	if v, _ := syscall.Getenv("DISPLAY"); v != "" {
		return
	}
	msg := "metabench: no display (DISPLAY is not set): run the window on a desktop, or on a virtual display with xvfb-run\n"
	_, _ = syscall.Write(2, []byte(msg))
	syscall.Exit(2)
}
