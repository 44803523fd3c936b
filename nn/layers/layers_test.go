package layers

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/metabench/metabench/nn"
)

type tape = nn.Tape[float64]
type ten = nn.Tensor[float64]
type par = nn.Param[float64]

func randParam(r *rand.Rand, name string, shape ...int) *par {
	p := nn.NewParam[float64](name, shape...)
	for i := range p.Value {
		p.Value[i] = r.NormFloat64()
	}
	return p
}

func probe(tp *tape, y *ten) *ten {
	w := make([]float64, y.Size())
	for i := range w {
		w[i] = math.Sin(1.3*float64(i) + 0.7)
	}
	return tp.Sum(tp.Mul(y, tp.Constant(w, y.Shape...)))
}

// layerCase builds a layer with its own parameters plus an input parameter,
// so the check covers gradients to both.
type layerCase struct {
	name  string
	build func(r *rand.Rand) (params []*par, fwd func(tp *tape) *ten)
}

func layerCases() []layerCase {
	return []layerCase{
		{"Linear", func(r *rand.Rand) ([]*par, func(*tape) *ten) {
			l := NewLinear[float64](r, "l", 4, 3, LinearOpts{})
			x := randParam(r, "x", 2, 5, 4)
			return append(l.Params(), x), func(tp *tape) *ten { return probe(tp, l.Forward(tp, tp.Param(x))) }
		}},
		{"LinearWeightNorm", func(r *rand.Rand) ([]*par, func(*tape) *ten) {
			l := NewLinear[float64](r, "l", 4, 3, LinearOpts{WeightNorm: true})
			x := randParam(r, "x", 5, 4)
			return append(l.Params(), x), func(tp *tape) *ten { return probe(tp, l.Forward(tp, tp.Param(x))) }
		}},
		{"Embedding", func(r *rand.Rand) ([]*par, func(*tape) *ten) {
			e := NewEmbedding[float64](r, "e", 6, 3, 1)
			return e.Params(), func(tp *tape) *ten { return probe(tp, tp.Tanh(e.Forward(tp, []int{1, 5, 1, 0}))) }
		}},
		{"LayerNorm", func(r *rand.Rand) ([]*par, func(*tape) *ten) {
			l := NewLayerNorm[float64]("ln", 6)
			for i := range l.G.Value {
				l.G.Value[i] += 0.3 * r.NormFloat64()
				l.B.Value[i] = r.NormFloat64()
			}
			x := randParam(r, "x", 2, 3, 6)
			return append(l.Params(), x), func(tp *tape) *ten { return probe(tp, l.Forward(tp, tp.Param(x))) }
		}},
		{"Conv1DCausalDilated", func(r *rand.Rand) ([]*par, func(*tape) *ten) {
			c := NewConv1D[float64](r, "c", 3, 4, 3, 2, true)
			x := randParam(r, "x", 2, 3, 10)
			return append(c.Params(), x), func(tp *tape) *ten { return probe(tp, c.Forward(tp, tp.Param(x))) }
		}},
		{"Conv1D", func(r *rand.Rand) ([]*par, func(*tape) *ten) {
			c := NewConv1D[float64](r, "c", 2, 3, 3, 1, false)
			x := randParam(r, "x", 2, 2, 7)
			return append(c.Params(), x), func(tp *tape) *ten { return probe(tp, c.Forward(tp, tp.Param(x))) }
		}},
		{"MaskedConv2DA", func(r *rand.Rand) ([]*par, func(*tape) *ten) {
			c := NewMaskedConv2D[float64](r, "c", MaskA, 2, 3, 5)
			x := randParam(r, "x", 2, 2, 6, 5)
			return append(c.Params(), x), func(tp *tape) *ten { return probe(tp, c.Forward(tp, tp.Param(x))) }
		}},
		{"GatedMaskedConvCond", func(r *rand.Rand) ([]*par, func(*tape) *ten) {
			g := NewGatedMaskedConv[float64](r, "g", MaskB, 3, 3, 3, 4)
			x, cond := randParam(r, "x", 2, 3, 5, 5), randParam(r, "cond", 2, 4)
			return append(g.Params(), x, cond), func(tp *tape) *ten {
				return probe(tp, g.Forward(tp, tp.Param(x), tp.Param(cond)))
			}
		}},
		{"PixelCNN", func(r *rand.Rand) ([]*par, func(*tape) *ten) {
			p := NewPixelCNN[float64](r, "pcnn", 2, 3, 5, 0)
			img := make([]float64, 2*6*6)
			for i := range img {
				img[i] = float64(r.IntN(2))
			}
			return p.Params(), func(tp *tape) *ten { return p.NLL(tp, tp.Constant(img, 2, 1, 6, 6), nil) }
		}},
		{"LSTMCell", func(r *rand.Rand) ([]*par, func(*tape) *ten) {
			c := NewLSTMCell[float64](r, "lstm", 3, 4)
			x, h0, c0 := randParam(r, "x", 3, 2, 3), randParam(r, "h0", 2, 4), randParam(r, "c0", 2, 4)
			return append(c.Params(), x, h0, c0), func(tp *tape) *ten {
				xs := tp.Param(x)
				h, cell := tp.Param(h0), tp.Param(c0)
				for t := range 3 {
					h, cell = c.Step(tp, tp.Reshape(tp.Slice(xs, 0, t, t+1), 2, 3), h, cell)
				}
				return tp.Add(probe(tp, h), probe(tp, cell))
			}
		}},
		{"MultiHeadAttentionMasked", func(r *rand.Rand) ([]*par, func(*tape) *ten) {
			a := NewMultiHeadAttention[float64](r, "mha", 6, 2)
			q, kv := randParam(r, "q", 2, 3, 6), randParam(r, "kv", 2, 4, 6)
			mask := PaddingMask([]int{4, 2}, 4)
			return append(a.Params(), q, kv), func(tp *tape) *ten {
				return probe(tp, a.Forward(tp, tp.Param(q), tp.Param(kv), mask, nil))
			}
		}},
		{"SelfAttentionCausal", func(r *rand.Rand) ([]*par, func(*tape) *ten) {
			a := NewMultiHeadAttention[float64](r, "sa", 4, 1)
			x := randParam(r, "x", 2, 3, 4)
			return append(a.Params(), x), func(tp *tape) *ten {
				xt := tp.Param(x)
				return probe(tp, a.Forward(tp, xt, xt, CausalMask(3), nil))
			}
		}},
		{"AdditiveAttention", func(r *rand.Rand) ([]*par, func(*tape) *ten) {
			a := NewAdditiveAttention[float64](r, "add", 3, 4, 5)
			q, k := randParam(r, "q", 2, 3), randParam(r, "k", 2, 4, 4)
			mask := []bool{false, false, true, false, false, false, false, false}
			return append(a.Params(), q, k), func(tp *tape) *ten {
				ctx, w := a.Forward(tp, tp.Param(q), tp.Param(k), mask)
				return tp.Add(probe(tp, ctx), probe(tp, w))
			}
		}},
		{"EncoderBlock", func(r *rand.Rand) ([]*par, func(*tape) *ten) {
			e := NewEncoderBlock[float64](r, "enc", 4, 2, 8)
			x := randParam(r, "x", 2, 3, 4)
			return append(e.Params(), x), func(tp *tape) *ten {
				return probe(tp, e.Forward(tp, tp.Param(x), PaddingMask([]int{3, 2}, 3), nil))
			}
		}},
		{"DecoderBlock", func(r *rand.Rand) ([]*par, func(*tape) *ten) {
			d := NewDecoderBlock[float64](r, "dec", 4, 2, 6)
			x, m := randParam(r, "x", 2, 3, 4), randParam(r, "mem", 2, 2, 4)
			return append(d.Params(), x, m), func(tp *tape) *ten {
				return probe(tp, d.Forward(tp, tp.Param(x), tp.Param(m), nil, nil))
			}
		}},
	}
}

func TestLayerGradients(t *testing.T) {
	for i, c := range layerCases() {
		t.Run(c.name, func(t *testing.T) {
			ps, fwd := c.build(rand.New(rand.NewPCG(uint64(i), 3)))
			e, where, err := nn.GradCheck(ps, fwd, 1e-6)
			if err != nil {
				t.Fatal(err)
			}
			if e > 1e-5 {
				t.Errorf("max relative error %.3g at %s", e, where)
			}
		})
	}
}

func TestDeterministicInit(t *testing.T) {
	a := NewEncoderBlock[float32](rand.New(rand.NewPCG(1, 2)), "e", 8, 2, 16)
	b := NewEncoderBlock[float32](rand.New(rand.NewPCG(1, 2)), "e", 8, 2, 16)
	pa, pb := a.Params(), b.Params()
	for i := range pa {
		for j := range pa[i].Value {
			if pa[i].Value[j] != pb[i].Value[j] {
				t.Fatalf("%s differs between equal seeds", pa[i].Name)
			}
		}
	}
}

// inputGradient returns d(out[pos])/d(x) for a layer stack on one image.
func inputGradient(t *testing.T, f func(tp *tape, x *ten) *ten, x []float64, shape []int, pos int) []float64 {
	t.Helper()
	tp := nn.NewTape[float64]()
	xt := tp.Variable(x, shape...)
	y := f(tp, xt)
	sel := make([]float64, y.Size())
	sel[pos] = 1
	if err := tp.Backward(tp.Sum(tp.Mul(y, tp.Constant(sel, y.Shape...)))); err != nil {
		t.Fatal(err)
	}
	return xt.Grad
}

func TestPixelCNNIsCausal(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	p := NewPixelCNN[float64](r, "p", 3, 4, 5, 0)
	const h, w = 6, 6
	x := make([]float64, h*w)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	for _, pos := range []int{0, 7, 20, 35} {
		g := inputGradient(t, func(tp *tape, x *ten) *ten { return p.Logits(tp, x, nil) }, x, []int{1, 1, h, w}, pos)
		for i, v := range g {
			if i >= pos && v != 0 {
				t.Fatalf("logit %d depends on input %d (gradient %v)", pos, i, v)
			}
		}
		if pos > 0 && g[pos-1] == 0 {
			t.Fatalf("logit %d ignores its left neighbour", pos)
		}
	}
}

func TestCausalAttention(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	a := NewMultiHeadAttention[float64](r, "a", 4, 2)
	x := make([]float64, 5*4)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	// Output row 2 (elements 8..11) must not depend on rows 3 and 4.
	g := inputGradient(t, func(tp *tape, x *ten) *ten { return a.Forward(tp, x, x, CausalMask(5), nil) }, x, []int{1, 5, 4}, 9)
	for i := 12; i < len(g); i++ {
		if g[i] != 0 {
			t.Fatalf("query 2 depends on key element %d", i)
		}
	}
	tp := nn.NewTape[float64]()
	xt := tp.Constant(x, 1, 5, 4)
	_, w := a.ForwardWithWeights(tp, xt, xt, CausalMask(5), nil)
	if len(w.Shape) != 3 || w.Shape[0] != 2 || w.Shape[1] != 5 || w.Shape[2] != 5 {
		t.Fatalf("weights shape %v, want [2 5 5]", w.Shape)
	}
	for hq := range 10 {
		q := hq % 5
		var sum float64
		for k := range 5 {
			v := w.Data[hq*5+k]
			sum += v
			if k > q && v > 1e-12 {
				t.Fatalf("head row %d attends to future key %d (%v)", hq, k, v)
			}
		}
		if math.Abs(sum-1) > 1e-12 {
			t.Fatalf("weights of row %d sum to %v", hq, sum)
		}
	}
}
