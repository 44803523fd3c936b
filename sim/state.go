package sim

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// BodyState is the pose and velocity of one rigid body, in world units
// (one block edge = 1) with y pointing up.
type BodyState struct {
	X, Y   float64 // centre of mass
	Angle  float64 // radians, counter-clockwise
	VX, VY float64
	AngVel float64
}

// GripperState is the pose, velocity and grip of the gripper. X, Y is the
// grasp point: the centre of the underside of the palm.
type GripperState struct {
	X, Y   float64
	VX, VY float64
	Closed bool
	Held   int // index of the held block, or -1
}

// State is the kinematic state of a world: every block, the gripper and the
// control-step counter. It is a plain value that can be copied, compared and
// serialised with MarshalBinary.
//
// A State says where everything is; it does not hold the physics engine's
// contact caches (see Snapshot for a record that restores a world exactly).
type State struct {
	Step    int // control steps taken since the world's origin
	Blocks  []BodyState
	Gripper GripperState
}

// Clone returns a deep copy of s.
func (s State) Clone() State {
	c := s
	c.Blocks = append([]BodyState(nil), s.Blocks...)
	return c
}

const stateMagic = "MBS1"

// MarshalBinary encodes s as little-endian IEEE-754 bits, so that equal
// states give equal bytes and decoding is exact.
func (s State) MarshalBinary() ([]byte, error) {
	n := len(s.Blocks)
	buf := make([]byte, 0, 4+8+4+n*6*8+4*8+8)
	buf = append(buf, stateMagic...)
	buf = binary.LittleEndian.AppendUint64(buf, uint64(s.Step))
	buf = binary.LittleEndian.AppendUint32(buf, uint32(n))
	f := func(v float64) { buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v)) }
	for _, b := range s.Blocks {
		f(b.X)
		f(b.Y)
		f(b.Angle)
		f(b.VX)
		f(b.VY)
		f(b.AngVel)
	}
	g := s.Gripper
	f(g.X)
	f(g.Y)
	f(g.VX)
	f(g.VY)
	closed := uint32(0)
	if g.Closed {
		closed = 1
	}
	buf = binary.LittleEndian.AppendUint32(buf, closed)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(int32(g.Held)))
	return buf, nil
}

// errShortState is wrapped by UnmarshalBinary when the input ends early.
var errShortState = errors.New("state record too short")

// UnmarshalBinary decodes a state written by MarshalBinary.
func (s *State) UnmarshalBinary(data []byte) error {
	if len(data) < 16 || string(data[:4]) != stateMagic {
		return fmt.Errorf("decode state: not a metabench state record (bad magic or length %d)", len(data))
	}
	step := binary.LittleEndian.Uint64(data[4:])
	n := binary.LittleEndian.Uint32(data[12:])
	if n > MaxBlocks {
		return fmt.Errorf("decode state: %d blocks, at most %d allowed", n, MaxBlocks)
	}
	want := 16 + int(n)*6*8 + 4*8 + 8
	if len(data) != want {
		return fmt.Errorf("decode state: %w: %d bytes for %d blocks, want %d", errShortState, len(data), n, want)
	}
	p := data[16:]
	f := func() float64 {
		v := math.Float64frombits(binary.LittleEndian.Uint64(p))
		p = p[8:]
		return v
	}
	out := State{Step: int(step), Blocks: make([]BodyState, n)}
	for i := range out.Blocks {
		out.Blocks[i] = BodyState{X: f(), Y: f(), Angle: f(), VX: f(), VY: f(), AngVel: f()}
	}
	out.Gripper.X, out.Gripper.Y, out.Gripper.VX, out.Gripper.VY = f(), f(), f(), f()
	closed := binary.LittleEndian.Uint32(p)
	held := int32(binary.LittleEndian.Uint32(p[4:]))
	if closed > 1 {
		return fmt.Errorf("decode state: grip flag %d is not 0 or 1", closed)
	}
	if held < -1 || int(held) >= int(n) {
		return fmt.Errorf("decode state: held block %d out of range for %d blocks", held, n)
	}
	out.Gripper.Closed = closed == 1
	out.Gripper.Held = int(held)
	*s = out
	return nil
}
