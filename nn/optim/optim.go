// Package optim provides gradient-descent optimisers for [nn.Param] sets:
// SGD with momentum, Adam (and AdamW), Adamax and RMSProp, with learning-rate
// schedules, global-norm gradient clipping, weight decay and parameter groups
// that can be frozen or given their own learning-rate scale.
package optim

import (
	"fmt"
	"math"

	"github.com/metabench/metabench/nn"
	"github.com/metabench/metabench/nn/internal/simd"
)

// Schedule maps the 1-based step number to a learning-rate multiplier.
type Schedule func(step int) float64

// Constant is the schedule that always returns 1.
func Constant(int) float64 { return 1 }

// WarmupInvSqrt rises linearly to 1 over warmup steps and then decays as
// sqrt(warmup/step) (the Transformer schedule, normalised to peak at 1).
func WarmupInvSqrt(warmup int) Schedule {
	w := float64(max(warmup, 1))
	return func(step int) float64 {
		s := float64(max(step, 1))
		return math.Min(s/w, math.Sqrt(w/s))
	}
}

// StepDecay multiplies the rate by gamma every `every` steps.
func StepDecay(every int, gamma float64) Schedule {
	every = max(every, 1)
	return func(step int) float64 {
		return math.Pow(gamma, float64((max(step, 1)-1)/every))
	}
}

// Group is a set of parameters sharing optimisation settings.
type Group[T nn.Float] struct {
	Name   string
	Params []*nn.Param[T]
	// LRScale multiplies the optimiser's learning rate; zero means 1.
	LRScale float64
	// WeightDecay adds WeightDecay·θ to the gradient (L2 regularisation), or
	// with a decoupled optimiser (AdamW) shrinks θ directly.
	WeightDecay float64
	frozen      bool
}

// NewGroup returns a group of params with default settings.
func NewGroup[T nn.Float](name string, params ...*nn.Param[T]) *Group[T] {
	return &Group[T]{Name: name, Params: params}
}

// SetFrozen freezes or unfreezes the group: a frozen group is not updated,
// and its parameters enter tapes as constants so no gradient is computed for
// them.
func (g *Group[T]) SetFrozen(frozen bool) {
	g.frozen = frozen
	for _, p := range g.Params {
		p.Frozen = frozen
	}
}

// Frozen reports whether the group is frozen.
func (g *Group[T]) Frozen() bool { return g.frozen }

// Config holds the settings common to all optimisers.
type Config struct {
	// LR is the base learning rate.
	LR float64
	// Schedule scales LR by step; nil means constant.
	Schedule Schedule
	// ClipNorm, if positive, rescales the gradients of all trainable
	// parameters so that their global L2 norm is at most ClipNorm.
	ClipNorm float64
}

// rule is one update method.
type rule[T nn.Float] interface {
	// update applies one step to p given its gradient g (weight decay
	// already added unless decoupled) and per-parameter state.
	update(p, g []T, st *state[T], lr float64, step int)
	// slotNames names the per-parameter state vectors, for saving.
	slotNames() []string
	kind() string
}

type state[T nn.Float] struct {
	s [2][]T
}

// Optimizer updates parameter groups from their gradients.
type Optimizer[T nn.Float] struct {
	Config
	Groups []*Group[T]

	rule      rule[T]
	decoupled bool
	step      int
	states    map[*nn.Param[T]]*state[T]
	lastNorm  float64
}

func newOptimizer[T nn.Float](cfg Config, r rule[T], groups []*Group[T]) *Optimizer[T] {
	return &Optimizer[T]{Config: cfg, Groups: groups, rule: r, states: map[*nn.Param[T]]*state[T]{}}
}

// Steps returns the number of steps taken.
func (o *Optimizer[T]) Steps() int { return o.step }

// LastGradNorm returns the global gradient norm before clipping measured at
// the last step (zero if ClipNorm is not set).
func (o *Optimizer[T]) LastGradNorm() float64 { return o.lastNorm }

// LR returns the learning rate the next step will use.
func (o *Optimizer[T]) LR() float64 {
	if o.Schedule == nil {
		return o.Config.LR
	}
	return o.Config.LR * o.Schedule(o.step+1)
}

// Trainable returns the parameters of all groups that are not frozen.
func (o *Optimizer[T]) Trainable() []*nn.Param[T] {
	var ps []*nn.Param[T]
	for _, g := range o.Groups {
		if !g.frozen {
			ps = append(ps, g.Params...)
		}
	}
	return ps
}

// ZeroGrad zeroes the gradients of every parameter in every group.
func (o *Optimizer[T]) ZeroGrad() {
	for _, g := range o.Groups {
		nn.ZeroGrads(g.Params)
	}
}

// Step applies one update to every trainable parameter. It fails, leaving
// the parameters unchanged, if a gradient is not finite.
func (o *Optimizer[T]) Step() error {
	if o.ClipNorm > 0 {
		n := ClipGlobalNorm(o.Trainable(), o.ClipNorm)
		o.lastNorm = n
		if math.IsNaN(n) || math.IsInf(n, 0) {
			return fmt.Errorf("optim: gradient norm is %v: %w", n, nn.ErrNonFinite)
		}
	}
	if o.ClipNorm <= 0 {
		for _, p := range o.Trainable() {
			if !nn.AllFinite(p.Grad) {
				return fmt.Errorf("optim: gradient of %s is not finite: %w", p.Name, nn.ErrNonFinite)
			}
		}
	}
	lr := o.LR()
	o.step++
	for _, g := range o.Groups {
		if g.frozen {
			continue
		}
		glr := lr
		if g.LRScale != 0 {
			glr *= g.LRScale
		}
		wd := T(g.WeightDecay)
		for _, p := range g.Params {
			st := o.state(p)
			switch {
			case wd != 0 && o.decoupled:
				f := 1 - T(glr)*wd
				for i := range p.Value {
					p.Value[i] *= f
				}
			case wd != 0:
				for i, v := range p.Value {
					p.Grad[i] += wd * v
				}
			}
			o.rule.update(p.Value, p.Grad, st, glr, o.step)
		}
	}
	return nil
}

// state returns p's optimiser state, allocating it on first use.
func (o *Optimizer[T]) state(p *nn.Param[T]) *state[T] {
	st := o.states[p]
	if st == nil {
		st = &state[T]{}
		for i := range o.rule.slotNames() {
			st.s[i] = make([]T, len(p.Value))
		}
		o.states[p] = st
	}
	return st
}

// GlobalNorm returns the L2 norm of all gradients of params together.
func GlobalNorm[T nn.Float](params []*nn.Param[T]) float64 {
	var s float64
	for _, p := range params {
		for _, g := range p.Grad {
			s += float64(g) * float64(g)
		}
	}
	return math.Sqrt(s)
}

// ClipGlobalNorm rescales the gradients of params so that their global L2
// norm is at most maxNorm, and returns the norm before clipping.
func ClipGlobalNorm[T nn.Float](params []*nn.Param[T], maxNorm float64) float64 {
	n := GlobalNorm(params)
	if n > maxNorm && !math.IsInf(n, 0) {
		f := T(maxNorm / n)
		for _, p := range params {
			for i := range p.Grad {
				p.Grad[i] *= f
			}
		}
	}
	return n
}

// NewSGD returns stochastic gradient descent with (optionally Nesterov)
// momentum; momentum 0 is plain SGD.
func NewSGD[T nn.Float](cfg Config, momentum float64, nesterov bool, groups ...*Group[T]) *Optimizer[T] {
	return newOptimizer(cfg, &sgd[T]{mu: T(momentum), nesterov: nesterov}, groups)
}

type sgd[T nn.Float] struct {
	mu       T
	nesterov bool
}

func (r *sgd[T]) slotNames() []string { return []string{"v"} }
func (r *sgd[T]) kind() string        { return "sgd" }

func (r *sgd[T]) update(p, g []T, st *state[T], lr float64, _ int) {
	v := st.s[0][:len(p)]
	g = g[:len(p)]
	l := T(lr)
	for i := range p {
		v[i] = r.mu*v[i] + g[i]
		d := v[i]
		if r.nesterov {
			d = g[i] + r.mu*v[i]
		}
		p[i] -= l * d
	}
}

// AdamOpts are Adam's hyper-parameters; zero values select the defaults
// β1 = 0.9, β2 = 0.999, ε = 1e-8.
type AdamOpts struct {
	Beta1, Beta2, Eps float64
	// Decoupled applies weight decay directly to the weights (AdamW).
	Decoupled bool
}

func (a AdamOpts) withDefaults() AdamOpts {
	if a.Beta1 == 0 {
		a.Beta1 = 0.9
	}
	if a.Beta2 == 0 {
		a.Beta2 = 0.999
	}
	if a.Eps == 0 {
		a.Eps = 1e-8
	}
	return a
}

// NewAdam returns Adam (Kingma & Ba), with PyTorch's placement of ε.
func NewAdam[T nn.Float](cfg Config, opts AdamOpts, groups ...*Group[T]) *Optimizer[T] {
	opts = opts.withDefaults()
	return newAdamFamily(cfg, opts, &adam[T]{opts}, groups)
}

// newAdamFamily builds an Adam-style optimizer, whose weight decay may be
// decoupled from the gradient (AdamW).
func newAdamFamily[T nn.Float](cfg Config, opts AdamOpts, r rule[T], groups []*Group[T]) *Optimizer[T] {
	o := newOptimizer(cfg, r, groups)
	o.decoupled = opts.Decoupled
	return o
}

type adam[T nn.Float] struct{ AdamOpts }

func (r *adam[T]) slotNames() []string { return []string{"m", "v"} }
func (r *adam[T]) kind() string        { return "adam" }

func (r *adam[T]) update(p, g []T, st *state[T], lr float64, step int) {
	m, v := st.s[0][:len(p)], st.s[1][:len(p)]
	g = g[:len(p)]
	bc1 := 1 - math.Pow(r.Beta1, float64(step))
	bc2 := 1 - math.Pow(r.Beta2, float64(step))
	b1, b2 := T(r.Beta1), T(r.Beta2)
	a1, a2 := 1-b1, 1-b2
	stepSize := T(lr / bc1)
	inv := T(1 / math.Sqrt(bc2))
	eps := T(r.Eps)
	if p32, ok := any(p).([]float32); ok {
		// The same operations in the same order, 8 weights at a time.
		simd.Adam(p32, any(g).([]float32), any(m).([]float32), any(v).([]float32), &simd.AdamConsts{
			B1: float32(b1), A1: float32(a1), B2: float32(b2), A2: float32(a2),
			StepSize: float32(stepSize), Inv: float32(inv), Eps: float32(eps),
		})
		return
	}
	for i := range p {
		gi := g[i]
		mi := b1*m[i] + a1*gi
		vi := b2*v[i] + a2*gi*gi
		m[i], v[i] = mi, vi
		p[i] -= stepSize * mi / (sqrt(vi)*inv + eps)
	}
}

func sqrt[T nn.Float](x T) T { return T(math.Sqrt(float64(x))) }

// NewAdamax returns Adamax, Adam's infinity-norm variant.
func NewAdamax[T nn.Float](cfg Config, opts AdamOpts, groups ...*Group[T]) *Optimizer[T] {
	opts = opts.withDefaults()
	return newAdamFamily(cfg, opts, &adamax[T]{opts}, groups)
}

type adamax[T nn.Float] struct{ AdamOpts }

func (r *adamax[T]) slotNames() []string { return []string{"m", "u"} }
func (r *adamax[T]) kind() string        { return "adamax" }

func (r *adamax[T]) update(p, g []T, st *state[T], lr float64, step int) {
	m, u := st.s[0][:len(p)], st.s[1][:len(p)]
	g = g[:len(p)]
	// 1-β1 is rounded once from float64, not computed in T: in float32,
	// 1-float32(0.9) is 0.100000024, not float32(0.1).
	b1, a1, b2 := T(r.Beta1), T(1-r.Beta1), T(r.Beta2)
	stepSize := T(lr / (1 - math.Pow(r.Beta1, float64(step))))
	eps := T(r.Eps)
	for i := range p {
		mi := b1*m[i] + a1*g[i]
		ui := max(b2*u[i], abs(g[i])+eps)
		m[i], u[i] = mi, ui
		p[i] -= stepSize * mi / ui
	}
}

func abs[T nn.Float](x T) T {
	if x < 0 {
		return -x
	}
	return x
}

// NewRMSProp returns RMSProp with smoothing constant alpha (0 means 0.99)
// and ε (0 means 1e-8), optionally with momentum.
func NewRMSProp[T nn.Float](cfg Config, alpha, eps, momentum float64, groups ...*Group[T]) *Optimizer[T] {
	if alpha == 0 {
		alpha = 0.99
	}
	if eps == 0 {
		eps = 1e-8
	}
	return newOptimizer(cfg, &rmsprop[T]{alpha: T(alpha), eps: T(eps), mu: T(momentum)}, groups)
}

type rmsprop[T nn.Float] struct{ alpha, eps, mu T }

func (r *rmsprop[T]) slotNames() []string { return []string{"sq", "buf"} }
func (r *rmsprop[T]) kind() string        { return "rmsprop" }

func (r *rmsprop[T]) update(p, g []T, st *state[T], lr float64, _ int) {
	sq, buf := st.s[0][:len(p)], st.s[1][:len(p)]
	g = g[:len(p)]
	l := T(lr)
	for i := range p {
		sq[i] = r.alpha*sq[i] + (1-r.alpha)*g[i]*g[i]
		d := g[i] / (sqrt(sq[i]) + r.eps)
		if r.mu != 0 {
			buf[i] = r.mu*buf[i] + d
			d = buf[i]
		}
		p[i] -= l * d
	}
}
