package main

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/metabench/metabench/internal/golden"
	"github.com/metabench/metabench/nn"
	"github.com/metabench/metabench/nn/optim"
)

var updateSuiteBits = flag.Bool("update-suite-bits", false, "rewrite testdata/suite-bits.golden from this machine")

// timing reports whether a table's name or CSV header names a time or a
// speed, which differ from run to run by nature.
func timing(name string, csv []byte) bool {
	if strings.Contains(name, "speed") {
		return true
	}
	header, _, _ := strings.Cut(string(csv), "\n")
	header = strings.ToLower(header)
	for _, w := range []string{"/s", "second", "speed", "time", "wall"} {
		if strings.Contains(header, w) {
			return true
		}
	}
	return false
}

// traceStep joins a trace file's path and a step in a golden key.
const traceStep = "@step="

// suiteBits runs one suite's smoke profile and returns the hash of every
// trained model (each checkpoint kept in the cache) and every table that
// is not a timing, by path, and of the weights after each step of every
// trace (optim.Trace) in the cache, by path and step.
func suiteBits(t *testing.T, suite string) map[string]string {
	cache, out := t.TempDir(), t.TempDir()
	code, _, stderr := runCLI(t, "bench", suite, "--profile", "smoke", "--quiet", "--cache", cache, "--out", out)
	if code != 0 {
		t.Fatalf("bench %s --profile smoke: code %d: %s", suite, code, stderr)
	}
	got := map[string]string{}
	hash := func(root, prefix string) {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			if !strings.HasSuffix(p, ".safetensors") && !strings.HasSuffix(p, ".csv") {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if strings.HasSuffix(p, optim.TraceFile) {
				// One line a traced step, so that a model that differs
				// says after which step it first did.
				pts, err := optim.ParseTrace(b)
				if err != nil {
					return fmt.Errorf("%s: %w", p, err)
				}
				for _, pt := range pts {
					got[fmt.Sprintf("%s%s%s%d", prefix, filepath.ToSlash(rel), traceStep, pt.Step)] = pt.SHA256[:16]
				}
				return nil
			}
			if strings.HasSuffix(p, ".csv") && timing(rel, b) {
				return nil
			}
			got[prefix+filepath.ToSlash(rel)] = fmt.Sprintf("%x", sha256.Sum256(b))[:16]
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	hash(cache, "cache/")
	hash(out, "out/")
	return got
}

// TestSuiteBits runs every suite's smoke profile and compares the bits of
// its trained models and tables with testdata/suite-bits.golden, written on
// another machine: the pure-Go build promises the same bits for the same
// seed on every x86-64 CPU with AVX2 and FMA. Every model's trace of its
// weights after steps 1, 10, 100, … says after which step they first
// differ; TestOpBits in nn then tells which op parts first. Rewrite the file with
// -update-suite-bits only when a suite's results change on purpose.
func TestSuiteBits(t *testing.T) {
	if strings.Contains(nn.Backend(), "openblas") || nn.FusesMultiplyAdd() {
		t.Skipf("the golden bits are those of the pure-Go build for amd64 v1 or v2 (AVX2/FMA kernels or the portable ones), not of %s", nn.Backend())
	}
	if testing.Short() {
		t.Skip("runs every suite's smoke profile")
	}
	suites := []string{"drug", "density", "nmt", "imitation"}
	path := filepath.Join("testdata", "suite-bits.golden")
	got := map[string]string{}
	for _, s := range suites {
		for k, v := range suiteBits(t, s) {
			got[s+" "+k] = v
		}
	}
	differ, err := golden.Check(path, got, *updateSuiteBits,
		"suite, file of its smoke run (cache: trained models; out: tables), sha256 (first 8 bytes); pure-Go build",
		"go test -run TestSuiteBits . -args -update-suite-bits")
	if err != nil {
		t.Fatal(err)
	}
	if len(differ) > 0 {
		msg := fmt.Sprintf("%d hashes differ from %s:\n%s", len(differ), path, strings.Join(differ, "\n"))
		if parts := traceParts(differ, got); len(parts) > 0 {
			msg += "\nWhere the weights part:\n" + strings.Join(parts, "\n") +
				"\nRun `go test -run TestOpBits ./nn` on this machine: its per-op hashes name the first op that computes other bits."
		}
		t.Error(msg)
	}
}

// traceParts reads golden.Check's lines for the keys of trace steps
// (path@step=N) whose hashes differ and returns, per trace file, the first
// step whose weights differ and the last traced step before it, whose
// weights are the same.
func traceParts(differ []string, got map[string]string) []string {
	first := map[string]int{}
	for _, line := range differ {
		key, rest, _ := strings.Cut(line, ": ")
		file, step, ok := strings.Cut(key, traceStep)
		if !ok || !strings.Contains(rest, ", golden ") {
			continue // not a trace step, or one traced in only one of the runs
		}
		n, err := strconv.Atoi(step)
		if f, seen := first[file]; err != nil || seen && f <= n {
			continue
		}
		first[file] = n
	}
	var out []string
	for _, file := range slices.Sorted(maps.Keys(first)) {
		n := first[file]
		same := -1
		for key := range got {
			f, step, ok := strings.Cut(key, traceStep)
			if k, err := strconv.Atoi(step); ok && err == nil && f == file && k < n && k > same {
				same = k
			}
		}
		if same < 0 {
			out = append(out, fmt.Sprintf("%s: the weights differ from step %d on, the first traced", file, n))
		} else {
			out = append(out, fmt.Sprintf("%s: the weights first differ after step %d (the same after step %d)", file, n, same))
		}
	}
	return out
}

func TestTraceParts(t *testing.T) {
	const f = "imitation cache/m/weights-trace.csv"
	got := map[string]string{f + "@step=1": "a", f + "@step=10": "b", f + "@step=100": "c", f + "@step=250": "d", "nmt out/t.csv": "e"}
	tests := []struct {
		name   string
		differ []string
		want   []string
	}{
		{"tables only", []string{"nmt out/t.csv: e, golden x"}, nil},
		{"from the first step", []string{f + "@step=1: a, golden x", f + "@step=10: b, golden y"}, []string{f + ": the weights differ from step 1 on, the first traced"}},
		{"later steps", []string{f + "@step=250: d, golden x", f + "@step=100: c, golden y"}, []string{f + ": the weights first differ after step 100 (the same after step 10)"}},
		{"a step in one run only", []string{f + "@step=1000: in the file, not in this run"}, nil},
	}
	for _, tc := range tests {
		if got := traceParts(tc.differ, got); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
