package density

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/metabench/metabench/agents/nn"
	"github.com/metabench/metabench/agents/nn/meta"
)

// innerLoss is the Meta PixelCNN's learned inner loss g_φ over the
// network's features of the support images: a learned scale of the
// support NLL plus a small network on each pixel's last hidden state, its
// logit and its value, averaged over pixels:
//
//	g = exp(s)·NLL(support) + mean_pixels( w₂ · tanh(W₁ [h; l; x] + b₁) )
//
// With W₁ and w₂ starting small, the first inner steps are plain MAML on
// the likelihood, which the outer loop then reshapes.
type innerLoss[T nn.Float] struct {
	scale  *nn.Param[T] // [1]: log of the NLL's weight
	w1, w2 conv[T]
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

func (g *innerLoss[T]) params() []*nn.Param[T] {
	return append([]*nn.Param[T]{g.scale}, append(g.w1.params(), g.w2.params()...)...)
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

// MetaLoss accumulates into the parameters' Grad the second-order
// meta-gradient of one episode (θ and φ through the engine's meta package:
// one inner step θ' = θ − α∇θ g_φ(support), outer loss the target's NLL
// under θ') and returns the outer loss in nats/dim. The model's
// parameters are read, not changed.
func (m *Model[T]) MetaLoss(support []T, k int, target []T) (float64, error) {
	if !m.Cfg.meta() {
		return 0, fmt.Errorf("density: MetaLoss on a %s model", m.Cfg.Kind)
	}
	h, w := m.Cfg.H, m.Cfg.W
	if k < 1 || k > m.Cfg.MaxSupport || len(support) != k*h*w || len(target) != h*w {
		return 0, fmt.Errorf("density: meta episode of %d support pixels (k = %d) and %d target pixels for %d×%d", len(support), k, len(target), h, w)
	}
	ll := meta.LearnedLoss[T]{
		Theta: m.Params(), Phi: m.InnerParams(), Alpha: T(m.Cfg.InnerLR), Steps: 1,
		Inner: func(tp *nn.Tape[T]) *nn.Tensor[T] {
			return m.innerValue(tp, tp.Constant(support, k, 1, h, w), m.supportContext(tp, support, k))
		},
		Outer: func(tp *nn.Tape[T]) *nn.Tensor[T] {
			x := tp.Constant(target, 1, 1, h, w)
			return tp.BCEWithLogits(m.Logits(tp, x, m.supportContext(tp, support, k)), target, nil)
		},
	}
	return ll.MetaGrad()
}

// Adapt returns θ' = θ − α∇θ g_φ(support): the Meta PixelCNN's parameters
// for one support set (a clone; the model is unchanged). Run the model
// with them through [nn.Tape.SubstituteParams](m.Params(), adapted).
func (m *Model[T]) Adapt(support []T, k int) ([]*nn.Param[T], error) {
	if !m.Cfg.meta() {
		return nil, fmt.Errorf("density: Adapt on a %s model", m.Cfg.Kind)
	}
	h, w := m.Cfg.H, m.Cfg.W
	if k < 1 || k > m.Cfg.MaxSupport || len(support) != k*h*w {
		return nil, fmt.Errorf("density: support of %d pixels (k = %d) for %d×%d images, the model takes 1..%d", len(support), k, h, w, m.Cfg.MaxSupport)
	}
	theta := m.Params()
	fast := nn.CloneParams(theta)
	nn.ZeroGrads(fast)
	tp := nn.NewTape[T]()
	tp.SubstituteParams(theta, fast)
	// φ is read, not trained, here: give the tape frozen copies.
	phi := nn.CloneParams(m.InnerParams())
	for _, p := range phi {
		p.Frozen = true
	}
	tp.SubstituteParams(m.InnerParams(), phi)
	l := m.innerValue(tp, tp.Constant(support, k, 1, h, w), m.supportContext(tp, support, k))
	if err := tp.Backward(l); err != nil {
		return nil, fmt.Errorf("density: inner step: %w", err)
	}
	if v := float64(l.Item()); math.IsNaN(v) || math.IsInf(v, 0) {
		return nil, fmt.Errorf("density: inner loss is %v", v)
	}
	for _, p := range fast {
		for i, g := range p.Grad {
			p.Value[i] -= T(m.Cfg.InnerLR) * g
		}
		clear(p.Grad)
	}
	return fast, nil
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
