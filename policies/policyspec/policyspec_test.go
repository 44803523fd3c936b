package policyspec

import (
	"errors"
	"strings"
	"testing"

	"github.com/metabench/metabench/envs/demos"
	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/policies"
	"github.com/metabench/metabench/policies/collect"
	"github.com/metabench/metabench/sim"
)

func TestNew(t *testing.T) {
	cfg := sim.DefaultConfig()
	ep, err := collect.Expert(stack.MustParse("ab"), cfg, 5, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	load := func(dir string) ([]*demos.Episode, error) {
		if dir != "good" {
			return nil, errors.New("no dataset at " + dir)
		}
		return []*demos.Episode{ep}, nil
	}
	f := Standard(load)
	for _, tc := range []struct {
		spec, name, err string
	}{
		{"expert", "expert", ""},
		{"noisy-expert", "noisy-expert", ""},
		{"noisy-expert:0.5", "noisy-expert", ""},
		{"replay:good", "replay", ""},
		{"expert:3", "", `policy "expert:3": the expert takes no argument`},
		{"noisy-expert:x", "", "noise scale"},
		{"replay:", "", "replay:DIR"},
		{"replay:bad", "", "no dataset at bad"},
		{"model:dir", "", `unknown policy "model:dir" (want expert|noisy-expert[:SCALE]|replay:DIR)`},
	} {
		p, err := f.New(tc.spec, cfg)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%q: error %v, want %q", tc.spec, err, tc.err)
		case tc.err == "" && err != nil:
			t.Errorf("%q: %v", tc.spec, err)
		case tc.err == "" && p.Name() != tc.name:
			t.Errorf("%q: name %q, want %q", tc.spec, p.Name(), tc.name)
		}
	}

	// A later policy joins through Register.
	f.Register("model", "model:DIR", func(arg string, cfg sim.Config) (policies.Policy, error) {
		return policies.NewExpert(cfg), nil
	})
	if _, err := f.New("model:x", cfg); err != nil || !strings.HasSuffix(f.Usage(), "|model:DIR") {
		t.Fatalf("registered model: %v, usage %q", err, f.Usage())
	}
}

func TestReplayIsEpisodicAndReplaysExactly(t *testing.T) {
	cfg := sim.DefaultConfig()
	task := stack.MustParse("ba")
	ep, err := collect.Expert(task, cfg, 9, 0, policies.DefaultNoise)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Standard(func(string) ([]*demos.Episode, error) { return []*demos.Episode{ep}, nil }).New("replay:d", cfg)
	if err != nil {
		t.Fatal(err)
	}
	e, ok := p.(Episodic)
	if !ok {
		t.Fatal("replay is not Episodic")
	}
	tk, start, seed, err := e.Select(0)
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
	if v := policies.Rollout(env, p, nil); v.String() != ep.Outcome || env.Steps() != len(ep.Actions)/stack.ActDim {
		t.Fatalf("replay ended %v after %d steps; recorded %s after %d", v, env.Steps(), ep.Outcome, len(ep.Actions)/stack.ActDim)
	}
}
