package layers

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/metabench/metabench/nn"
	"github.com/metabench/metabench/nn/optim"
)

type f32 = nn.Tensor[float32]

// train runs steps of Adam on loss and returns the last loss.
func train(t *testing.T, params []*nn.Param[float32], lr float64, steps int, loss func(tp *nn.Tape[float32], step int) *f32) float32 {
	t.Helper()
	o := optim.NewAdam(optim.Config{LR: lr}, optim.AdamOpts{}, optim.NewGroup("all", params...))
	tp := nn.NewTape[float32]()
	var last float32
	for s := range steps {
		tp.Reset()
		l := loss(tp, s)
		last = l.Item()
		if err := tp.Backward(l); err != nil {
			t.Fatalf("step %d: %v", s, err)
		}
		if err := o.Step(); err != nil {
			t.Fatalf("step %d: %v", s, err)
		}
		o.ZeroGrad()
	}
	return last
}

func TestLearnXOR(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	l1 := NewLinear[float32](r, "l1", 2, 8, LinearOpts{})
	l2 := NewLinear[float32](r, "l2", 8, 1, LinearOpts{})
	x := []float32{0, 0, 0, 1, 1, 0, 1, 1}
	y := []float32{0, 1, 1, 0}
	logits := func(tp *nn.Tape[float32]) *f32 {
		return l2.Forward(tp, tp.Tanh(l1.Forward(tp, tp.Constant(x, 4, 2))))
	}
	loss := train(t, CollectParams[float32](l1, l2), 0.05, 500, func(tp *nn.Tape[float32], _ int) *f32 {
		return tp.BCEWithLogits(logits(tp), y, nil)
	})
	out := logits(nn.NewTape[float32]())
	for i, v := range out.Data {
		if (v > 0) != (y[i] == 1) {
			t.Fatalf("XOR not learned: logits %v (loss %v)", out.Data, loss)
		}
	}
	if loss > 0.05 {
		t.Fatalf("final loss %v, want < 0.05", loss)
	}
}

// TestLearnReverseCopyWithAttention trains a one-block Transformer encoder to
// output its input sequence reversed, which needs attention across
// positions, and checks per-token accuracy on held-out sequences.
func TestLearnReverseCopyWithAttention(t *testing.T) {
	const vocab, seq, dim, batch = 8, 6, 32, 32
	r := rand.New(rand.NewPCG(2, 2))
	emb := NewEmbedding[float32](r, "tok", vocab, dim, 0.5)
	pos := NewEmbedding[float32](r, "pos", seq, dim, 0.5)
	enc := NewEncoderBlock[float32](r, "enc", dim, 2, 64)
	ln := NewLayerNorm[float32]("lnf", dim)
	out := NewLinear[float32](r, "out", dim, vocab, LinearOpts{})
	params := CollectParams[float32](emb, pos, enc, ln, out)
	posIDs := make([]int, batch*seq)
	for i := range posIDs {
		posIDs[i] = i % seq
	}
	sample := func(r *rand.Rand) (in, target []int) {
		in, target = make([]int, batch*seq), make([]int, batch*seq)
		for b := range batch {
			for s := range seq {
				in[b*seq+s] = r.IntN(vocab)
			}
			for s := range seq {
				target[b*seq+s] = in[b*seq+seq-1-s]
			}
		}
		return in, target
	}
	logits := func(tp *nn.Tape[float32], in []int) *f32 {
		h := tp.Add(emb.Forward(tp, in), pos.Forward(tp, posIDs))
		h = enc.Forward(tp, tp.Reshape(h, batch, seq, dim), nil, nil)
		return out.Forward(tp, ln.Forward(tp, h))
	}
	data := rand.New(rand.NewPCG(3, 3))
	train(t, params, 3e-3, 600, func(tp *nn.Tape[float32], _ int) *f32 {
		in, target := sample(data)
		return tp.CrossEntropy(logits(tp, in), target, nil)
	})
	held := rand.New(rand.NewPCG(99, 99))
	correct, total := 0, 0
	for range 4 {
		in, target := sample(held)
		tp := nn.NewTape[float32]()
		tp.SetNoGrad(true)
		lg := logits(tp, in)
		for i, want := range target {
			row := lg.Data[i*vocab : (i+1)*vocab]
			best := 0
			for j, v := range row {
				if v > row[best] {
					best = j
				}
			}
			if best == want {
				correct++
			}
			total++
		}
	}
	if acc := float64(correct) / float64(total); acc < 0.95 {
		t.Fatalf("held-out token accuracy %.3f, want ≥ 0.95", acc)
	}
}

// barImages returns n 8×8 binary images, each either vertical or horizontal
// bars with every bar on with probability 1/2.
func barImages(r *rand.Rand, n int) []float32 {
	const side = 8
	x := make([]float32, n*side*side)
	for i := range n {
		vertical := r.IntN(2) == 0
		on := make([]bool, side)
		for j := range on {
			on[j] = r.IntN(2) == 0
		}
		for y := range side {
			for c := range side {
				k := y
				if vertical {
					k = c
				}
				if on[k] {
					x[i*side*side+y*side+c] = 1
				}
			}
		}
	}
	return x
}

// TestLearnPixelCNN trains a small gated PixelCNN on bar images. An
// independent-pixel model scores ln 2 ≈ 0.693 nats/pixel; the true entropy
// is about 0.11. The held-out NLL must fall below 0.25.
func TestLearnPixelCNN(t *testing.T) {
	const batch, side = 16, 8
	r := rand.New(rand.NewPCG(4, 4))
	m := NewPixelCNN[float32](r, "pcnn", 4, 16, 5, 0)
	data := rand.New(rand.NewPCG(5, 5))
	train(t, m.Params(), 5e-3, 400, func(tp *nn.Tape[float32], _ int) *f32 {
		return m.NLL(tp, tp.Constant(barImages(data, batch), batch, 1, side, side), nil)
	})
	held := barImages(rand.New(rand.NewPCG(77, 77)), 64)
	tp := nn.NewTape[float32]()
	tp.SetNoGrad(true)
	nll := m.NLL(tp, tp.Constant(held, 64, 1, side, side), nil).Item()
	t.Logf("held-out NLL %.3f nats/pixel", nll)
	if math.IsNaN(float64(nll)) || nll > 0.25 {
		t.Fatalf("held-out NLL %.3f nats/pixel, want < 0.25", nll)
	}
}

// trainSmall trains an encoder block with dropout for 100 steps and returns
// its final weights. The feed-forward products (64·64·256 multiply-adds) are
// large enough for the matrix multiply to split work across goroutines.
func trainSmall(t *testing.T) [][]float32 {
	const batch, seq, dim = 8, 8, 64
	r := rand.New(rand.NewPCG(8, 8))
	enc := NewEncoderBlock[float32](r, "enc", dim, 2, 256)
	enc.Dropout = 0.1
	x, y := make([]float32, batch*seq*dim), make([]float32, batch*seq*dim)
	for i := range x {
		x[i], y[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
	}
	drop := rand.New(rand.NewPCG(9, 9))
	train(t, enc.Params(), 1e-3, 100, func(tp *nn.Tape[float32], _ int) *f32 {
		return tp.MSE(enc.Forward(tp, tp.Constant(x, batch, seq, dim), CausalMask(seq), drop.Float64), y)
	})
	var w [][]float32
	for _, p := range enc.Params() {
		w = append(w, append([]float32(nil), p.Value...))
	}
	return w
}

func TestDeterministicTraining(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var runs [][][]float32
	for _, procs := range []int{1, 2, 1} {
		runtime.GOMAXPROCS(procs)
		runs = append(runs, trainSmall(t))
	}
	for k := 1; k < len(runs); k++ {
		for i := range runs[0] {
			for j := range runs[0][i] {
				if math.Float32bits(runs[0][i][j]) != math.Float32bits(runs[k][i][j]) {
					t.Fatalf("run %d: parameter %d element %d differs: %v vs %v", k, i, j, runs[0][i][j], runs[k][i][j])
				}
			}
		}
	}
}
