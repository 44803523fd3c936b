//go:build unix

package infile

import (
	"io"
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

func TestLimit(t *testing.T) {
	tests := []struct {
		size, limit int
		ok          bool
	}{{10, 10, true}, {11, 10, false}, {0, 0, true}, {1 << 20, 1 << 10, false}}
	for _, tc := range tests {
		b, err := io.ReadAll(Limit(strings.NewReader(strings.Repeat("x", tc.size)), int64(tc.limit), "f"))
		if tc.ok != (err == nil) || tc.ok && len(b) != tc.size {
			t.Errorf("%d bytes, limit %d: %d read, %v", tc.size, tc.limit, len(b), err)
		}
		if err != nil && !strings.Contains(err.Error(), "f: more than") {
			t.Errorf("error %v", err)
		}
	}
}

func TestReadFileMax(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.json")
	os.WriteFile(path, []byte("0123456789"), 0o644)
	tests := []struct {
		max int64
		ok  bool
	}{{-1, true}, {10, true}, {9, false}, {0, false}}
	for _, tc := range tests {
		b, err := ReadFileMax(path, tc.max)
		if tc.ok != (err == nil) || tc.ok && string(b) != "0123456789" {
			t.Errorf("max %d: %q, %v", tc.max, b, err)
		}
	}
}
