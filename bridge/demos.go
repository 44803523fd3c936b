package bridge

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/metabench/metabench/envs/demos"
	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/policies/collect"
	"github.com/metabench/metabench/sim"
)

// StateDim is the length of the flat simulator state the demos op returns
// for n blocks: x, y, angle, vx, vy, angular velocity per block, then the
// gripper's x, y, vx, vy, closed (0/1) and held block (-1 for none).
func StateDim(n int) int { return 6*n + 6 }

// FlatState appends s as a flat vector (see StateDim).
func FlatState(dst []float64, s *sim.State) []float64 {
	for _, b := range s.Blocks {
		dst = append(dst, b.X, b.Y, b.Angle, b.VX, b.VY, b.AngVel)
	}
	g := s.Gripper
	closed := 0.0
	if g.Closed {
		closed = 1
	}
	return append(dst, g.X, g.Y, g.VX, g.VY, closed, float64(g.Held))
}

// episodeMeta is one episode's entry in the demos reply; its arrays are
// rows of its task's arrays, in this order.
type episodeMeta struct {
	Task    int    `json:"task"`
	Index   int    `json:"index"`
	Seed    uint64 `json:"seed"`
	Source  string `json:"source"`
	Outcome string `json:"outcome"`
	Steps   int    `json:"steps"`
	Labels  bool   `json:"labels"` // expert labels stored (else NaN rows)
}

// demos reads a dataset directory whole. With states, every episode is
// replayed from its first state record to give the simulator state before
// each step (and after the last), checked against the stored observations.
func (s *Server) demos(hdr json.RawMessage, _ *Message) (reply, error) {
	var p struct {
		base
		Dir    string `json:"dir"`
		States bool   `json:"states"`
	}
	if err := decode(hdr, &p); err != nil {
		return reply{}, err
	}
	if p.Dir == "" {
		return reply{}, errors.New("give dir, the dataset directory")
	}
	d, err := demos.Open(p.Dir)
	if err != nil {
		return reply{}, err
	}
	defer d.Close()
	cfg, err := collect.ReplayConfig(d.Manifest())
	if err != nil {
		return reply{}, fmt.Errorf("%s: %w", p.Dir, err)
	}
	tasks := d.Tasks()
	var metas []episodeMeta
	var arrays []Array
	for k, task := range tasks {
		var obs, acts, labels []float32
		var states []float64
		obsDim, rows := 0, 0
		for ep, err := range d.Episodes(task) {
			if err != nil {
				return reply{}, err
			}
			obsDim = ep.ObsDim
			n := ep.Steps()
			rows += n
			obs = append(obs, ep.Obs...)
			acts = append(acts, ep.Actions...)
			if len(ep.ExpertActions) > 0 {
				labels = append(labels, ep.ExpertActions...)
			} else {
				for range n * ep.ActDim {
					labels = append(labels, float32(math.NaN()))
				}
			}
			if p.States {
				if states, err = replayStates(states, ep, cfg); err != nil {
					return reply{}, err
				}
			}
			metas = append(metas, episodeMeta{Task: k, Index: ep.Index, Seed: ep.Seed, Source: ep.Source,
				Outcome: ep.Outcome, Steps: n, Labels: len(ep.ExpertActions) > 0})
		}
		if obsDim == 0 {
			t, err := stack.Parse(task)
			if err != nil {
				return reply{}, err
			}
			obsDim = stack.ObsDim(t.NumBlocks)
		}
		episodes := len(obs)/obsDim - rows
		arrays = append(arrays,
			F32(fmt.Sprintf("obs_%d", k), obs, len(obs)/obsDim, obsDim),
			F32(fmt.Sprintf("actions_%d", k), acts, rows, stack.ActDim),
			F32(fmt.Sprintf("expert_actions_%d", k), labels, rows, stack.ActDim))
		if p.States {
			t, err := stack.Parse(task)
			if err != nil {
				return reply{}, err
			}
			arrays = append(arrays, F64(fmt.Sprintf("states_%d", k), states, rows+episodes, StateDim(t.NumBlocks)))
		}
	}
	m := d.Manifest()
	return ok(map[string]any{"tasks": tasks, "episodes": metas, "kind": m.Kind, "source": m.Source,
		"config": cfg, "settings": m.Settings}, arrays...), nil
}

// replayStates replays ep from its first state record and appends the flat
// state before each step and after the last. Every observation must match
// the stored one, or the states would not be the episode's.
func replayStates(dst []float64, ep *demos.Episode, cfg sim.Config) ([]float64, error) {
	fail := func(format string, a ...any) ([]float64, error) {
		return nil, fmt.Errorf("states of %q #%d: %s", ep.Task, ep.Index, fmt.Sprintf(format, a...))
	}
	t, err := stack.Parse(ep.Task)
	if err != nil {
		return fail("%v", err)
	}
	if len(ep.States) == 0 || ep.States[0].Step != 0 {
		return fail("no state record at step 0")
	}
	var start sim.State
	if err := start.UnmarshalBinary(ep.States[0].Data); err != nil {
		return fail("%v", err)
	}
	steps := ep.Steps()
	env, err := stack.New(t, stack.Options{Config: &cfg, TimeLimit: steps + 1})
	if err != nil {
		return fail("%v", err)
	}
	if err := env.ResetTo(start, ep.Seed); err != nil {
		return fail("%v", err)
	}
	obs := make([]float32, 0, ep.ObsDim)
	for k := 0; ; k++ {
		obs = env.Observe(obs[:0])
		if !bytes.Equal(f32bytes(obs), f32bytes(ep.Obs[k*ep.ObsDim:(k+1)*ep.ObsDim])) {
			return fail("the replay's observation differs at step %d", k)
		}
		dst = FlatState(dst, env.State())
		if k == steps {
			return dst, nil
		}
		env.Step(stack.ControlFromVector(ep.Actions[k*ep.ActDim : (k+1)*ep.ActDim]))
	}
}

// f32bytes compares floats bit for bit (NaN equal to itself).
func f32bytes(v []float32) []byte { return F32("", v).Data }
