//go:build !(linux || freebsd || netbsd || openbsd || dragonfly)

// Package xdisplay checks that an X display answers; on systems without X11
// (macOS, Windows) there is nothing to check.
package xdisplay

// SocketDir is where local X servers listen.
const SocketDir = "/tmp/.X11-unix"

// Check reports nothing: the window does not use X here.
func Check(display, dir string) string { return "" }
