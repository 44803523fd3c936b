//go:build !(linux || freebsd || netbsd || openbsd || dragonfly)

package display

// Systems without X11 (macOS, Windows) need no display check.
