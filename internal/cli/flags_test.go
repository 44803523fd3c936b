package cli

import (
	"io"
	"strings"
	"testing"
)

// TestSharedFlags: --seed and --workers have their defaults, parse, and
// --workers is checked against one range everywhere.
func TestSharedFlags(t *testing.T) {
	tests := []struct {
		args    []string
		seed    uint64
		workers int
		err     string
	}{
		{nil, DefaultSeed, 0, ""},
		{[]string{"--seed", "7", "--workers", "3"}, 7, 3, ""},
		{[]string{"--workers", "-1"}, 1, -1, "cmd: --workers -1 is out of range [0, 1024]"},
		{[]string{"--workers", "1025"}, 1, 1025, "cmd: --workers 1025 is out of range [0, 1024]"},
		{[]string{"--seed", "-1"}, 0, 0, "cmd: invalid value"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			fs := NewFlags("cmd")
			seed := Seed(fs, "everything")
			workers := Workers(fs)
			err := ParseOnly(fs, io.Discard, tt.args)
			if err == nil {
				err = NewCheck("cmd").Workers(*workers).Err()
				if *seed != tt.seed || *workers != tt.workers {
					t.Errorf("seed %d workers %d, want %d %d", *seed, *workers, tt.seed, tt.workers)
				}
			}
			if (err == nil) != (tt.err == "") || err != nil && (!strings.HasPrefix(err.Error(), tt.err) || !IsUsage(err)) {
				t.Errorf("error %v, want %q", err, tt.err)
			}
		})
	}
	fs := NewFlags("cmd")
	var s uint64
	SeedVar(fs, &s, 0, "the session (0: from the clock)")
	if f := fs.Lookup("seed"); f == nil || f.DefValue != "0" || f.Usage != "seed of the session (0: from the clock)" {
		t.Errorf("SeedVar declared %+v", f)
	}
}
