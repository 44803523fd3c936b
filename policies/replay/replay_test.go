package replay

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/metabench/metabench/envs/demos"
	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/policies"
	"github.com/metabench/metabench/policies/collect"
	"github.com/metabench/metabench/sim"
)

func TestLoadAndReplay(t *testing.T) {
	dir := t.TempDir()
	cfg := sim.DefaultConfig()
	if err := demos.Init(dir, "stack", nil); err != nil {
		t.Fatal(err)
	}
	task := stack.MustParse("ab c")
	var recorded []*demos.Episode
	for seed := range uint64(2) {
		ep, err := collect.Expert(task, cfg, seed, 0, policies.DefaultNoise)
		if err != nil {
			t.Fatal(err)
		}
		ep.Source = "test"
		if _, err := demos.Append(dir, ep); err != nil {
			t.Fatal(err)
		}
		recorded = append(recorded, ep)
	}
	if _, err := Load(t.TempDir(), 0); err == nil {
		t.Fatal("loaded a dataset from an empty directory")
	}
	eps, err := Load(dir, 1)
	if err != nil || len(eps) != 1 {
		t.Fatalf("Load(max 1): %d episodes, %v", len(eps), err)
	}
	if eps, err = Load(dir, 0); err != nil || len(eps) != 2 {
		t.Fatalf("Load: %d episodes, %v", len(eps), err)
	}
	p, err := New(eps)
	if err != nil {
		t.Fatal(err)
	}
	for k := range 3 { // Select wraps around
		tk, start, seed, err := p.Select(k)
		if err != nil {
			t.Fatal(err)
		}
		env, err := stack.New(tk, stack.Options{Config: &cfg})
		if err != nil {
			t.Fatal(err)
		}
		if err := env.ResetTo(start, seed); err != nil {
			t.Fatal(err)
		}
		p.Reset(tk, seed)
		v := policies.Rollout(env, p, nil)
		if want := recorded[k%2]; v.String() != want.Outcome || env.Steps() != want.Steps() {
			t.Errorf("episode %d: %v after %d steps, recorded %s after %d", k, v, env.Steps(), want.Outcome, want.Steps())
		}
	}
	// Past the end of its recording it holds still with the last grip.
	if c := p.Act(nil); c.VX != 0 || c.VY != 0 {
		t.Errorf("after the recording: %+v", c)
	}
}

// TestLoadRefusesOtherPhysics: a dataset whose manifest records other
// simulator settings than the ones episodes are played back under is
// refused, naming the difference.
func TestLoadRefusesOtherPhysics(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "d")
	task := stack.MustParse("ab")
	if _, err := collect.Generate(context.Background(), collect.GenOptions{Dir: dir, Tasks: []stack.Task{task}, Episodes: 1, Seed: 1, Workers: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir, 0); err != nil {
		t.Fatalf("untouched dataset: %v", err)
	}
	man := filepath.Join(dir, demos.ManifestName)
	data, err := os.ReadFile(man)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ to, want string }{
		{`"Gravity": 20`, "Gravity 20 (not 10)"},
		{`"Gravity": 0`, "gravity 0 must be positive"},
	}
	for _, tc := range tests {
		edited := strings.Replace(string(data), `"Gravity": 10`, tc.to, 1)
		if err := os.WriteFile(man, []byte(edited), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(dir, 0); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("manifest with %s: %v, want an error with %q", tc.to, err, tc.want)
		}
	}
}
