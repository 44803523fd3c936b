package sim

import "fmt"

// MaxBlocks is the largest number of blocks a world can hold.
const MaxBlocks = 10

// Config fixes the geometry and the integration settings of a world.
// Lengths are in block edges, time in seconds, mass in block masses.
//
// The defaults come from measurements on this engine (see DefaultConfig):
// four physics substeps per 60 Hz frame and a corner radius of 2% of the
// block keep a tower of ten blocks standing still.
type Config struct {
	TableHalfWidth float64 // the table top spans x in [-TableHalfWidth, TableHalfWidth] at y = 0
	FloorY         float64 // blocks that leave the table land on a floor at this height
	Gravity        float64 // downward acceleration

	PhysicsHz  int // rate of the physics substeps
	ControlHz  int // rate of control steps; must divide PhysicsHz
	Iterations int // constraint-solver iterations per substep

	Friction     float64 // block-block and block-table friction
	CornerRadius float64 // rounding of the block corners

	PalmWidth, PalmHeight float64 // the gripper's collision box, above the grasp point
	GripperMaxSpeed       float64 // speed limit of each velocity component
	GripperMinY           float64 // lowest grasp-point height (table top is y = 0)
	GripperMaxY           float64 // highest grasp-point height
	GripperMaxX           float64 // |x| limit of the grasp point
	GraspMaxForce         float64 // force limit of the grasp joints, in block weights

	// SleepTime is how long a body must be still before the engine stops
	// simulating it; resting stacks then cost almost nothing.
	SleepTime float64
}

// DefaultConfig returns the settings every task and benchmark uses.
func DefaultConfig() Config {
	return Config{
		TableHalfWidth: 9,
		FloorY:         -4,
		Gravity:        10,

		PhysicsHz:  240,
		ControlHz:  10,
		Iterations: 10,

		Friction:     0.8,
		CornerRadius: 0.02,

		PalmWidth:       0.9,
		PalmHeight:      0.25,
		GripperMaxSpeed: 4,
		GripperMinY:     0.5,
		GripperMaxY:     13,
		GripperMaxX:     10,
		GraspMaxForce:   500,

		SleepTime: 0.5,
	}
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	switch {
	case c.TableHalfWidth <= 1:
		return fmt.Errorf("sim config: table half-width %g must exceed one block", c.TableHalfWidth)
	case c.FloorY >= 0:
		return fmt.Errorf("sim config: floor height %g must be below the table top (0)", c.FloorY)
	case c.Gravity <= 0:
		return fmt.Errorf("sim config: gravity %g must be positive", c.Gravity)
	case c.PhysicsHz <= 0 || c.ControlHz <= 0 || c.PhysicsHz%c.ControlHz != 0:
		return fmt.Errorf("sim config: control rate %d Hz must divide physics rate %d Hz", c.ControlHz, c.PhysicsHz)
	case c.Iterations <= 0:
		return fmt.Errorf("sim config: %d solver iterations", c.Iterations)
	case c.CornerRadius < 0 || c.CornerRadius >= 0.25:
		return fmt.Errorf("sim config: corner radius %g out of [0, 0.25)", c.CornerRadius)
	case c.GripperMaxSpeed <= 0:
		return fmt.Errorf("sim config: gripper speed limit %g must be positive", c.GripperMaxSpeed)
	case c.GripperMinY >= c.GripperMaxY:
		return fmt.Errorf("sim config: gripper height range [%g, %g] is empty", c.GripperMinY, c.GripperMaxY)
	}
	return nil
}

// Substeps is the number of physics substeps in one control step.
func (c Config) Substeps() int { return c.PhysicsHz / c.ControlHz }

// ControlDt is the duration of one control step in seconds.
func (c Config) ControlDt() float64 { return 1 / float64(c.ControlHz) }
