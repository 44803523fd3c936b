package keyboard

import (
	"math"

	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/sim"
)

// Autopilot presses keys like a careful human operator: it builds the
// task's towers bottom up, one block at a time, by moving over the block,
// lowering onto it, gripping, lifting clear, moving over the target block,
// lowering and releasing. It only handles blocks that start free (as after a
// reset) and is meant for tests and demonstration pictures of the recorder,
// which it drives through the same KeyState a window reports.
type Autopilot struct {
	task   stack.Task
	stages []stack.Stage
	cfg    sim.Config
	layout stack.Layout

	gripWait int // ticks left to wait for a grip toggle to show in the state
}

// Tolerances of the autopilot's moves, in blocks.
const (
	apAlign = 0.03 // at most one fine step from the target
	apFine  = 0.3  // distance under which it moves slowly
	apClear = 0.4  // margin above the blocks when travelling
)

// NewAutopilot returns an operator for task t in worlds with settings cfg.
func NewAutopilot(t stack.Task, cfg sim.Config) *Autopilot {
	return &Autopilot{task: t, stages: t.Stages(), cfg: cfg}
}

// Next sets ks to the keys held and just pressed in the next tick, given the
// current state.
func (a *Autopilot) Next(s *sim.State, ks *KeySet) {
	for _, k := range []Key{KeyLeft, KeyRight, KeyUp, KeyDown, KeyShift, KeySpace} {
		ks.Release(k)
	}
	ks.Tick()
	if a.gripWait > 0 {
		a.gripWait--
		return
	}
	g := s.Gripper
	if g.Closed && g.Held < 0 {
		a.toggle(ks) // a missed grasp, or a release not done yet
		return
	}
	stack.ReadLayout(s, a.cfg.TableHalfWidth, &a.layout)
	var st *stack.Stage
	for i := range a.stages {
		if a.layout.Support[a.stages[i].Block] != a.stages[i].On {
			st = &a.stages[i]
			break
		}
	}
	if st == nil || (g.Held >= 0 && g.Held != st.Block) {
		if g.Held >= 0 {
			a.toggle(ks)
			return
		}
		if g.Y < a.cfg.GripperMaxY-3 {
			ks.Press(KeyUp) // done: get out of the way
		}
		return
	}
	var tx, ty float64
	if g.Held == st.Block {
		on := s.Blocks[st.On]
		tx, ty = on.X, on.Y+0.5+1+0.01
	} else {
		b := s.Blocks[st.Block]
		tx, ty = b.X, b.Y+0.5
	}
	travel := apClear + 0.5
	for i, b := range s.Blocks {
		if i != g.Held {
			travel = math.Max(travel, b.Y+0.5+apClear)
		}
	}
	if g.Held >= 0 {
		travel += 1 // the carried block hangs below the grasp point
	}
	dx, dy := tx-g.X, ty-g.Y
	switch {
	case math.Abs(dx) > apAlign && g.Y < travel:
		a.move(ks, 0, travel+0.2-g.Y)
	case math.Abs(dx) > apAlign:
		a.move(ks, dx, 0)
	case math.Abs(dy) > apAlign && !(dy < 0 && g.Y <= a.cfg.GripperMinY+1e-9):
		a.move(ks, 0, dy)
	default:
		a.toggle(ks) // arrived: grip or release
	}
}

func (a *Autopilot) toggle(ks *KeySet) {
	ks.Press(KeySpace)
	a.gripWait = 2 * ticksGuess
}

// ticksGuess bounds the ticks a control step may take to show in the state.
const ticksGuess = 6

func (a *Autopilot) move(ks *KeySet, dx, dy float64) {
	if math.Max(math.Abs(dx), math.Abs(dy)) < apFine {
		ks.Press(KeyShift)
	}
	switch {
	case dx > 0:
		ks.Press(KeyRight)
	case dx < 0:
		ks.Press(KeyLeft)
	}
	switch {
	case dy > 0:
		ks.Press(KeyUp)
	case dy < 0:
		ks.Press(KeyDown)
	}
}
