package policies

import (
	"math"

	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/sim"
)

// Expert is the scripted block-stacking expert. It is closed-loop: every
// control is computed from the current state alone, so it can act from any
// state a learner reaches (DAgger labels such states with it), and it repairs
// what went wrong — a block on the wrong block, a tower knocked over, a missed
// grasp — by recomputing its plan each step.
//
// The plan: take the first stage (X on Y, in Task.Stages order) that is not
// done. Clear whatever stands on Y or X onto free table space, fetch Y back to
// the table if it left it, then carry X onto Y: rise to a height that clears
// every block on the way, travel, descend until the block is within a
// centimetre of its target, release, and rise again. Every velocity is on the
// discretisation grid (stack.SpeedBins) and never overshoots its target, so
// the expert's actions are exact labels for a categorical policy head.
type Expert struct {
	task   stack.Task
	goal   []int
	stages []stack.Stage
	cfg    sim.Config
	layout stack.Layout
}

// NewExpert returns the expert for worlds with settings cfg.
func NewExpert(cfg sim.Config) *Expert { return &Expert{cfg: cfg} }

// Name returns "expert".
func (e *Expert) Name() string { return "expert" }

// Reset sets the task; the expert has no other episode state.
func (e *Expert) Reset(t stack.Task, _ uint64) {
	e.task, e.goal, e.stages = t, t.Supports(), t.Stages()
}

// Geometry of the expert's moves, in blocks.
const (
	gain       = 10    // 1/s: a velocity that would reach the target in one 0.1 s step
	alignTol   = 0.012 // horizontal error at which the expert descends
	contactTol = 0.012 // height error at which it grasps or releases
	clearance  = 0.3   // margin above the blocks on the way
	spotGap    = 1.4   // centre distance from other blocks for a free table spot
	spotStep   = 0.1
)

// move is one pick-and-place: block pick onto block dest, or onto the table
// at spotX when dest is stack.OnTable.
type move struct {
	pick, dest int
	spotX      float64
}

// Act returns the expert's control for s.
func (e *Expert) Act(s *sim.State) sim.Control {
	stack.ReadLayout(s, e.cfg.TableHalfWidth, &e.layout)
	g := s.Gripper
	if g.Closed && g.Held < 0 {
		return sim.Control{} // a grasp missed: open and think again
	}
	m, ok := e.plan(s)
	if !ok {
		return sim.Control{VY: quantize(gain * (e.cfg.GripperMaxY - 1 - g.Y))} // done: open, rise out of the way
	}
	if g.Held >= 0 && g.Held != m.pick {
		// Holding the wrong block: put it down on free table space first.
		m = move{pick: g.Held, dest: stack.OnTable, spotX: e.freeSpot(s, g.Held)}
	}
	if g.Held == m.pick {
		tx, ty := m.spotX, 1.0
		if m.dest >= 0 {
			d := s.Blocks[m.dest]
			tx, ty = d.X, d.Y+0.5+1
		}
		return e.approach(s, tx, ty, m.pick, true)
	}
	p := s.Blocks[m.pick]
	return e.approach(s, p.X, p.Y+0.5, -1, false)
}

// approach drives the grasp point to (tx, ty) by rising clear of the blocks
// on the way, travelling, and descending; on arrival it closes (to grasp) or
// opens (to release the carried block).
func (e *Expert) approach(s *sim.State, tx, ty float64, carried int, carrying bool) sim.Control {
	g := s.Gripper
	dx, dy := tx-g.X, ty-g.Y
	if math.Abs(dx) <= alignTol {
		if math.Abs(dy) <= contactTol {
			return sim.Control{Close: !carrying}
		}
		return sim.Control{VX: quantize(gain * dx), VY: quantize(gain * dy), Close: carrying}
	}
	safe := e.safeHeight(s, g.X, tx, carried, carrying)
	if g.Y < safe-0.05 {
		return sim.Control{VY: quantize(gain * (safe - g.Y)), Close: carrying}
	}
	return sim.Control{VX: quantize(gain * dx), Close: carrying}
}

// safeHeight returns the lowest grasp-point height at which the palm, and
// the carried block below it, clear every block between x0 and x1.
func (e *Expert) safeHeight(s *sim.State, x0, x1 float64, carried int, carrying bool) float64 {
	reach := e.cfg.PalmWidth/2 + 0.5 + 0.1
	below := 0.0
	if carrying {
		reach = 1 + 0.1
		below = 1
	}
	lo, hi := math.Min(x0, x1)-reach, math.Max(x0, x1)+reach
	top := 0.0
	for i, b := range s.Blocks {
		if i == carried || b.X < lo || b.X > hi {
			continue
		}
		top = math.Max(top, b.Y+blockReach(b.Angle))
	}
	return math.Min(top+below+clearance, e.cfg.GripperMaxY)
}

// blockReach returns how far a block's corners reach above its centre.
func blockReach(angle float64) float64 {
	a := math.Abs(math.Remainder(angle, math.Pi/2))
	return math.Sqrt2 / 2 * math.Cos(math.Pi/4-a)
}

// plan picks the next move, or reports that there is nothing left to do.
func (e *Expert) plan(s *sim.State) (move, bool) {
	l := &e.layout
	correct := func(i int) bool { return l.InPlace(e.goal, i) }
	for _, st := range e.stages {
		if correct(st.Block) {
			continue
		}
		if !correct(st.On) {
			// With stages built bottom up, an unfinished support would have
			// come first; so the support belongs on the table.
			return e.clearThen(s, st.On, move{pick: st.On, dest: stack.OnTable}), true
		}
		if top := topOf(l, st.On); top != st.On {
			return e.toTable(s, top), true
		}
		return e.clearThen(s, st.Block, move{pick: st.Block, dest: st.On}), true
	}
	for i, g := range e.goal {
		if g == stack.OnTable && !correct(i) {
			return e.clearThen(s, i, move{pick: i, dest: stack.OnTable}), true
		}
	}
	return move{}, false
}

// clearThen returns m, or first the removal of the blocks piled on m.pick.
func (e *Expert) clearThen(s *sim.State, pick int, m move) move {
	if top := topOf(&e.layout, pick); top != pick {
		return e.toTable(s, top)
	}
	if m.dest == stack.OnTable {
		m.spotX = e.freeSpot(s, m.pick)
	}
	return m
}

func (e *Expert) toTable(s *sim.State, i int) move {
	return move{pick: i, dest: stack.OnTable, spotX: e.freeSpot(s, i)}
}

// topOf returns the highest block of the pile standing on block i (i itself
// when nothing stands on it).
func topOf(l *stack.Layout, i int) int {
	for range l.Support {
		next := -1
		for j, s := range l.Support {
			if s == i {
				next = j
				break
			}
		}
		if next < 0 {
			return i
		}
		i = next
	}
	return i
}

// freeSpot returns the table position nearest block i's current x whose
// centre is at least spotGap from every other block, relaxing the gap when
// the table is crowded.
func (e *Expert) freeSpot(s *sim.State, i int) float64 {
	lim := e.cfg.TableHalfWidth - 1
	x0 := s.Blocks[i].X
	for gap := spotGap; gap > 1; gap -= 0.1 {
		best, bestD := math.NaN(), math.Inf(1)
		for k := -int(lim / spotStep); k <= int(lim/spotStep); k++ {
			x := float64(k) * spotStep
			ok := true
			for j, b := range s.Blocks {
				if j != i && b.Y > -0.5 && math.Abs(b.X-x) < gap {
					ok = false
					break
				}
			}
			if d := math.Abs(x - x0); ok && d < bestD {
				best, bestD = x, d
			}
		}
		if !math.IsNaN(best) {
			return best
		}
	}
	return x0
}

// quantize returns the grid speed of largest magnitude not exceeding |v|,
// with v's sign: the expert never overshoots a target.
func quantize(v float64) float64 {
	bins := stack.SpeedBins
	mid := len(bins) / 2
	out := 0.0
	for _, b := range bins[mid+1:] {
		if b <= math.Abs(v)+1e-9 {
			out = b
		}
	}
	return math.Copysign(out, v)
}
