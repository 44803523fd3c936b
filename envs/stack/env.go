package stack

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/metabench/metabench/sim"
)

// Episode timing, in seconds.
const (
	baseTime     = 10.0 // time limit: baseTime + stageTime per stage
	stageTime    = 12.0
	successHold  = 0.5 // the goal layout must hold still this long
	minBlockGap  = 0.4 // free space between blocks at reset
	spawnMargin  = 0.5 // blocks start this far inside the table edges
	gripperMinY0 = 6.0 // the gripper starts at a random height in [gripperMinY0, GripperMaxY-1]
)

// Options configure an Env. The zero value uses sim.DefaultConfig and the
// task's default time limit.
type Options struct {
	Config    *sim.Config
	TimeLimit int // control steps; 0 means DefaultTimeLimit
}

// DefaultTimeLimit returns the number of control steps an episode of t may
// take: baseTime plus stageTime seconds per stage.
func DefaultTimeLimit(t Task, cfg sim.Config) int {
	return int(math.Round((baseTime + stageTime*float64(t.NumStages())) * float64(cfg.ControlHz)))
}

// Env is one block-stacking task in the simulator. Not safe for concurrent
// use; run one Env per goroutine.
type Env struct {
	task    Task
	goal    []int
	cfg     sim.Config
	limit   int
	hold    int
	world   *sim.World
	state   sim.State
	layout  Layout
	seed    uint64
	steps   int
	still   int
	verdict Verdict
}

// New returns an environment for task t. Call Reset before stepping.
func New(t Task, opt Options) (*Env, error) {
	cfg := sim.DefaultConfig()
	if opt.Config != nil {
		cfg = *opt.Config
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if t.NumBlocks < 2 || t.NumBlocks > sim.MaxBlocks {
		return nil, fmt.Errorf("new env: task %q has %d blocks, want 2 to %d", t, t.NumBlocks, sim.MaxBlocks)
	}
	limit := opt.TimeLimit
	if limit == 0 {
		limit = DefaultTimeLimit(t, cfg)
	}
	if limit < 0 {
		return nil, fmt.Errorf("new env: negative time limit %d", limit)
	}
	return &Env{
		task:  t,
		goal:  t.Supports(),
		cfg:   cfg,
		limit: limit,
		hold:  max(1, int(math.Round(successHold*float64(cfg.ControlHz)))),
	}, nil
}

// InitialState returns the reset state for a seed: every block upright on
// the table at random, non-overlapping places (at least minBlockGap apart),
// in random order, and the open gripper at a random point high above.
func InitialState(t Task, cfg sim.Config, seed uint64) sim.State {
	rng := rand.New(rand.NewPCG(seed, 0x6d657461626e6368))
	n := t.NumBlocks
	lo := -cfg.TableHalfWidth + spawnMargin + 0.5
	hi := cfg.TableHalfWidth - spawnMargin - 0.5
	slack := (hi - lo) - float64(n-1)*(1+minBlockGap)
	// Uniform spacings: n+1 random gaps sharing the slack.
	gaps := make([]float64, n+1)
	sum := 0.0
	for i := range gaps {
		gaps[i] = -math.Log(1 - rng.Float64())
		sum += gaps[i]
	}
	order := rng.Perm(n)
	s := sim.State{Blocks: make([]sim.BodyState, n)}
	x := lo
	for k := range n {
		x += gaps[k] / sum * slack
		s.Blocks[order[k]] = sim.BodyState{X: x, Y: 0.5}
		x += 1 + minBlockGap
	}
	s.Gripper = sim.GripperState{
		X:    (rng.Float64()*2 - 1) * (cfg.TableHalfWidth - 1),
		Y:    gripperMinY0 + rng.Float64()*(cfg.GripperMaxY-1-gripperMinY0),
		Held: -1,
	}
	return s
}

// Reset starts a new episode from InitialState(task, config, seed).
func (e *Env) Reset(seed uint64) error {
	return e.ResetTo(InitialState(e.task, e.cfg, seed), seed)
}

// ResetTo starts a new episode from a given state; seed is recorded only.
func (e *Env) ResetTo(s sim.State, seed uint64) error {
	if len(s.Blocks) != e.task.NumBlocks {
		return fmt.Errorf("reset %q: state has %d blocks, task has %d", e.task, len(s.Blocks), e.task.NumBlocks)
	}
	w, err := sim.NewWorld(e.cfg, s)
	if err != nil {
		return fmt.Errorf("reset %q: %w", e.task, err)
	}
	e.world, e.seed, e.steps, e.still, e.verdict = w, seed, 0, 0, Running
	e.refresh()
	return nil
}

func (e *Env) refresh() {
	e.world.ReadState(&e.state)
	ReadLayout(&e.state, e.cfg.TableHalfWidth, &e.layout)
}

// Step applies one control for one control step and returns the verdict:
// Running until the episode ends. Velocities are rounded to float32 first,
// so that an action stored as a float32 vector replays exactly.
func (e *Env) Step(c sim.Control) Verdict {
	c.VX, c.VY = float64(float32(c.VX)), float64(float32(c.VY))
	if e.world == nil {
		panic("stack: Step before Reset")
	}
	if e.verdict != Running {
		return e.verdict
	}
	e.world.Step(c)
	e.steps++
	e.refresh()
	switch {
	case anyLost(&e.layout):
		e.verdict = ManipulationFailure
	case e.goalReached():
		e.still++
		if e.still >= e.hold {
			e.verdict = Success
		}
	default:
		e.still = 0
	}
	if e.verdict == Running && e.steps >= e.limit {
		e.verdict = Timeout
		if wrongStack(e.goal, &e.layout) {
			e.verdict = WrongMove
		}
	}
	return e.verdict
}

func (e *Env) goalReached() bool {
	if !e.layout.Still || e.state.Gripper.Held >= 0 {
		return false
	}
	for i, g := range e.goal {
		if e.layout.Support[i] != g {
			return false
		}
	}
	return true
}

// Task returns the task.
func (e *Env) Task() Task { return e.task }

// Goal returns the goal support of every block (OnTable or a block index).
func (e *Env) Goal() []int { return e.goal }

// Config returns the simulator settings.
func (e *Env) Config() sim.Config { return e.cfg }

// State returns the current state. The result is owned by the Env and
// changes on the next Step; Clone it to keep it.
func (e *Env) State() *sim.State { return &e.state }

// Layout returns the current layout, owned by the Env like State.
func (e *Env) Layout() *Layout { return &e.layout }

// World returns the simulator, for snapshots and physics-step counts.
func (e *Env) World() *sim.World { return e.world }

// Steps returns the control steps taken in this episode.
func (e *Env) Steps() int { return e.steps }

// TimeLimit returns the episode's limit in control steps.
func (e *Env) TimeLimit() int { return e.limit }

// Seed returns the seed of the current episode.
func (e *Env) Seed() uint64 { return e.seed }

// Verdict returns the episode's verdict so far.
func (e *Env) Verdict() Verdict { return e.verdict }

// Progress returns the number of completed stages: blocks standing on their
// goal block with a correct tower underneath.
func (e *Env) Progress() int { return progress(e.goal, &e.layout) }
