// Package density holds the few-shot autoregressive density models of
// Reed et al. (2018; facts in docs/density.md) on the network engine: a
// gated PixelCNN with vertical and horizontal stacks (no blind spot), as
// an unconditional model, conditioned on a support-set vector, with
// attention over support positions in every layer, and as a Meta PixelCNN
// adapted to each support set by one gradient step on a learned inner
// loss. Images are binary; the output is one Bernoulli logit per pixel and
// the metric nats per dimension.
package density

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/metabench/metabench/nn"
	"github.com/metabench/metabench/nn/layers"
)

// Kinds of model.
const (
	Unconditional = "unconditional"
	Conditional   = "conditional"
	Attention     = "attention"
	Meta          = "meta"
	AttentionMeta = "attention-meta"
)

// Kinds lists the model kinds in report order.
func Kinds() []string { return []string{Unconditional, Conditional, Attention, Meta, AttentionMeta} }

// Config describes a model's architecture.
type Config struct {
	Kind        string  `json:"kind"`
	H           int     `json:"h"`
	W           int     `json:"w"`
	Layers      int     `json:"layers"`       // gated layers
	Channels    int     `json:"channels"`     // F, channels of each stack
	FirstKernel int     `json:"first_kernel"` // k of the first layer (odd); later layers use 3
	EncChannels int     `json:"enc_channels"` // support encoder channels
	CondDim     int     `json:"cond_dim"`     // conditioning vector (conditional)
	KeyDim      int     `json:"key_dim"`      // attention key/query size
	Pool        int     `json:"pool"`         // support feature maps are average-pooled by this (1 or 2)
	MaxSupport  int     `json:"max_support"`  // largest support set the model takes
	InnerLR     float64 `json:"inner_lr"`     // Meta: base step size of the inner steps
	// InnerSteps is the Meta models' number of inner steps; 0 means 1.
	InnerSteps int `json:"inner_steps,omitempty"`
}

// innerSteps is InnerSteps with its default.
func (c Config) innerSteps() int { return max(c.InnerSteps, 1) }

func (c Config) attention() bool { return c.Kind == Attention || c.Kind == AttentionMeta }
func (c Config) meta() bool      { return c.Kind == Meta || c.Kind == AttentionMeta }

// New returns a float32 model (the training type) with weights drawn from
// seed.
func New(cfg Config, seed uint64) (*Model[float32], error) { return NewModel[float32](cfg, seed) }

// Validate reports the first bad field.
func (c Config) Validate() error {
	switch {
	case !slices.Contains(Kinds(), c.Kind):
		return fmt.Errorf("density: unknown model kind %q (want one of %v)", c.Kind, Kinds())
	case c.H < 2 || c.W < 2 || c.H > 256 || c.W > 256:
		return fmt.Errorf("density: image %d×%d, want 2..256", c.H, c.W)
	case c.Layers < 1 || c.Layers > 64:
		return fmt.Errorf("density: %d layers, want 1..64", c.Layers)
	case c.Channels < 1 || c.Channels > 1024 || c.EncChannels < 1 || c.EncChannels > 1024:
		return fmt.Errorf("density: %d channels, %d encoder channels, want 1..1024", c.Channels, c.EncChannels)
	case c.FirstKernel < 3 || c.FirstKernel%2 == 0 || c.FirstKernel > 15:
		return fmt.Errorf("density: first kernel %d, want odd 3..15", c.FirstKernel)
	case c.Kind == Conditional && (c.CondDim < 1 || c.CondDim > 4096):
		return fmt.Errorf("density: conditioning vector of %d, want 1..4096", c.CondDim)
	case c.attention() && (c.KeyDim < 1 || c.KeyDim > 1024):
		return fmt.Errorf("density: key size %d, want 1..1024", c.KeyDim)
	case c.Pool != 1 && c.Pool != 2:
		return fmt.Errorf("density: pool %d, want 1 or 2", c.Pool)
	case c.Pool == 2 && (c.H%2 != 0 || c.W%2 != 0):
		return fmt.Errorf("density: pool 2 needs an even image size, have %d×%d", c.H, c.W)
	case c.MaxSupport < 1 || c.MaxSupport > 1000:
		return fmt.Errorf("density: max support %d, want 1..1000", c.MaxSupport)
	case c.meta() && !(c.InnerLR > 0 && c.InnerLR < 10):
		return fmt.Errorf("density: inner step size %v, want in (0, 10)", c.InnerLR)
	case c.InnerSteps < 0 || c.InnerSteps > 16:
		return fmt.Errorf("density: %d inner steps, want 0..16 (0 means 1)", c.InnerSteps)
	}
	return nil
}

// posFeatures is the number of position channels: x and y in [-1, 1] (the
// paper's) and sines and cosines of π·f·x, π·f·y for f = 1, 2, 4, which
// make "the mirrored position" a bilinear function that one attention
// layer can match.
const posFeatures = 14

// positions returns the position channels of an h×w grid, [posFeatures,
// h·w], for rows y0 ≤ y < y0+rows.
func positions[T nn.Float](h, w, y0, rows int) []T {
	out := make([]T, posFeatures*rows*w)
	n := rows * w
	for r := range rows {
		for x := range w {
			i := r*w + x
			fx := 2*(float64(x)+0.5)/float64(w) - 1
			fy := 2*(float64(y0+r)+0.5)/float64(h) - 1
			f := []float64{fx, fy}
			for _, k := range []float64{1, 2, 4} {
				f = append(f, math.Sin(math.Pi*k*fx), math.Cos(math.Pi*k*fx), math.Sin(math.Pi*k*fy), math.Cos(math.Pi*k*fy))
			}
			for c, v := range f {
				out[c*n+i] = T(v)
			}
		}
	}
	return out
}

// conv is a convolution's weight and bias.
type conv[T nn.Float] struct{ W, B *nn.Param[T] }

func newConv[T nn.Float](r *rand.Rand, name string, out, in, kh, kw int) conv[T] {
	bound := 1 / math.Sqrt(float64(in*kh*kw))
	return conv[T]{layers.Uniform[T](r, name+".W", bound, out, in, kh, kw), layers.Uniform[T](r, name+".b", bound, out)}
}

func (c conv[T]) params() []*nn.Param[T] {
	if c.B == nil {
		return []*nn.Param[T]{c.W}
	}
	return []*nn.Param[T]{c.W, c.B}
}

func (c conv[T]) apply(tp *nn.Tape[T], x *nn.Tensor[T], o nn.ConvOpts) *nn.Tensor[T] {
	var b *nn.Tensor[T]
	if c.B != nil {
		b = tp.Param(c.B)
	}
	return tp.Conv2D(x, tp.Param(c.W), b, o)
}

func (c conv[T]) pointwise(tp *nn.Tape[T], x *nn.Tensor[T]) *nn.Tensor[T] {
	return c.apply(tp, x, nn.ConvOpts{})
}

// gated is one layer of the two stacks.
type gated[T nn.Float] struct {
	v, h, link, out conv[T]
	condV, condH    *layers.Linear[T]
	att             *attention[T]
}

// attention is one layer's read of the support: queries from the pixel's
// horizontal-stack state and its position, keys and values from the
// support encoder's features.
type attention[T nn.Float] struct {
	q, k, v, o conv[T]
	qPos       *nn.Param[T] // [KeyDim, posFeatures]
}

// Model is a PixelCNN of one kind, with its support encoder.
type Model[T nn.Float] struct {
	Cfg    Config
	layers []gated[T]
	head1  conv[T]
	head2  conv[T]
	enc1   conv[T]
	enc2   conv[T]
	encFC  *layers.Linear[T] // conditional: flattened features → vector
	inner  *innerLoss[T]     // meta
}

// NewModel returns a model with weights drawn from seed; float64 models
// are for gradient checks.
func NewModel[T nn.Float](cfg Config, seed uint64) (*Model[T], error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(seed, 0xde45))
	F, E := cfg.Channels, cfg.EncChannels
	m := &Model[T]{Cfg: cfg}
	for l := range cfg.Layers {
		name := fmt.Sprintf("l%d", l)
		in, k := F, 3
		if l == 0 {
			in, k = 1, cfg.FirstKernel
		}
		g := gated[T]{
			v:    newConv[T](r, name+".v", 2*F, in, k/2+1, k),
			link: newConv[T](r, name+".link", 2*F, F, 1, 1),
			out:  newConv[T](r, name+".out", F, F, 1, 1),
		}
		if l == 0 {
			g.h = newConv[T](r, name+".h", 2*F, in, 1, k/2)
		} else {
			g.h = newConv[T](r, name+".h", 2*F, in, 1, k/2+1)
		}
		if cfg.Kind == Conditional {
			g.condV = layers.NewLinear[T](r, name+".condv", cfg.CondDim, 2*F, layers.LinearOpts{NoBias: true})
			g.condH = layers.NewLinear[T](r, name+".condh", cfg.CondDim, 2*F, layers.LinearOpts{NoBias: true})
		}
		if cfg.attention() && l > 0 {
			g.att = &attention[T]{
				q:    newConv[T](r, name+".attq", cfg.KeyDim, F, 1, 1),
				k:    newConv[T](r, name+".attk", cfg.KeyDim, E+posFeatures, 1, 1),
				v:    newConv[T](r, name+".attv", F, E+posFeatures, 1, 1),
				o:    newConv[T](r, name+".atto", 2*F, F, 1, 1),
				qPos: layers.Uniform[T](r, name+".attqpos", 1/math.Sqrt(posFeatures), cfg.KeyDim, posFeatures),
			}
		}
		m.layers = append(m.layers, g)
	}
	m.head1 = newConv[T](r, "head1", F, F, 1, 1)
	m.head2 = newConv[T](r, "head2", 1, F, 1, 1)
	if cfg.Kind == Conditional || cfg.attention() {
		m.enc1 = newConv[T](r, "enc1", E, 1, 3, 3)
		m.enc2 = newConv[T](r, "enc2", E, E, 3, 3)
	}
	if cfg.Kind == Conditional {
		// The conditioning vector's encoder has no biases (see Encode).
		m.enc1.B, m.enc2.B = nil, nil
		ph, pw := cfg.H/cfg.Pool, cfg.W/cfg.Pool
		m.encFC = layers.NewLinear[T](r, "encfc", E*ph*pw, cfg.CondDim, layers.LinearOpts{NoBias: true})
	}
	if cfg.meta() {
		m.inner = newInnerLoss[T](r, F)
		m.inner.logStep = nn.NewParam[T]("inner.logstep", len(m.Params()))
	}
	return m, nil
}

// Params returns the network's parameters (θ), in a fixed order; the Meta
// model's learned inner loss (φ) is [Model.InnerParams].
func (m *Model[T]) Params() []*nn.Param[T] {
	var ps []*nn.Param[T]
	for _, g := range m.layers {
		ps = append(ps, g.v.params()...)
		ps = append(ps, g.h.params()...)
		ps = append(ps, g.link.params()...)
		ps = append(ps, g.out.params()...)
		if g.condV != nil {
			ps = append(ps, g.condV.Params()...)
			ps = append(ps, g.condH.Params()...)
		}
		if g.att != nil {
			a := g.att
			ps = append(ps, a.q.params()...)
			ps = append(ps, a.k.params()...)
			ps = append(ps, a.v.params()...)
			ps = append(ps, a.o.params()...)
			ps = append(ps, a.qPos)
		}
	}
	ps = append(ps, m.head1.params()...)
	ps = append(ps, m.head2.params()...)
	if m.enc1.W != nil {
		ps = append(ps, m.enc1.params()...)
		ps = append(ps, m.enc2.params()...)
	}
	if m.encFC != nil {
		ps = append(ps, m.encFC.Params()...)
	}
	return ps
}

// InnerParams returns the learned inner loss's parameters (nil unless the
// model is a Meta PixelCNN).
func (m *Model[T]) InnerParams() []*nn.Param[T] {
	if m.inner == nil {
		return nil
	}
	return m.inner.params()
}

// AllParams is Params then InnerParams: everything a checkpoint holds.
func (m *Model[T]) AllParams() []*nn.Param[T] { return append(m.Params(), m.InnerParams()...) }

// Context is what a batch of support sets contributes to every layer,
// computed once per support set (and reused by every pass of sampling).
type Context[T nn.Float] struct {
	B    int
	Cond *nn.Tensor[T]   // [B, CondDim], conditional
	Keys []*nn.Tensor[T] // per layer [B, KeyDim, S], attention
	Vals []*nn.Tensor[T] // per layer [B, F, S]
	S    int             // support positions per episode
	// Weights, if Record is set before Logits, receives each attention
	// layer's weights [B, rows·W, S].
	Record  bool
	Weights []*nn.Tensor[T]
}

// Encode computes the context of B support sets of k images each: support
// holds B·k images of H·W pixels, episode-major.
func (m *Model[T]) Encode(tp *nn.Tape[T], support []T, b, k int) (*Context[T], error) {
	cfg := m.Cfg
	ctx := &Context[T]{B: b}
	if cfg.Kind != Conditional && !cfg.attention() {
		return ctx, nil
	}
	if k < 1 || k > cfg.MaxSupport {
		return nil, fmt.Errorf("density: support of %d images, the %s model takes 1..%d", k, cfg.Kind, cfg.MaxSupport)
	}
	hw := cfg.H * cfg.W
	if len(support) != b*k*hw {
		return nil, fmt.Errorf("density: %d support pixels for %d×%d images of %d×%d", len(support), b, k, cfg.H, cfg.W)
	}
	same := nn.SamePadding(3, 3, 1, 1)
	x := tp.Constant(support, b*k, 1, cfg.H, cfg.W)
	e := tp.ReLU(m.enc1.apply(tp, x, same))
	ph, pw := cfg.H, cfg.W
	if cfg.Pool == 2 {
		// Pool after the first layer: the second runs on a quarter of
		// the positions.
		e = avgPool2(tp, e)
		ph, pw = ph/2, pw/2
	}
	e = tp.ReLU(m.enc2.apply(tp, e, same))
	E := cfg.EncChannels
	if cfg.Kind == Conditional {
		// No biases from the image to the vector: blank background
		// gives exactly zero features, so the vector is made of the
		// support's ink, not of a part common to every episode (which
		// Adam grows until a tanh saturates and the vector no longer
		// depends on the support). Normalised, not squashed: it cannot
		// saturate.
		v := m.encFC.Forward(tp, tp.Reshape(e, b*k, E*ph*pw)) // [B·k, CondDim]
		v = tp.MeanAxis(tp.Reshape(v, b, k, cfg.CondDim), 1)  // mean over the support
		ctx.Cond = normRows(tp, v)
		return ctx, nil
	}
	// Attention: every support position is a key, with its position.
	p := ph * pw
	ctx.S = k * p
	posS := positions[T](ph, pw, 0, ph)
	posB := make([]T, b*k*posFeatures*p)
	for i := range b * k {
		copy(posB[i*posFeatures*p:], posS)
	}
	feat := tp.Concat(1, e, tp.Constant(posB, b*k, posFeatures, ph, pw)) // [B·k, E+P, ph, pw]
	for _, g := range m.layers {
		if g.att == nil {
			ctx.Keys = append(ctx.Keys, nil)
			ctx.Vals = append(ctx.Vals, nil)
			continue
		}
		ctx.Keys = append(ctx.Keys, episodeMajor(tp, g.att.k.pointwise(tp, feat), b, k, cfg.KeyDim, p))
		ctx.Vals = append(ctx.Vals, episodeMajor(tp, g.att.v.pointwise(tp, feat), b, k, cfg.Channels, p))
	}
	return ctx, nil
}

// episodeMajor turns per-image maps [B·k, C, ph, pw] into [B, C, k·p]: the
// k images' positions side by side for each episode.
func episodeMajor[T nn.Float](tp *nn.Tape[T], x *nn.Tensor[T], b, k, c, p int) *nn.Tensor[T] {
	x = tp.Reshape(x, b, k, c, p)
	if k > 1 {
		x = tp.Transpose(x, 0, 2, 1, 3)
	}
	return tp.Reshape(x, b, c, k*p)
}

// avgPool2 averages 2×2 blocks of [N, C, H, W] (H, W even).
func avgPool2[T nn.Float](tp *nn.Tape[T], x *nn.Tensor[T]) *nn.Tensor[T] {
	n, c, h, w := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	y := tp.Reshape(x, n, c, h/2, 2, w/2, 2)
	y = tp.SumAxis(tp.SumAxis(y, 5), 3)
	return tp.Scale(y, 0.25)
}

// VStack runs the vertical stack on images x [B, 1, rows, W] and returns
// each layer's output [B, F, rows, W]. Row y of every output depends only
// on rows < y of x: the first layer's kernel covers the k/2+1 rows above,
// later layers' the k/2 rows above and the row itself.
func (m *Model[T]) VStack(tp *nn.Tape[T], x *nn.Tensor[T], ctx *Context[T]) []*nn.Tensor[T] {
	rows := x.Shape[2]
	out := make([]*nn.Tensor[T], len(m.layers))
	v := x
	for l, g := range m.layers {
		k := g.v.W.Shape[3]
		var pre *nn.Tensor[T]
		if l == 0 {
			pre = g.v.apply(tp, v, nn.ConvOpts{PadTop: k/2 + 1, PadLeft: k / 2, PadRight: k / 2})
			pre = tp.Slice(pre, 2, 0, rows)
		} else {
			pre = g.v.apply(tp, v, nn.ConvOpts{PadTop: k / 2, PadLeft: k / 2, PadRight: k / 2})
		}
		if g.condV != nil {
			pre = addCond(tp, pre, g.condV.Forward(tp, ctx.Cond))
		}
		v = tp.GatedActivation(pre, 1)
		out[l] = v
	}
	return out
}

func addCond[T nn.Float](tp *nn.Tape[T], x, c *nn.Tensor[T]) *nn.Tensor[T] {
	return tp.Add(x, tp.Reshape(c, c.Shape[0], c.Shape[1], 1, 1))
}

// HStack runs the horizontal stack on x [B, 1, rows, W] (rows y0 ≤ y <
// y0+rows of the image) with the vertical stack's outputs for the same
// rows, and returns the logits [B, 1, rows, W] and the last hidden state
// [B, F, rows, W]. Position (y, x) depends on x's pixels before it in
// its row, on vs (rows above), and on the context.
func (m *Model[T]) HStack(tp *nn.Tape[T], x *nn.Tensor[T], vs []*nn.Tensor[T], ctx *Context[T], y0 int) (logits, hidden *nn.Tensor[T]) {
	b, rows, w := x.Shape[0], x.Shape[2], x.Shape[3]
	var qpos *nn.Tensor[T]
	h := x
	for l, g := range m.layers {
		kw := g.h.W.Shape[3]
		var pre *nn.Tensor[T]
		if l == 0 {
			// Kernel k/2 wide, padded k/2 on the left: one extra column
			// at the end, dropped, so (y, x) sees x-k/2 … x-1.
			pre = g.h.apply(tp, h, nn.ConvOpts{PadLeft: kw})
			pre = tp.Slice(pre, 3, 0, w)
		} else {
			pre = g.h.apply(tp, h, nn.ConvOpts{PadLeft: kw - 1})
		}
		pre = tp.Add(pre, g.link.pointwise(tp, vs[l]))
		if g.condH != nil {
			pre = addCond(tp, pre, g.condH.Forward(tp, ctx.Cond))
		}
		if g.att != nil {
			if qpos == nil {
				qpos = tp.Constant(positions[T](m.Cfg.H, m.Cfg.W, y0, rows), posFeatures, rows*w)
			}
			pre = tp.Add(pre, m.attend(tp, g.att, h, qpos, ctx, l, b, rows, w))
		}
		gate := tp.GatedActivation(pre, 1)
		o := g.out.pointwise(tp, gate)
		if l > 0 {
			o = tp.Add(o, h)
		}
		h = o
	}
	hidden = h
	logits = m.head2.pointwise(tp, tp.ReLU(m.head1.pointwise(tp, tp.ReLU(h))))
	return logits, hidden
}

// attend returns the attention read of layer l for queries from h [B, F,
// rows, W], as a [B, 2F, rows, W] addition to the gate's input.
func (m *Model[T]) attend(tp *nn.Tape[T], a *attention[T], h, qpos *nn.Tensor[T], ctx *Context[T], l, b, rows, w int) *nn.Tensor[T] {
	n := rows * w
	d, f := m.Cfg.KeyDim, m.Cfg.Channels
	q := tp.Reshape(a.q.pointwise(tp, h), b, d, n)
	q = tp.Add(q, tp.MatMul(tp.Param(a.qPos), qpos)) // [d, n] broadcast over the batch
	shared := ctx.B == 1 && b > 1
	if shared {
		// Several images read one support set (the Meta models' support
		// images attending to their own set): one batch of b·n queries.
		q = tp.Reshape(tp.Transpose(q, 1, 0, 2), 1, d, b*n)
	}
	scores := tp.BatchMatMul(q, ctx.Keys[l], true, false) // [B, n, S]
	wts := tp.Softmax(tp.Scale(scores, T(1/math.Sqrt(float64(d)))), 2)
	if ctx.Record {
		ctx.Weights = append(ctx.Weights, wts)
	}
	read := tp.BatchMatMul(ctx.Vals[l], wts, false, true) // [B, F, n]
	if shared {
		read = tp.Transpose(tp.Reshape(read, f, b, n), 1, 0, 2)
	}
	return a.o.pointwise(tp, tp.Reshape(read, b, f, rows, w))
}

// Logits returns the logits [B, 1, H, W] of images x [B, 1, H, W].
func (m *Model[T]) Logits(tp *nn.Tape[T], x *nn.Tensor[T], ctx *Context[T]) *nn.Tensor[T] {
	logits, _ := m.HStack(tp, x, m.VStack(tp, x, ctx), ctx, 0)
	return logits
}

// Batch is B episodes with the same support size K: targets [B·H·W] and
// supports [B·K·H·W], episode-major.
type Batch[T nn.Float] struct {
	B, K    int
	Targets []T
	Support []T
}

// Loss returns the mean NLL in nats per dimension of the batch's targets
// given their supports: the training loss of the non-meta models.
func (m *Model[T]) Loss(tp *nn.Tape[T], bt Batch[T]) (*nn.Tensor[T], error) {
	ctx, err := m.Encode(tp, bt.Support, bt.B, bt.K)
	if err != nil {
		return nil, err
	}
	x := tp.Constant(bt.Targets, bt.B, 1, m.Cfg.H, m.Cfg.W)
	return tp.BCEWithLogits(m.Logits(tp, x, ctx), bt.Targets, nil), nil
}

// NatsPerDim returns -(1/D) Σ_d ln p(x_d | x_<d) of each image from its
// logits, in float64: ln p(1) = -softplus(-l), ln p(0) = -softplus(l).
// It sums softplus − ln 2 and adds ln 2 after dividing, so that a model
// with all-zero logits scores exactly ln 2 (a coin per pixel).
func NatsPerDim[T nn.Float](logits, x []T, d int) []float64 {
	out := make([]float64, len(x)/d)
	for i := range out {
		var s float64
		for j := i * d; j < (i+1)*d; j++ {
			l := float64(logits[j])
			if x[j] != 0 {
				l = -l
			}
			s += softplus(l) - math.Ln2
		}
		out[i] = math.Ln2 + s/float64(d)
	}
	return out
}

func softplus(x float64) float64 {
	if x > 30 {
		return x
	}
	return math.Log1p(math.Exp(x))
}

// normRows scales each row of v [N, D] to mean 0 and variance 1 (a layer
// normalisation without gain or bias, from elementwise ops).
func normRows[T nn.Float](tp *nn.Tape[T], v *nn.Tensor[T]) *nn.Tensor[T] {
	n := v.Shape[0]
	c := tp.Sub(v, tp.Reshape(tp.MeanAxis(v, 1), n, 1))
	sd := tp.Sqrt(tp.AddScalar(tp.Reshape(tp.MeanAxis(tp.Square(c), 1), n, 1), 1e-5))
	return tp.Div(c, sd)
}
