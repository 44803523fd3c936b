package main

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/metabench/metabench/nn/optim"
)

// cacheFiles returns the files of a cache directory whose name has one of
// the suffixes, by path relative to it.
func cacheFiles(t *testing.T, dir string, suffixes ...string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		for _, s := range suffixes {
			if strings.HasSuffix(p, s) {
				b, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				rel, _ := filepath.Rel(dir, p)
				out[rel] = b
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestKillAndRerunBench kills the suites' benchmarks that train and cache
// models (density's networks, drug's per-unit results, and their weights'
// traces) with SIGKILL at 20 moments of a seeded schedule, rerunning the
// same command after each; the last run must finish, and the cache must
// hold byte for byte what an uninterrupted run's does. (Imitation's trainer
// has its own kill test, in agents/imitation, with checkpoints.)
func TestKillAndRerunBench(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 60 processes")
	}
	tests := []struct {
		name     string
		args     []string
		suffixes []string // the cached files that must be identical
	}{
		{"density", []string{"bench", "density", "--profile", "smoke", "--quiet", "--workers", "1"}, []string{".safetensors", optim.TraceFile}},
		{"drug", []string{"bench", "drug", "--profile", "smoke", "--quiet", "--workers", "1"}, []string{".json", optim.TraceFile}},
		{"nmt", []string{"bench", "nmt", "--profile", "smoke", "--quiet", "--workers", "1"}, []string{".safetensors", optim.TraceFile}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			straight := t.TempDir()
			if out, err := metabench(append(tc.args, "--cache", straight)...).CombinedOutput(); err != nil {
				t.Fatalf("uninterrupted run: %v: %s", err, out)
			}
			want := cacheFiles(t, straight, tc.suffixes...)
			if len(want) == 0 {
				t.Fatal("the uninterrupted run cached nothing")
			}
			cache := t.TempDir()
			rng := rand.New(rand.NewPCG(24, 2))
			for range 20 {
				cmd := metabench(append(tc.args, "--cache", cache)...)
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				time.Sleep(time.Duration(20+rng.IntN(600)) * time.Millisecond)
				cmd.Process.Kill()
				cmd.Wait()
			}
			var stderr bytes.Buffer
			cmd := metabench(append(tc.args, "--cache", cache)...)
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("run after 20 kills: %v: %s", err, stderr.String())
			}
			got := cacheFiles(t, cache, tc.suffixes...)
			if len(got) != len(want) {
				t.Errorf("after 20 kills the cache holds %d files, an uninterrupted run's %d", len(got), len(want))
			}
			for name, b := range want {
				if !bytes.Equal(got[name], b) {
					t.Errorf("%s differs from an uninterrupted run's", name)
				}
			}
		})
	}
}

// TestTwoBenchesShareACache: two runs of a suite on one cache at once both
// finish (the second waits for each model the first is training, then
// loads it) and report the same rows.
func TestTwoBenchesShareACache(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a suite twice at once")
	}
	cache := t.TempDir()
	args := []string{"bench", "density", "--profile", "smoke", "--quiet", "--workers", "1", "--json", "--cache", cache}
	cmds := []*exec.Cmd{metabench(args...), metabench(args...)}
	outs := make([]*bytes.Buffer, len(cmds))
	for i, c := range cmds {
		outs[i] = &bytes.Buffer{}
		c.Stdout, c.Stderr = outs[i], outs[i]
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("run %d: %v: %s", i+1, err, outs[i])
		}
	}
	rows := func(b *bytes.Buffer) string {
		var r struct {
			Rows struct {
				Results json.RawMessage `json:"results"`
			} `json:"rows"`
		}
		if err := json.Unmarshal(b.Bytes(), &r); err != nil || len(r.Rows.Results) == 0 {
			t.Fatalf("report: %v: %.200s", err, b)
		}
		return string(r.Rows.Results)
	}
	if a, b := rows(outs[0]), rows(outs[1]); a != b {
		t.Errorf("the two runs report different results:\n%s\n%s", a, b)
	}
}
