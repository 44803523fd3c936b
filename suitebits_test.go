package main

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/metabench/metabench/internal/golden"
	"github.com/metabench/metabench/nn"
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

// suiteBits runs one suite's smoke profile and returns the hash of every
// trained model (each checkpoint kept in the cache) and every table that
// is not a timing, by path.
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
// seed on every x86-64 CPU with AVX2 and FMA. Where a file differs,
// TestOpBits in nn tells which op parts first. Rewrite the file with
// -update-suite-bits only when a suite's results change on purpose.
func TestSuiteBits(t *testing.T) {
	if strings.Contains(nn.Backend(), "openblas") || !strings.Contains(nn.Backend(), "AVX2") {
		t.Skipf("the golden bits are those of the pure-Go build on the AVX2/FMA kernels, not of %s", nn.Backend())
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
		t.Errorf("%d files differ from %s:\n%s", len(differ), path, strings.Join(differ, "\n"))
	}
}
