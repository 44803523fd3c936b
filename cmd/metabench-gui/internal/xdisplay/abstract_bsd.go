//go:build freebsd || netbsd || openbsd || dragonfly

package xdisplay

// abstractSockets: the BSDs have no abstract socket namespace.
const abstractSockets = false
