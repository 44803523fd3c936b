package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/metabench/metabench/agents/imitation"
	"github.com/metabench/metabench/internal/dirlock"
)

// TestCommandLineAnswers covers the command line's answers that are not
// errors of one flag: no command, help texts, the name of a benchmark among
// its flags.
func TestCommandLineAnswers(t *testing.T) {
	if code, stdout, stderr := runCLI(t); code != 2 || !strings.Contains(stdout, "Commands:") || !strings.Contains(stderr, "give a command") {
		t.Errorf("no command: code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	_, stdout, _ := runCLI(t, "train", "imitation", "-h")
	if !strings.Contains(stdout, "-data dataset") || strings.Contains(stdout, "-data metabench") {
		t.Errorf("train imitation -h names --data's argument badly:\n%s", stdout)
	}
	_, stdout, _ = runCLI(t, "bench", "-h")
	for _, want := range []string{"imitation", "default", "smoke", "quick", "full", "nn", "expert", "sim"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("bench -h does not list %q:\n%s", want, stdout)
		}
	}
	code, stdout, stderr := runCLI(t, "bench", "--json", "expert", "--task", "ab", "--episodes", "1")
	if code != 0 || !json.Valid([]byte(stdout)) {
		t.Errorf("bench --json expert: code %d, stderr %q", code, stderr)
	}
}

func TestMergeRefusesWhatIsNotAReport(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"empty.json": "{}", "list.json": "[]", "torn.json": `{"format":1,`} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		code, _, stderr := runCLI(t, "bench", "imitation", "--merge", p)
		if code != 1 || !strings.Contains(stderr, p) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("--merge %s: code %d, stderr %q", name, code, stderr)
		}
	}
}

// TestTrainAndEvalRefuseBadDirectories: training refuses an --out that is
// not a model before any work, and evaluation refuses a checkpoint whose
// architecture is absurd without allocating it.
func TestTrainAndEvalRefuseBadDirectories(t *testing.T) {
	foreign := t.TempDir()
	os.WriteFile(filepath.Join(foreign, "manifest.json"), []byte("{}"), 0o644)
	code, _, stderr := runCLI(t, "train", "imitation", "--out", foreign, "--task", "ab", "--demos", "2", "--steps", "1")
	if code != 2 || !strings.Contains(stderr, "not empty") {
		t.Fatalf("train into a foreign directory: code %d, stderr %q", code, stderr)
	}
	model := filepath.Join(t.TempDir(), "m")
	cache := t.TempDir()
	code, _, stderr = runCLI(t, "train", "imitation", "--out", model, "--cache", cache, "--task", "ab", "--demos", "2", "--steps", "2", "--workers", "1")
	if code != 0 {
		t.Fatalf("train: code %d, stderr %q", code, stderr)
	}
	cc, err := imitation.ReadConfig(model)
	if err != nil || cc.Train.DemoNoise != 0.5 {
		t.Fatalf("the model records demonstration noise %v (%v), want 0.5", cc.Train.DemoNoise, err)
	}
	ck, _ := imitation.LatestCheckpoint(model)
	path := filepath.Join(ck, imitation.ConfigFile)
	b, _ := os.ReadFile(path)
	var raw map[string]any
	json.Unmarshal(b, &raw)
	raw["arch"].(map[string]any)["hidden"] = []int{100000, 100000}
	b, _ = json.Marshal(raw)
	os.WriteFile(path, b, 0o644)
	code, _, stderr = runCLI(t, "eval", "imitation", "--model", model, "--task", "ab", "--episodes", "1")
	if code != 1 || !strings.Contains(stderr, "beyond") || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("eval of a model with hidden [100000, 100000]: code %d, stderr %q", code, stderr)
	}
}

// TestTrainLocking: a trainer refuses an --out another process is writing,
// in one line; it does not refuse to read a finished dataset that another
// process holds; and a bad --data leaves no --out behind.
func TestTrainLocking(t *testing.T) {
	cache := t.TempDir()
	first := filepath.Join(t.TempDir(), "m1")
	args := func(out string) []string {
		return []string{"train", "imitation", "--out", out, "--cache", cache, "--task", "ab", "--demos", "2", "--steps", "2", "--workers", "1"}
	}
	if code, _, stderr := runCLI(t, args(first)...); code != 0 {
		t.Fatalf("train: code %d, stderr %q", code, stderr)
	}
	// Another process writing the model directory.
	unlock, err := dirlock.Lock(first, "test")
	if err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, args(first)...)
	unlock()
	if code != 1 || !strings.Contains(stderr, "in use by another metabench process") || strings.Count(stderr, "metabench: ") != 1 {
		t.Errorf("train into a locked --out: code %d, stderr %q", code, stderr)
	}
	// Another process holding the finished dataset in the cache: reading
	// it is fine.
	sets, _ := filepath.Glob(filepath.Join(cache, "imitation", "demos-cli-*"))
	if len(sets) != 1 {
		t.Fatalf("datasets in the cache: %v", sets)
	}
	unlock, err = dirlock.Lock(sets[0], "test")
	if err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runCLI(t, args(filepath.Join(t.TempDir(), "m2"))...)
	unlock()
	if code != 0 {
		t.Errorf("train beside a reader of its finished dataset: code %d, stderr %q", code, stderr)
	}
	// A bad --data: an error, and no empty --out.
	out := filepath.Join(t.TempDir(), "x")
	code, _, stderr = runCLI(t, "train", "imitation", "--data", filepath.Join(t.TempDir(), "missing"), "--out", out)
	if _, err := os.Stat(out); code == 0 || err == nil {
		t.Errorf("train with a missing --data: code %d (%q), --out exists: %v", code, stderr, err == nil)
	}
}

// TestOutLocks: every command that writes a model or results directory
// refuses one that another process holds, in one line, with exit 1, and
// writes nothing into it.
func TestOutLocks(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"train density", []string{"train", "density", "--profile", "smoke", "--steps", "1", "--workers", "1", "--out"}},
		{"train nmt", []string{"train", "nmt", "--profile", "smoke", "--out"}},
		{"bench density --out", []string{"bench", "density", "--profile", "smoke", "--quiet", "--workers", "1", "--cache", t.TempDir(), "--out"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			unlock, err := dirlock.Lock(dir, "test")
			if err != nil {
				t.Fatal(err)
			}
			defer unlock()
			code, _, stderr := runCLI(t, append(tc.args, dir)...)
			if code != 1 || !strings.Contains(stderr, "in use by another metabench process") || strings.Count(stderr, "metabench: ") != 1 {
				t.Errorf("code %d, stderr %q; want 1 and one line saying the directory is in use", code, stderr)
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 0 {
				t.Errorf("wrote %d entries into the locked directory", len(ents))
			}
		})
	}
}

// TestTrainCleansTempFiles: a trainer saving into an --out where an earlier
// save was killed removes the temporary files that save left.
func TestTrainCleansTempFiles(t *testing.T) {
	tests := []struct {
		name string
		args []string
		temp string
	}{
		{"train density", []string{"train", "density", "--profile", "smoke", "--steps", "1", "--workers", "1", "--out"}, ".model.safetensors6437764079006615440"},
		{"train nmt", []string{"train", "nmt", "--profile", "smoke", "--out"}, ".weights.safetensors42"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, tc.temp), []byte("torn"), 0o644)
			if code, _, stderr := runCLI(t, append(tc.args, dir)...); code != 0 {
				t.Fatalf("code %d, stderr %q", code, stderr)
			}
			if _, err := os.Stat(filepath.Join(dir, tc.temp)); err == nil {
				t.Errorf("%s is still there", tc.temp)
			}
		})
	}
}
