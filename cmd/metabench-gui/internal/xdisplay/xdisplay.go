//go:build linux || freebsd || netbsd || openbsd || dragonfly

// Package xdisplay checks that an X display answers, with nothing but
// package syscall, so that package display can run it in an init before
// ebiten's (see there).
package xdisplay

import "syscall"

// SocketDir is where local X servers listen: the socket of display N is
// SocketDir/XN (and on Linux also the abstract socket of that name).
const SocketDir = "/tmp/.X11-unix"

// Check tries to connect to the X server of display ("[host]:N[.S]"), whose
// local sockets are in dir, and says what failed, or "" if it connected or
// cannot be checked here: a remote host name would need a resolver, and
// ebiten reports those itself.
func Check(display, dir string) string {
	colon := -1
	for i := len(display) - 1; i >= 0; i-- {
		if display[i] == ':' {
			colon = i
			break
		}
	}
	if colon < 0 {
		return "it is not of the form [host]:number"
	}
	host, rest := display[:colon], display[colon+1:]
	n, ok := leadingNumber(rest)
	if !ok {
		return "it is not of the form [host]:number"
	}
	num := itoa(n)
	switch {
	case host == "" || host == "unix":
		path := dir + "/X" + num
		if dialUnix("@"+path) || dialUnix(path) {
			return ""
		}
		return "no X server answers at " + path
	case host[0] == '/':
		if dialUnix(display) {
			return ""
		}
		return "no X server answers at " + display
	case host == "localhost" || hasPrefix(host, "127."):
		addr := [4]byte{127, 0, 0, 1}
		if host != "localhost" {
			a, ok := parseIPv4(host)
			if !ok {
				return ""
			}
			addr = a
		}
		if n > 65535-6000 {
			return "display number " + num + " is beyond the TCP ports of X"
		}
		if dialTCP(addr, 6000+n) {
			return ""
		}
		return "no X server answers on " + host + " port " + itoa(6000+n)
	}
	return ""
}

func dialUnix(name string) bool {
	if name[0] == '@' && !abstractSockets {
		return false
	}
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		return false
	}
	defer syscall.Close(fd)
	return syscall.Connect(fd, &syscall.SockaddrUnix{Name: name}) == nil
}

// dialTCP connects to a loopback address, which answers or refuses at once.
func dialTCP(addr [4]byte, port int) bool {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return false
	}
	defer syscall.Close(fd)
	return syscall.Connect(fd, &syscall.SockaddrInet4{Port: port, Addr: addr}) == nil
}

// leadingNumber parses the display number before an optional ".screen".
func leadingNumber(s string) (int, bool) {
	n, i := 0, 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		n = n*10 + int(s[i]-'0')
		if n > 1<<20 {
			return 0, false
		}
	}
	if i == 0 || (i < len(s) && s[i] != '.') {
		return 0, false
	}
	return n, true
}

func parseIPv4(s string) ([4]byte, bool) {
	var a [4]byte
	part, k, digits := 0, 0, 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if digits == 0 || k > 3 {
				return a, false
			}
			a[k] = byte(part)
			k, part, digits = k+1, 0, 0
			continue
		}
		if s[i] < '0' || s[i] > '9' {
			return a, false
		}
		part = part*10 + int(s[i]-'0')
		digits++
		if part > 255 {
			return a, false
		}
	}
	return a, k == 4
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for ; n > 0; n /= 10 {
		i--
		b[i] = byte('0' + n%10)
	}
	return string(b[i:])
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }
