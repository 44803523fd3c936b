package main

import (
	"bufio"
	"crypto/sha256"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/metabench/metabench/agents/nn"
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
// TestOpBits in agents/nn tells which op parts first. Rewrite the file with
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
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range got {
			if !yield(k) {
				return
			}
		}
	})
	if *updateSuiteBits {
		var b strings.Builder
		b.WriteString("# suite, file of its smoke run (cache: trained models; out: tables), sha256 (first 8 bytes); pure-Go build\n")
		for _, k := range keys {
			fmt.Fprintf(&b, "%s %s\n", k, got[k])
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.LastIndexByte(line, ' '); i > 0 && !strings.HasPrefix(line, "#") {
			want[line[:i]] = line[i+1:]
		}
	}
	var differ []string
	for _, k := range keys {
		if want[k] != got[k] {
			differ = append(differ, fmt.Sprintf("%s: %s, golden %q", k, got[k], want[k]))
		}
	}
	for k := range want {
		if _, ok := got[k]; !ok {
			differ = append(differ, k+": missing")
		}
	}
	slices.Sort(differ)
	if len(differ) > 0 {
		t.Errorf("%d files differ from %s:\n%s", len(differ), path, strings.Join(differ, "\n"))
	}
}
