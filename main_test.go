package main

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/metabench/metabench/internal/clitest"
	"strings"
	"testing"
	"time"
)

// runCLI runs one command line and returns its exit code, stdout and stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestBadInput(t *testing.T) {
	clitest.CheckRefusals(t, runCLI, []clitest.Refusal{
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
		{[]string{"serve", "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"bench", "nn", "--model", "resnet"}, 2, `unknown model "resnet"`},
		{[]string{"bench", "nn", "--threads", "0"}, 2, "--threads 0 is out of range"},
		{[]string{"bench", "nn", "--duration", "-1s"}, 2, "--duration -1s is out of range"},
		{[]string{"bench", "demos", "--repeats", "0"}, 2, "--repeats 0 is out of range"},
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
	})
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"bench", "expert", "-h"}, {"bench", "-h"}, {"demos", "-h"}, {"render", "-h"}, {"view", "-h"}, {"record", "-h"}, {"serve", "-h"}, {"slurm", "-h"}, {"train", "imitation", "-h"}, {"help", "bench"}} {
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

// TestBenchLimits: every count of the world's speed benchmarks is bounded,
// every float flag finite and in range, --workers non-negative and a task
// given once: usage errors (exit 2) in one line naming the flag, through
// `bench NAME`.
func TestBenchLimits(t *testing.T) {
	huge, big := "9000000000000000000", "1000000000000"
	clitest.CheckRefusals(t, runCLI, []clitest.Refusal{
		{[]string{"bench", "expert", "--episodes", huge}, 2, "--episodes 9000000000000000000 is out of range [1, 1000000]"},
		{[]string{"bench", "expert", "--episodes", big}, 2, "--episodes 1000000000000 is out of range"},
		{[]string{"bench", "expert", "--noise", "NaN"}, 2, "--noise NaN is not a finite number"},
		{[]string{"bench", "expert", "--noise", "-Inf"}, 2, "--noise -Inf is not a finite number"},
		{[]string{"bench", "expert", "--noise", "11"}, 2, "--noise 11 is out of range"},
		{[]string{"bench", "expert", "--workers", "-1"}, 2, "--workers -1 is out of range"},
		{[]string{"bench", "expert", "--task", "ab", "--task", "ab"}, 2, `--task "ab" is given twice`},
		{[]string{"bench", "demos", "--episodes", huge}, 2, "--episodes 9000000000000000000 is out of range"},
		{[]string{"bench", "demos", "--repeats", big}, 2, "--repeats 1000000000000 is out of range"},
		{[]string{"bench", "sim", "--repeats", huge}, 2, "--repeats 9000000000000000000 is out of range"},
		{[]string{"bench", "sim", "--budget", "0s"}, 2, "--budget 0s is out of range"},
		{[]string{"bench", "sim", "--budget", "2000h"}, 2, "--budget 2000h0m0s is out of range"},
	})
}

// TestBenchInterrupts: a cancelled context (what Ctrl-C and SIGTERM do to
// the root's) stops the long speed benchmarks within a second or so, with
// exit 1 and one line saying so in words — never "context canceled".
func TestBenchInterrupts(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"bench expert", []string{"bench", "expert", "--task", "abcdefghij", "--episodes", "100000", "--workers", "2"}},
		{"bench demos", []string{"bench", "demos", "--episodes", "1000", "--repeats", "1"}},
	}
	const after = 300 * time.Millisecond
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(after, cancel)
			defer cancel()
			t0 := time.Now()
			var out, errOut bytes.Buffer
			code := run(ctx, tc.args, &out, &errOut)
			late := time.Since(t0) - after
			stderr := errOut.String()
			if code != 1 || !strings.Contains(stderr, "interrupted before it finished") || strings.Contains(stderr, "context canceled") || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want exit 1 and one line saying it was interrupted", code, stderr)
			}
			if late > 1500*time.Millisecond {
				t.Errorf("went on for %v after the interrupt", late)
			}
		})
	}
}
