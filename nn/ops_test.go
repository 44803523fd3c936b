package nn

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
)

type tape = Tape[float64]
type ten = Tensor[float64]
type par = Param[float64]

// randParam returns a parameter with N(0,1) values.
func randParam(r *rand.Rand, name string, shape ...int) *par {
	p := NewParam[float64](name, shape...)
	for i := range p.Value {
		p.Value[i] = r.NormFloat64()
	}
	return p
}

// posParam returns a parameter with values in [0.5, 2).
func posParam(r *rand.Rand, name string, shape ...int) *par {
	p := NewParam[float64](name, shape...)
	for i := range p.Value {
		p.Value[i] = 0.5 + 1.5*r.Float64()
	}
	return p
}

// probe reduces y to a scalar with fixed, index-dependent weights so that
// every output element gets a distinct gradient.
func probe(tp *tape, y *ten) *ten {
	w := make([]float64, y.Size())
	for i := range w {
		w[i] = math.Sin(1.3*float64(i) + 0.7)
	}
	return tp.Sum(tp.Mul(y, tp.Constant(w, y.Shape...)))
}

type gradCase struct {
	name   string
	params func(r *rand.Rand) []*par
	fwd    func(tp *tape, p []*par) *ten
}

func one(shape ...int) func(r *rand.Rand) []*par {
	return func(r *rand.Rand) []*par { return []*par{randParam(r, "a", shape...)} }
}

func two(sa, sb []int) func(r *rand.Rand) []*par {
	return func(r *rand.Rand) []*par { return []*par{randParam(r, "a", sa...), randParam(r, "b", sb...)} }
}

func unaryCase(name string, pos bool, f func(tp *tape, a *ten) *ten) gradCase {
	return gradCase{name, func(r *rand.Rand) []*par {
		if pos {
			return []*par{posParam(r, "a", 3, 4)}
		}
		p := randParam(r, "a", 3, 4)
		for i, v := range p.Value { // keep away from kinks at zero
			if math.Abs(v) < 0.05 {
				p.Value[i] = 0.1
			}
		}
		return []*par{p}
	}, func(tp *tape, p []*par) *ten { return probe(tp, f(tp, tp.Param(p[0]))) }}
}

func binCase(name string, sa, sb []int, f func(tp *tape, a, b *ten) *ten) gradCase {
	return gradCase{name, two(sa, sb), func(tp *tape, p []*par) *ten {
		return probe(tp, f(tp, tp.Param(p[0]), tp.Param(p[1])))
	}}
}

func opCases() []gradCase {
	div := func(tp *tape, a, b *ten) *ten { return tp.Div(a, tp.AddScalar(tp.Square(b), 0.5)) }
	cs := []gradCase{
		binCase("Add", []int{3, 4}, []int{3, 4}, (*tape).Add),
		binCase("AddBias", []int{2, 3, 4}, []int{4}, (*tape).Add),
		binCase("AddGeneral", []int{2, 3, 1}, []int{1, 4}, (*tape).Add),
		binCase("AddScalarTensor", []int{3, 4}, []int{1}, (*tape).Add),
		binCase("Sub", []int{3, 4}, []int{3, 4}, (*tape).Sub),
		binCase("SubBroadcastA", []int{4}, []int{3, 4}, (*tape).Sub),
		binCase("Mul", []int{3, 4}, []int{3, 4}, (*tape).Mul),
		binCase("MulColumn", []int{3, 4}, []int{3, 1}, (*tape).Mul),
		binCase("Div", []int{3, 4}, []int{3, 4}, div),
		binCase("DivRow", []int{3, 4}, []int{4}, div),
		unaryCase("ReLU", false, (*tape).ReLU),
		unaryCase("Tanh", false, (*tape).Tanh),
		unaryCase("Sigmoid", false, (*tape).Sigmoid),
		unaryCase("GELU", false, (*tape).GELU),
		unaryCase("Exp", false, (*tape).Exp),
		unaryCase("Log", true, (*tape).Log),
		unaryCase("Sqrt", true, (*tape).Sqrt),
		unaryCase("Square", false, (*tape).Square),
		unaryCase("Neg", false, (*tape).Neg),
		unaryCase("Abs", false, (*tape).Abs),
		unaryCase("Scale", false, func(tp *tape, a *ten) *ten { return tp.Scale(a, -1.7) }),
		unaryCase("AddScalar", false, func(tp *tape, a *ten) *ten { return tp.AddScalar(a, 0.3) }),
		binCase("MatMul", []int{3, 5}, []int{5, 4}, (*tape).MatMul),
		binCase("MatMulRank3", []int{2, 3, 5}, []int{5, 4}, (*tape).MatMul),
		binCase("Linear", []int{3, 5}, []int{5, 4}, func(tp *tape, a, b *ten) *ten {
			bias := tp.Param(randParam(rand.New(rand.NewPCG(9, 9)), "bias", 4))
			return tp.Linear(a, b, bias)
		}),
		{"LinearBiasGrad", func(r *rand.Rand) []*par {
			return []*par{randParam(r, "x", 3, 5), randParam(r, "w", 5, 4), randParam(r, "b", 4)}
		}, func(tp *tape, p []*par) *ten {
			return probe(tp, tp.Linear(tp.Param(p[0]), tp.Param(p[1]), tp.Param(p[2])))
		}},
		{"MatMulSparseConstant", one(80, 3), func(tp *tape, p []*par) *ten {
			x := make([]float64, 64*80) // 5% non-zero: takes the sparse path
			for i := 0; i < len(x); i += 20 {
				x[i] = float64(i%7) - 3
			}
			return probe(tp, tp.Tanh(tp.MatMul(tp.Constant(x, 64, 80), tp.Param(p[0]))))
		}},
		{"GatedActivation", one(2, 6, 3), func(tp *tape, p []*par) *ten {
			return probe(tp, tp.GatedActivation(tp.Param(p[0]), 1))
		}},
		unaryCase("Reshape", false, func(tp *tape, a *ten) *ten { return tp.Reshape(a, 2, -1) }),
		unaryCase("Transpose", false, func(tp *tape, a *ten) *ten { return tp.Transpose(a) }),
		{"TransposePerm", one(2, 3, 4), func(tp *tape, p []*par) *ten {
			return probe(tp, tp.Transpose(tp.Param(p[0]), 2, 0, 1))
		}},
		binCase("Concat", []int{2, 3, 4}, []int{2, 2, 4}, func(tp *tape, a, b *ten) *ten { return tp.Concat(1, a, b, a) }),
		{"Split", one(2, 5, 3), func(tp *tape, p []*par) *ten {
			s := tp.Split(tp.Param(p[0]), 1, 2, 3)
			return tp.Add(probe(tp, s[0]), probe(tp, tp.Square(s[1])))
		}},
		{"Slice", one(4, 5), func(tp *tape, p []*par) *ten { return probe(tp, tp.Slice(tp.Param(p[0]), -1, 1, 4)) }},
		{"Gather", one(5, 3), func(tp *tape, p []*par) *ten {
			return probe(tp, tp.Gather(tp.Param(p[0]), []int{4, 0, 4, 2}))
		}},
		{"BroadcastTo", one(3, 1), func(tp *tape, p []*par) *ten {
			return probe(tp, tp.BroadcastTo(tp.Param(p[0]), 2, 3, 4))
		}},
		unaryCase("Sum", false, func(tp *tape, a *ten) *ten { return tp.Sum(tp.Square(a)) }),
		unaryCase("Mean", false, func(tp *tape, a *ten) *ten { return tp.Mean(tp.Square(a)) }),
		{"SumAxis", one(2, 3, 4), func(tp *tape, p []*par) *ten {
			a := tp.Param(p[0])
			return tp.Add(tp.Add(probe(tp, tp.SumAxis(a, 0)), probe(tp, tp.SumAxis(a, 1))), probe(tp, tp.SumAxis(a, -1)))
		}},
		{"SumAxisPairs", one(2, 3, 2), func(tp *tape, p []*par) *ten {
			// A last axis of 2 (pooling) and the same tensor summed twice,
			// so that its gradient is both assigned and added.
			a := tp.Param(p[0])
			return tp.Add(probe(tp, tp.SumAxis(a, -1)), probe(tp, tp.SumAxis(tp.Square(a), -1)))
		}},
		{"MeanAxis", one(2, 3, 4), func(tp *tape, p []*par) *ten { return probe(tp, tp.MeanAxis(tp.Param(p[0]), 1)) }},
		{"MaxAxis", one(2, 3, 4), func(tp *tape, p []*par) *ten {
			a := tp.Param(p[0])
			return tp.Add(probe(tp, tp.MaxAxis(a, 1)), probe(tp, tp.MaxAxis(a, -1)))
		}},
		{"Softmax", one(3, 5), func(tp *tape, p []*par) *ten { return probe(tp, tp.Softmax(tp.Param(p[0]), -1)) }},
		{"SoftmaxMiddle", one(2, 4, 3), func(tp *tape, p []*par) *ten { return probe(tp, tp.Softmax(tp.Param(p[0]), 1)) }},
		{"LogSoftmax", one(3, 5), func(tp *tape, p []*par) *ten { return probe(tp, tp.LogSoftmax(tp.Param(p[0]), -1)) }},
		{"LogSoftmaxFirst", one(4, 3), func(tp *tape, p []*par) *ten { return probe(tp, tp.LogSoftmax(tp.Param(p[0]), 0)) }},
		{"MaskedFill", one(2, 3, 4), func(tp *tape, p []*par) *ten {
			mask := []bool{true, false, false, true, false, true, false, false, false, false, true, false}
			return probe(tp, tp.MaskedFill(tp.Param(p[0]), mask, []int{1, 3, 4}, -5))
		}},
		{"Dropout", one(4, 6), func(tp *tape, p []*par) *ten {
			r := rand.New(rand.NewPCG(1, 2))
			return probe(tp, tp.Dropout(tp.Param(p[0]), 0.4, r.Float64))
		}},
		{"CrossEntropy", one(5, 4), func(tp *tape, p []*par) *ten {
			return tp.CrossEntropy(tp.Param(p[0]), []int{0, 3, -1, 2, 2}, []float64{1, 0.5, 7, 2, 1})
		}},
		{"CrossEntropyUnweighted", one(2, 3, 4), func(tp *tape, p []*par) *ten {
			return tp.CrossEntropy(tp.Param(p[0]), []int{0, 3, 1, 2, 2, 1}, nil)
		}},
		{"SmoothedCrossEntropy", one(5, 4), func(tp *tape, p []*par) *ten {
			return tp.SmoothedCrossEntropy(tp.Param(p[0]), []int{0, 3, -1, 2, 2}, []float64{1, 0.5, 7, 2, 1}, 0.1)
		}},
		{"SmoothedCrossEntropyUniform", one(2, 3, 4), func(tp *tape, p []*par) *ten {
			return tp.SmoothedCrossEntropy(tp.Param(p[0]), []int{0, 3, 1, 2, 2, 1}, nil, 1)
		}},
		{"BCEWithLogits", one(4, 3), func(tp *tape, p []*par) *ten {
			t := []float64{1, 0, 1, 0, 0, 1, 1, 1, 0, 0.3, 0, 1}
			w := []float64{1, 2, 0, 1, 1, 1, 0.5, 1, 1, 1, 3, 1}
			return tp.BCEWithLogits(tp.Param(p[0]), t, w)
		}},
		{"MSE", one(3, 4), func(tp *tape, p []*par) *ten {
			t := make([]float64, 12)
			for i := range t {
				t[i] = float64(i) / 10
			}
			return tp.MSE(tp.Param(p[0]), t)
		}},
		{"LayerNorm", func(r *rand.Rand) []*par {
			return []*par{randParam(r, "x", 3, 5), randParam(r, "g", 5), randParam(r, "b", 5)}
		}, func(tp *tape, p []*par) *ten {
			return probe(tp, tp.LayerNorm(tp.Param(p[0]), tp.Param(p[1]), tp.Param(p[2]), 1e-5))
		}},
		{"Conv2D", func(r *rand.Rand) []*par {
			return []*par{randParam(r, "x", 2, 3, 5, 6), randParam(r, "w", 4, 3, 3, 2), randParam(r, "b", 4)}
		}, func(tp *tape, p []*par) *ten {
			o := ConvOpts{PadTop: 2, PadBottom: 1, PadLeft: 0, PadRight: 1, DilH: 2, DilW: 1}
			return probe(tp, tp.Conv2D(tp.Param(p[0]), tp.Param(p[1]), tp.Param(p[2]), o))
		}},
		// Ops on intermediate tensors, whose gradient buffers the backward
		// pass creates (and may take over from the output) rather than
		// adds into.
		{"FreshGradients", func(r *rand.Rand) []*par {
			return []*par{randParam(r, "x", 3, 8), randParam(r, "y", 3, 8)}
		}, func(tp *tape, p []*par) *ten {
			x, y := tp.Param(p[0]), tp.Param(p[1])
			s := tp.Softmax(tp.Scale(tp.Add(x, y), 0.7), -1)
			l := tp.LogSoftmax(tp.AddScalar(tp.Mul(x, y), 0.5), -1)
			g := tp.GatedActivation(tp.Sub(tp.Tanh(x), tp.Sigmoid(y)), 1)
			h := tp.Div(tp.ReLU(tp.Add(x, s)), tp.AddScalar(tp.Square(y), 1))
			return probe(tp, tp.Add(tp.Add(s, l), tp.Add(tp.Concat(1, g, g), h)))
		}},
		{"AddPerChannel", func(r *rand.Rand) []*par {
			return []*par{randParam(r, "a", 2, 3, 4, 5), randParam(r, "b", 2, 3, 1, 1)}
		}, func(tp *tape, p []*par) *ten {
			return probe(tp, tp.Add(tp.Param(p[0]), tp.Param(p[1])))
		}},
		{"MulPerChannel", func(r *rand.Rand) []*par {
			return []*par{randParam(r, "a", 2, 3, 4), randParam(r, "b", 2, 1, 1)}
		}, func(tp *tape, p []*par) *ten {
			a := tp.Param(p[0])
			return probe(tp, tp.Mul(tp.Mul(a, tp.Param(p[1])), a))
		}},
		{"Conv2DPointwise", func(r *rand.Rand) []*par {
			return []*par{randParam(r, "x", 2, 3, 4, 5), randParam(r, "w", 4, 3, 1, 1), randParam(r, "b", 4)}
		}, func(tp *tape, p []*par) *ten {
			return probe(tp, tp.Conv2D(tp.Param(p[0]), tp.Param(p[1]), tp.Param(p[2]), ConvOpts{}))
		}},
		{"Conv2DPointwisePadded", func(r *rand.Rand) []*par {
			return []*par{randParam(r, "x", 2, 3, 4, 5), randParam(r, "w", 2, 3, 1, 1)}
		}, func(tp *tape, p []*par) *ten {
			return probe(tp, tp.Conv2D(tp.Param(p[0]), tp.Param(p[1]), nil, ConvOpts{PadLeft: 1}))
		}},
		{"Conv1DCausal", func(r *rand.Rand) []*par {
			return []*par{randParam(r, "x", 2, 3, 9), randParam(r, "w", 2, 3, 3)}
		}, func(tp *tape, p []*par) *ten {
			return probe(tp, tp.Conv1D(tp.Param(p[0]), tp.Param(p[1]), nil, 2, true))
		}},
		{"Conv1D", func(r *rand.Rand) []*par {
			return []*par{randParam(r, "x", 2, 3, 9), randParam(r, "w", 2, 3, 4), randParam(r, "b", 2)}
		}, func(tp *tape, p []*par) *ten {
			return probe(tp, tp.Conv1D(tp.Param(p[0]), tp.Param(p[1]), tp.Param(p[2]), 3, false))
		}},
		// Dilation longer than the sequence: some taps see only padding.
		{"Conv1DDilationBeyondLength", func(r *rand.Rand) []*par {
			return []*par{randParam(r, "x", 2, 3, 3), randParam(r, "w", 2, 3, 2)}
		}, func(tp *tape, p []*par) *ten {
			return probe(tp, tp.Conv1D(tp.Param(p[0]), tp.Param(p[1]), nil, 8, false))
		}},
		{"Conv1DCausalDilationBeyondLength", func(r *rand.Rand) []*par {
			return []*par{randParam(r, "x", 2, 3, 3), randParam(r, "w", 2, 3, 2)}
		}, func(tp *tape, p []*par) *ten {
			return probe(tp, tp.Conv1D(tp.Param(p[0]), tp.Param(p[1]), nil, 8, true))
		}},
	}
	for _, ta := range []bool{false, true} {
		for _, tb := range []bool{false, true} {
			sa, sb := []int{3, 5}, []int{5, 4}
			ba, bb := []int{2, 3, 5}, []int{2, 5, 4}
			if ta {
				sa, ba = []int{5, 3}, []int{2, 5, 3}
			}
			if tb {
				sb, bb = []int{4, 5}, []int{2, 4, 5}
			}
			suffix := map[bool]string{false: "N", true: "T"}
			cs = append(cs,
				binCase("MatMulT"+suffix[ta]+suffix[tb], sa, sb, func(tp *tape, a, b *ten) *ten { return tp.MatMulT(a, b, ta, tb) }),
				binCase("BatchMatMul"+suffix[ta]+suffix[tb], ba, bb, func(tp *tape, a, b *ten) *ten { return tp.BatchMatMul(a, b, ta, tb) }))
		}
	}
	return cs
}

func TestOpGradients(t *testing.T) {
	for i, c := range opCases() {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(i), 7))
			ps := c.params(r)
			e, where, err := GradCheck(ps, func(tp *tape) *ten { return c.fwd(tp, ps) }, 1e-6)
			if err != nil {
				t.Fatal(err)
			}
			if e > 1e-5 {
				t.Errorf("max relative error %.3g at %s", e, where)
			}
		})
	}
}

// TestGradCheckCatchesWrongGradient makes sure the checker itself fails on a
// deliberately wrong backward pass.
func TestGradCheckCatchesWrongGradient(t *testing.T) {
	p := randParam(rand.New(rand.NewPCG(1, 1)), "a", 4)
	e, _, err := GradCheck([]*par{p}, func(tp *tape) *ten {
		a := tp.Param(p)
		out := tp.newOut([]int{4}, a)
		for i, v := range a.Data {
			out.Data[i] = v * v
		}
		tp.record("WrongSquare", out, func() {
			for i, v := range a.Data {
				tp.grad(a)[i] += out.Grad[i] * v // should be 2v
			}
		}, a)
		return tp.Sum(out)
	}, 1e-6)
	if err != nil {
		t.Fatal(err)
	}
	if e < 0.1 {
		t.Fatalf("max relative error %v for a wrong gradient, want ≥ 0.1", e)
	}
}

func TestParamsByName(t *testing.T) {
	a, b := NewParam[float32]("a", 1), NewParam[float32]("b", 2)
	if m, err := ParamsByName([]*Param[float32]{a, b}); err != nil || m["b"] != b {
		t.Fatalf("ParamsByName: %v %v", m, err)
	}
	if _, err := ParamsByName([]*Param[float32]{a, a}); err == nil {
		t.Fatal("duplicate name accepted")
	}
}

func TestForwardValues(t *testing.T) {
	tp := NewTape[float64]()
	a := tp.Constant([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	b := tp.Constant([]float64{1, 0, 0, 1, 1, 1}, 3, 2)
	tests := []struct {
		name string
		got  *ten
		want []float64
	}{
		{"MatMul", tp.MatMul(a, b), []float64{4, 5, 10, 11}},
		{"Transpose", tp.Transpose(a), []float64{1, 4, 2, 5, 3, 6}},
		{"SumAxis0", tp.SumAxis(a, 0), []float64{5, 7, 9}},
		{"MaxAxis1", tp.MaxAxis(a, 1), []float64{3, 6}},
		{"AddBias", tp.Add(a, tp.Constant([]float64{10, 20, 30}, 3)), []float64{11, 22, 33, 14, 25, 36}},
		{"Concat0", tp.Concat(0, a, a), []float64{1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6}},
		{"Slice", tp.Slice(a, 1, 1, 3), []float64{2, 3, 5, 6}},
		{"Gather", tp.Gather(b, []int{2, 0}), []float64{1, 1, 1, 0}},
		{"Conv1DCausal", tp.Conv1D(tp.Constant([]float64{1, 2, 3, 4}, 1, 1, 4), tp.Constant([]float64{1, 10}, 1, 1, 2), nil, 1, true),
			[]float64{10, 21, 32, 43}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.got.Data) != len(tt.want) {
				t.Fatalf("got %v, want %v", tt.got.Data, tt.want)
			}
			for i := range tt.want {
				if math.Abs(tt.got.Data[i]-tt.want[i]) > 1e-12 {
					t.Fatalf("got %v, want %v", tt.got.Data, tt.want)
				}
			}
		})
	}
}

func TestSparseMatMulMatchesDense(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	x := make([]float64, 70*90)
	for i := range x {
		if r.Float64() < 0.1 {
			x[i] = r.NormFloat64()
		}
	}
	w := randParam(r, "w", 90, 5)
	tp := NewTape[float64]()
	sparse := tp.MatMul(tp.Constant(x, 70, 90), tp.Param(w))
	dense := tp.MatMulT(tp.Constant(x, 70, 90), tp.Param(w), false, false)
	for i := range dense.Data {
		if math.Abs(dense.Data[i]-sparse.Data[i]) > 1e-12 {
			t.Fatalf("element %d: sparse %v, dense %v", i, sparse.Data[i], dense.Data[i])
		}
	}
}

func TestNaNCheckNamesOp(t *testing.T) {
	tests := []struct {
		name string
		fwd  func(tp *tape, x *ten) *ten
		want string
	}{
		{"forward", func(tp *tape, x *ten) *ten { return tp.Sum(tp.Exp(tp.Log(tp.Neg(x)))) }, `forward op 1 "Log"`},
		{"backward", func(tp *tape, x *ten) *ten { return tp.Sum(tp.Sqrt(tp.Sub(x, x))) }, `backward of op 1 "Sqrt"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp := NewTape[float64]()
			tp.SetCheck(true)
			x := tp.Variable([]float64{1, 2}, 2)
			err := tp.Backward(tt.fwd(tp, x))
			if !errors.Is(err, ErrNonFinite) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %s", err, tt.want)
			}
		})
	}
}

func TestSubstituteAndReset(t *testing.T) {
	w := NewParam[float32]("w", 2)
	w.Value[0], w.Value[1] = 1, 2
	w2 := w.Clone()
	w2.Value[0] = 10
	tp := NewTape[float32]()
	for range 3 { // Reset makes the tape reusable
		tp.Substitute(w, w2)
		x := tp.Constant([]float32{3, 4}, 2)
		l := tp.Sum(tp.Mul(tp.Param(w), x))
		if got := l.Item(); got != 38 {
			t.Fatalf("loss %v, want 38", got)
		}
		if err := tp.Backward(l); err != nil {
			t.Fatal(err)
		}
		tp.Reset()
	}
	if w.Grad[0] != 0 || w2.Grad[0] != 9 || w2.Grad[1] != 12 {
		t.Fatalf("grads %v %v: want the substitute to accumulate", w.Grad, w2.Grad)
	}
	AccumulateGrads([]*Param[float32]{w}, []*Param[float32]{w2})
	if w.Grad[0] != 9 || w.Grad[1] != 12 {
		t.Fatalf("AccumulateGrads: %v", w.Grad)
	}
}

func TestSeparateTapesConcurrently(t *testing.T) {
	var wg sync.WaitGroup
	res := make([]float32, 8)
	for g := range res {
		wg.Go(func() {
			p := NewParam[float32]("w", 16, 16)
			for i := range p.Value {
				p.Value[i] = float32(i%7) / 7
			}
			tp := NewTape[float32]()
			for range 20 {
				y := tp.Tanh(tp.MatMul(tp.Param(p), tp.Param(p)))
				if err := tp.Backward(tp.Mean(y)); err != nil {
					t.Error(err)
				}
				res[g] = p.Grad[3]
				tp.Reset()
			}
		})
	}
	wg.Wait()
	for _, v := range res {
		if v != res[0] {
			t.Fatalf("results differ across goroutines: %v", res)
		}
	}
}

// TestSmoothedCrossEntropyMatchesTorch compares against
// torch.nn.functional.cross_entropy(x, t, ignore_index=-1,
// label_smoothing=eps) in float64 (values computed once with PyTorch).
func TestSmoothedCrossEntropyMatchesTorch(t *testing.T) {
	x := []float64{0.5, -1.0, 2.0, 0.1, 1.5, 0.2, -0.3, 0.0, 3.0, 1.0, -2.0, 0.5, -0.7, 0.4, 0.9, -1.2}
	targets := []int{2, 0, -1, 3}
	tests := []struct{ eps, want float64 }{
		{0, 1.2059266394038277},
		{0.1, 1.2625933060704944},
		{0.3, 1.3759266394038276},
	}
	for _, tt := range tests {
		tp := NewTape[float64]()
		got := tp.SmoothedCrossEntropy(tp.Constant(x, 4, 4), targets, nil, tt.eps).Item()
		if math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("eps %v: got %.16g, want %.16g", tt.eps, got, tt.want)
		}
	}
}

// TestPerChannelMatchesBroadcast checks the per-channel fast path of Add
// and Mul against the operand broadcast explicitly.
func TestPerChannelMatchesBroadcast(t *testing.T) {
	for _, c := range []struct {
		name string
		a, b []int
		fast bool
		mul  bool
	}{
		{"bias NCHW add", []int{2, 3, 4, 5}, []int{2, 3, 1, 1}, true, false},
		{"per row mul", []int{3, 4}, []int{3, 1}, true, true},
		{"not trailing", []int{2, 3, 4}, []int{1, 3, 4}, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, ok := perChannel(c.a, c.b); ok != c.fast {
				t.Fatalf("perChannel(%v, %v) = %v", c.a, c.b, ok)
			}
			r := rand.New(rand.NewPCG(3, 4))
			pa, pb := randParam(r, "a", c.a...), randParam(r, "b", c.b...)
			tp := NewTape[float64]()
			a, b := tp.Param(pa), tp.Param(pb)
			op := tp.Add
			if c.mul {
				op = tp.Mul
			}
			got, want := op(a, b), op(a, tp.BroadcastTo(b, c.a...))
			for i := range want.Data {
				if got.Data[i] != want.Data[i] {
					t.Fatalf("element %d: %v, broadcast %v", i, got.Data[i], want.Data[i])
				}
			}
		})
	}
}

// TestGradientsOnReusedTape runs the same step twice on one tape, and once
// more on a tape whose new buffers hold NaN: the second run's gradient
// buffers come back from the arena holding the first run's values, so a
// backward pass that adds into a buffer it should overwrite gives
// different gradients (or NaN).
func TestGradientsOnReusedTape(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	px, py := randParam(r, "x", 4, 6, 3, 3), randParam(r, "y", 4, 6, 1, 1)
	tp := NewTape[float64]()
	run := func() [][]float64 {
		tp.Reset()
		ZeroGrads([]*par{px, py})
		x, y := tp.Param(px), tp.Param(py)
		a := tp.Add(tp.Mul(x, y), tp.Scale(x, 0.3))
		drop := rand.New(rand.NewPCG(7, 8)).Float64 // the same mask in both runs
		g := tp.GatedActivation(tp.Dropout(tp.Tanh(a), 0.3, drop), 1)
		s := tp.Softmax(tp.AddScalar(tp.Sigmoid(g), 1), -1)
		s = tp.Add(s, tp.Reshape(tp.SumAxis(tp.Tanh(s), 1), 4, 1, 3, 3))
		l := tp.LogSoftmax(tp.Div(tp.ReLU(tp.Sub(g, s)), tp.AddScalar(tp.Square(s), 1)), 2)
		l = tp.LayerNorm(tp.Scale(l, 2), nil, nil, 1e-5)
		if err := tp.Backward(tp.Mean(tp.Mul(l, l))); err != nil {
			t.Fatal(err)
		}
		return [][]float64{slices.Clone(px.Grad), slices.Clone(py.Grad)}
	}
	first, second := run(), run()
	tp = NewTape[float64]()
	tp.arena.poison = true // new buffers full of NaN: reading one shows
	third := run()
	for i := range first {
		if !slices.Equal(first[i], second[i]) || !slices.Equal(first[i], third[i]) {
			t.Fatalf("parameter %d: gradients differ on the reused tape or with poisoned buffers", i)
		}
	}
}

// TestBatchMatMulWide checks batched products with a wide transposed
// operand (the attention shapes that gemmWide computes transposed), forward
// and backward, against sums written out in float64.
func TestBatchMatMulWide(t *testing.T) {
	for _, c := range []struct {
		name           string
		sa, sb         []int
		transA, transB bool
	}{
		{"read: A·Bᵀ, few rows", []int{2, 3, 200}, []int{2, 100, 200}, false, true},
		{"scores: Aᵀ·B, gradient of A is wide", []int{2, 16, 200}, []int{2, 16, 150}, true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(9, 10))
			pa, pb := randParam(r, "a", c.sa...), randParam(r, "b", c.sb...)
			at := func(p *par, tr bool, bi, i, j int) float64 { // op(p)[bi][i][j]
				if tr {
					i, j = j, i
				}
				return p.Value[(bi*p.Shape[1]+i)*p.Shape[2]+j]
			}
			m, k := c.sa[1], c.sa[2]
			if c.transA {
				m, k = k, m
			}
			n := c.sb[2]
			if c.transB {
				n = c.sb[1]
			}
			tp := NewTape[float64]()
			out := tp.BatchMatMul(tp.Param(pa), tp.Param(pb), c.transA, c.transB)
			w := make([]float64, len(out.Data)) // loss Σ w·C
			for i := range w {
				w[i] = r.NormFloat64()
			}
			if err := tp.Backward(tp.Sum(tp.Mul(out, tp.Constant(w, out.Shape...)))); err != nil {
				t.Fatal(err)
			}
			ga, gb := make([]float64, len(pa.Value)), make([]float64, len(pb.Value))
			for bi := range 2 {
				for i := range m {
					for j := range n {
						var s float64
						for l := range k {
							s += at(pa, c.transA, bi, i, l) * at(pb, c.transB, bi, l, j)
						}
						o := (bi*m+i)*n + j
						if d := out.Data[o] - s; d > 1e-9 || d < -1e-9 {
							t.Fatalf("C[%d,%d,%d] = %v, want %v", bi, i, j, out.Data[o], s)
						}
						for l := range k { // dC/dA and dC/dB, mapped back through op
							ai, aj := i, l
							if c.transA {
								ai, aj = l, i
							}
							ga[(bi*pa.Shape[1]+ai)*pa.Shape[2]+aj] += w[o] * at(pb, c.transB, bi, l, j)
							bi2, bj := l, j
							if c.transB {
								bi2, bj = j, l
							}
							gb[(bi*pb.Shape[1]+bi2)*pb.Shape[2]+bj] += w[o] * at(pa, c.transA, bi, i, l)
						}
					}
				}
			}
			for _, g := range []struct {
				name      string
				got, want []float64
			}{{"A", pa.Grad, ga}, {"B", pb.Grad, gb}} {
				for i := range g.want {
					if d := g.got[i] - g.want[i]; d > 1e-9 || d < -1e-9 {
						t.Fatalf("gradient of %s[%d] = %v, want %v", g.name, i, g.got[i], g.want[i])
					}
				}
			}
		})
	}
}

// TestSparseMatMulBits checks the float32 sparse product and its gradient,
// bit for bit, against sums written out in the order the engine takes the
// terms (a's non-zeros in row order for the product, a's rows in order for
// the gradient), on rows long enough for the vector axpy and its tail.
func TestSparseMatMulBits(t *testing.T) {
	const m, k, n = 30, 200, 600
	r := rand.New(rand.NewPCG(5, 5))
	x := make([]float32, m*k)
	for i := range x {
		if r.Float64() < 0.1 {
			x[i] = float32(r.NormFloat64())
		}
	}
	w := NewParam[float32]("w", k, n)
	for i := range w.Value {
		w.Value[i] = float32(r.NormFloat64())
	}
	gy := make([]float32, m*n)
	for i := range gy {
		gy[i] = float32(r.NormFloat64())
	}
	tp := NewTape[float32]()
	y := tp.MatMul(tp.Constant(x, m, k), tp.Param(w))
	if err := tp.Backward(tp.Sum(tp.Mul(y, tp.Constant(gy, m, n)))); err != nil {
		t.Fatal(err)
	}
	for i := range m {
		for c := range n {
			var acc float32
			for j := range k {
				if a := x[i*k+j]; a != 0 {
					acc += a * w.Value[j*n+c]
				}
			}
			if got := y.Data[i*n+c]; math.Float32bits(got) != math.Float32bits(acc) {
				t.Fatalf("y[%d,%d] = %g, want %g", i, c, got, acc)
			}
		}
	}
	for j := range k {
		for c := range n {
			var acc float32
			for i := range m {
				if a := x[i*k+j]; a != 0 {
					acc += a * gy[i*n+c]
				}
			}
			if got := w.Grad[j*n+c]; math.Float32bits(got) != math.Float32bits(acc) {
				t.Fatalf("dW[%d,%d] = %g, want %g", j, c, got, acc)
			}
		}
	}
}

// TestSumAxisBits checks float32 SumAxis over every axis (inner sizes 1,
// short and long enough for the vector loop), forward and backward, bit for
// bit against sums written out in axis order; the input is used twice, so
// its gradient is both written and added to.
func TestSumAxisBits(t *testing.T) {
	shape := []int{3, 4, 9, 2}
	r := rand.New(rand.NewPCG(6, 6))
	for axis := range shape {
		a := NewParam[float32]("a", shape...)
		for i := range a.Value {
			a.Value[i] = float32(r.NormFloat64())
		}
		outer, dim, inner := axisSplit(shape, axis)
		g1, g2 := make([]float32, outer*inner), make([]float32, outer*inner)
		for i := range g1 {
			g1[i], g2[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
		}
		tp := NewTape[float32]()
		x := tp.Param(a)
		y1, y2 := tp.SumAxis(x, axis), tp.SumAxis(x, axis)
		loss := tp.Add(tp.Sum(tp.Mul(y1, tp.Constant(g1, y1.Shape...))), tp.Sum(tp.Mul(y2, tp.Constant(g2, y2.Shape...))))
		if err := tp.Backward(loss); err != nil {
			t.Fatal(err)
		}
		for o := range outer {
			for i := range inner {
				var s float32
				for d := range dim {
					s += a.Value[(o*dim+d)*inner+i]
				}
				if got := y1.Data[o*inner+i]; math.Float32bits(got) != math.Float32bits(s) {
					t.Fatalf("axis %d: sum[%d,%d] = %g, want %g", axis, o, i, got, s)
				}
				for d := range dim {
					// The second use's backward runs first (reverse order).
					want := g2[o*inner+i] + g1[o*inner+i]
					if got := a.Grad[(o*dim+d)*inner+i]; math.Float32bits(got) != math.Float32bits(want) {
						t.Fatalf("axis %d: grad[%d,%d,%d] = %g, want %g", axis, o, d, i, got, want)
					}
				}
			}
		}
	}
}

// TestBatchMatMulRows: a product with the first rows rows of each of b's
// matrices gives the bits, and the gradients, of BatchMatMul with those
// rows copied out; the rows past them get no gradient.
func TestBatchMatMulRows(t *testing.T) {
	const batch, m, room, rows, e = 3, 2, 7, 5, 4
	for _, c := range []struct {
		name   string
		transB bool
		a      []int // a's shape
	}{
		{"scores: q·Kᵀ", true, []int{batch, m, e}},
		{"read: weights·V", false, []int{batch, m, rows}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(4, 5))
			pa, pb := randParam(r, "a", c.a...), randParam(r, "b", batch, room, e)
			cut := &Param[float64]{Name: "cut", Shape: []int{batch, rows, e}}
			for i := range batch {
				cut.Value = append(cut.Value, pb.Value[i*room*e:(i*room+rows)*e]...)
			}
			cut.Grad = make([]float64, len(cut.Value))
			run := func(b *Param[float64], mul func(tp *Tape[float64], a, b *Tensor[float64]) *Tensor[float64]) []float64 {
				tp := NewTape[float64]()
				out := mul(tp, tp.Param(pa), tp.Param(b))
				if err := tp.Backward(tp.Sum(tp.Mul(out, out))); err != nil {
					t.Fatal(err)
				}
				return out.Data
			}
			clear(pa.Grad)
			want := run(cut, func(tp *Tape[float64], a, b *Tensor[float64]) *Tensor[float64] {
				return tp.BatchMatMul(a, b, false, c.transB)
			})
			wantGA := slices.Clone(pa.Grad)
			clear(pa.Grad)
			got := run(pb, func(tp *Tape[float64], a, b *Tensor[float64]) *Tensor[float64] {
				return tp.BatchMatMulRows(a, b, rows, false, c.transB)
			})
			if !slices.Equal(got, want) {
				t.Errorf("product %v, want %v", got, want)
			}
			if !slices.Equal(pa.Grad, wantGA) {
				t.Errorf("gradient of a %v, want %v", pa.Grad, wantGA)
			}
			for i := range batch {
				if g, w := pb.Grad[i*room*e:(i*room+rows)*e], cut.Grad[i*rows*e:(i+1)*rows*e]; !slices.Equal(g, w) {
					t.Errorf("matrix %d: gradient of b's rows %v, want %v", i, g, w)
				}
				for _, g := range pb.Grad[(i*room+rows)*e : (i+1)*room*e] {
					if g != 0 {
						t.Fatalf("matrix %d: a row past the filled ones has gradient %v", i, g)
					}
				}
			}
		})
	}
}
