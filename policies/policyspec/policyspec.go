// Package policyspec parses policy specs — "expert", "noisy-expert",
// "noisy-expert:0.3", "replay:DIR" — and builds the policies they name. It is the
// seam where further policies join (a learned "model:DIR" registers a Maker
// like the built-in ones), so that every command choosing a policy by name
// shares one list.
package policyspec

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/metabench/metabench/envs/demos"
	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/policies"
	"github.com/metabench/metabench/policies/replay"
	"github.com/metabench/metabench/sim"
)

// Maker builds a policy for worlds with settings cfg from the argument of
// its spec (the text after the first colon, "" if none).
type Maker func(arg string, cfg sim.Config) (policies.Policy, error)

// Episodic is implemented by policies that bring their own episodes, such
// as replays: a caller asks for episode k's task, start state and seed and
// resets its environment to them instead of drawing a task and a seed.
type Episodic interface {
	policies.Policy
	Episodes() int
	Select(k int) (task stack.Task, start sim.State, seed uint64, err error)
}

type entry struct {
	name, usage string
	make        Maker
}

// Factory maps policy names to makers. The zero value is empty.
type Factory struct {
	entries []entry
}

// Register adds a policy under name; usage shows its spec form (e.g.
// "replay:DIR"). A later registration of the same name replaces the
// earlier one.
func (f *Factory) Register(name, usage string, m Maker) {
	for i := range f.entries {
		if f.entries[i].name == name {
			f.entries[i] = entry{name, usage, m}
			return
		}
	}
	f.entries = append(f.entries, entry{name, usage, m})
}

// Usage lists the spec forms, e.g. "expert|noisy-expert[:SCALE]|replay:DIR".
func (f *Factory) Usage() string {
	u := make([]string, len(f.entries))
	for i, e := range f.entries {
		u[i] = e.usage
	}
	return strings.Join(u, "|")
}

// New builds the policy a spec names.
func (f *Factory) New(spec string, cfg sim.Config) (policies.Policy, error) {
	name, arg, _ := strings.Cut(spec, ":")
	for _, e := range f.entries {
		if e.name == name {
			p, err := e.make(arg, cfg)
			if err != nil {
				return nil, fmt.Errorf("policy %q: %w", spec, err)
			}
			return p, nil
		}
	}
	return nil, fmt.Errorf("unknown policy %q (want %s)", spec, f.Usage())
}

// Loader reads the episodes of a dataset directory, for replays.
type Loader func(dir string) ([]*demos.Episode, error)

// Standard returns a Factory with the built-in policies: the expert, the
// expert with demonstration noise, and replays of datasets read by load.
func Standard(load Loader) *Factory {
	f := &Factory{}
	f.Register("expert", "expert", func(arg string, cfg sim.Config) (policies.Policy, error) {
		if arg != "" {
			return nil, fmt.Errorf("the expert takes no argument")
		}
		return policies.NewExpert(cfg), nil
	})
	f.Register("noisy-expert", "noisy-expert[:SCALE]", func(arg string, cfg sim.Config) (policies.Policy, error) {
		scale := policies.DefaultNoise
		if arg != "" {
			v, err := strconv.ParseFloat(arg, 64)
			if err != nil || v < 0 || v > 10 {
				return nil, fmt.Errorf("noise scale %q is not a number in [0, 10]", arg)
			}
			scale = v
		}
		return policies.NewNoisy(policies.NewExpert(cfg), scale), nil
	})
	if load != nil {
		f.Register("replay", "replay:DIR", func(dir string, _ sim.Config) (policies.Policy, error) {
			if dir == "" {
				return nil, fmt.Errorf("give the dataset directory, replay:DIR")
			}
			eps, err := load(dir)
			if err != nil {
				return nil, err
			}
			return replay.New(eps)
		})
	}
	return f
}
