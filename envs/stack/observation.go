package stack

import (
	"math"

	"github.com/metabench/metabench/sim"
)

// ObsDim returns the observation length for a task of n blocks: 3n + 4.
//
// Layout of the float32 observation vector, for block i = 0..n-1 (a, b, ...):
//
//	[3i+0] x of block i minus x of the grasp point   (blocks)
//	[3i+1] y of block i minus y of the grasp point   (blocks)
//	[3i+2] tilt of block i, wrapped to [-π/4, π/4]   (radians; a square repeats every quarter turn)
//	[3n+0] x of the grasp point                      (blocks; table centre 0)
//	[3n+1] y of the grasp point                      (blocks; table top 0)
//	[3n+2] 1 if the gripper is open, else 0
//	[3n+3] 1 if the gripper is closed, else 0
//
// The first 3n entries and the one-hot are the paper's observation (block
// positions relative to the gripper, gripper state); the tilt and the
// absolute gripper position tell a policy about toppled blocks and the
// table edges.
func ObsDim(n int) int { return 3*n + 4 }

// Observe appends the observation of s to dst and returns it.
func Observe(dst []float32, s *sim.State) []float32 {
	g := s.Gripper
	for _, b := range s.Blocks {
		dst = append(dst, float32(b.X-g.X), float32(b.Y-g.Y), float32(math.Remainder(b.Angle, math.Pi/2)))
	}
	open, closed := float32(1), float32(0)
	if g.Closed {
		open, closed = 0, 1
	}
	return append(dst, float32(g.X), float32(g.Y), open, closed)
}

// Observe appends the current observation to dst and returns it.
func (e *Env) Observe(dst []float32) []float32 { return Observe(dst, &e.state) }
