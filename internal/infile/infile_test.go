//go:build unix

package infile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestOpenRefusesWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "data.csv")
	os.WriteFile(file, []byte("smiles\nCC\n"), 0o644)
	tests := []struct {
		name, path, want string
	}{
		{"regular", file, ""},
		{"fifo without a writer", fifo, "a FIFO"},
		{"directory", dir, "a directory"},
		{"device", "/dev/null", "a device"},
		{"missing", filepath.Join(dir, "missing"), "no such file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := ReadFile(tc.path)
			if tc.want == "" {
				if err != nil || string(b) != "smiles\nCC\n" {
					t.Fatalf("got %q, %v", b, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}
