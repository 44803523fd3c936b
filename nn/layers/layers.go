// Package layers provides neural-network layers built on [nn.Tape]:
// linear (optionally weight-normalised), embedding, layer norm, 1-D and
// masked 2-D convolutions with gated activations (PixelCNN), an LSTM cell,
// multi-head and additive attention and small Transformer blocks.
//
// Every layer owns [nn.Param]s, created with deterministic initial values
// from a caller-supplied random source, and lists them with Params. Forward
// methods take the tape to record on, so the same layer can run on many
// tapes (and, through [nn.Tape.Substitute], with other parameter sets).
package layers

import (
	"math"
	"math/rand/v2"

	"github.com/metabench/metabench/nn"
)

// Layer is anything with parameters.
type Layer[T nn.Float] interface {
	Params() []*nn.Param[T]
}

// CollectParams concatenates the parameters of several layers.
func CollectParams[T nn.Float](ls ...Layer[T]) []*nn.Param[T] {
	var ps []*nn.Param[T]
	for _, l := range ls {
		ps = append(ps, l.Params()...)
	}
	return ps
}

// Uniform returns a parameter with values drawn uniformly from
// [-bound, bound).
func Uniform[T nn.Float](r *rand.Rand, name string, bound float64, shape ...int) *nn.Param[T] {
	p := nn.NewParam[T](name, shape...)
	for i := range p.Value {
		p.Value[i] = T((2*r.Float64() - 1) * bound)
	}
	return p
}

// Filled returns a parameter with every value set to v.
func Filled[T nn.Float](name string, v T, shape ...int) *nn.Param[T] {
	p := nn.NewParam[T](name, shape...)
	for i := range p.Value {
		p.Value[i] = v
	}
	return p
}

// Linear is y = x·W + b, optionally with weight normalisation
// W = g · V / ‖V‖ (norm per output column).
type Linear[T nn.Float] struct {
	W *nn.Param[T] // [in, out]; V under weight normalisation
	B *nn.Param[T] // [out], nil without bias
	G *nn.Param[T] // [out], nil without weight normalisation
}

// LinearOpts selects optional parts of a [Linear] layer.
type LinearOpts struct {
	NoBias     bool
	WeightNorm bool
}

// NewLinear returns a linear layer with weights and bias uniform in
// ±1/sqrt(in) (PyTorch's default).
func NewLinear[T nn.Float](r *rand.Rand, name string, in, out int, o LinearOpts) *Linear[T] {
	bound := 1 / math.Sqrt(float64(in))
	l := &Linear[T]{W: Uniform[T](r, name+".W", bound, in, out)}
	if !o.NoBias {
		l.B = Uniform[T](r, name+".b", bound, out)
	}
	if o.WeightNorm {
		l.G = nn.NewParam[T](name+".g", out)
		for j := range out {
			var s float64
			for i := range in {
				v := float64(l.W.Value[i*out+j])
				s += v * v
			}
			l.G.Value[j] = T(math.Sqrt(s))
		}
	}
	return l
}

// Params returns W, then b and g when present.
func (l *Linear[T]) Params() []*nn.Param[T] {
	ps := []*nn.Param[T]{l.W}
	if l.B != nil {
		ps = append(ps, l.B)
	}
	if l.G != nil {
		ps = append(ps, l.G)
	}
	return ps
}

// Weight returns the effective weight matrix on tp.
func (l *Linear[T]) Weight(tp *nn.Tape[T]) *nn.Tensor[T] {
	w := tp.Param(l.W)
	if l.G == nil {
		return w
	}
	norm := tp.Sqrt(tp.SumAxis(tp.Square(w), 0))
	return tp.Mul(w, tp.Div(tp.Param(l.G), norm))
}

// Forward applies the layer to x of shape [..., in].
func (l *Linear[T]) Forward(tp *nn.Tape[T], x *nn.Tensor[T]) *nn.Tensor[T] {
	var b *nn.Tensor[T]
	if l.B != nil {
		b = tp.Param(l.B)
	}
	return tp.Linear(x, l.Weight(tp), b)
}

// Embedding maps token ids to rows of a table.
type Embedding[T nn.Float] struct {
	W *nn.Param[T] // [vocab, dim]
}

// NewEmbedding returns an embedding with N(0, 1) entries scaled by scale.
func NewEmbedding[T nn.Float](r *rand.Rand, name string, vocab, dim int, scale float64) *Embedding[T] {
	p := nn.NewParam[T](name+".E", vocab, dim)
	for i := range p.Value {
		p.Value[i] = T(r.NormFloat64() * scale)
	}
	return &Embedding[T]{W: p}
}

// Params returns the table.
func (e *Embedding[T]) Params() []*nn.Param[T] { return []*nn.Param[T]{e.W} }

// Forward looks up ids and returns shape [len(ids), dim].
func (e *Embedding[T]) Forward(tp *nn.Tape[T], ids []int) *nn.Tensor[T] {
	return tp.Gather(tp.Param(e.W), ids)
}

// LayerNorm normalises the last axis with a learned gain and bias.
type LayerNorm[T nn.Float] struct {
	G, B *nn.Param[T]
	Eps  T
}

// NewLayerNorm returns a layer norm over dim features (gain 1, bias 0).
func NewLayerNorm[T nn.Float](name string, dim int) *LayerNorm[T] {
	return &LayerNorm[T]{G: Filled[T](name+".g", 1, dim), B: nn.NewParam[T](name+".b", dim), Eps: 1e-5}
}

// Params returns gain and bias.
func (l *LayerNorm[T]) Params() []*nn.Param[T] { return []*nn.Param[T]{l.G, l.B} }

// Forward normalises x.
func (l *LayerNorm[T]) Forward(tp *nn.Tape[T], x *nn.Tensor[T]) *nn.Tensor[T] {
	return tp.LayerNorm(x, tp.Param(l.G), tp.Param(l.B), l.Eps)
}

// Conv1D is a 1-D convolution over [N, C, L] inputs that keeps the length.
type Conv1D[T nn.Float] struct {
	W        *nn.Param[T] // [out, in, k]
	B        *nn.Param[T] // [out]
	Dilation int
	Causal   bool
}

// NewConv1D returns a 1-D convolution with PyTorch-style uniform init.
func NewConv1D[T nn.Float](r *rand.Rand, name string, in, out, k, dilation int, causal bool) *Conv1D[T] {
	bound := 1 / math.Sqrt(float64(in*k))
	return &Conv1D[T]{
		W:        Uniform[T](r, name+".W", bound, out, in, k),
		B:        Uniform[T](r, name+".b", bound, out),
		Dilation: dilation, Causal: causal,
	}
}

// Params returns W and b.
func (c *Conv1D[T]) Params() []*nn.Param[T] { return []*nn.Param[T]{c.W, c.B} }

// Forward convolves x of shape [N, in, L] to [N, out, L].
func (c *Conv1D[T]) Forward(tp *nn.Tape[T], x *nn.Tensor[T]) *nn.Tensor[T] {
	return tp.Conv1D(x, tp.Param(c.W), tp.Param(c.B), c.Dilation, c.Causal)
}
