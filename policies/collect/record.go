// Package collect records demonstrations — a policy run in the block-stacking
// environment, step by step — and verifies recorded episodes by replaying
// them in the simulator.
package collect

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/metabench/metabench/envs/demos"
	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/policies"
	"github.com/metabench/metabench/sim"
)

// StateEvery is the interval, in control steps, of the full simulator states
// stored with an episode (besides the first and the last).
const StateEvery = 20

// Recorder accumulates one episode as it is played.
type Recorder struct {
	ep   *demos.Episode
	cfg  sim.Config
	last int // step of the last state record
}

// NewRecorder starts recording an episode of env, which must just have been
// reset. source is demos.SourceExpert or demos.SourceHuman.
func NewRecorder(env *stack.Env, source string, index int) (*Recorder, error) {
	n := env.Task().NumBlocks
	r := &Recorder{
		cfg: env.Config(),
		ep: &demos.Episode{
			Task:   env.Task().String(),
			Index:  index,
			Seed:   env.Seed(),
			Source: source,
			ObsDim: stack.ObsDim(n),
			ActDim: stack.ActDim,
		},
	}
	if err := r.addState(env.State()); err != nil {
		return nil, err
	}
	r.ep.Obs = env.Observe(r.ep.Obs)
	return r, nil
}

func (r *Recorder) addState(s *sim.State) error {
	data, err := s.MarshalBinary()
	if err != nil {
		return fmt.Errorf("record state at step %d: %w", s.Step, err)
	}
	r.ep.States = append(r.ep.States, demos.StateRecord{Step: s.Step, Data: data})
	r.last = s.Step
	return nil
}

// Step records that executed was applied to env (already stepped), with
// label the clean action a learner should imitate (nil for none, as with a
// human demonstrator).
func (r *Recorder) Step(env *stack.Env, executed sim.Control, label *sim.Control) error {
	a := stack.ActionVector(executed)
	r.ep.Actions = append(r.ep.Actions, a[:]...)
	if label != nil {
		l := stack.ActionVector(*label)
		r.ep.ExpertActions = append(r.ep.ExpertActions, l[:]...)
	}
	r.ep.Obs = env.Observe(r.ep.Obs)
	if s := env.State(); s.Step-r.last >= StateEvery || env.Verdict() != stack.Running {
		return r.addState(s)
	}
	return nil
}

// Finish closes the episode with env's verdict and returns it.
func (r *Recorder) Finish(env *stack.Env) (*demos.Episode, error) {
	if s := env.State(); s.Step != r.last {
		if err := r.addState(s); err != nil {
			return nil, err
		}
	}
	if len(r.ep.ExpertActions) != 0 && len(r.ep.ExpertActions) != len(r.ep.Actions) {
		return nil, fmt.Errorf("record %q: labels for %d of %d steps", r.ep.Task, len(r.ep.ExpertActions)/stack.ActDim, len(r.ep.Actions)/stack.ActDim)
	}
	r.ep.Outcome = env.Verdict().String()
	return r.ep, nil
}

// Expert plays one episode of the expert on t from the reset state of seed,
// with demonstration noise of the given scale, and records it: the executed
// (noisy) actions and the expert's clean actions as labels.
func Expert(t stack.Task, cfg sim.Config, seed uint64, index int, noise float64) (*demos.Episode, error) {
	env, err := stack.New(t, stack.Options{Config: &cfg})
	if err != nil {
		return nil, err
	}
	if err := env.Reset(seed); err != nil {
		return nil, err
	}
	expert := policies.NewExpert(cfg)
	noisy := policies.NewNoisy(expert, noise)
	noisy.Reset(t, seed)
	rec, err := NewRecorder(env, demos.SourceExpert, index)
	if err != nil {
		return nil, err
	}
	for env.Verdict() == stack.Running {
		c := noisy.Act(env.State())
		clean := noisy.Clean()
		env.Step(c)
		if err := rec.Step(env, c, &clean); err != nil {
			return nil, err
		}
	}
	return rec.Finish(env)
}

// Replay re-simulates ep from its first state record with its executed
// actions and checks that every recorded state and observation matches
// exactly. It returns the replayed verdict.
func Replay(ep *demos.Episode, cfg sim.Config) (stack.Verdict, error) {
	fail := func(format string, a ...any) (stack.Verdict, error) {
		return stack.Running, fmt.Errorf("replay %q #%d: %s", ep.Task, ep.Index, fmt.Sprintf(format, a...))
	}
	t, err := stack.Parse(ep.Task)
	if err != nil {
		return fail("%v", err)
	}
	if ep.ActDim != stack.ActDim || ep.ObsDim != stack.ObsDim(t.NumBlocks) {
		return fail("dimensions obs %d, act %d do not fit the task (want %d, %d)", ep.ObsDim, ep.ActDim, stack.ObsDim(t.NumBlocks), stack.ActDim)
	}
	steps := len(ep.Actions) / stack.ActDim
	if len(ep.Actions)%stack.ActDim != 0 || len(ep.Obs) != (steps+1)*ep.ObsDim {
		return fail("%d action values and %d observation values do not make whole steps", len(ep.Actions), len(ep.Obs))
	}
	if len(ep.States) == 0 || ep.States[0].Step != 0 {
		return fail("no state record at step 0")
	}
	var start sim.State
	if err := start.UnmarshalBinary(ep.States[0].Data); err != nil {
		return fail("%v", err)
	}
	env, err := stack.New(t, stack.Options{Config: &cfg, TimeLimit: steps + 1})
	if err != nil {
		return fail("%v", err)
	}
	if err := env.ResetTo(start, ep.Seed); err != nil {
		return fail("%v", err)
	}
	next := 1
	obs := make([]float32, 0, ep.ObsDim)
	for k := 0; ; k++ {
		obs = env.Observe(obs[:0])
		if !equalFloats(obs, ep.Obs[k*ep.ObsDim:(k+1)*ep.ObsDim]) {
			return fail("observation differs at step %d", k)
		}
		if next < len(ep.States) && ep.States[next].Step == k {
			got, err := env.State().MarshalBinary()
			if err != nil {
				return fail("%v", err)
			}
			if !bytes.Equal(got, ep.States[next].Data) {
				return fail("state differs at step %d", k)
			}
			next++
		}
		if k == steps {
			break
		}
		env.Step(stack.ControlFromVector(ep.Actions[k*stack.ActDim : (k+1)*stack.ActDim]))
	}
	if next != len(ep.States) {
		return fail("state record at step %d lies beyond the %d steps", ep.States[next].Step, steps)
	}
	// Outcomes decided at the time limit (timeout, wrong move) replay as
	// still running: the replay's limit lies one step beyond the recording.
	atLimit := ep.Outcome == stack.Timeout.String() || ep.Outcome == stack.WrongMove.String()
	if v := env.Verdict(); v.String() != ep.Outcome && !(v == stack.Running && atLimit) {
		return fail("replayed outcome %v, recorded %s", v, ep.Outcome)
	}
	return env.Verdict(), nil
}

func equalFloats(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Bounds of the simulator rates a manifest may ask replay for: beyond them a
// replay would take hours per episode, so the manifest is refused instead.
const (
	maxPhysicsHz  = 10_000
	maxIterations = 1000
)

// ReplayConfig returns the simulator settings a dataset was recorded with,
// from its manifest's generator settings (Settings.Sim): a replay must use
// them, not this program's defaults, or an edited or foreign manifest would
// "replay exactly" under physics it was not recorded with. A manifest
// without settings (a dataset built by Append alone) gets
// sim.DefaultConfig(). Settings that cannot be simulated are an error.
func ReplayConfig(m *demos.Manifest) (sim.Config, error) {
	cfg := sim.DefaultConfig()
	if len(m.Settings) == 0 {
		return cfg, nil
	}
	var s struct {
		Sim *json.RawMessage `json:"sim"`
	}
	if err := json.Unmarshal(m.Settings, &s); err != nil {
		return cfg, fmt.Errorf("settings: %w", err)
	}
	if s.Sim == nil {
		return cfg, nil
	}
	// Start from zero, not the defaults: a setting the manifest leaves out
	// is then refused by Validate rather than silently defaulted.
	cfg = sim.Config{}
	dec := json.NewDecoder(bytes.NewReader(*s.Sim))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return cfg, fmt.Errorf("settings.sim: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("settings.sim: %w", err)
	}
	if cfg.PhysicsHz > maxPhysicsHz || cfg.Iterations > maxIterations {
		return cfg, fmt.Errorf("settings.sim: %d Hz physics with %d solver iterations is beyond %d Hz and %d iterations", cfg.PhysicsHz, cfg.Iterations, maxPhysicsHz, maxIterations)
	}
	return cfg, nil
}

// ConfigDiff lists the settings in which a differs from b, as "Name a (not
// b)", in field order; empty when they are equal.
func ConfigDiff(a, b sim.Config) []string {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	var out []string
	for i := range va.NumField() {
		if x, y := va.Field(i).Interface(), vb.Field(i).Interface(); x != y {
			out = append(out, fmt.Sprintf("%s %v (not %v)", va.Type().Field(i).Name, x, y))
		}
	}
	return out
}
