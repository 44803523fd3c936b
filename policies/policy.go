// Package policies holds the Policy interface and the policies that drive
// the block-stacking environment: the scripted expert, a noise wrapper for
// demonstration collection, and replay of recorded controls. Learned and
// keyboard policies implement the same interface.
package policies

import (
	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/sim"
)

// Policy chooses the control for each step of an episode.
type Policy interface {
	// Name identifies the policy in tables, datasets and the window.
	Name() string
	// Reset starts an episode of task t; seed drives any randomness.
	Reset(t stack.Task, seed uint64)
	// Act returns the control for state s.
	Act(s *sim.State) sim.Control
}

// Rollout runs p in env from its current state until the episode ends, and
// returns the verdict. visit, if not nil, sees the state before each step
// and the control applied.
func Rollout(env *stack.Env, p Policy, visit func(s *sim.State, c sim.Control)) stack.Verdict {
	v := env.Verdict()
	for v == stack.Running {
		c := p.Act(env.State())
		if visit != nil {
			visit(env.State(), c)
		}
		v = env.Step(c)
	}
	return v
}
