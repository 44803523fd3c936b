package nmt

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/metabench/metabench/nn"
	"github.com/metabench/metabench/nn/optim"
	"gonum.org/v1/gonum/mat"
)

// TestMetaGradByHand checks FOMAML on models small enough to compute by
// hand: the meta-gradient is the query gradient at the weights after one
// fresh-Adam step on the support loss, and the saved weights are left
// unchanged.
func TestMetaGradByHand(t *testing.T) {
	// Scalar θ = 1; support ½(θ−3)², query ½·2·θ². Adam's first step
	// from fresh state moves by lr·g/(|g|+ε) = −0.5·(−2)/2 → θ' = 1.5;
	// the meta-gradient is 2·θ' = 3 (and not 2·θ = 2, the gradient at θ).
	theta := nn.NewParam[float64]("theta", 1)
	theta.Value[0] = 1
	support := func(tp *nn.Tape[float64]) *nn.Tensor[float64] {
		d := tp.AddScalar(tp.Param(theta), -3)
		return tp.Scale(tp.Sum(tp.Square(d)), 0.5)
	}
	query := func(tp *nn.Tape[float64]) *nn.Tensor[float64] {
		return tp.Sum(tp.Square(tp.Param(theta)))
	}
	s, q, err := MetaGrad([]*nn.Param[float64]{theta}, []bool{true}, support, query, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(theta.Grad[0]-3) > 1e-8 || theta.Value[0] != 1 {
		t.Fatalf("meta-gradient %v (want 3), θ %v (want 1 unchanged)", theta.Grad[0], theta.Value[0])
	}
	if s != 2 || math.Abs(q-2.25) > 1e-8 {
		t.Fatalf("support loss %v (want 2), query loss %v (want 2.25)", s, q)
	}

	// Linear model y = w·x + 0·b: support on x = (1, 2), y = 0 from
	// w = (1, 1) gives g = (3, 6); then w is kept out of the inner step,
	// as ULR's universal values U are.
	w := nn.NewParam[float64]("w", 2)
	w.Value[0], w.Value[1] = 1, 1
	lin := func(x []float64, y float64) func(tp *nn.Tape[float64]) *nn.Tensor[float64] {
		return func(tp *nn.Tape[float64]) *nn.Tensor[float64] {
			wx := tp.Sum(tp.Mul(tp.Param(w), tp.Constant(x, 2)))
			return tp.Scale(tp.Square(tp.AddScalar(wx, -y)), 0.5)
		}
	}
	wb := nn.NewParam[float64]("b", 1) // a second parameter, all inner
	wrap := func(f func(tp *nn.Tape[float64]) *nn.Tensor[float64]) func(tp *nn.Tape[float64]) *nn.Tensor[float64] {
		return func(tp *nn.Tape[float64]) *nn.Tensor[float64] { tp.Param(wb); return f(tp) }
	}
	masked := []*nn.Param[float64]{w, wb}
	if _, _, err := MetaGrad(masked, []bool{true, true}, wrap(lin([]float64{1, 2}, 0)), wrap(lin([]float64{2, -1}, 1)), 0.1); err != nil {
		t.Fatal(err)
	}
	// Both weights move by −0.1·sign(g) = −0.1: w' = (0.9, 0.9),
	// r = 1.8 − 0.9 − 1 = −0.1, gradient (−0.2, 0.1).
	if math.Abs(w.Grad[0]+0.2) > 1e-8 || math.Abs(w.Grad[1]-0.1) > 1e-8 {
		t.Fatalf("meta-gradient %v, want (−0.2, 0.1)", w.Grad)
	}
	if _, _, err := MetaGrad(masked, []bool{false, true}, wrap(lin([]float64{1, 2}, 0)), wrap(lin([]float64{2, -1}, 1)), 0.1); err != nil {
		t.Fatal(err)
	}
	// w out of the inner step: the meta-gradient is the query gradient
	// at w itself: r = 2 − 1 − 1 = 0 → (0, 0).
	if w.Grad[0] != 0 || w.Grad[1] != 0 {
		t.Fatalf("meta-gradient without inner step %v, want 0", w.Grad)
	}
	if !reflect.DeepEqual(w.Value, []float64{1, 1}) {
		t.Fatalf("saved weights changed: %v", w.Value)
	}
}

func tinyModel[T nn.Float](t testing.TB, ulr bool) (*Model[T], *SrcLang[T], Batch) {
	r := rand.New(rand.NewPCG(5, 6))
	tgt := NewVocab([]string{"a", "b", "c", "d", "e", "f"})
	src := NewVocab([]string{"x", "y", "z", "w"})
	emb := func(n int) *Embeddings {
		e := &Embeddings{Dim: 3, Vecs: make([]float64, n*3)}
		for i := numSpecial * 3; i < len(e.Vecs); i++ {
			e.Vecs[i] = r.NormFloat64()
		}
		return e
	}
	cfg := Config{D: 8, Heads: 2, FF: 8, EncLayers: 1, DecLayers: 1, ULR: ulr, Temp: 0.5, LabelSmoothing: 0.1, MaxLen: 8}
	m, err := NewModel[T](r, cfg, tgt, emb(tgt.Size()))
	if err != nil {
		t.Fatal(err)
	}
	l, err := m.AddLanguage(r, "xx", src, emb(src.Size()))
	if err != nil {
		t.Fatal(err)
	}
	for i := range l.E.Value { // a non-zero E_lang, so that its gradient is exercised
		l.E.Value[i] = T(0.1 * r.NormFloat64())
	}
	b := Batch{Src: [][]int{{4, 5, 6}, {7, 4}}, Tgt: [][]int{{4, 5}, {6, 7, 8}}}
	return m, l, b
}

// TestULRGradients: gradients reach A, the universal values U and E_lang
// and agree with finite differences; the monolingual embeddings E_Q and the
// English keys are frozen and get none.
func TestULRGradients(t *testing.T) {
	m, l, b := tinyModel[float64](t, true)
	loss := func(tp *nn.Tape[float64]) *nn.Tensor[float64] { return m.Loss(tp, l, b, nil) }
	maxErr, where, err := nn.GradCheck([]*nn.Param[float64]{m.A, m.U, l.E}, loss, 1e-6)
	if err != nil {
		t.Fatal(err)
	}
	if maxErr > 1e-5 {
		t.Fatalf("ULR gradient error %.2g at %s", maxErr, where)
	}
	nn.ZeroGrads(m.AllParams())
	tp := nn.NewTape[float64]()
	if err := tp.Backward(loss(tp)); err != nil {
		t.Fatal(err)
	}
	nonzero := func(g []float64) bool { return slices.ContainsFunc(g, func(x float64) bool { return x != 0 }) }
	for _, p := range []*nn.Param[float64]{m.A, m.U, l.E} {
		if !nonzero(p.Grad) {
			t.Errorf("%s gets no gradient", p.Name)
		}
	}
	for _, p := range []*nn.Param[float64]{m.Keys, l.EQ} {
		if !p.Frozen || nonzero(p.Grad) {
			t.Errorf("%s: frozen %v, gradient %v", p.Name, p.Frozen, nonzero(p.Grad))
		}
	}
	// Only tokens of the batch receive E_lang gradient (x=4..7 are used;
	// PAD rows never).
	for i := range numSpecial {
		if i != EOS && nonzero(l.E.Grad[i*8:(i+1)*8]) {
			t.Errorf("E_lang row %d (a special token) has a gradient", i)
		}
	}
}

func TestModelGradients(t *testing.T) {
	m, l, b := tinyModel[float64](t, false)
	loss := func(tp *nn.Tape[float64]) *nn.Tensor[float64] { return m.Loss(tp, l, b, nil) }
	ps := append([]*nn.Param[float64]{l.E, m.TgtEmb}, m.Enc[0].Attn.Q.W, m.Dec[0].Cross.V.W, m.Dec[0].FF.L1.W)
	maxErr, where, err := nn.GradCheck(ps, loss, 1e-6)
	if err != nil || maxErr > 1e-5 {
		t.Fatalf("gradient error %.2g at %s (%v)", maxErr, where, err)
	}
}

func TestBeamOneIsGreedy(t *testing.T) {
	m, l, b := tinyModel[float32](t, true)
	g := m.Greedy(l, b.Src, 6)
	for i, s := range b.Src {
		if bm := m.Beam(l, s, 1, 6, 0); !slices.Equal(bm, g[i]) {
			t.Fatalf("sentence %d: beam 1 %v, greedy %v", i, bm, g[i])
		}
	}
}

// TestIncrementalDecodingMatchesFullPrefix: the decoder's key/value cache
// gives at every step the logits of running the decoder on the whole
// prefix (the way the model is trained), for a batch with padding.
func TestIncrementalDecodingMatchesFullPrefix(t *testing.T) {
	m, l, b := tinyModel[float64](t, true)
	prefixes := [][]int{{4, 9, 5, 6, 5}, {7, 7, 4, 8, 6}} // fed one token a step after BOS
	tp := nn.NewTape[float64]()
	tp.SetNoGrad(true)
	mem, mask := m.Encode(tp, l, b.Src, nil)
	dc := m.startDecoder(tp, mem, mask)
	v := m.Tgt.Size()
	last := []int{BOS, BOS}
	for step := range len(prefixes[0]) + 1 {
		got := dc.next(tp, last)
		var fed [][]int
		for _, p := range prefixes {
			fed = append(fed, p[:step])
		}
		in, tl, _ := pad(fed, BOS, -1)
		want := m.decodeLogits(tp, mem, mask, in, len(fed), tl, nil)
		for i := range fed {
			w := want.Data[(i*tl+tl-1)*v : (i*tl+tl)*v]
			for j, x := range got.Data[i*v : (i+1)*v] {
				if math.Abs(x-w[j]) > 1e-10 {
					t.Fatalf("step %d sentence %d token %d: incremental %v, full prefix %v", step, i, j, x, w[j])
				}
			}
		}
		if step < len(prefixes[0]) {
			last = []int{prefixes[0][step], prefixes[1][step]}
		}
	}
}

func TestSaveLoad(t *testing.T) {
	m, l, b := tinyModel[float32](t, true)
	dir := t.TempDir()
	if err := Save(dir, m, map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	var extra map[string]string
	m2, err := Load(dir, &extra)
	if err != nil {
		t.Fatal(err)
	}
	l2, err := m2.Lang(l.Code)
	if err != nil {
		t.Fatal(err)
	}
	if extra["k"] != "v" || !reflect.DeepEqual(m.Beam(l, b.Src[0], 3, 6, 1), m2.Beam(l2, b.Src[0], 3, 6, 1)) {
		t.Fatal("a loaded model translates differently")
	}
	for i, p := range m.AllParams() {
		if !slices.Equal(p.Value, m2.AllParams()[i].Value) {
			t.Fatalf("parameter %s differs after loading", p.Name)
		}
	}
}

// TestProcrustesRecoversRotation: embeddings that are a rotation of the
// English ones align perfectly from half of the pairs.
func TestProcrustesRecoversRotation(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	n, d := 40, 6
	eng := &Embeddings{Dim: d, Vecs: make([]float64, n*d)}
	for i := range eng.Vecs {
		eng.Vecs[i] = r.NormFloat64()
	}
	// A rotation: product of random Givens rotations.
	rot := make([]float64, d*d)
	for i := range d {
		rot[i*d+i] = 1
	}
	for range 20 {
		i, j := r.IntN(d), r.IntN(d)
		if i == j {
			continue
		}
		a := r.Float64() * 2 * math.Pi
		c, s := math.Cos(a), math.Sin(a)
		for k := range d {
			ri, rj := rot[k*d+i], rot[k*d+j]
			rot[k*d+i], rot[k*d+j] = c*ri-s*rj, s*ri+c*rj
		}
	}
	src := eng.Map(rot)
	var seed, held [][2]int
	for i := numSpecial; i < n; i++ {
		if i%2 == 0 {
			seed = append(seed, [2]int{i, i})
		} else {
			held = append(held, [2]int{i, i})
		}
	}
	if p := PrecisionAt1(src, eng, held); p == 1 {
		t.Fatalf("unaligned P@1 %v: the test needs a real rotation", p)
	}
	w, err := Procrustes(src, eng, seed)
	if err != nil {
		t.Fatal(err)
	}
	if p := PrecisionAt1(src.Map(w), eng, held); p != 1 {
		t.Fatalf("aligned P@1 %v, want 1", p)
	}
}

func TestConfigValidate(t *testing.T) {
	good := Config{D: 8, Heads: 2, FF: 8, EncLayers: 1, DecLayers: 1, MaxLen: 8}
	bad := []func(*Config){
		func(c *Config) { c.Heads = 3 },
		func(c *Config) { c.Dropout = 1 },
		func(c *Config) { c.ULR, c.Temp = true, 0 },
		func(c *Config) { c.MaxLen = 1 },
		func(c *Config) { c.LabelSmoothing = math.NaN() },
	}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for i, f := range bad {
		c := good
		f(&c)
		if c.Validate() == nil {
			t.Errorf("bad config %d accepted: %+v", i, c)
		}
	}
}

// TestTopSVDTruncated: the randomised truncated SVD used for large
// vocabularies finds the leading singular values of a low-rank-plus-noise
// matrix as the exact SVD does.
func TestTopSVDTruncated(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	n, rank := exactSVDMax+40, 5
	a := mat.NewDense(n, n, nil)
	for range rank {
		x, y, s := make([]float64, n), make([]float64, n), 1+10*r.Float64()
		for i := range n {
			x[i], y[i] = r.NormFloat64(), r.NormFloat64()
		}
		for i := range n {
			for j := range n {
				a.Set(i, j, a.At(i, j)+s*x[i]*y[j])
			}
		}
	}
	for i := range n {
		for j := range n {
			a.Set(i, j, a.At(i, j)+0.01*r.NormFloat64())
		}
	}
	_, got, err := topSVD(a, 8)
	if err != nil {
		t.Fatal(err)
	}
	var svd mat.SVD
	svd.Factorize(a, mat.SVDThin)
	want := svd.Values(nil)
	for i := range rank {
		if math.Abs(got[i]-want[i]) > 1e-6*want[i] {
			t.Fatalf("singular value %d: %v, exact %v", i, got[i], want[i])
		}
	}
}

// TestTrainLanguageEmbedding: FOMAML leaves E_lang at zero after every
// meta step (it adapts only in the inner step); multitask training trains
// it with the rest of the model.
func TestTrainLanguageEmbedding(t *testing.T) {
	for _, tc := range []struct {
		method  Method
		trained bool
	}{{Meta, false}, {Multitask, true}} {
		t.Run(string(tc.method), func(t *testing.T) {
			m, l, b := tinyModel[float32](t, true)
			clear(l.E.Value)
			var data []Example
			for i := range b.Src {
				data = append(data, Example{Src: b.Src[i], Tgt: b.Tgt[i]})
			}
			cfg := TrainConfig{Method: tc.method, Steps: 5, BatchSize: 2, LR: 1e-2, Warmup: 1, InnerLR: 1e-2, Seed: 1}
			if _, err := Train(context.Background(), m, []Task{{Lang: "xx", Data: data}}, cfg, nil); err != nil {
				t.Fatal(err)
			}
			nonzero := 0
			for _, v := range l.E.Value {
				if v != 0 {
					nonzero++
				}
			}
			if got := nonzero > 0; got != tc.trained {
				t.Errorf("E_lang has %d non-zero entries after %s training; want trained = %v", nonzero, tc.method, tc.trained)
			}
		})
	}
}

// TestTrainInnerMode: the inner step adapts the parameters of InnerMode.
// "all" is every parameter but U, the same as leaving InnerMode empty;
// adapting fewer parameters changes the meta-gradient; an unknown mode is
// an error.
func TestTrainInnerMode(t *testing.T) {
	train := func(mode Mode) ([]float32, error) {
		m, _, b := tinyModel[float32](t, true)
		var data []Example
		for i := range b.Src {
			data = append(data, Example{Src: b.Src[i], Tgt: b.Tgt[i]})
		}
		cfg := TrainConfig{Method: Meta, Steps: 3, BatchSize: 2, LR: 1e-2, Warmup: 1, InnerLR: 1e-1, InnerMode: mode, Seed: 1}
		if _, err := Train(context.Background(), m, []Task{{Lang: "xx", Data: data}}, cfg, nil); err != nil {
			return nil, err
		}
		return slices.Clone(m.Dec[0].Params()[0].Value), nil
	}
	base, err := train("")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		mode    Mode
		same    bool
		wantErr bool
	}{{FineTuneAll, true, false}, {FineTuneEmbEnc, false, false}, {FineTuneEmb, false, false}, {"decoder", false, true}} {
		got, err := train(tc.mode)
		if (err != nil) != tc.wantErr {
			t.Fatalf("mode %q: error %v, want error = %v", tc.mode, err, tc.wantErr)
		}
		if err == nil && slices.Equal(got, base) != tc.same {
			t.Errorf("mode %q: decoder weights equal to the default inner step's = %v, want %v", tc.mode, !tc.same, tc.same)
		}
	}
}

// TestFineTunePatience: with patience 2, fine-tuning stops two epochs
// after the best dev score and keeps the best epoch; without patience it
// runs every epoch.
func TestFineTunePatience(t *testing.T) {
	m32, _, b := tinyModel[float32](t, true)
	var data []Example
	for i := range b.Src {
		data = append(data, Example{Src: b.Src[i], Tgt: b.Tgt[i]})
	}
	for _, c := range []struct {
		patience, calls, best int
	}{{2, 5, 2}, {0, 9, 2}} {
		scores := []float64{1, 2, 3, 2.5, 2.9, 1, 1, 1, 1} // epochs 0..8
		calls := 0
		dev := func(*Model[float32]) (float64, error) {
			calls++
			return scores[calls-1], nil
		}
		cfg := FineTuneConfig{Mode: FineTuneAll, Epochs: 8, Patience: c.patience, BatchSize: 2, LR: 1e-3, Seed: 1}
		_, best, score, err := FineTune(context.Background(), m32, "xx", data, cfg, dev)
		if err != nil {
			t.Fatal(err)
		}
		if calls != c.calls || best != c.best || score != 3 {
			t.Errorf("patience %d: %d dev calls (want %d), best epoch %d (want %d), score %v (want 3)", c.patience, calls, c.calls, best, c.best, score)
		}
	}
}

// TestTrainPatience: with patience 2, shared-model training stops two
// evaluations after the best validation score and reports that step; without
// patience it runs every step.
func TestTrainPatience(t *testing.T) {
	for _, tc := range []struct {
		patience, steps, calls int
	}{{2, 8, 4}, {0, 16, 8}} {
		m, _, b := tinyModel[float32](t, true)
		var data []Example
		for i := range b.Src {
			data = append(data, Example{Src: b.Src[i], Tgt: b.Tgt[i]})
		}
		scores := []float64{1, 3, 2, 2.5, 1, 1, 1, 1} // at steps 2, 4, ..., 16
		calls := 0
		validate := func(*Model[float32]) (float64, error) {
			calls++
			return scores[calls-1], nil
		}
		cfg := TrainConfig{Method: Multitask, Steps: 16, BatchSize: 2, LR: 1e-3, Warmup: 1, Seed: 1, EvalEvery: 2, Patience: tc.patience}
		res, err := Train(context.Background(), m, []Task{{Lang: "xx", Data: data}}, cfg, validate)
		if err != nil {
			t.Fatal(err)
		}
		if res.Steps != tc.steps || calls != tc.calls || res.BestStep != 4 || res.BestScore != 3 {
			t.Errorf("patience %d: %d steps (want %d), %d validations (want %d), best step %d score %v (want 4, 3)",
				tc.patience, res.Steps, tc.steps, calls, tc.calls, res.BestStep, res.BestScore)
		}
	}
}

// TestTrainTrace: with TrainConfig.Trace, Train returns the trace of the
// weights it trains, ending at the step of the weights it leaves in the
// model (the best step with early stopping); the same run gives the same
// file, and without Trace there is none.
func TestTrainTrace(t *testing.T) {
	tests := []struct {
		name     string
		method   Method
		trace    bool
		validate bool // best validation score at step 4 of 12
		steps    []int
	}{
		{"multitask", Multitask, true, false, []int{1, 10, 12}},
		{"meta", Meta, true, false, []int{1, 10, 12}},
		{"best step kept", Multitask, true, true, []int{1, 4}},
		{"off", Multitask, false, false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run := func() ([]byte, []*nn.Param[float32]) {
				m, l, b := tinyModel[float32](t, true)
				cfg := TrainConfig{Method: tc.method, Steps: 12, BatchSize: 2, LR: 1e-3, Warmup: 1, InnerLR: 1e-3, Seed: 1, Trace: tc.trace}
				var validate func(*Model[float32]) (float64, error)
				if tc.validate {
					cfg.EvalEvery = 2
					scores := []float64{1, 3, 2, 2, 1, 1}
					calls := 0
					validate = func(*Model[float32]) (float64, error) {
						calls++
						return scores[calls-1], nil
					}
				}
				res, err := Train(context.Background(), m, []Task{{Lang: "xx", Data: tinyData(b)}}, cfg, validate)
				if err != nil {
					t.Fatal(err)
				}
				trained := append(m.EncoderParams(), m.DecoderParams()...)
				trained = append(trained, m.A, m.U)
				if tc.method == Multitask {
					trained = append(trained, l.E)
				}
				return res.Trace, trained
			}
			a, trained := run()
			if b, _ := run(); !bytes.Equal(a, b) {
				t.Errorf("two runs gave the traces\n%s\nand\n%s", a, b)
			}
			if !tc.trace {
				if a != nil {
					t.Errorf("a trace without TrainConfig.Trace:\n%s", a)
				}
				return
			}
			pts, err := optim.ParseTrace(a)
			if err != nil {
				t.Fatal(err)
			}
			var steps []int
			for _, p := range pts {
				steps = append(steps, p.Step)
			}
			if !slices.Equal(steps, tc.steps) {
				t.Errorf("steps %v, want %v", steps, tc.steps)
			}
			if last := pts[len(pts)-1].SHA256; last != optim.Fingerprint(trained) {
				t.Error("the trace's last line is not the weights left in the model")
			}
		})
	}
}

// TestDecodingOnWarmTapes: translations on the model's cached tapes (warm
// arenas, reused memory, from several goroutines on clones) are those of
// a model decoding on fresh tapes, and the caches keep the tapes.
func TestDecodingOnWarmTapes(t *testing.T) {
	m, l, b := tinyModel[float32](t, true)
	fresh := *m
	fresh.decodeTapes = nil // every call on a new tape
	wantG := fresh.Greedy(l, b.Src, 6)
	var wantB [][]int
	for _, s := range b.Src {
		wantB = append(wantB, fresh.Beam(l, s, 3, 6, 1))
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 4 {
		c := m
		if g > 0 {
			c = m.Clone()
		}
		wg.Go(func() {
			for range 3 {
				if got := c.Greedy(l, b.Src, 6); !slices.EqualFunc(got, wantG, slices.Equal) {
					errs <- fmt.Sprintf("greedy %v, fresh %v", got, wantG)
					return
				}
				for i, s := range b.Src {
					if got := c.Beam(l, s, 3, 6, 1); !slices.Equal(got, wantB[i]) {
						errs <- fmt.Sprintf("beam of sentence %d %v, fresh %v", i, got, wantB[i])
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	for d, name := range []string{"greedy state", "greedy steps", "beam state", "beam steps"} {
		if n := len(m.decodeTapes[d].free); n == 0 || n > maxCachedTapes {
			t.Errorf("the %s cache keeps %d tapes, want 1 to %d", name, n, maxCachedTapes)
		}
	}
	// A tape that grew beyond the bound is not kept.
	var c tapeCache[float32]
	big := nn.NewTape[float32]()
	big.Zeros(maxCachedTapeBytes/4 + 1)
	c.put(big)
	small := nn.NewTape[float32]()
	small.Zeros(1000)
	c.put(small)
	if len(c.free) != 1 || c.free[0] != small {
		t.Errorf("the cache keeps %d tapes after a large and a small one, want the small one alone", len(c.free))
	}
}
