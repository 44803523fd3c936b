package multitask

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/metabench/metabench/nn"
	"github.com/metabench/metabench/nn/layers"
	"github.com/metabench/metabench/nn/optim"
)

// NetConfig configures a (multitask) network: a trunk of ReLU layers
// with dropout and one two-class softmax head per task.
type NetConfig struct {
	Hidden      []int   `json:"hidden"` // [1200]; the pyramidal net is [2000, 100]
	Dropout     float64 `json:"dropout"`
	Epochs      int     `json:"epochs"`
	Batch       int     `json:"batch"`
	LR          float64 `json:"lr"`
	WeightDecay float64 `json:"weight_decay"`
}

// Net is a trained network.
type Net struct {
	Cfg   NetConfig
	Bits  int
	Tasks int
	Trunk []*layers.Linear[float32]
	Head  *layers.Linear[float32] // [last hidden, 2·tasks]
}

// Limits of a network's shape.
const (
	MaxHidden = 16384
	MaxLayers = 8
)

func (c NetConfig) validate() error {
	if len(c.Hidden) == 0 || len(c.Hidden) > MaxLayers {
		return fmt.Errorf("net: %d hidden layers, want 1..%d", len(c.Hidden), MaxLayers)
	}
	for _, h := range c.Hidden {
		if h < 1 || h > MaxHidden {
			return fmt.Errorf("net: hidden width %d, want 1..%d", h, MaxHidden)
		}
	}
	switch {
	case !(c.Dropout >= 0 && c.Dropout < 1):
		return fmt.Errorf("net: dropout %v, want [0,1)", c.Dropout)
	case c.Epochs < 0 || c.Batch < 1:
		return fmt.Errorf("net: %d epochs, batch %d", c.Epochs, c.Batch)
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return fmt.Errorf("net: learning rate %v", c.LR)
	}
	return nil
}

// NewNet returns an untrained network for tasks tasks, initialised from
// seed.
func NewNet(cfg NetConfig, bits, tasks int, seed uint64) (*Net, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if tasks < 1 || bits < 1 {
		return nil, fmt.Errorf("net: %d tasks, %d bits", tasks, bits)
	}
	r := rand.New(rand.NewPCG(seed, 0x6e6574))
	n := &Net{Cfg: cfg, Bits: bits, Tasks: tasks}
	in := bits
	for k, h := range cfg.Hidden {
		n.Trunk = append(n.Trunk, layers.NewLinear[float32](r, fmt.Sprintf("trunk%d", k), in, h, layers.LinearOpts{}))
		in = h
	}
	n.Head = layers.NewLinear[float32](r, "head", in, 2*tasks, layers.LinearOpts{})
	return n, nil
}

// Params returns every parameter, trunk first.
func (n *Net) Params() []*nn.Param[float32] {
	var ps []*nn.Param[float32]
	for _, l := range n.Trunk {
		ps = append(ps, l.Params()...)
	}
	return append(ps, n.Head.Params()...)
}

// dense writes rows idx of x as a 0/1 matrix.
func dense(dst []float32, x Data, idx []int) {
	clear(dst)
	for k, i := range idx {
		row := dst[k*x.Bits : (k+1)*x.Bits]
		for _, b := range x.X[i] {
			row[b] = 1
		}
	}
}

func (n *Net) forward(tp *nn.Tape[float32], in *nn.Tensor[float32], rnd func() float64) *nn.Tensor[float32] {
	h := in
	for _, l := range n.Trunk {
		h = tp.ReLU(l.Forward(tp, h))
		if rnd != nil {
			h = tp.Dropout(h, n.Cfg.Dropout, rnd)
		}
	}
	return n.Head.Forward(tp, h)
}

// Train fits the network to d (all its tasks) by Adam on shuffled
// minibatches: per-task softmax cross-entropy, actives and inactives of
// each task weighted to equal total weight, missing labels masked out.
func (n *Net) Train(ctx context.Context, d Data, seed uint64) error {
	_, err := n.train(ctx, d, seed, nil)
	return err
}

// TrainTraced is Train that also returns the trace file (optim.Trace) of
// the weights: their fingerprints after steps 1, 10, 100, … and at the
// end. The weights are those Train gives.
func (n *Net) TrainTraced(ctx context.Context, d Data, seed uint64) ([]byte, error) {
	trace := optim.NewTrace(n.Params())
	steps, err := n.train(ctx, d, seed, trace)
	if err != nil {
		return nil, err
	}
	return trace.CSV(steps), nil
}

// train is Train, observing every step into trace (if not nil); it returns
// the number of steps taken.
func (n *Net) train(ctx context.Context, d Data, seed uint64, trace *optim.Trace[float32]) (int, error) {
	if d.Tasks() != n.Tasks || d.Bits != n.Bits {
		return 0, fmt.Errorf("net: data of %d tasks and %d bits for a net of %d and %d", d.Tasks(), d.Bits, n.Tasks, n.Bits)
	}
	T := n.Tasks
	wPos, wNeg := make([]float32, T), make([]float32, T)
	col := make([]int8, d.Rows())
	for t := range T {
		for i, row := range d.Y {
			col[i] = row[t]
		}
		p, q := classWeights(col)
		wPos[t], wNeg[t] = float32(p), float32(q)
	}
	g := optim.NewGroup("all", n.Params()...)
	g.WeightDecay = n.Cfg.WeightDecay
	opt := optim.NewAdam(optim.Config{LR: n.Cfg.LR}, optim.AdamOpts{}, g)
	r := rand.New(rand.NewPCG(seed, 0x747261696e))
	drop := rand.New(rand.NewPCG(seed, 0x64726f70))
	tp := nn.NewTape[float32]()
	B := n.Cfg.Batch
	buf := make([]float32, B*n.Bits)
	targets := make([]int, B*T)
	weights := make([]float32, B*T)
	for range n.Cfg.Epochs {
		perm := r.Perm(d.Rows())
		for s := 0; s < len(perm); s += B {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
			idx := perm[s:min(s+B, len(perm))]
			b := len(idx)
			dense(buf[:b*n.Bits], d, idx)
			any := false
			for k, i := range idx {
				for t := range T {
					j := k*T + t
					switch d.Y[i][t] {
					case 1:
						targets[j], weights[j] = 1, wPos[t]
						any = true
					case 0:
						targets[j], weights[j] = 0, wNeg[t]
						any = true
					default:
						targets[j], weights[j] = -1, 0
					}
				}
			}
			if !any {
				continue
			}
			tp.Reset()
			logits := n.forward(tp, tp.Constant(buf[:b*n.Bits], b, n.Bits), drop.Float64)
			loss := tp.CrossEntropy(tp.Reshape(logits, b*T, 2), targets[:b*T], weights[:b*T])
			if err := tp.Backward(loss); err != nil {
				return 0, fmt.Errorf("net: %w", err)
			}
			if err := opt.Step(); err != nil {
				return 0, fmt.Errorf("net: %w", err)
			}
			trace.Observe(opt.Steps())
			opt.ZeroGrad()
		}
	}
	return opt.Steps(), nil
}

// Predict returns, per row and task, the probability of the active class.
func (n *Net) Predict(x Data) [][]float64 {
	out := make([][]float64, x.Rows())
	tp := nn.NewTape[float32]()
	tp.SetNoGrad(true)
	const B = 512
	buf := make([]float32, B*n.Bits)
	idx := make([]int, 0, B)
	for s := 0; s < x.Rows(); s += B {
		idx = idx[:0]
		for i := s; i < min(s+B, x.Rows()); i++ {
			idx = append(idx, i)
		}
		b := len(idx)
		dense(buf[:b*n.Bits], x, idx)
		tp.Reset()
		logits := n.forward(tp, tp.Constant(buf[:b*n.Bits], b, n.Bits), nil)
		for k := range b {
			p := make([]float64, n.Tasks)
			for t := range n.Tasks {
				l0, l1 := float64(logits.Data[k*2*n.Tasks+2*t]), float64(logits.Data[k*2*n.Tasks+2*t+1])
				p[t] = 1 / (1 + math.Exp(l0-l1))
			}
			out[s+k] = p
		}
	}
	return out
}

// WithNewHead returns a copy of n's trunk (cloned parameters) under a new
// head for tasks tasks: the start of fine-tuning a pretrained network on
// held-out tasks.
func (n *Net) WithNewHead(tasks int, seed uint64) (*Net, error) {
	m, err := NewNet(n.Cfg, n.Bits, tasks, seed)
	if err != nil {
		return nil, err
	}
	for k, l := range n.Trunk {
		copy(m.Trunk[k].W.Value, l.W.Value)
		copy(m.Trunk[k].B.Value, l.B.Value)
	}
	return m, nil
}

// Column returns task t's predictions from a Predict result.
func Column(p [][]float64, t int) []float64 {
	out := make([]float64, len(p))
	for i, row := range p {
		out[i] = row[t]
	}
	return out
}
