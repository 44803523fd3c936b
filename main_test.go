package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs one command line and returns its exit code, stdout and stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"bench", "warp"}, 2, `unknown suite or benchmark "warp"`},
		{[]string{"bench", "--nope"}, 2, "flag provided but not defined: -nope"},
		{[]string{"bench", "expert", "--episodes", "0"}, 2, "--episodes 0 is out of range"},
		{[]string{"bench", "expert", "--episodes", "many"}, 2, `invalid value "many" for flag -episodes`},
		{[]string{"bench", "expert", "--task", "aba"}, 2, `block 'a' appears more than once`},
		{[]string{"bench", "expert", "--task", "ac"}, 2, "b is missing"},
		{[]string{"bench", "expert", "--split", "validation"}, 2, `unknown split "validation"`},
		{[]string{"bench", "expert", "--split", "train", "--task", "ab"}, 2, "not both"},
		{[]string{"bench", "expert", "--noise", "-1"}, 2, "--noise -1 is out of range"},
		{[]string{"bench", "sim", "--repeats", "0"}, 2, "--repeats 0 is out of range"},
		{[]string{"bench", "sim", "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"render", "--gif", "x.gif"}, 2, "--task is required"},
		{[]string{"render", "--task", "ab"}, 2, "give --gif OUT and/or --png OUT"},
		{[]string{"render", "--task", "abcdefghijk", "--png", "x.png"}, 2, "beyond j"},
		{[]string{"render", "--task", "ab", "--png", "x.png", "--width", "10"}, 2, "out of range"},
		{[]string{"render", "--task", "ab", "--png", "/nonexistent-dir/x.png"}, 1, "/nonexistent-dir/x.png"},
		{[]string{"bench", "nn", "--model", "resnet"}, 2, `unknown model "resnet"`},
		{[]string{"bench", "nn", "--threads", "0"}, 2, "--threads 0 is out of range"},
		{[]string{"bench", "nn", "--duration", "-1s"}, 2, "--duration -1s is out of range"},
		{[]string{"bench", "demos", "--repeats", "0"}, 2, "--repeats 0 is out of range"},
		{[]string{"demos"}, 2, "give a subcommand"},
		{[]string{"demos", "shuffle"}, 2, `unknown subcommand "shuffle"`},
		{[]string{"demos", "gen", "--split", "train"}, 2, "--out DIR is required"},
		{[]string{"demos", "gen", "--out", "x"}, 2, "give --split or --task"},
		{[]string{"demos", "gen", "--out", "x", "--task", "ab", "--episodes", "-3"}, 2, "--episodes -3 is out of range"},
		{[]string{"demos", "gen", "--out", "x", "--task", "abcc"}, 2, "appears more than once"},
		{[]string{"demos", "replay"}, 2, "give the dataset directory"},
		{[]string{"demos", "replay", "a", "b"}, 2, `unexpected argument "b"`},
		{[]string{"demos", "replay", "/nonexistent/dataset"}, 1, "/nonexistent/dataset"},
		{[]string{"demos", "info", "/nonexistent/dataset"}, 1, "/nonexistent/dataset"},
		{[]string{"demos", "export", "/nonexistent/dataset"}, 2, "--npz OUT is required"},
		{[]string{"train"}, 2, "train: give a command (imitation"},
		{[]string{"train", "imitation"}, 2, "--out is required"},
		{[]string{"train", "imitation", "--out", "x", "--cond", "movie"}, 2, `unknown conditioning "movie"`},
		{[]string{"train", "imitation", "--out", "x", "--head", "tree"}, 2, `head "tree"`},
		{[]string{"train", "imitation", "--out", "x", "--algo", "ppo"}, 2, `unknown algorithm "ppo"`},
		{[]string{"train", "imitation", "--out", "x", "--noise", "-1"}, 2, "--noise -1 is out of range"},
		{[]string{"train", "imitation", "--out", "x", "--lr", "NaN"}, 2, "--lr NaN is not a finite number"},
		{[]string{"train", "imitation", "--out", "x", "--workers", "-1"}, 2, "--workers -1 is out of range"},
		{[]string{"train", "imitation", "--out", "x", "--steps", "1000000000000"}, 2, "--steps 1000000000000 is out of range"},
		{[]string{"train", "imitation", "--out", "x", "--task", "ab", "--task", "ab"}, 2, `--task "ab" given twice`},
		{[]string{"eval", "imitation"}, 2, "--model is required"},
		{[]string{"eval", "imitation", "--model", "x", "--noise", "-1"}, 2, "--noise -1 is out of range"},
		{[]string{"eval", "imitation", "--model", "x", "--noise", "Inf"}, 2, "--noise +Inf is not a finite number"},
		{[]string{"eval", "imitation", "--model", "x", "--episodes", "9000000000000000000"}, 2, "--episodes 9000000000000000000 is out of range"},
		{[]string{"eval", "imitation", "--model", "x", "--workers", "-1"}, 2, "--workers -1 is out of range"},
		{[]string{"eval", "imitation", "--model", "x", "--task", "ab", "--task", "ab"}, 2, `--task "ab" given twice`},
		{[]string{"bench", "imitation", "--workers", "-1"}, 2, "--workers -1 is out of range"},
		{[]string{"bench", "imitation", "--data", "x"}, 2, "reads no data"},
		{[]string{"eval", "imitation", "--model", "/nonexistent/model"}, 1, "/nonexistent/model"},
		{[]string{"bench", "imitation", "--profile", "huge"}, 2, `unknown profile "huge"`},
		{[]string{"bench", "imitation", "--shard", "3/2"}, 2, "want i/n"},
		{[]string{"bench", "imitation", "--merge", "/nonexistent/report.json"}, 1, "/nonexistent/report.json"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, _, stderr := runCLI(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit code %d, want %d (stderr %q)", code, tc.code, stderr)
			}
			if !strings.Contains(stderr, tc.msg) {
				t.Errorf("stderr %q does not mention %q", stderr, tc.msg)
			}
			if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "metabench: ") {
				t.Errorf("stderr %q is not one 'metabench: ...' line", stderr)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"bench", "expert", "-h"}, {"bench", "-h"}, {"demos", "-h"}, {"train", "imitation", "-h"}, {"help", "bench"}} {
		code, stdout, stderr := runCLI(t, args...)
		if code != 0 || stdout == "" || stderr != "" {
			t.Errorf("%v: code %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
}

func TestBenchExpertJSON(t *testing.T) {
	code, stdout, stderr := runCLI(t, "bench", "expert", "--task", "ab", "--task", "abc", "--episodes", "2", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rows []struct {
		Set       string  `json:"set"`
		Noise     float64 `json:"noise"`
		Stages    int     `json:"stages"`
		Episodes  int     `json:"episodes"`
		Successes int     `json:"successes"`
	}
	if err := json.Unmarshal([]byte(stdout), &rows); err != nil {
		t.Fatalf("output is not JSON rows: %v\n%s", err, stdout)
	}
	if len(rows) != 4 || rows[0].Episodes != 2 || rows[0].Set != "custom" {
		t.Fatalf("rows = %+v, want 4 rows of 2 episodes", rows)
	}
}

func TestRenderWritesGIFAndPNG(t *testing.T) {
	dir := t.TempDir()
	gif, png := filepath.Join(dir, "r.gif"), filepath.Join(dir, "r.png")
	code, stdout, stderr := runCLI(t, "render", "--task", "ab", "--seed", "2", "--gif", gif, "--png", png, "--width", "160", "--height", "100")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, p := range []string{gif, png} {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Fatalf("%s not written: %v", p, err)
		}
	}
	if !strings.Contains(stdout, "success") {
		t.Fatalf("render output %q does not report the verdict", stdout)
	}
}

func TestDemosCommands(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demos")
	if code, _, stderr := runCLI(t, "demos", "gen", "--out", dir, "--task", "ab", "--task", "ab c", "--episodes", "2"); code != 0 {
		t.Fatalf("gen: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := runCLI(t, "demos", "replay", dir)
	if code != 0 || !strings.Contains(stdout, "all 4 episodes of 2 tasks replay exactly") {
		t.Fatalf("replay: exit %d, %q %q", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, "demos", "info", dir, "--json")
	var info struct {
		Episodes     int     `json:"episodes"`
		BytesPerStep float64 `json:"bytes_per_step"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &info) != nil || info.Episodes != 4 || info.BytesPerStep <= 0 {
		t.Fatalf("info --json: exit %d, %q", code, stdout)
	}
	npz := filepath.Join(t.TempDir(), "d.npz")
	if code, _, stderr := runCLI(t, "demos", "export", dir, "--npz", npz); code != 0 {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}

	// A corrupted shard is reported on one line, with exit status 1.
	shards, _ := filepath.Glob(filepath.Join(dir, "shards", "*"))
	if len(shards) == 0 {
		t.Fatal("no shard files")
	}
	data, _ := os.ReadFile(shards[0])
	data[len(data)/2] ^= 0xff
	if err := os.WriteFile(shards[0], data, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runCLI(t, "demos", "replay", dir)
	if code != 1 || !strings.Contains(stderr, filepath.Base(shards[0])) || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("replay of a corrupt dataset: exit %d, stderr %q", code, stderr)
	}
}
