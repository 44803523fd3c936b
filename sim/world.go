package sim

import (
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/jakecoffman/cp/v2"
)

// Control is one command to the gripper, held for a whole control step.
type Control struct {
	VX, VY float64 // grasp-point velocity in blocks per second, clipped to the speed limit
	Close  bool    // close (grasp) or open (release) the gripper
}

// World is a 2-D side view of a table with blocks and a gripper, simulated
// with Chipmunk. A World is not safe for concurrent use; separate worlds are.
//
// The gripper is a kinematic body: it follows the commanded velocity exactly,
// whatever it hits. Its palm collides with every block it does not hold, so a
// careless move knocks blocks off and towers over, as a position-controlled
// arm would. Closing the gripper grasps the block whose top is under the palm
// with a pivot joint at the grasp point and a gear joint that keeps the block
// upright (a pivot alone lets the block swing; docs/imitation.md).
type World struct {
	cfg     Config
	space   *cp.Space
	blocks  []*cp.Body
	shapes  []*cp.Shape
	gripper *cp.Body
	closed  bool
	held    int
	joints  []*cp.Constraint

	step     int
	substeps int
	dt       float64

	origin   State
	controls []Control

	timing   bool
	physTime time.Duration
}

// Collision groups: shapes in the same non-zero group do not collide, which
// is how the palm passes through the block it holds.
const (
	groupFree    = 0
	groupGripper = 1
)

const (
	blockMass = 1.0

	// A block can be grasped when its top lies within these distances of the
	// palm underside and its centre within graspReachX of the grasp point.
	graspAbove   = 0.2
	graspBelow   = 0.15
	graspReachX  = 0.3
	graspMaxTilt = 0.5 // radians
)

// newBodies serialises the building of worlds, the only place this
// program makes cp/v2 bodies (see NewWorld).
var newBodies sync.Mutex

// NewWorld builds a world in state s. The state's Step becomes the world's
// origin: Snapshot records controls from here.
func NewWorld(cfg Config, s State) (*World, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(s.Blocks) == 0 || len(s.Blocks) > MaxBlocks {
		return nil, fmt.Errorf("new world: %d blocks, want 1 to %d", len(s.Blocks), MaxBlocks)
	}
	if s.Gripper.Held < -1 || s.Gripper.Held >= len(s.Blocks) {
		return nil, fmt.Errorf("new world: held block %d out of range", s.Gripper.Held)
	}
	if s.Gripper.Held >= 0 && !s.Gripper.Closed {
		return nil, fmt.Errorf("new world: an open gripper cannot hold block %d", s.Gripper.Held)
	}
	w := &World{
		cfg:      cfg,
		substeps: cfg.Substeps(),
		dt:       1 / float64(cfg.PhysicsHz),
		held:     -1,
		step:     s.Step,
		origin:   s.Clone(),
	}
	// cp/v2 numbers every body it makes (NewSpace makes the static one)
	// from one package counter, unsynchronised; the number only names
	// the body in its String, but worlds are built on parallel goroutines.
	newBodies.Lock()
	defer newBodies.Unlock()
	sp := cp.NewSpace()
	sp.Iterations = uint(cfg.Iterations)
	sp.SetGravity(cp.Vector{Y: -cfg.Gravity})
	// The default slop (0.1) assumes pixel units; blocks here are 1 unit.
	sp.SetCollisionSlop(0.01)
	sp.SleepTimeThreshold = cfg.SleepTime
	w.space = sp

	table := cp.NewSegment(sp.StaticBody, cp.Vector{X: -cfg.TableHalfWidth, Y: -0.1}, cp.Vector{X: cfg.TableHalfWidth, Y: -0.1}, 0.1)
	table.SetFriction(cfg.Friction)
	sp.AddShape(table)
	floorHalf := 4 * cfg.TableHalfWidth
	floor := cp.NewSegment(sp.StaticBody, cp.Vector{X: -floorHalf, Y: cfg.FloorY - 0.1}, cp.Vector{X: floorHalf, Y: cfg.FloorY - 0.1}, 0.1)
	floor.SetFriction(cfg.Friction)
	sp.AddShape(floor)

	side := 1 - 2*cfg.CornerRadius
	for _, b := range s.Blocks {
		body := sp.AddBody(cp.NewBody(blockMass, cp.MomentForBox(blockMass, 1, 1)))
		body.SetPosition(cp.Vector{X: b.X, Y: b.Y})
		body.SetAngle(b.Angle)
		body.SetVelocity(b.VX, b.VY)
		body.SetAngularVelocity(b.AngVel)
		shape := sp.AddShape(cp.NewBox(body, side, side, cfg.CornerRadius))
		shape.SetFriction(cfg.Friction)
		w.blocks = append(w.blocks, body)
		w.shapes = append(w.shapes, shape)
	}

	w.gripper = sp.AddBody(cp.NewKinematicBody())
	w.gripper.SetPosition(cp.Vector{X: s.Gripper.X, Y: s.Gripper.Y})
	w.gripper.SetVelocity(s.Gripper.VX, s.Gripper.VY)
	palm := sp.AddShape(cp.NewBox2(w.gripper, cp.BB{L: -cfg.PalmWidth / 2, B: 0, R: cfg.PalmWidth / 2, T: cfg.PalmHeight}, 0))
	palm.SetFriction(cfg.Friction)
	palm.SetFilter(cp.NewShapeFilter(groupGripper, cp.ALL_CATEGORIES, cp.ALL_CATEGORIES))

	w.closed = s.Gripper.Closed
	if s.Gripper.Held >= 0 {
		w.attach(s.Gripper.Held)
	}
	return w, nil
}

// Config returns the world's settings.
func (w *World) Config() Config { return w.cfg }

// NumBlocks returns the number of blocks.
func (w *World) NumBlocks() int { return len(w.blocks) }

// Held returns the index of the held block, or -1.
func (w *World) Held() int { return w.held }

// Steps returns the number of control steps since the world's origin state
// was at step 0.
func (w *World) Steps() int { return w.step }

// PhysicsSteps returns the number of engine steps one control step performs.
func (w *World) PhysicsSteps() int { return w.substeps }

// Step applies c for one control step.
func (w *World) Step(c Control) {
	w.controls = append(w.controls, c)
	w.applyGrip(c.Close)

	vx := clampSpeed(c.VX, w.cfg.GripperMaxSpeed)
	vy := clampSpeed(c.VY, w.cfg.GripperMaxSpeed)
	// Stop at the workspace walls rather than passing them.
	p := w.gripper.Position()
	T := w.cfg.ControlDt()
	vx = clampVelocityToRange(vx, p.X, -w.cfg.GripperMaxX, w.cfg.GripperMaxX, T)
	vy = clampVelocityToRange(vy, p.Y, w.cfg.GripperMinY, w.cfg.GripperMaxY, T)
	w.gripper.SetVelocity(vx, vy)

	var start time.Time
	if w.timing {
		start = time.Now()
	}
	for range w.substeps {
		w.space.Step(w.dt)
	}
	if w.timing {
		w.physTime += time.Since(start)
	}
	w.step++
}

// EnableTiming makes the world measure the time spent inside the physics
// engine, so benchmarks can report what the code around it costs.
func (w *World) EnableTiming() { w.timing = true }

// PhysicsTime returns the time spent in engine steps since EnableTiming.
func (w *World) PhysicsTime() time.Duration { return w.physTime }

func clampSpeed(v, limit float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return math.Max(-limit, math.Min(limit, v))
}

// clampVelocityToRange limits v so that x + v*T stays within [lo, hi].
func clampVelocityToRange(v, x, lo, hi, T float64) float64 {
	if x+v*T > hi {
		v = math.Max(0, (hi-x)/T)
	}
	if x+v*T < lo {
		v = math.Min(0, (lo-x)/T)
	}
	return v
}

func (w *World) applyGrip(closeCmd bool) {
	switch {
	case closeCmd && !w.closed:
		w.closed = true
		if i := w.graspable(); i >= 0 {
			w.attach(i)
		}
	case !closeCmd && w.closed:
		w.closed = false
		w.release()
	}
}

// graspable returns the block the palm would grasp now, or -1.
func (w *World) graspable() int {
	g := w.gripper.Position()
	best, bestGap := -1, math.Inf(1)
	for i, b := range w.blocks {
		p := b.Position()
		if math.Abs(p.X-g.X) > graspReachX || math.Abs(remainder(b.Angle())) > graspMaxTilt {
			continue
		}
		gap := g.Y - (p.Y + 0.5)
		if gap < -graspBelow || gap > graspAbove {
			continue
		}
		if math.Abs(gap) < bestGap {
			best, bestGap = i, math.Abs(gap)
		}
	}
	return best
}

// remainder wraps an angle to [-π/4, π/4]: a square looks the same every
// quarter turn, so a block lying on any face is upright for grasping.
func remainder(a float64) float64 {
	return math.Remainder(a, math.Pi/2)
}

func (w *World) attach(i int) {
	body := w.blocks[i]
	force := w.cfg.GraspMaxForce * blockMass * w.cfg.Gravity
	pivot := cp.NewPivotJoint(w.gripper, body, w.gripper.Position())
	pivot.SetMaxForce(force)
	// The phase keeps the block at the nearest upright orientation.
	phase := body.Angle() - remainder(body.Angle())
	gear := cp.NewGearJoint(w.gripper, body, -phase, 1)
	gear.SetMaxForce(force)
	w.space.AddConstraint(pivot)
	w.space.AddConstraint(gear)
	w.joints = []*cp.Constraint{pivot, gear}
	w.shapes[i].SetFilter(cp.NewShapeFilter(groupGripper, cp.ALL_CATEGORIES, cp.ALL_CATEGORIES))
	body.Activate()
	w.held = i
}

func (w *World) release() {
	if w.held < 0 {
		return
	}
	for _, j := range w.joints {
		w.space.RemoveConstraint(j)
	}
	w.joints = nil
	w.shapes[w.held].SetFilter(cp.NewShapeFilter(groupFree, cp.ALL_CATEGORIES, cp.ALL_CATEGORIES))
	w.blocks[w.held].Activate()
	w.held = -1
}

// ReadState writes the current state into dst, reusing its block slice.
func (w *World) ReadState(dst *State) {
	dst.Step = w.step
	if cap(dst.Blocks) < len(w.blocks) {
		dst.Blocks = make([]BodyState, len(w.blocks))
	}
	dst.Blocks = dst.Blocks[:len(w.blocks)]
	for i, b := range w.blocks {
		p, v := b.Position(), b.Velocity()
		dst.Blocks[i] = BodyState{X: p.X, Y: p.Y, Angle: b.Angle(), VX: v.X, VY: v.Y, AngVel: b.AngularVelocity()}
	}
	p, v := w.gripper.Position(), w.gripper.Velocity()
	dst.Gripper = GripperState{X: p.X, Y: p.Y, VX: v.X, VY: v.Y, Closed: w.closed, Held: w.held}
}

// State returns a copy of the current state.
func (w *World) State() State {
	var s State
	w.ReadState(&s)
	return s
}
