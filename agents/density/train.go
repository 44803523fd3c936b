package density

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"time"

	"github.com/metabench/metabench/envs/images"
	"github.com/metabench/metabench/internal/atomicfile"
	"github.com/metabench/metabench/internal/parallel"
	"github.com/metabench/metabench/nn"
	"github.com/metabench/metabench/nn/optim"
)

// TrainConfig sets up training.
type TrainConfig struct {
	Steps    int     `json:"steps"`
	Batch    int     `json:"batch"`    // episodes per step
	LR       float64 `json:"lr"`       // Adam
	Supports []int   `json:"supports"` // support sizes drawn per step
	Seed     uint64  `json:"seed"`     // episodes
	// Chunks splits each batch into this many parts, each on its own tape
	// and model copy (run in parallel); their gradients are summed in chunk
	// order, so the result does not depend on the number of workers.
	Chunks  int `json:"chunks"`
	Workers int `json:"-"`
	// Trace, if set, makes Train record the fingerprints of the weights
	// along training into TrainStats.Trace (optim.Trace).
	Trace bool `json:"-"`
}

// Validate reports the first bad field.
func (c TrainConfig) Validate() error {
	switch {
	case c.Steps < 0 || c.Steps > 10_000_000:
		return fmt.Errorf("density: %d training steps, want 0..1e7", c.Steps)
	case c.Batch < 1 || c.Batch > 4096:
		return fmt.Errorf("density: batch %d, want 1..4096", c.Batch)
	case !(c.LR > 0 && c.LR < 1):
		return fmt.Errorf("density: learning rate %v, want in (0, 1)", c.LR)
	case len(c.Supports) == 0:
		return fmt.Errorf("density: no support sizes to train on")
	case c.Chunks < 1 || c.Chunks > c.Batch:
		return fmt.Errorf("density: %d chunks for batch %d, want 1..batch", c.Chunks, c.Batch)
	}
	return nil
}

// TrainStats summarises a training run.
type TrainStats struct {
	Steps        int     `json:"steps"`
	FinalLoss    float64 `json:"final_loss"` // mean training loss (nats/dim) of the last tenth of steps
	Seconds      float64 `json:"seconds"`
	ImagesPerSec float64 `json:"images_per_s"`
	// Trace is the trace file (optim.Trace) of the trained weights, with
	// TrainConfig.Trace: their fingerprints after steps 1, 10, 100, … and
	// at the end.
	Trace []byte `json:"-"`
}

// clone returns a model of the same configuration with copies of m's
// parameter values.
func (m *Model[T]) clone() *Model[T] {
	c, err := NewModel[T](m.Cfg, 0)
	if err != nil {
		panic(err) // m's configuration was valid
	}
	for i, p := range c.AllParams() {
		copy(p.Value, m.AllParams()[i].Value)
	}
	return c
}

// MakeBatch draws the training or test episodes first..first+n-1 of src
// with support size k into a Batch.
func MakeBatch[T nn.Float](src images.Source, split images.Split, k int, seed uint64, first, n int) (Batch[T], error) {
	h, w := src.Size()
	bt := Batch[T]{B: n, K: k, Targets: make([]T, 0, n*h*w), Support: make([]T, 0, n*k*h*w)}
	for i := range n {
		ep, err := src.Episode(split, k, seed, first+i)
		if err != nil {
			return Batch[T]{}, err
		}
		bt.Targets = appendT(bt.Targets, ep.Target)
		for _, s := range ep.Support {
			bt.Support = appendT(bt.Support, s)
		}
	}
	return bt, nil
}

func (bt Batch[T]) part(lo, hi, hw int) Batch[T] {
	return Batch[T]{B: hi - lo, K: bt.K, Targets: bt.Targets[lo*hw : hi*hw], Support: bt.Support[lo*bt.K*hw : hi*bt.K*hw]}
}

// stepLRScale multiplies the learning rate of the Meta models' log step
// sizes. Adam moves a parameter by about the learning rate per step, so at
// 2e-3 a log step size could change by at most 0.6 in the quick profile's
// meta steps, while the meta-gradient asked for larger steps throughout.
const stepLRScale = 10

// paramGroups are m's optimiser groups: everything, with the Meta models'
// step sizes in a group of their own at stepLRScale.
func paramGroups[T nn.Float](m *Model[T]) []*optim.Group[T] {
	if m.inner == nil {
		return []*optim.Group[T]{optim.NewGroup("all", m.AllParams()...)}
	}
	steps := optim.NewGroup("inner.logstep", m.inner.logStep)
	steps.LRScale = stepLRScale
	return []*optim.Group[T]{optim.NewGroup("all", append(m.Params(), m.inner.lossParams()...)...), steps}
}

// Train trains m on episodes of src's training split with Adam. progress,
// if not nil, is called after every step with the step's loss.
func Train[T nn.Float](ctx context.Context, m *Model[T], src images.Source, tc TrainConfig, progress func(step int, loss float64)) (TrainStats, error) {
	if err := tc.Validate(); err != nil {
		return TrainStats{}, err
	}
	if h, w := src.Size(); h != m.Cfg.H || w != m.Cfg.W {
		return TrainStats{}, fmt.Errorf("density: %s images are %d×%d, the model's %d×%d", src.Label(), h, w, m.Cfg.H, m.Cfg.W)
	}
	for _, k := range tc.Supports {
		if k < 1 || k > min(m.Cfg.MaxSupport, src.Support()) {
			return TrainStats{}, fmt.Errorf("density: training support size %d, want 1..%d", k, min(m.Cfg.MaxSupport, src.Support()))
		}
	}
	all := m.AllParams()
	var trace *optim.Trace[T]
	if tc.Trace {
		trace = optim.NewTrace(all)
	}
	opt := optim.NewAdam(optim.Config{LR: tc.LR, ClipNorm: 1}, optim.AdamOpts{}, paramGroups(m)...)
	copies := make([]*Model[T], tc.Chunks)
	for i := range copies {
		copies[i] = m.clone()
	}
	// One tape per worker, not per chunk: a tape keeps the buffers of every
	// shape it has seen (one set per support size), so memory grows with
	// the number of tapes, and chunks only bound each tape's share.
	workers := min(parallel.Workers(tc.Workers), tc.Chunks)
	tapes := make(chan *nn.Tape[T], workers)
	for range workers {
		tapes <- nn.NewTape[T]()
	}
	losses := make([]float64, tc.Chunks)
	hw := m.Cfg.H * m.Cfg.W
	r := rand.New(rand.NewPCG(tc.Seed, 0x7a1))
	var tail, tailN float64
	start := time.Now()
	for step := range tc.Steps {
		if err := ctx.Err(); err != nil {
			return TrainStats{}, err
		}
		k := tc.Supports[r.IntN(len(tc.Supports))]
		bt, err := MakeBatch[T](src, images.TrainSplit, k, tc.Seed, step*tc.Batch, tc.Batch)
		if err != nil {
			return TrainStats{}, err
		}
		for _, c := range copies {
			for i, p := range c.AllParams() {
				copy(p.Value, all[i].Value)
				clear(p.Grad)
			}
		}
		err = parallel.For(ctx, tc.Chunks, workers, func(c int) error {
			lo, hi := c*tc.Batch/tc.Chunks, (c+1)*tc.Batch/tc.Chunks
			part := bt.part(lo, hi, hw)
			cm := copies[c]
			tp := <-tapes
			defer func() { tapes <- tp }()
			if m.Cfg.meta() {
				var sum float64
				for e := range part.B {
					l, err := cm.metaLoss(tp, part.Support[e*k*hw:(e+1)*k*hw], k, part.Targets[e*hw:(e+1)*hw])
					if err != nil {
						return err
					}
					sum += l
				}
				losses[c] = sum
				return nil
			}
			tp.Reset()
			l, err := cm.Loss(tp, part)
			if err != nil {
				return err
			}
			losses[c] = float64(l.Item()) * float64(part.B)
			return tp.Backward(tp.Scale(l, T(part.B)))
		})
		if err != nil {
			return TrainStats{}, fmt.Errorf("density: step %d: %w", step, err)
		}
		opt.ZeroGrad()
		var loss float64
		scale := 1 / T(tc.Batch)
		for c, cm := range copies {
			loss += losses[c]
			for i, p := range cm.AllParams() {
				g := all[i].Grad
				for j, v := range p.Grad {
					g[j] += scale * v
				}
			}
		}
		loss /= float64(tc.Batch)
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return TrainStats{}, fmt.Errorf("density: step %d: loss is %v", step, loss)
		}
		if err := opt.Step(); err != nil {
			return TrainStats{}, fmt.Errorf("density: step %d: %w", step, err)
		}
		trace.Observe(step + 1)
		if step >= tc.Steps-max(1, tc.Steps/10) {
			tail += loss
			tailN++
		}
		if progress != nil {
			progress(step, loss)
		}
	}
	sec := time.Since(start).Seconds()
	st := TrainStats{Steps: tc.Steps, Seconds: sec}
	if tailN > 0 {
		st.FinalLoss = tail / tailN
	}
	if sec > 0 {
		st.ImagesPerSec = float64(tc.Steps*tc.Batch) / sec
	}
	if trace != nil {
		st.Trace = trace.CSV(tc.Steps)
	}
	return st, nil
}

// WriteTrace writes the trace of a training run (TrainStats.Trace) into
// the model directory dir as optim.TraceFile; a run without one writes
// nothing.
func WriteTrace(dir string, st TrainStats) error {
	if st.Trace == nil {
		return nil
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, optim.TraceFile), st.Trace, 0o644); err != nil {
		return fmt.Errorf("density: %w", err)
	}
	return nil
}

// Evaluate returns the nats/dim of each of the test (or training)
// episodes first..first+n-1 of src with support size k, evaluated in
// chunks of at most chunk episodes on the given number of workers.
// Results do not depend on the worker count.
func Evaluate[T nn.Float](ctx context.Context, m *Model[T], src images.Source, split images.Split, k int, seed uint64, first, n, chunk, workers int) ([]float64, error) {
	if k < 1 || k > m.Cfg.MaxSupport {
		return nil, fmt.Errorf("density: support size %d, the %s model takes 1..%d", k, m.Cfg.Kind, m.Cfg.MaxSupport)
	}
	if h, w := src.Size(); h != m.Cfg.H || w != m.Cfg.W {
		return nil, fmt.Errorf("density: %s images are %d×%d, the model's %d×%d", src.Label(), h, w, m.Cfg.H, m.Cfg.W)
	}
	chunk = max(chunk, 1)
	out := make([]float64, n)
	hw := m.Cfg.H * m.Cfg.W
	nc := (n + chunk - 1) / chunk
	err := parallel.For(ctx, nc, workers, func(c int) error {
		lo, hi := c*chunk, min(n, (c+1)*chunk)
		bt, err := MakeBatch[T](src, split, k, seed, first+lo, hi-lo)
		if err != nil {
			return err
		}
		if m.Cfg.meta() {
			for e := range bt.B {
				v, err := m.metaNats(bt.Support[e*k*hw:(e+1)*k*hw], k, bt.Targets[e*hw:(e+1)*hw])
				if err != nil {
					return err
				}
				out[lo+e] = v
			}
			return nil
		}
		tp := nn.NewTape[T]()
		tp.SetNoGrad(true)
		cx, err := m.Encode(tp, bt.Support, bt.B, k)
		if err != nil {
			return err
		}
		logits := m.Logits(tp, tp.Constant(bt.Targets, bt.B, 1, m.Cfg.H, m.Cfg.W), cx)
		copy(out[lo:hi], NatsPerDim(logits.Data, bt.Targets, hw))
		return nil
	})
	return out, err
}

// metaNats adapts on the support and returns the target's nats/dim.
func (m *Model[T]) metaNats(support []T, k int, target []T) (float64, error) {
	fast, err := m.Adapt(support, k)
	if err != nil {
		return 0, err
	}
	tp := nn.NewTape[T]()
	tp.SetNoGrad(true)
	tp.SubstituteParams(m.Params(), fast)
	logits := m.Logits(tp, tp.Constant(target, 1, 1, m.Cfg.H, m.Cfg.W), m.supportContext(tp, support, k))
	return NatsPerDim(logits.Data, target, len(target))[0], nil
}

// appendT appends float32 pixels to a slice of the model's type.
func appendT[T nn.Float](dst []T, src []float32) []T {
	for _, v := range src {
		dst = append(dst, T(v))
	}
	return dst
}
