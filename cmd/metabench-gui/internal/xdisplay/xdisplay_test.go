//go:build linux || freebsd || netbsd || openbsd || dragonfly

package xdisplay

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	// A fake X server on a Unix socket: display 5 of dir.
	dir, err := os.MkdirTemp("", "x11") // short: socket paths are limited to ~100 bytes
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ul, err := net.Listen("unix", filepath.Join(dir, "X5"))
	if err != nil {
		t.Fatal(err)
	}
	defer ul.Close()
	// And one on a loopback TCP port, 6000 + its display number.
	tl, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer tl.Close()
	port := tl.Addr().(*net.TCPAddr).Port
	if port <= 6000 {
		t.Skipf("ephemeral port %d is below X's 6000", port)
	}
	tcpDisplay := strconv.Itoa(port - 6000)
	// A closed TCP port for a display that does not answer.
	cl, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := cl.Addr().(*net.TCPAddr).Port
	cl.Close()

	tests := []struct {
		display string
		want    string // substring of the problem; "" for none
	}{
		{":5", ""},
		{":5.0", ""},
		{"unix:5", ""},
		{":99", "no X server answers at " + filepath.Join(dir, "X99")},
		{"unix:7.1", "no X server answers at " + filepath.Join(dir, "X7")},
		{"localhost:" + tcpDisplay, ""},
		{"127.0.0.1:" + tcpDisplay + ".0", ""},
		{"localhost:" + strconv.Itoa(closedPort-6000), "no X server answers on localhost port " + strconv.Itoa(closedPort)},
		{"localhost:70000", "beyond the TCP ports"},
		{"remote.example:0", ""}, // needs a resolver: left to the window library
		{"nocolon", "not of the form"},
		{":x", "not of the form"},
		{":5x", "not of the form"},
		{":", "not of the form"},
		{":99999999999", "not of the form"},
	}
	for _, tc := range tests {
		got := Check(tc.display, dir)
		if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("Check(%q) = %q, want %q", tc.display, got, tc.want)
		}
	}
}
