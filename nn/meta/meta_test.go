package meta

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/metabench/metabench/nn"
)

type toy struct {
	theta, phi []*nn.Param[float64]
	inner      LossFunc[float64]
	outer      LossFunc[float64]
}

// newToy builds a nonlinear regression (prediction tanh(x·W1)·w2) whose inner
// loss is learned: per-example weights softplus(φ₀ + φ₁·x₀) on squared
// errors plus an L2 penalty φ₂·‖W1‖².
func newToy(seed uint64) *toy {
	r := rand.New(rand.NewPCG(seed, 1))
	randP := func(name string, scale float64, shape ...int) *nn.Param[float64] {
		p := nn.NewParam[float64](name, shape...)
		for i := range p.Value {
			p.Value[i] = scale * r.NormFloat64()
		}
		return p
	}
	w1, w2 := randP("W1", 0.7, 3, 4), randP("w2", 0.7, 4, 1)
	phi := randP("phi", 0.5, 3)
	data := func(n int) ([]float64, []float64) {
		x, y := make([]float64, n*3), make([]float64, n)
		for i := range n {
			for j := range 3 {
				x[i*3+j] = r.NormFloat64()
			}
			y[i] = math.Sin(x[i*3]) + 0.5*x[i*3+1]
		}
		return x, y
	}
	sx, sy := data(6)
	qx, qy := data(5)
	pred := func(tp *nn.Tape[float64], x []float64, n int) *nn.Tensor[float64] {
		h := tp.Tanh(tp.MatMul(tp.Constant(x, n, 3), tp.Param(w1)))
		return tp.MatMul(h, tp.Param(w2))
	}
	t := &toy{theta: []*nn.Param[float64]{w1, w2}, phi: []*nn.Param[float64]{phi}}
	t.inner = func(tp *nn.Tape[float64]) *nn.Tensor[float64] {
		p := tp.Param(phi)
		ph := tp.Slice(p, 0, 0, 2)
		x0 := make([]float64, 6*2)
		for i := range 6 {
			x0[i*2], x0[i*2+1] = 1, sx[i*3]
		}
		// softplus(z) = log(1 + exp(z)).
		wts := tp.Log(tp.AddScalar(tp.Exp(tp.MatMul(tp.Constant(x0, 6, 2), tp.Reshape(ph, 2, 1))), 1))
		err := tp.Square(tp.Sub(pred(tp, sx, 6), tp.Constant(sy, 6, 1)))
		l2 := tp.Mul(tp.Slice(p, 0, 2, 3), tp.Sum(tp.Square(tp.Param(w1))))
		return tp.Add(tp.Mean(tp.Mul(wts, err)), l2)
	}
	t.outer = func(tp *nn.Tape[float64]) *nn.Tensor[float64] {
		return tp.MSE(pred(tp, qx, 5), qy)
	}
	return t
}

// objective runs the inner loop without any second-order machinery and
// returns the outer loss, for finite differencing.
func (t *toy) objective(alpha float64, steps int) float64 {
	fast := nn.CloneParams(t.theta)
	for range steps {
		if _, err := GradAt(t.theta, fast, t.inner); err != nil {
			panic(err)
		}
		sgdStep(fast, alpha)
	}
	tp := nn.NewTape[float64]()
	tp.SubstituteParams(t.theta, fast)
	return t.outer(tp).Item()
}

func TestLearnedLossMetaGradMatchesFiniteDifferences(t *testing.T) {
	tests := []struct {
		name  string
		steps int
	}{{"one step", 1}, {"three steps", 3}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			toy := newToy(11)
			const alpha = 0.3
			m := &LearnedLoss[float64]{Theta: toy.theta, Phi: toy.phi, Inner: toy.inner, Outer: toy.outer,
				Alpha: alpha, Steps: tt.steps}
			nn.ZeroGrads(toy.theta)
			nn.ZeroGrads(toy.phi)
			if _, err := m.MetaGrad(); err != nil {
				t.Fatal(err)
			}
			var worst float64
			all := append(append([]*nn.Param[float64](nil), toy.theta...), toy.phi...)
			got := make([][]float64, len(all)) // objective() clobbers φ's Grad
			for i, p := range all {
				got[i] = append([]float64(nil), p.Grad...)
			}
			if got[len(all)-1][0] == 0 {
				t.Fatal("zero φ gradient")
			}
			for pi, p := range all {
				for j := range p.Value {
					v := p.Value[j]
					const h = 1e-5
					p.Value[j] = v + h
					fp := toy.objective(alpha, tt.steps)
					p.Value[j] = v - h
					fm := toy.objective(alpha, tt.steps)
					p.Value[j] = v
					num := (fp - fm) / (2 * h)
					a := got[pi][j]
					e := math.Abs(a-num) / math.Max(math.Max(math.Abs(num), math.Abs(a)), 1e-3)
					worst = math.Max(worst, e)
					if e > 1e-5 {
						t.Errorf("%s[%d]: meta-gradient %.9g, finite differences %.9g", p.Name, j, a, num)
					}
				}
			}
			t.Logf("max relative error %.2g", worst)
		})
	}
}

func TestFOMAMLLearnsInitialisation(t *testing.T) {
	// Tasks: fit y = a·x + a with a task-specific a ∈ [2, 3]. A good
	// initialisation sits near a ≈ 2.5 so one inner step suffices.
	w := nn.NewParam[float64]("w", 2)
	r := rand.New(rand.NewPCG(3, 3))
	task := func() Task[float64] {
		a := 2 + r.Float64()
		mk := func(n int) LossFunc[float64] {
			x, y := make([]float64, n*2), make([]float64, n)
			for i := range n {
				v := r.NormFloat64()
				x[i*2], x[i*2+1], y[i] = v, 1, a*v+a
			}
			return func(tp *nn.Tape[float64]) *nn.Tensor[float64] {
				return tp.MSE(tp.MatMul(tp.Constant(x, n, 2), tp.Reshape(tp.Param(w), 2, 1)), y)
			}
		}
		return Task[float64]{Support: mk(5), Query: mk(5)}
	}
	var first, last float64
	for it := range 200 {
		w.ZeroGrad()
		tasks := []Task[float64]{task(), task(), task(), task()}
		l, err := FOMAML([]*nn.Param[float64]{w}, tasks, 0.1, 1)
		if err != nil {
			t.Fatal(err)
		}
		for i := range w.Value {
			w.Value[i] -= 0.05 * w.Grad[i]
		}
		if it < 10 {
			first += l / 10
		}
		if it >= 190 {
			last += l / 10
		}
	}
	if last > first/10 {
		t.Fatalf("query loss after adaptation went from %.3g to %.3g, want a 10× drop", first, last)
	}
}
