package imitbench

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/metabench/metabench/agents/imitation"
	"github.com/metabench/metabench/internal/cli"
)

// TestTrainAttentionFlags: --match-query and --stage-loss reach the
// architecture and the training options stored with the model, and a bad
// weight is refused as a usage error.
func TestTrainAttentionFlags(t *testing.T) {
	for _, tc := range []struct {
		name         string
		flags        []string
		match, stage bool
		weight       float64
		usage        string // non-empty: the run is refused with this
	}{
		{"off", nil, false, false, 0, ""},
		{"match", []string{"--match-query"}, true, false, 0, ""},
		{"stage", []string{"--stage-loss", "0.5"}, false, true, 0.5, ""},
		{"both", []string{"--match-query", "--stage-loss", "2"}, true, true, 2, ""},
		{"negative", []string{"--stage-loss", "-1"}, false, false, 0, "--stage-loss -1 is out of range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "model")
			args := append([]string{"--task", "ab", "--demos", "2", "--steps", "2", "--batch-tasks", "1", "--pairs", "2",
				"--workers", "1", "--cache", filepath.Join(dir, "cache"), "--out", out}, tc.flags...)
			var so, se bytes.Buffer
			err := runTrain(context.Background(), cli.Env{Stdout: &so, Stderr: &se}, args)
			if tc.usage != "" {
				if !cli.IsUsage(err) || !strings.Contains(err.Error(), tc.usage) {
					t.Fatalf("err = %v, want a usage error with %q", err, tc.usage)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			cc, err := imitation.ReadConfig(out)
			if err != nil {
				t.Fatal(err)
			}
			if cc.Arch.MatchQuery != tc.match || cc.Arch.StageHead != tc.stage || cc.Train.StageLoss != tc.weight {
				t.Fatalf("match query %v, stage head %v, stage loss %g; want %v, %v, %g",
					cc.Arch.MatchQuery, cc.Arch.StageHead, cc.Train.StageLoss, tc.match, tc.stage, tc.weight)
			}
		})
	}
}

// TestEvalExpertStates: --expert-states adds the measure on the expert's
// states to the rows (JSON) or a second table, and leaves the output as it
// was without it.
func TestEvalExpertStates(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "model")
	var so, se bytes.Buffer
	env := cli.Env{Stdout: &so, Stderr: &se}
	if err := runTrain(context.Background(), env, []string{"--task", "ab c", "--demos", "2", "--steps", "2", "--batch-tasks", "1", "--pairs", "2",
		"--workers", "1", "--cache", filepath.Join(dir, "cache"), "--out", out}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		flags []string
		want  []string // in the output
		not   []string // not in it
	}{
		{[]string{"--json"}, []string{`"attention_share"`}, []string{"expert"}},
		{[]string{"--json", "--expert-states", "2"}, []string{`"expert_states"`, `"expert_share"`, `"expert_chance"`}, nil},
		{[]string{"--expert-states", "1"}, []string{"on the expert's states"}, nil},
		{nil, nil, []string{"expert"}},
	} {
		so.Reset()
		args := append([]string{"--model", out, "--task", "ab c", "--episodes", "1", "--workers", "1"}, tc.flags...)
		if err := runEval(context.Background(), env, args); err != nil {
			t.Fatalf("%v: %v", tc.flags, err)
		}
		for _, w := range tc.want {
			if !strings.Contains(so.String(), w) {
				t.Errorf("%v: output lacks %q:\n%s", tc.flags, w, so.String())
			}
		}
		for _, w := range tc.not {
			if strings.Contains(so.String(), w) {
				t.Errorf("%v: output has %q:\n%s", tc.flags, w, so.String())
			}
		}
	}
	if err := runEval(context.Background(), env, []string{"--model", out, "--task", "ab", "--expert-states", "-1"}); !cli.IsUsage(err) {
		t.Fatalf("--expert-states -1: err = %v, want a usage error", err)
	}
}
