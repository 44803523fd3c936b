package layers

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/metabench/metabench/nn"
)

// MaskType selects a PixelCNN convolution mask.
type MaskType byte

// Mask types: A hides the centre pixel (first layer), B shows it (later
// layers). Both hide every pixel after the centre in raster order.
const (
	MaskA MaskType = 'A'
	MaskB MaskType = 'B'
)

// PixelMask returns the k×k spatial mask (1 = visible) of the given type,
// repeated for out×in channel pairs: shape [out, in, k, k].
func PixelMask[T nn.Float](t MaskType, out, in, k int) []T {
	if k%2 != 1 {
		panic(fmt.Sprintf("layers: PixelCNN kernel size %d, want odd", k))
	}
	c := k / 2
	m := make([]T, out*in*k*k)
	for i := range m {
		y, x := (i/k)%k, i%k
		if y < c || (y == c && (x < c || (x == c && t == MaskB))) {
			m[i] = 1
		}
	}
	return m
}

// MaskedConv2D is a "same"-padded 2-D convolution whose kernel is
// multiplied by a PixelCNN mask, so output (y, x) sees only inputs before it
// in raster order (and itself with mask B).
type MaskedConv2D[T nn.Float] struct {
	W, B *nn.Param[T]
	Type MaskType
	taps []int // visible kernel positions: only these are multiplied
}

// NewMaskedConv2D returns a masked k×k convolution from in to out channels.
func NewMaskedConv2D[T nn.Float](r *rand.Rand, name string, t MaskType, in, out, k int) *MaskedConv2D[T] {
	bound := 1 / math.Sqrt(float64(in*k*k))
	return &MaskedConv2D[T]{
		W:    Uniform[T](r, name+".W", bound, out, in, k, k),
		B:    Uniform[T](r, name+".b", bound, out),
		Type: t,
		taps: visibleTaps(PixelMask[float32](t, 1, 1, k)),
	}
}

// Params returns W and b.
func (c *MaskedConv2D[T]) Params() []*nn.Param[T] { return []*nn.Param[T]{c.W, c.B} }

// Forward convolves x of shape [N, in, H, W] to [N, out, H, W].
func (c *MaskedConv2D[T]) Forward(tp *nn.Tape[T], x *nn.Tensor[T]) *nn.Tensor[T] {
	k := c.W.Shape[2]
	// Taps the mask zeroes are skipped rather than multiplied by zero.
	return tp.MaskedConv2D(x, tp.Param(c.W), tp.Param(c.B), nn.SamePadding(k, k, 1, 1), c.taps)
}

// visibleTaps lists the positions of a k×k mask's ones.
func visibleTaps(mask []float32) []int {
	var taps []int
	for i, v := range mask {
		if v != 0 {
			taps = append(taps, i)
		}
	}
	return taps
}

// GatedMaskedConv is a PixelCNN layer: a masked convolution to 2F channels
// followed by the gated activation tanh(a)⊙sigmoid(b), where a and b are the
// two halves, each optionally shifted by a linear projection of a
// conditioning vector. With mask B and equal in/out channels it adds a
// residual connection.
type GatedMaskedConv[T nn.Float] struct {
	Conv     *MaskedConv2D[T]
	Cond     *Linear[T] // nil without conditioning
	Residual bool
}

// NewGatedMaskedConv returns a gated masked convolution layer from in to out
// channels with a k×k kernel; condDim > 0 adds conditioning on a vector of
// that size.
func NewGatedMaskedConv[T nn.Float](r *rand.Rand, name string, t MaskType, in, out, k, condDim int) *GatedMaskedConv[T] {
	g := &GatedMaskedConv[T]{
		Conv:     NewMaskedConv2D[T](r, name+".conv", t, in, 2*out, k),
		Residual: t == MaskB && in == out,
	}
	if condDim > 0 {
		g.Cond = NewLinear[T](r, name+".cond", condDim, 2*out, LinearOpts{NoBias: true})
	}
	return g
}

// Params returns the convolution's and the conditioning's parameters.
func (g *GatedMaskedConv[T]) Params() []*nn.Param[T] {
	ps := g.Conv.Params()
	if g.Cond != nil {
		ps = append(ps, g.Cond.Params()...)
	}
	return ps
}

// Forward applies the layer to x [N, in, H, W]; cond ([N, condDim]) is
// required exactly when the layer was built with conditioning.
func (g *GatedMaskedConv[T]) Forward(tp *nn.Tape[T], x, cond *nn.Tensor[T]) *nn.Tensor[T] {
	h := g.Conv.Forward(tp, x)
	if (cond != nil) != (g.Cond != nil) {
		panic("layers: GatedMaskedConv: conditioning vector given iff the layer is conditional")
	}
	if cond != nil {
		c := g.Cond.Forward(tp, cond)
		h = tp.Add(h, tp.Reshape(c, c.Shape[0], c.Shape[1], 1, 1))
	}
	y := tp.GatedActivation(h, 1)
	if g.Residual {
		y = tp.Add(y, x)
	}
	return y
}

// PixelCNN is a stack of gated masked convolutions over binary images with
// one input channel: a mask-A layer, mask-B layers, and a 1×1 output
// convolution giving one Bernoulli logit per pixel.
type PixelCNN[T nn.Float] struct {
	Layers []*GatedMaskedConv[T]
	Out    *MaskedConv2D[T]
}

// NewPixelCNN returns a PixelCNN with the given number of gated layers (at
// least one), channels per layer and kernel size of the first layer (later
// layers use 3×3); condDim > 0 conditions every layer on a vector.
func NewPixelCNN[T nn.Float](r *rand.Rand, name string, layers, channels, firstKernel, condDim int) *PixelCNN[T] {
	p := &PixelCNN[T]{}
	for i := range max(layers, 1) {
		t, in, k := MaskB, channels, 3
		if i == 0 {
			t, in, k = MaskA, 1, firstKernel
		}
		p.Layers = append(p.Layers, NewGatedMaskedConv[T](r, fmt.Sprintf("%s.l%d", name, i), t, in, channels, k, condDim))
	}
	p.Out = NewMaskedConv2D[T](r, name+".out", MaskB, channels, 1, 1)
	return p
}

// Params returns all parameters in layer order.
func (p *PixelCNN[T]) Params() []*nn.Param[T] {
	var ps []*nn.Param[T]
	for _, l := range p.Layers {
		ps = append(ps, l.Params()...)
	}
	return append(ps, p.Out.Params()...)
}

// Logits returns per-pixel logits [N, 1, H, W] for images x [N, 1, H, W].
func (p *PixelCNN[T]) Logits(tp *nn.Tape[T], x, cond *nn.Tensor[T]) *nn.Tensor[T] {
	h := x
	for _, l := range p.Layers {
		h = l.Forward(tp, h, cond)
	}
	return p.Out.Forward(tp, h)
}

// NLL returns the mean negative log-likelihood in nats per pixel of binary
// images x (values 0 or 1, shape [N, 1, H, W]).
func (p *PixelCNN[T]) NLL(tp *nn.Tape[T], x, cond *nn.Tensor[T]) *nn.Tensor[T] {
	return tp.BCEWithLogits(p.Logits(tp, x, cond), x.Data, nil)
}
