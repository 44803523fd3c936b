package keyboard

import (
	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/sim"
)

// Default tele-operation speeds in blocks per second. Both are bins of
// stack.SpeedBins, so human actions are exact labels for a categorical
// policy head, like the expert's.
const (
	DefaultSpeed     = 2.0 // 0.2 blocks per 10 Hz control step
	DefaultFineSpeed = 0.3 // with Shift: 0.03 blocks per step
)

// Teleop is the human policy: the gripper moves while movement keys are
// held and the grip toggles on each Space press. The window calls Press
// every tick and the environment calls Act once per control step; a key
// held at any tick since the previous Act counts, so a short tap between
// two control steps is not lost.
type Teleop struct {
	Speed, FineSpeed float64 // blocks per second; zero means the defaults

	closed bool
	held   Input // movement keys held since the last Act (ORed over ticks)
}

// NewTeleop returns a tele-operation policy with the default speeds.
func NewTeleop() *Teleop { return &Teleop{Speed: DefaultSpeed, FineSpeed: DefaultFineSpeed} }

// Name returns "human".
func (t *Teleop) Name() string { return "human" }

// Reset opens the gripper and forgets held keys.
func (t *Teleop) Reset(stack.Task, uint64) { t.closed, t.held = false, Input{} }

// Closed reports whether the grip command is "closed".
func (t *Teleop) Closed() bool { return t.closed }

// Press records one tick of input: movement keys accumulate until the next
// Act and a grip press toggles the grip command.
func (t *Teleop) Press(in Input) {
	t.held.Left = t.held.Left || in.Left
	t.held.Right = t.held.Right || in.Right
	t.held.Up = t.held.Up || in.Up
	t.held.Down = t.held.Down || in.Down
	t.held.Fine = t.held.Fine || in.Fine
	if in.Grip {
		t.closed = !t.closed
	}
}

// Act returns the control for the keys held since the last Act: full speed
// along each axis whose key is held (opposite keys cancel), the fine speed
// with Shift, and the grip command. It then forgets the held keys.
func (t *Teleop) Act(*sim.State) sim.Control {
	speed := t.Speed
	if speed == 0 {
		speed = DefaultSpeed
	}
	if t.held.Fine {
		speed = t.FineSpeed
		if speed == 0 {
			speed = DefaultFineSpeed
		}
	}
	c := sim.Control{Close: t.closed}
	c.VX = axis(t.held.Left, t.held.Right) * speed
	c.VY = axis(t.held.Down, t.held.Up) * speed
	t.held = Input{}
	return c
}

func axis(neg, pos bool) float64 {
	switch {
	case pos && !neg:
		return 1
	case neg && !pos:
		return -1
	}
	return 0
}
