package stack

import (
	"math"

	"github.com/metabench/metabench/sim"
)

// ActDim is the length of an action vector: [vx, vy, grip].
//
// vx and vy are the grasp point's velocity in blocks per second (the world
// clips each to ±Config.GripperMaxSpeed); grip ≥ 0.5 closes the gripper and
// < 0.5 opens it.
const ActDim = 3

// ActionVector returns c as an action vector.
func ActionVector(c sim.Control) [ActDim]float32 {
	grip := float32(0)
	if c.Close {
		grip = 1
	}
	return [ActDim]float32{float32(c.VX), float32(c.VY), grip}
}

// ControlFromVector reads an action vector.
func ControlFromVector(a []float32) sim.Control {
	return sim.Control{VX: float64(a[0]), VY: float64(a[1]), Close: a[2] >= 0.5}
}

// SpeedBins are the velocities of the discretised action space, per axis, in
// blocks per second. They are denser near zero, where placing a block needs
// precision; at 10 Hz the smallest non-zero bin moves the gripper 0.01 blocks.
var SpeedBins = [...]float64{-4, -2, -1, -0.3, -0.1, 0, 0.1, 0.3, 1, 2, 4}

// NumSpeedBins is the number of bins per velocity axis.
const NumSpeedBins = len(SpeedBins)

// NumDiscreteActions is the size of the joint discrete action space:
// NumSpeedBins² velocities × 2 grip commands.
const NumDiscreteActions = NumSpeedBins * NumSpeedBins * 2

// DiscreteAction is an action on the discretisation grid: a bin index per
// velocity axis and a grip command. A categorical policy head can predict the
// three parts separately (11 + 11 + 2 classes) or jointly (Index, 242).
type DiscreteAction struct {
	X, Y int  // indices into SpeedBins
	Grip bool // true closes
}

// Discretize returns the grid action nearest to c.
func Discretize(c sim.Control) DiscreteAction {
	return DiscreteAction{X: nearestBin(c.VX), Y: nearestBin(c.VY), Grip: c.Close}
}

func nearestBin(v float64) int {
	best, bestD := 0, math.Inf(1)
	for i, b := range SpeedBins {
		if d := math.Abs(v - b); d < bestD {
			best, bestD = i, d
		}
	}
	return best
}

// Control returns the command of a grid action.
func (d DiscreteAction) Control() sim.Control {
	return sim.Control{VX: SpeedBins[d.X], VY: SpeedBins[d.Y], Close: d.Grip}
}

// Index returns the joint class index in [0, NumDiscreteActions).
func (d DiscreteAction) Index() int {
	g := 0
	if d.Grip {
		g = 1
	}
	return (d.X*NumSpeedBins+d.Y)*2 + g
}

// DiscreteFromIndex inverts Index.
func DiscreteFromIndex(k int) DiscreteAction {
	return DiscreteAction{X: k / 2 / NumSpeedBins, Y: k / 2 % NumSpeedBins, Grip: k%2 == 1}
}
