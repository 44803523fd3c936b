package density

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/metabench/metabench/nn"
)

// innerLoss is the Meta PixelCNN's learned inner loss g_φ over the
// network's features of the support images: a learned scale of the
// support NLL plus a small network on each pixel's last hidden state, its
// logit and its value, averaged over pixels:
//
//	g = exp(s)·NLL(support) + mean_pixels( w₂ · tanh(W₁ [h; l; x] + b₁) )
//
// With W₁ and w₂ starting small, the first inner steps are plain MAML on
// the likelihood, which the outer loop then reshapes. logStep holds one
// learned log step size per tensor of θ (Meta-SGD by layer): with one
// fixed step size every tensor moved by the same rate, the step changed θ
// by 0.2% of its norm and 93% of its gain on the target came as well from
// another episode's support; per-tensor sizes let the outer loop move the
// layers whose gradient carries the support and damp the rest.
type innerLoss[T nn.Float] struct {
	scale   *nn.Param[T] // [1]: log of the NLL's weight
	w1, w2  conv[T]
	logStep *nn.Param[T] // [len(θ)]: log of each tensor's step size, relative to InnerLR
}

func newInnerLoss[T nn.Float](r *rand.Rand, f int) *innerLoss[T] {
	g := &innerLoss[T]{
		scale: nn.NewParam[T]("inner.scale", 1),
		w1:    newConv[T](r, "inner.w1", 8, f+2, 1, 1),
		w2:    newConv[T](r, "inner.w2", 1, 8, 1, 1),
	}
	for _, p := range g.w2.params() {
		for i := range p.Value {
			p.Value[i] *= 0.1
		}
	}
	return g
}

// lossParams are the parameters the inner loss reads on a tape.
func (g *innerLoss[T]) lossParams() []*nn.Param[T] {
	return append([]*nn.Param[T]{g.scale}, append(g.w1.params(), g.w2.params()...)...)
}

// params are everything the outer loop trains: the loss and the step sizes.
func (g *innerLoss[T]) params() []*nn.Param[T] { return append(g.lossParams(), g.logStep) }

// StepSizes returns each tensor of θ's inner step size, α·exp(a_l), in
// the order of [Model.Params] (nil for models without an inner loop).
func (m *Model[T]) StepSizes() []float64 {
	if m.inner == nil {
		return nil
	}
	out := make([]float64, len(m.inner.logStep.Value))
	for i, a := range m.inner.logStep.Value {
		out[i] = m.Cfg.InnerLR * math.Exp(float64(a))
	}
	return out
}

// innerValue is g on support images x [n, 1, H, W]; ctx is their own
// support set's context (the attention + meta model's images read their
// set), or empty.
func (m *Model[T]) innerValue(tp *nn.Tape[T], x *nn.Tensor[T], ctx *Context[T]) *nn.Tensor[T] {
	logits, hidden := m.HStack(tp, x, m.VStack(tp, x, ctx), ctx, 0)
	nll := tp.BCEWithLogits(logits, x.Data, nil)
	g := m.inner
	s := tp.Exp(tp.Param(g.scale))
	feat := tp.Concat(1, hidden, logits, x)
	learned := tp.Mean(g.w2.pointwise(tp, tp.Tanh(g.w1.pointwise(tp, feat))))
	return tp.Add(tp.Mul(s, nll), learned)
}

// checkSupport reports a support of the wrong size for the model.
func (m *Model[T]) checkSupport(support []T, k int) error {
	h, w := m.Cfg.H, m.Cfg.W
	if k < 1 || k > m.Cfg.MaxSupport || len(support) != k*h*w {
		return fmt.Errorf("density: support of %d pixels (k = %d) for %d×%d images, the model takes 1..%d", len(support), k, h, w, m.Cfg.MaxSupport)
	}
	return nil
}

// innerGrad evaluates the inner loss on the support at θ = at with the
// loss's parameters phi (clones of its lossParams holding their values),
// leaving ∇θ in at's Grad and ∇φ in phi's Grad. tp is reset and reused:
// its buffers serve every pass of an episode and of the next ones.
func (m *Model[T]) innerGrad(tp *nn.Tape[T], at, phi []*nn.Param[T], support []T, k int) error {
	h, w := m.Cfg.H, m.Cfg.W
	nn.ZeroGrads(at)
	nn.ZeroGrads(phi)
	tp.Reset()
	tp.SubstituteParams(m.Params(), at)
	tp.SubstituteParams(m.inner.lossParams(), phi)
	l := m.innerValue(tp, tp.Constant(support, k, 1, h, w), m.supportContext(tp, support, k))
	if v := float64(l.Item()); math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("density: inner loss is %v", v)
	}
	if err := tp.Backward(l); err != nil {
		return fmt.Errorf("density: inner step: %w", err)
	}
	return nil
}

// adaptPath runs the inner loop from θ and returns every iterate θ₀..θ_S
// (θ₀ a clone of θ; iterate t < S holds ∇θ g at itself in its Grad).
func (m *Model[T]) adaptPath(tp *nn.Tape[T], support []T, k int) ([][]*nn.Param[T], error) {
	alpha := m.StepSizes()
	phi := nn.CloneParams(m.inner.lossParams())
	path := [][]*nn.Param[T]{nn.CloneParams(m.Params())}
	for t := range m.Cfg.innerSteps() {
		cur := path[t]
		if err := m.innerGrad(tp, cur, phi, support, k); err != nil {
			return nil, fmt.Errorf("step %d: %w", t, err)
		}
		next := nn.CloneParams(cur)
		for i, p := range next {
			a := T(alpha[i])
			for j, g := range cur[i].Grad {
				p.Value[j] -= a * g
			}
			clear(p.Grad)
		}
		path = append(path, next)
	}
	return path, nil
}

// MetaLoss accumulates into the parameters' Grad the second-order
// meta-gradient of one episode and returns the outer loss in nats/dim.
// The inner loop is θ_{t+1} = θ_t − α_l ∇θ g_φ(support; θ_t) per tensor l
// (α_l = InnerLR·exp(a_l)) for InnerSteps steps; the outer loss is the
// target's NLL under the last iterate. The adjoint v goes back through
// each step as v ← v − H_θθ(α⊙v), with H_φθ(α⊙v) for φ and −α_l⟨v_l,
// ∇_l g⟩ for a_l; the Hessian-vector products are central differences of
// ∇g at θ_t ± ε(α⊙v)/‖α⊙v‖ (the scheme of nn/meta, with a step
// size per tensor). The model's parameters are read, not changed.
func (m *Model[T]) MetaLoss(support []T, k int, target []T) (float64, error) {
	return m.metaLoss(nn.NewTape[T](), support, k, target)
}

// metaLoss is MetaLoss on a tape that it resets and reuses.
func (m *Model[T]) metaLoss(tp *nn.Tape[T], support []T, k int, target []T) (float64, error) {
	if !m.Cfg.meta() {
		return 0, fmt.Errorf("density: MetaLoss on a %s model", m.Cfg.Kind)
	}
	h, w := m.Cfg.H, m.Cfg.W
	if err := m.checkSupport(support, k); err != nil || len(target) != h*w {
		return 0, fmt.Errorf("density: meta episode of %d support pixels (k = %d) and %d target pixels for %d×%d", len(support), k, len(target), h, w)
	}
	path, err := m.adaptPath(tp, support, k)
	if err != nil {
		return 0, fmt.Errorf("density: inner loop: %w", err)
	}
	theta := m.Params()
	final := path[len(path)-1]
	tp.Reset()
	tp.SubstituteParams(theta, final)
	x := tp.Constant(target, 1, 1, h, w)
	outer := tp.BCEWithLogits(m.Logits(tp, x, m.supportContext(tp, support, k)), target, nil)
	if err := tp.Backward(outer); err != nil {
		return 0, fmt.Errorf("density: outer loss: %w", err)
	}
	outerLoss := float64(outer.Item())
	v := make([][]T, len(final))
	for i, p := range final {
		v[i] = append([]T(nil), p.Grad...)
	}
	alpha := m.StepSizes()
	lossPhi := m.inner.lossParams()
	phi := nn.CloneParams(lossPhi)
	gPhi := make([][]T, len(phi))
	for i, p := range phi {
		gPhi[i] = make([]T, p.Size())
	}
	gLog := m.inner.logStep.Grad
	eps := 1e-4
	if _, ok := any(T(0)).(float32); ok {
		eps = 1e-2
	}
	for t := len(path) - 2; t >= 0; t-- {
		at := path[t]
		// a_l's gradient: θ_{t+1,l} = θ_{t,l} − α_l ∇_l g, dα_l/da_l = α_l.
		var norm float64
		for i, p := range at {
			var dot float64
			for j, g := range p.Grad {
				dot += float64(v[i][j]) * float64(g)
				u := alpha[i] * float64(v[i][j])
				norm += u * u
			}
			gLog[i] -= T(alpha[i] * dot)
		}
		norm = math.Sqrt(norm)
		if norm == 0 {
			break
		}
		hh := eps / norm
		plus, minus := nn.CloneParams(at), nn.CloneParams(at)
		for i := range plus {
			d := T(hh * alpha[i])
			for j, vj := range v[i] {
				plus[i].Value[j] += d * vj
				minus[i].Value[j] -= d * vj
			}
		}
		if err := m.innerGrad(tp, plus, phi, support, k); err != nil {
			return 0, fmt.Errorf("density: HVP at step %d: %w", t, err)
		}
		phiPlus := make([][]T, len(phi))
		for i, p := range phi {
			phiPlus[i] = append([]T(nil), p.Grad...)
		}
		if err := m.innerGrad(tp, minus, phi, support, k); err != nil {
			return 0, fmt.Errorf("density: HVP at step %d: %w", t, err)
		}
		f := T(1 / (2 * hh))
		for i, p := range phi {
			for j, g := range p.Grad {
				gPhi[i][j] -= f * (phiPlus[i][j] - g)
			}
		}
		for i := range v {
			for j := range v[i] {
				v[i][j] -= f * (plus[i].Grad[j] - minus[i].Grad[j])
			}
		}
	}
	for i, p := range theta {
		for j, g := range v[i] {
			p.Grad[j] += g
		}
	}
	for i, p := range lossPhi {
		for j, g := range gPhi[i] {
			p.Grad[j] += g
		}
	}
	return outerLoss, nil
}

// Adapt returns the Meta PixelCNN's parameters for one support set after
// the inner steps (a clone; the model is unchanged). Run the model with
// them through [nn.Tape.SubstituteParams](m.Params(), adapted).
func (m *Model[T]) Adapt(support []T, k int) ([]*nn.Param[T], error) {
	if !m.Cfg.meta() {
		return nil, fmt.Errorf("density: Adapt on a %s model", m.Cfg.Kind)
	}
	if err := m.checkSupport(support, k); err != nil {
		return nil, err
	}
	path, err := m.adaptPath(nn.NewTape[T](), support, k)
	if err != nil {
		return nil, fmt.Errorf("density: inner loop: %w", err)
	}
	return path[len(path)-1], nil
}

// supportContext is one support set's context for the Meta models: empty
// for the Meta PixelCNN, the attention keys and values (computed with the
// tape's, possibly adapted, parameters) for attention + meta. k is checked
// by the callers.
func (m *Model[T]) supportContext(tp *nn.Tape[T], support []T, k int) *Context[T] {
	if !m.Cfg.attention() {
		return &Context[T]{B: 1}
	}
	ctx, err := m.Encode(tp, support, 1, k)
	if err != nil {
		panic(fmt.Sprintf("density: support checked before encoding: %v", err))
	}
	return ctx
}
