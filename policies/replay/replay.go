// Package replay is the policy that plays recorded demonstrations back: it
// returns each episode's executed actions in order, and tells the caller
// which task and start state the episode needs.
package replay

import (
	"errors"
	"fmt"

	"github.com/metabench/metabench/envs/demos"
	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/sim"
)

// Policy replays the executed actions of a list of episodes. Select chooses
// the episode; the environment must then be reset to the start state Select
// returns, or the actions make no sense.
type Policy struct {
	eps  []*demos.Episode
	cur  int
	step int
	last sim.Control
}

// New returns a replay of eps, which must not be empty.
func New(eps []*demos.Episode) (*Policy, error) {
	if len(eps) == 0 {
		return nil, errors.New("replay: no episodes")
	}
	return &Policy{eps: eps}, nil
}

// Name returns "replay".
func (p *Policy) Name() string { return "replay" }

// Episodes returns the number of episodes.
func (p *Policy) Episodes() int { return len(p.eps) }

// Episode returns episode k.
func (p *Policy) Episode(k int) *demos.Episode { return p.eps[k] }

// Select makes episode k (modulo the number of episodes) current and
// returns its task, start state and seed.
func (p *Policy) Select(k int) (stack.Task, sim.State, uint64, error) {
	k = ((k % len(p.eps)) + len(p.eps)) % len(p.eps)
	ep := p.eps[k]
	p.cur, p.step, p.last = k, 0, sim.Control{}
	t, err := stack.Parse(ep.Task)
	if err != nil {
		return stack.Task{}, sim.State{}, 0, fmt.Errorf("replay episode %d: %w", k, err)
	}
	if len(ep.States) == 0 || ep.States[0].Step != 0 {
		return stack.Task{}, sim.State{}, 0, fmt.Errorf("replay episode %d of %q: no start state", k, ep.Task)
	}
	var s sim.State
	if err := s.UnmarshalBinary(ep.States[0].Data); err != nil {
		return stack.Task{}, sim.State{}, 0, fmt.Errorf("replay episode %d of %q: %w", k, ep.Task, err)
	}
	return t, s, ep.Seed, nil
}

// Reset rewinds the current episode.
func (p *Policy) Reset(stack.Task, uint64) { p.step, p.last = 0, sim.Control{} }

// Act returns the next recorded action. Past the end of the recording it
// holds still with the last grip command.
func (p *Policy) Act(*sim.State) sim.Control {
	a := p.eps[p.cur].Actions
	if k := p.step * stack.ActDim; k+stack.ActDim <= len(a) {
		p.last = stack.ControlFromVector(a[k : k+stack.ActDim])
		p.step++
		return p.last
	}
	return sim.Control{Close: p.last.Close}
}
