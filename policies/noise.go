package policies

import (
	"math"
	"math/rand/v2"

	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/sim"
)

// DefaultNoise is the demonstration noise scale used by `metabench demos gen`.
const DefaultNoise = 0.2

// Noisy wraps a policy and perturbs its velocity commands with seeded
// Gaussian noise whose standard deviation is Scale × (|v| + 0.1 blocks/s) per
// axis: large while the gripper travels, small while it aligns and places,
// as with a real velocity-controlled arm. The grip command is left alone.
// Duan et al. found injected noise important for behaviour cloning: the
// demonstrations then show how to recover from small errors.
type Noisy struct {
	Base  Policy
	Scale float64
	rng   *rand.Rand
	last  sim.Control
}

// NewNoisy wraps base with noise of the given scale.
func NewNoisy(base Policy, scale float64) *Noisy {
	return &Noisy{Base: base, Scale: scale}
}

// Name returns the base policy's name with the noise scale.
func (n *Noisy) Name() string { return "noisy-" + n.Base.Name() }

// Reset resets the base policy and reseeds the noise from seed.
func (n *Noisy) Reset(t stack.Task, seed uint64) {
	n.Base.Reset(t, seed)
	n.rng = rand.New(rand.NewPCG(seed, 0x6e6f697365))
}

// Act returns the base policy's control with noise added. Clean returns the
// control before the noise.
func (n *Noisy) Act(s *sim.State) sim.Control {
	c := n.Base.Act(s)
	n.last = c
	c.VX += n.rng.NormFloat64() * n.Scale * (math.Abs(c.VX) + 0.1)
	c.VY += n.rng.NormFloat64() * n.Scale * (math.Abs(c.VY) + 0.1)
	return c
}

// Clean returns the base policy's control from the last call to Act: the
// training label of a noisy demonstration.
func (n *Noisy) Clean() sim.Control { return n.last }
