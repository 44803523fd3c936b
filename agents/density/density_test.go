package density

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/metabench/metabench/envs/images"
	"github.com/metabench/metabench/nn"
	"github.com/metabench/metabench/nn/optim"
)

func tinyConfig(kind string, h, w int) Config {
	return Config{Kind: kind, H: h, W: w, Layers: 3, Channels: 3, FirstKernel: 5, EncChannels: 2,
		CondDim: 3, KeyDim: 2, Pool: 2, MaxSupport: 2, InnerLR: 0.1}
}

func randBits(r *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		if r.IntN(2) == 0 {
			x[i] = 1
		}
	}
	return x
}

// perturb moves every weight a little, so that no path through the network
// is zero by accident (biases and the inner loss start near zero).
func perturb(ps []*nn.Param[float64], r *rand.Rand, s float64) {
	for _, p := range ps {
		for i := range p.Value {
			p.Value[i] += s * r.NormFloat64()
		}
	}
}

// TestCausalMask changes each pixel j of a small image in turn and checks
// that the predicted distribution of every pixel i ≤ j is unchanged and
// that some later pixel's is changed (so the test can fail both ways).
func TestCausalMask(t *testing.T) {
	const h, w = 6, 6
	for _, kind := range Kinds() {
		t.Run(kind, func(t *testing.T) {
			m, err := NewModel[float64](tinyConfig(kind, h, w), 3)
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(1, 2))
			perturb(m.AllParams(), r, 0.3)
			x := randBits(r, 2*h*w)
			support := randBits(r, 2*2*h*w)
			logits := func(img []float64) []float64 {
				tp := nn.NewTape[float64]()
				ctx, err := m.Encode(tp, support, 2, 2)
				if err != nil {
					t.Fatal(err)
				}
				return m.Logits(tp, tp.Constant(img, 2, 1, h, w), ctx).Data
			}
			base := logits(x)
			for j := range h * w {
				y := append([]float64(nil), x...)
				y[j] = 1 - y[j]         // image 0
				y[h*w+j] = 1 - y[h*w+j] // image 1
				got := logits(y)
				changedLater := false
				for i := range h * w {
					for e := range 2 {
						d := got[e*h*w+i] != base[e*h*w+i]
						if i <= j && d {
							t.Fatalf("changing pixel %d changed the logit of pixel %d (image %d)", j, i, e)
						}
						if i > j && d {
							changedLater = true
						}
					}
				}
				if j < h*w-1 && !changedLater {
					t.Fatalf("changing pixel %d changed no later pixel", j)
				}
			}
		})
	}
}

// TestNormalised sums p(x) over all 512 binary 3×3 images for every model
// kind (the meta kinds after adapting to the support) and checks that it
// is 1: with causality (TestCausalMask), this is what makes nats/dim a
// likelihood. A logit that read its own pixel would push the sum above 1.
func TestNormalised(t *testing.T) {
	const h, w = 3, 3
	const n = 1 << (h * w)
	for _, kind := range Kinds() {
		t.Run(kind, func(t *testing.T) {
			cfg := tinyConfig(kind, h, w)
			cfg.Pool = 1
			m, err := NewModel[float64](cfg, 7)
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(7, 8))
			perturb(m.AllParams(), r, 0.5)
			support := randBits(r, 2*h*w)
			xs := make([]float64, 0, n*h*w)
			for v := range n {
				for i := range h * w {
					xs = append(xs, float64(v>>i&1))
				}
			}
			tp := nn.NewTape[float64]()
			tp.SetNoGrad(true)
			if cfg.meta() {
				fast, err := m.Adapt(support, 2)
				if err != nil {
					t.Fatal(err)
				}
				tp.SubstituteParams(m.Params(), fast)
			}
			ctx := m.supportContext(tp, support, 2)
			if !cfg.meta() {
				// One support set for all n images: the context of batch n.
				rep := make([]float64, 0, n*2*h*w)
				for range n {
					rep = append(rep, support...)
				}
				if ctx, err = m.Encode(tp, rep, n, 2); err != nil {
					t.Fatal(err)
				}
			}
			var sum float64
			if cfg.meta() {
				for v := range n {
					x := xs[v*h*w : (v+1)*h*w]
					l := m.Logits(tp, tp.Constant(x, 1, 1, h, w), ctx).Data
					sum += math.Exp(-float64(h*w) * NatsPerDim(l, x, h*w)[0])
				}
			} else {
				l := m.Logits(tp, tp.Constant(xs, n, 1, h, w), ctx).Data
				for _, nats := range NatsPerDim(l, xs, h*w) {
					sum += math.Exp(-float64(h*w) * nats)
				}
			}
			if math.Abs(sum-1) > 1e-12 {
				t.Fatalf("p(x) sums to %.15f over the %d images", sum, n)
			}
		})
	}
}

// TestGradients checks backpropagation through every part of every model
// (stacks, conditioning, encoder, attention, learned inner loss) against
// central differences in float64.
func TestGradients(t *testing.T) {
	const h, w = 4, 4
	for _, kind := range Kinds() {
		t.Run(kind, func(t *testing.T) {
			cfg := tinyConfig(kind, h, w)
			cfg.Layers = 2
			m, err := NewModel[float64](cfg, 5)
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(4, 4))
			perturb(m.AllParams(), r, 0.2)
			bt := Batch[float64]{B: 2, K: 2, Targets: randBits(r, 2*h*w), Support: randBits(r, 2*2*h*w)}
			loss := func(tp *nn.Tape[float64]) *nn.Tensor[float64] {
				if cfg.meta() {
					return m.innerValue(tp, tp.Constant(bt.Support[:2*h*w], 2, 1, h, w), m.supportContext(tp, bt.Support[:2*h*w], 2))
				}
				l, err := m.Loss(tp, bt)
				if err != nil {
					t.Fatal(err)
				}
				return l
			}
			maxErr, where, err := nn.GradCheck(m.AllParams(), loss, 1e-6)
			if err != nil {
				t.Fatal(err)
			}
			if maxErr > 1e-5 {
				t.Fatalf("gradient error %.3g at %s", maxErr, where)
			}
		})
	}
}

// TestMetaGradient checks the Meta PixelCNN's second-order meta-gradient
// with respect to the learned inner loss φ against central differences of
// the outer loss after the inner steps (one and two), including the
// learned per-tensor step sizes.
func TestMetaGradient(t *testing.T) {
	for _, tc := range []struct {
		kind  string
		steps int
	}{{Meta, 1}, {Meta, 2}, {AttentionMeta, 1}} {
		t.Run(fmt.Sprintf("%s/steps=%d", tc.kind, tc.steps), func(t *testing.T) { testMetaGradient(t, tc.kind, tc.steps) })
	}
}

func testMetaGradient(t *testing.T, kind string, steps int) {
	const h, w = 4, 4
	cfg := tinyConfig(kind, h, w)
	cfg.Layers = 2
	cfg.InnerSteps = steps
	m, err := NewModel[float64](cfg, 7)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(8, 8))
	perturb(m.AllParams(), r, 0.2)
	support, target := randBits(r, 2*h*w), randBits(r, h*w)
	nn.ZeroGrads(m.AllParams())
	if _, err := m.MetaLoss(support, 2, target); err != nil {
		t.Fatal(err)
	}
	outer := func() float64 {
		v, err := m.metaNats(support, 2, target)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	const eps = 1e-5
	worst := 0.0
	for _, p := range append(m.InnerParams(), m.Params()[:2]...) {
		for i := range p.Value {
			v := p.Value[i]
			p.Value[i] = v + eps
			fp := outer()
			p.Value[i] = v - eps
			fm := outer()
			p.Value[i] = v
			num := (fp - fm) / (2 * eps)
			e := math.Abs(num-p.Grad[i]) / math.Max(math.Max(math.Abs(num), math.Abs(p.Grad[i])), 1e-3)
			worst = max(worst, e)
		}
	}
	if worst > 1e-3 {
		t.Fatalf("meta-gradient relative error %.3g", worst)
	}
	var stepGrad float64
	for _, g := range m.inner.logStep.Grad {
		stepGrad = max(stepGrad, math.Abs(g))
	}
	if stepGrad == 0 {
		t.Fatal("no gradient on the step sizes")
	}
}

// TestZeroLogitsIsLn2: a model whose logits are all zero has exactly ln 2
// nats per binary pixel, whatever the images.
func TestZeroLogitsIsLn2(t *testing.T) {
	set, err := images.Characters(images.CharacterConfig{Side: 12, Alphabets: 4, TestAlphabets: 1, Characters: 3, Drawers: 4}, 1)
	if err != nil {
		t.Fatal(err)
	}
	// The Meta model is left out: its inner step moves the output weights
	// away from zero before it predicts.
	for _, kind := range []string{Unconditional, Conditional, Attention} {
		cfg := tinyConfig(kind, 12, 12)
		m, err := New(cfg, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range m.head2.params() {
			clear(p.Value)
		}
		nats, err := Evaluate(context.Background(), m, set, images.TestSplit, 1, 1, 0, 5, 2, 1)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range nats {
			if v != math.Ln2 {
				t.Fatalf("%s: episode %d: %v nats/dim with zero logits, want ln 2 = %v", kind, i, v, math.Ln2)
			}
		}
	}
}

func TestNatsPerDimZeroLogits(t *testing.T) {
	x := []float32{0, 1, 1, 0, 1, 1, 1, 0, 0}
	for _, v := range NatsPerDim(make([]float32, len(x)), x, 3) {
		if v != math.Ln2 {
			t.Fatalf("%v, want ln 2", v)
		}
	}
	// One confident right and one confident wrong pixel.
	got := NatsPerDim([]float64{20, 20}, []float64{1, 0}, 2)[0]
	want := (math.Log1p(math.Exp(-20)) + 20 + math.Log1p(math.Exp(-20))) / 2
	if math.Abs(got-want) > 1e-12 {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// TestCachedSamplingMatchesNaive: the cached sampler (support encoded once,
// vertical stack once per row on the rows it sees, horizontal stack on one
// row per pixel) draws the same images as full passes.
func TestCachedSamplingMatchesNaive(t *testing.T) {
	const h, w = 8, 8
	for _, kind := range []string{Unconditional, Conditional, Attention} {
		cfg := tinyConfig(kind, h, w)
		cfg.Channels = 4
		m, err := NewModel[float64](cfg, 2)
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(9, 9))
		perturb(m.AllParams(), r, 0.3)
		support := randBits(r, 3*1*h*w)
		a, err := m.Sample(support, 3, 1, SampleOpts{Seed: 5})
		if err != nil {
			t.Fatal(err)
		}
		b, err := m.Sample(support, 3, 1, SampleOpts{Seed: 5, Naive: true})
		if err != nil {
			t.Fatal(err)
		}
		ones := 0
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%s: pixel %d: cached %v, naive %v", kind, i, a[i], b[i])
			}
			ones += int(a[i])
		}
		if ones == 0 || ones == len(a) {
			t.Fatalf("%s: degenerate samples (%d of %d ones)", kind, ones, len(a))
		}
	}
}

func TestBadInput(t *testing.T) {
	if _, err := New(Config{Kind: "nope"}, 1); err == nil {
		t.Fatal("unknown kind accepted")
	}
	m, err := New(tinyConfig(Attention, 8, 8), 1)
	if err != nil {
		t.Fatal(err)
	}
	tp := nn.NewTape[float32]()
	if _, err := m.Encode(tp, make([]float32, 3*64), 1, 3); err == nil {
		t.Fatal("support of 3 accepted by a model of max support 2")
	}
}

// TestSupportMatters: the conditional and attention models' predictions
// change with the support set, and the unconditional model's do not.
func TestSupportMatters(t *testing.T) {
	const h, w = 6, 6
	for _, kind := range []string{Unconditional, Conditional, Attention} {
		m, err := NewModel[float64](tinyConfig(kind, h, w), 3)
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(2, 3))
		perturb(m.AllParams(), r, 0.3)
		x := randBits(r, h*w)
		logits := func(support []float64) []float64 {
			tp := nn.NewTape[float64]()
			ctx, err := m.Encode(tp, support, 1, 1)
			if err != nil {
				t.Fatal(err)
			}
			return m.Logits(tp, tp.Constant(x, 1, 1, h, w), ctx).Data
		}
		a, b := logits(randBits(r, h*w)), logits(randBits(r, h*w))
		var diff float64
		for i := range a {
			diff = max(diff, math.Abs(a[i]-b[i]))
		}
		if (diff > 0) != (kind != Unconditional) {
			t.Fatalf("%s: largest logit change %v with another support", kind, diff)
		}
	}
}

// TestConditionStaysSupportDependent trains a small conditional model as
// the quick profile does (Adam, learning rate 2e-3) and checks that its
// support vector still differs between episodes: with encoder biases and a
// tanh, the part of the vector common to every episode grew until the
// tanh saturated and the vector was the same for every support.
func TestConditionStaysSupportDependent(t *testing.T) {
	src, err := images.Characters(images.CharacterConfig{Side: 12, Alphabets: 4, TestAlphabets: 1, Characters: 3, Drawers: 20}, 1)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Kind: Conditional, H: 12, W: 12, Layers: 2, Channels: 8, FirstKernel: 3, EncChannels: 8, CondDim: 16, Pool: 2, MaxSupport: 2}
	m, err := New(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	tc := TrainConfig{Steps: 60, Batch: 8, LR: 2e-3, Supports: []int{1, 2}, Seed: 1, Chunks: 2, Workers: 2}
	if _, err := Train(context.Background(), m, src, tc, nil); err != nil {
		t.Fatal(err)
	}
	const n = 16
	bt, err := MakeBatch[float32](src, images.TestSplit, 2, 3, 0, n)
	if err != nil {
		t.Fatal(err)
	}
	tp := nn.NewTape[float32]()
	tp.SetNoGrad(true)
	cx, err := m.Encode(tp, bt.Support, n, 2)
	if err != nil {
		t.Fatal(err)
	}
	// Spread across episodes of each entry, relative to the vector's size:
	// about 0.04 here, 0.0001 with the biases and tanh.
	d := cfg.CondDim
	var spread, size float64
	for j := range d {
		var mu, sq float64
		for b := range n {
			v := float64(cx.Cond.Data[b*d+j])
			mu += v / n
			sq += v * v / n
		}
		spread += math.Sqrt(max(0, sq-mu*mu)) / float64(d)
		size += sq / float64(d)
	}
	if ratio := spread / math.Sqrt(size); !(ratio > 0.01) {
		t.Fatalf("support vector spread across episodes %.4f of its size: it ignores the support", ratio)
	}
}

// TestTrainTrace: with TrainConfig.Trace, Train returns the trace of the
// weights, ending with the trained model's, the same for any number of
// workers; WriteTrace puts it in a model directory; without Trace there is
// none.
func TestTrainTrace(t *testing.T) {
	src, err := images.Characters(images.CharacterConfig{Side: 12, Alphabets: 4, TestAlphabets: 1, Characters: 3, Drawers: 20}, 1)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		kind    string
		steps   int
		workers int
		trace   bool
		want    []int
	}{
		{"conditional", Conditional, 12, 1, true, []int{1, 10, 12}},
		{"conditional, two workers", Conditional, 12, 2, true, []int{1, 10, 12}},
		{"meta", Meta, 3, 1, true, []int{1, 3}},
		{"off", Conditional, 3, 1, false, nil},
	}
	traces := map[string][]byte{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{Kind: tc.kind, H: 12, W: 12, Layers: 2, Channels: 4, FirstKernel: 3, EncChannels: 4, CondDim: 4, Pool: 2, MaxSupport: 2, InnerLR: 0.1}
			m, err := New(cfg, 1)
			if err != nil {
				t.Fatal(err)
			}
			trainCfg := TrainConfig{Steps: tc.steps, Batch: 2, LR: 2e-3, Supports: []int{1, 2}, Seed: 1, Chunks: 2, Workers: tc.workers, Trace: tc.trace}
			st, err := Train(context.Background(), m, src, trainCfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := WriteTrace(dir, st); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(filepath.Join(dir, optim.TraceFile))
			if !tc.trace {
				if st.Trace != nil || !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("a trace without TrainConfig.Trace (%v):\n%s", err, st.Trace)
				}
				return
			}
			if err != nil || !bytes.Equal(b, st.Trace) {
				t.Fatalf("WriteTrace wrote %q (%v), want %q", b, err, st.Trace)
			}
			pts, err := optim.ParseTrace(b)
			if err != nil {
				t.Fatal(err)
			}
			var steps []int
			for _, p := range pts {
				steps = append(steps, p.Step)
			}
			if !slices.Equal(steps, tc.want) || pts[len(pts)-1].SHA256 != optim.Fingerprint(m.AllParams()) {
				t.Errorf("steps %v, want %v ending with the trained weights", steps, tc.want)
			}
			if prev, ok := traces[tc.kind]; ok && !bytes.Equal(prev, b) {
				t.Errorf("with %d workers the trace is\n%s\nwith one\n%s", tc.workers, b, prev)
			}
			traces[tc.kind] = b
		})
	}
}
