package nnbench

import (
	"fmt"
	"math/rand/v2"

	"github.com/metabench/metabench/nn"
	"github.com/metabench/metabench/nn/layers"
	"github.com/metabench/metabench/nn/optim"
)

// trainer runs one training step of a benchmark model on a fixed batch.
type trainer struct {
	name, desc string
	tp         *nn.Tape[float32]
	opt        *optim.Optimizer[float32]
	loss       func(tp *nn.Tape[float32]) *nn.Tensor[float32]
	// custom, if set, is the whole step (a suite's own training step that
	// is more than loss, backward and one update, e.g. FOMAML's).
	custom func() (float32, error)
}

// step performs forward, backward and an optimiser update, returning the
// loss before the update.
func (t *trainer) step() (float32, error) {
	if t.custom != nil {
		v, err := t.custom()
		if err != nil {
			return 0, fmt.Errorf("%s: %w", t.name, err)
		}
		return v, nil
	}
	t.tp.Reset()
	l := t.loss(t.tp)
	v := l.Item()
	if err := t.tp.Backward(l); err != nil {
		return 0, fmt.Errorf("%s: %w", t.name, err)
	}
	if err := t.opt.Step(); err != nil {
		return 0, fmt.Errorf("%s: %w", t.name, err)
	}
	t.opt.ZeroGrad()
	return v, nil
}

func newTrainer(name, desc string, params []*nn.Param[float32], loss func(tp *nn.Tape[float32]) *nn.Tensor[float32]) *trainer {
	return &trainer{
		name: name, desc: desc,
		tp:   nn.NewTape[float32](),
		opt:  optim.NewAdam(optim.Config{LR: 1e-3}, optim.AdamOpts{}, optim.NewGroup("all", params...)),
		loss: loss,
	}
}

func randn(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	return x
}

func bits(r *rand.Rand, n int, p float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		if r.Float64() < p {
			x[i] = 1
		}
	}
	return x
}

// Model names, in report order.
const (
	ModelMLP       = "mlp"
	ModelMLPDense  = "mlp-dense"
	ModelAttention = "attention"
	ModelPixelCNN  = "pixelcnn"
	ModelLSTM      = "lstm"
	// ModelTransformer is the nmt suite's quick-profile Transformer.
	ModelTransformer = "transformer"
)

// Models lists the training benchmarks in report order.
func Models() []string {
	return append([]string{ModelMLP, ModelMLPDense, ModelAttention, ModelPixelCNN, ModelLSTM, ModelTransformer}, realModels()...)
}

// newModel builds a model; the real steps take their data from d, which
// must have been prepared for them by newRealData.
func newModel(name string, seed uint64, d *realData) (*trainer, error) {
	r := rand.New(rand.NewPCG(seed, 0x6e6e))
	switch name {
	case ModelNMTULR, ModelNMTFOMAML:
		if d == nil || d.nmt == nil {
			return nil, fmt.Errorf("nnbench: %s: no nmt data prepared", name)
		}
		return newNMT(name, seed, d)
	case ModelDensityGated, ModelDensityAttention:
		if d == nil || d.Inputs.Density[name] == nil {
			return nil, fmt.Errorf("nnbench: %s: no density data prepared", name)
		}
		return newDensity(name, seed, d)
	case ModelImitationBC:
		if d == nil || d.imitation == nil {
			return nil, fmt.Errorf("nnbench: %s: no imitation data prepared", name)
		}
		return newImitation(seed, d)
	case ModelMLP:
		return newMLP(r, false), nil
	case ModelMLPDense:
		return newMLP(r, true), nil
	case ModelAttention:
		return newAttention(r), nil
	case ModelPixelCNN:
		return newPixelCNN(r), nil
	case ModelLSTM:
		return newLSTM(r), nil
	case ModelTransformer:
		return newTransformer(r)
	}
	return nil, fmt.Errorf("nnbench: unknown model %q (want one of %v)", name, Models())
}

// newMLP is the multitask drug-discovery network: 1024 fingerprint bits →
// 2000 → 100 (ReLU) → 10 sigmoid heads, batch 128, BCE, Adam. The inputs
// are binary fingerprints with 10% of bits set, for which the engine uses a
// sparse product in the first layer; dense selects Gaussian inputs instead,
// which forces the dense BLAS path (the cost PyTorch pays either way).
func newMLP(r *rand.Rand, dense bool) *trainer {
	const batch, in, h1, h2, heads = 128, 1024, 2000, 100, 10
	l1 := layers.NewLinear[float32](r, "l1", in, h1, layers.LinearOpts{})
	l2 := layers.NewLinear[float32](r, "l2", h1, h2, layers.LinearOpts{})
	l3 := layers.NewLinear[float32](r, "heads", h2, heads, layers.LinearOpts{})
	name, desc := ModelMLP, "MLP 1024→2000→100→10 sigmoid heads, batch 128, 10%-dense binary input"
	x := bits(r, batch*in, 0.1)
	if dense {
		name, desc = ModelMLPDense, "same MLP, dense Gaussian input"
		x = randn(r, batch*in)
	}
	y := bits(r, batch*heads, 0.3)
	return newTrainer(name, desc,
		layers.CollectParams[float32](l1, l2, l3),
		func(tp *nn.Tape[float32]) *nn.Tensor[float32] {
			h := tp.ReLU(l1.Forward(tp, tp.Constant(x, batch, in)))
			h = tp.ReLU(l2.Forward(tp, h))
			return tp.BCEWithLogits(l3.Forward(tp, h), y, nil)
		})
}

// newAttention is one single-head self-attention block (batch 32, 10
// tokens, d = 64) with a residual connection, then a residual MLP
// 64→256→64 (ReLU); MSE to a random target, Adam.
func newAttention(r *rand.Rand) *trainer {
	const batch, tokens, d, hidden = 32, 10, 64, 256
	att := layers.NewMultiHeadAttention[float32](r, "attn", d, 1)
	f1 := layers.NewLinear[float32](r, "ff1", d, hidden, layers.LinearOpts{})
	f2 := layers.NewLinear[float32](r, "ff2", hidden, d, layers.LinearOpts{})
	x := randn(r, batch*tokens*d)
	y := randn(r, batch*tokens*d)
	return newTrainer(ModelAttention, "attention block B=32 T=10 d=64 1 head + MLP 64→256→64",
		layers.CollectParams[float32](att, f1, f2),
		func(tp *nn.Tape[float32]) *nn.Tensor[float32] {
			xt := tp.Constant(x, batch, tokens, d)
			h := tp.Add(xt, att.Forward(tp, xt, xt, nil, nil))
			h = tp.Add(h, f2.Forward(tp, tp.ReLU(f1.Forward(tp, h))))
			return tp.MSE(h, y)
		})
}

// newPixelCNN is a gated masked-convolution PixelCNN: a 7×7 mask-A layer
// and four 3×3 mask-B layers of 32 channels on 28×28 binary images, batch
// 16, Bernoulli NLL, Adam.
func newPixelCNN(r *rand.Rand) *trainer {
	const batch, side, channels, nLayers = 16, 28, 32, 5
	m := layers.NewPixelCNN[float32](r, "pcnn", nLayers, channels, 7, 0)
	x := bits(r, batch*side*side, 0.2)
	return newTrainer(ModelPixelCNN, "gated PixelCNN 5 layers × 32 ch, 28×28, batch 16",
		m.Params(),
		func(tp *nn.Tape[float32]) *nn.Tensor[float32] {
			return m.NLL(tp, tp.Constant(x, batch, 1, side, side), nil)
		})
}

// newLSTM unrolls an LSTM cell (input 64, hidden 64) over 20 steps at batch
// 32; MSE of the final hidden state to a random target, Adam.
func newLSTM(r *rand.Rand) *trainer {
	const batch, steps, in, hidden = 32, 20, 64, 64
	cell := layers.NewLSTMCell[float32](r, "lstm", in, hidden)
	xs := make([][]float32, steps)
	for i := range xs {
		xs[i] = randn(r, batch*in)
	}
	y := randn(r, batch*hidden)
	return newTrainer(ModelLSTM, "LSTM cell 64→64 unrolled 20 steps, batch 32",
		cell.Params(),
		func(tp *nn.Tape[float32]) *nn.Tensor[float32] {
			var h, c *nn.Tensor[float32]
			for _, x := range xs {
				h, c = cell.Step(tp, tp.Constant(x, batch, in), h, c)
			}
			return tp.MSE(h, y)
		})
}
