package stack

import (
	"math"

	"github.com/metabench/metabench/sim"
)

// Support values of a block in a Layout besides the index of another block.
const (
	OnTable   = -1 // resting upright on the table
	Lost      = -2 // fell off the table: out of the gripper's reach for good
	Held      = -3 // in the gripper
	Unsettled = -4 // moving, tilted, leaning or otherwise not resting on one thing
)

// Tolerances of the layout reading, in blocks and radians.
const (
	onTolX     = 0.3  // horizontal offset at which a block still counts as on another
	onTolY     = 0.1  // vertical slack of "resting on"
	uprightTol = 0.1  // tilt at which a block still counts as upright
	stillSpeed = 0.05 // speed below which a block counts as still
)

// Layout says what each block rests on.
type Layout struct {
	Support []int // per block: another block's index, or OnTable, Lost, Held, Unsettled
	Still   bool  // every block is slower than stillSpeed
}

// ReadLayout reads the layout of a state. tableHalfWidth is the table's
// half-width.
func ReadLayout(s *sim.State, tableHalfWidth float64, dst *Layout) {
	n := len(s.Blocks)
	if cap(dst.Support) < n {
		dst.Support = make([]int, n)
	}
	dst.Support = dst.Support[:n]
	dst.Still = true
	for i := range s.Blocks {
		b := &s.Blocks[i]
		if math.Hypot(b.VX, b.VY) > stillSpeed {
			dst.Still = false
		}
		dst.Support[i] = supportOf(s, i, tableHalfWidth)
	}
}

func supportOf(s *sim.State, i int, tableHalfWidth float64) int {
	b := &s.Blocks[i]
	switch {
	case b.Y < -0.5:
		return Lost
	case s.Gripper.Held == i:
		return Held
	case math.Abs(math.Remainder(b.Angle, math.Pi/2)) > uprightTol:
		return Unsettled
	case math.Abs(b.Y-0.5) < onTolY && math.Abs(b.X) < tableHalfWidth:
		return OnTable
	}
	best, bestDX := Unsettled, onTolX
	for j := range s.Blocks {
		o := &s.Blocks[j]
		if j == i || math.Abs(b.Y-o.Y-1) > onTolY {
			continue
		}
		if dx := math.Abs(b.X - o.X); dx < bestDX {
			best, bestDX = j, dx
		}
	}
	return best
}

// progress counts the stages of t whose block stands on its goal block with
// a correct tower underneath, given the goal supports.
func progress(goal []int, l *Layout) int {
	n := 0
	for i, g := range goal {
		if g >= 0 && l.InPlace(goal, i) {
			n++
		}
	}
	return n
}

// InPlace reports whether block i and everything below it stand where the
// goal supports put them.
func (l *Layout) InPlace(goal []int, i int) bool {
	for steps := 0; steps <= len(goal); steps++ {
		if l.Support[i] != goal[i] {
			return false
		}
		if goal[i] == OnTable {
			return true
		}
		i = goal[i]
	}
	return false
}

// wrongStack reports whether some block rests on a block that is not its
// goal support.
func wrongStack(goal []int, l *Layout) bool {
	for i, s := range l.Support {
		if s >= 0 && s != goal[i] {
			return true
		}
	}
	return false
}

func anyLost(l *Layout) bool {
	for _, s := range l.Support {
		if s == Lost {
			return true
		}
	}
	return false
}
