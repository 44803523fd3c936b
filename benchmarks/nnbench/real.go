package nnbench

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/metabench/metabench/agents/density"
	"github.com/metabench/metabench/agents/imitation"
	"github.com/metabench/metabench/agents/nmt"
	"github.com/metabench/metabench/envs/images"
	"github.com/metabench/metabench/envs/lang"
	"github.com/metabench/metabench/nn"
	"github.com/metabench/metabench/nn/optim"
)

// The suites' real training steps, built from the suites' public APIs on
// data drawn by the suites' own generators at the quick profile's sizes.
const (
	// ModelNMTULR is the nmt suite's training step with the universal
	// lexical representation (multitask training: one batch, Adam).
	ModelNMTULR = "nmt-ulr"
	// ModelNMTFOMAML is FOMAML's meta step: an inner Adam step on a
	// support batch, the query gradient at the adapted weights, and the
	// outer Adam step.
	ModelNMTFOMAML = "nmt-fomaml"
	// ModelDensityGated is the density suite's conditional gated PixelCNN
	// (vertical and horizontal stacks) on one batch of character episodes.
	ModelDensityGated = "density-gated"
	// ModelDensityAttention is the density suite's attention PixelCNN.
	ModelDensityAttention = "density-attention"
)

// realModels lists the real steps, in report order.
func realModels() []string {
	return []string{ModelNMTULR, ModelNMTFOMAML, ModelDensityGated, ModelDensityAttention, ModelImitationBC}
}

// nmtQuick mirrors the nmt suite's quick profile (benchmarks/nmtbench):
// the model, the synthetic world's size and the training settings.
var nmtQuick = struct {
	cfg            nmt.Config
	families       []int
	mono, train    int
	embDim, window int
	seedFraction   float64
	batch, warmup  int
	lr, innerLR    float64
	innerMode      nmt.Mode
	maxLen         int
}{
	cfg:      nmt.Config{D: 64, Heads: 4, FF: 128, EncLayers: 2, DecLayers: 2, Dropout: 0.1, ULR: true, Temp: 0.05, LabelSmoothing: 0.1, MaxLen: 40},
	families: []int{4, 4, 4}, mono: 100000, train: 12000, embDim: 64, window: 5, seedFraction: 0.5,
	batch: 32, warmup: 200, lr: 3e-3, innerLR: 1e-3, innerMode: nmt.FineTuneEmbEnc, maxLen: 40,
}

// densityQuick is the density suite's quick-profile architecture on the
// characters task (26×26, training support sizes 1, 2, 4, 8); the step
// draws 16 episodes of support size 4 (the profile draws k per step from
// {1, 2, 4, 8}; 4 is the nearest to their mean).
var densityQuick = struct {
	layers, channels, firstKernel, encChannels, condDim, keyDim, maxK int
	batch, k                                                          int
	lr                                                                float64
}{layers: 5, channels: 24, firstKernel: 5, encChannels: 24, condDim: 64, keyDim: 16, maxK: 8, batch: 16, k: 4, lr: 2e-3}

// nmtData is one synthetic language's data as the nmt suite prepares it:
// English and source vocabularies, the English key embeddings, the source
// embeddings aligned to them, and training pairs.
type nmtData struct {
	eng, src *nmt.Vocab
	engEmb   *nmt.Embeddings
	srcEmb   *nmt.Embeddings
	train    []nmt.Example
}

// realData is what the real steps train on, built once per run.
type realData struct {
	nmt       *nmtData
	chars     images.Source
	imitation []*imitation.TaskData
	// Inputs is what the PyTorch reference needs to run the same steps on
	// the same data.
	Inputs RealInputs
}

// RealInputs is the data of the real steps for the reference script.
type RealInputs struct {
	NMT       *NMTInputs                `json:"nmt,omitempty"`
	Density   map[string]*DensityInputs `json:"density,omitempty"`
	Imitation *ImitationInputs          `json:"imitation,omitempty"`
}

// NMTInputs are the nmt steps' sizes and batches (ids without BOS/EOS).
type NMTInputs struct {
	D              int       `json:"d"`
	Heads          int       `json:"heads"`
	FF             int       `json:"ff"`
	Layers         int       `json:"layers"`
	Dropout        float64   `json:"dropout"`
	Temp           float64   `json:"temp"`
	LabelSmoothing float64   `json:"label_smoothing"`
	MaxLen         int       `json:"max_len"`
	SrcVocab       int       `json:"src_vocab"`
	TgtVocab       int       `json:"tgt_vocab"`
	EmbDim         int       `json:"emb_dim"`
	EQ             []float32 `json:"eq"`   // [src_vocab, emb_dim]
	Keys           []float32 `json:"keys"` // [tgt_vocab-4, emb_dim]
	LR             float64   `json:"lr"`
	Warmup         int       `json:"warmup"`
	InnerLR        float64   `json:"inner_lr"`
	Batches        []NMTPair `json:"batches"` // training batch, then FOMAML's query batch
}

// NMTPair is one batch of sentence pairs.
type NMTPair struct {
	Src [][]int `json:"src"`
	Tgt [][]int `json:"tgt"`
}

// DensityInputs are one density step's configuration and batch.
type DensityInputs struct {
	Config  density.Config `json:"config"`
	B       int            `json:"b"`
	K       int            `json:"k"`
	LR      float64        `json:"lr"`
	Targets []float32      `json:"targets"` // [B, H, W]
	Support []float32      `json:"support"` // [B, K, H, W]
}

// newRealData prepares the data of the selected real steps.
func newRealData(models []string, seed uint64) (*realData, error) {
	d := &realData{}
	if slices.Contains(models, ModelNMTULR) || slices.Contains(models, ModelNMTFOMAML) {
		nd, err := newNMTData(seed)
		if err != nil {
			return nil, fmt.Errorf("nnbench: nmt data: %w", err)
		}
		d.nmt = nd
		q := nmtQuick
		r := rand.New(rand.NewPCG(seed, 0x626174))
		in := &NMTInputs{D: q.cfg.D, Heads: q.cfg.Heads, FF: q.cfg.FF, Layers: q.cfg.EncLayers, Dropout: q.cfg.Dropout,
			Temp: q.cfg.Temp, LabelSmoothing: q.cfg.LabelSmoothing, MaxLen: q.cfg.MaxLen,
			SrcVocab: nd.src.Size(), TgtVocab: nd.eng.Size(), EmbDim: q.embDim, LR: q.lr, Warmup: q.warmup, InnerLR: q.innerLR}
		for _, v := range nd.srcEmb.Vecs {
			in.EQ = append(in.EQ, float32(v))
		}
		for _, v := range nd.engEmb.Vecs[4*q.embDim:] { // the special tokens have no key
			in.Keys = append(in.Keys, float32(v))
		}
		for range 2 {
			b := nmt.Batch{}
			for range q.batch {
				e := nd.train[r.IntN(len(nd.train))]
				b.Src, b.Tgt = append(b.Src, e.Src), append(b.Tgt, e.Tgt)
			}
			in.Batches = append(in.Batches, NMTPair{Src: b.Src, Tgt: b.Tgt})
		}
		d.Inputs.NMT = in
	}
	for _, name := range []string{ModelDensityGated, ModelDensityAttention} {
		if !slices.Contains(models, name) {
			continue
		}
		if d.chars == nil {
			set, err := images.Characters(images.DefaultCharacters(), seed)
			if err != nil {
				return nil, fmt.Errorf("nnbench: characters: %w", err)
			}
			d.chars = set
			d.Inputs.Density = map[string]*DensityInputs{}
		}
		q := densityQuick
		bt, err := density.MakeBatch[float32](d.chars, images.TrainSplit, q.k, seed, 0, q.batch)
		if err != nil {
			return nil, fmt.Errorf("nnbench: density batch: %w", err)
		}
		d.Inputs.Density[name] = &DensityInputs{Config: densityConfig(name), B: bt.B, K: bt.K, LR: q.lr, Targets: bt.Targets, Support: bt.Support}
	}
	if slices.Contains(models, ModelImitationBC) {
		data, in, err := newImitationData(seed)
		if err != nil {
			return nil, fmt.Errorf("nnbench: imitation data: %w", err)
		}
		d.imitation, d.Inputs.Imitation = data, in
	}
	return d, nil
}

// densityConfig is the quick profile's configuration of the model (as
// benchmarks/densitybench builds it for 26×26 characters).
func densityConfig(name string) density.Config {
	q := densityQuick
	kind := density.Conditional
	if name == ModelDensityAttention {
		kind = density.Attention
	}
	return density.Config{Kind: kind, H: 26, W: 26, Layers: q.layers, Channels: q.channels, FirstKernel: q.firstKernel,
		EncChannels: q.encChannels, CondDim: q.condDim, KeyDim: q.keyDim, Pool: 2, MaxSupport: q.maxK, InnerLR: 0.05}
}

// newNMTData builds the first high-resource language of the quick
// profile's synthetic world as benchmarks/nmtbench does: vocabularies from
// monolingual text, PPMI-SVD embeddings, the source embeddings aligned to
// English by Procrustes on a seed dictionary of half the roots.
func newNMTData(seed uint64) (*nmtData, error) {
	q := nmtQuick
	cfg := lang.DefaultConfig(seed)
	cfg.Families = q.families
	w, err := lang.NewWorld(cfg)
	if err != nil {
		return nil, err
	}
	d := &nmtData{}
	engMono := w.Monolingual(nil, q.mono)
	d.eng = nmt.BuildVocab(engMono, 1, 0)
	if d.engEmb, err = nmt.PPMISVD(engMono, d.eng, q.embDim, q.window); err != nil {
		return nil, fmt.Errorf("english embeddings: %w", err)
	}
	l := w.Families[0].Langs[0]
	mono := w.Monolingual(l, q.mono)
	d.src = nmt.BuildVocab(mono, 1, 0)
	emb, err := nmt.PPMISVD(mono, d.src, q.embDim, q.window)
	if err != nil {
		return nil, fmt.Errorf("%s embeddings: %w", l.Code, err)
	}
	r := rand.New(rand.NewPCG(seed, 0x616c69676e))
	var pairs [][2]int
	add := func(kind string, n int, eng func(int) string) {
		for i := range n {
			s, e := d.src.ID(l.Root(kind, i)), d.eng.ID(eng(i))
			if s != nmt.UNK && e != nmt.UNK && r.Float64() < q.seedFraction {
				pairs = append(pairs, [2]int{s, e})
			}
		}
	}
	nNoun, nv, na := lang.LexiconSizes()
	add("noun", nNoun, lang.EnglishNoun)
	add("verb", nv, lang.EnglishVerb)
	add("adj", na, lang.EnglishAdj)
	wm, err := nmt.Procrustes(emb, d.engEmb, pairs)
	if err != nil {
		return nil, fmt.Errorf("%s alignment: %w", l.Code, err)
	}
	d.srcEmb = emb.Map(wm)
	for _, p := range w.Parallel(l, "train", q.train) {
		if len(p.Src) == 0 || len(p.Tgt) == 0 || len(p.Src) >= q.maxLen || len(p.Tgt) >= q.maxLen {
			continue
		}
		d.train = append(d.train, nmt.Example{Src: d.src.IDs(p.Src), Tgt: d.eng.IDs(p.Tgt)})
	}
	if len(d.train) == 0 {
		return nil, fmt.Errorf("%s: no training pairs", l.Code)
	}
	return d, nil
}

// newNMT builds the nmt suite's ULR model on the prepared language and
// either its training step or FOMAML's meta step, with the suite's
// optimiser settings (Adam β = 0.9, 0.98, warm-up, clipping at norm 1).
func newNMT(name string, seed uint64, d *realData) (*trainer, error) {
	q, nd, in := nmtQuick, d.nmt, d.Inputs.NMT
	r := rand.New(rand.NewPCG(seed, 0x6d6f64656c))
	m, err := nmt.NewModel[float32](r, q.cfg, nd.eng, nd.engEmb)
	if err != nil {
		return nil, err
	}
	l, err := m.AddLanguage(r, "src", nd.src, nd.srcEmb)
	if err != nil {
		return nil, err
	}
	b1 := nmt.Batch{Src: in.Batches[0].Src, Tgt: in.Batches[0].Tgt}
	b2 := nmt.Batch{Src: in.Batches[1].Src, Tgt: in.Batches[1].Tgt}
	rnd := rand.New(rand.NewPCG(seed, 0x64726f70)).Float64
	shared := append(m.EncoderParams(), m.DecoderParams()...)
	shared = append(shared, m.A, m.U)
	cfg := optim.Config{LR: q.lr, Schedule: optim.WarmupInvSqrt(q.warmup), ClipNorm: 1}
	if name == ModelNMTULR {
		// Multitask training is joint: E_lang is trained with the rest.
		ps := append(slices.Clone(shared), l.E)
		t := &trainer{name: name, desc: "nmt quick: ULR Transformer d=64 2+2 layers, dropout 0.1, B=32 synthetic pairs",
			tp: nn.NewTape[float32](), opt: optim.NewAdam(cfg, nmt.AdamTransformer, optim.NewGroup("shared", ps...))}
		t.loss = func(tp *nn.Tape[float32]) *nn.Tensor[float32] { return m.Loss(tp, l, b1, rnd) }
		return t, nil
	}
	// FOMAML as nmt.Train runs it: E_lang adapts in the inner step only
	// (the inner step takes the fine-tuning mode's parameters, emb+enc)
	// and is reset after each meta step.
	opt := optim.NewAdam(cfg, nmt.AdamTransformer, optim.NewGroup("shared", shared...))
	params := append(slices.Clone(shared), l.E)
	adapt := slices.Concat(m.EmbeddingParams(l), m.EncoderParams())
	inner := make([]bool, len(params))
	for i, p := range params {
		inner[i] = p != m.U && slices.Contains(adapt, p)
	}
	var f nmt.FOMAML[float32]
	t := &trainer{name: name, desc: "nmt quick: FOMAML inner (emb+enc) + outer step, 2 batches of 32"}
	t.custom = func() (float32, error) {
		_, ql, err := f.MetaGrad(params, inner,
			func(tp *nn.Tape[float32]) *nn.Tensor[float32] { return m.Loss(tp, l, b1, rnd) },
			func(tp *nn.Tape[float32]) *nn.Tensor[float32] { return m.Loss(tp, l, b2, rnd) },
			q.innerLR)
		if err != nil {
			return 0, err
		}
		clear(l.E.Value)
		clear(l.E.Grad)
		if err := opt.Step(); err != nil {
			return 0, err
		}
		opt.ZeroGrad()
		return float32(ql), nil
	}
	return t, nil
}

// newDensity builds the density suite's model of the given step and its
// training step on one batch: the loss of the whole batch on one tape
// (the suite splits a batch into chunks only to bound memory; the
// gradient is the same), Adam with clipping at norm 1 as density.Train.
func newDensity(name string, seed uint64, d *realData) (*trainer, error) {
	in := d.Inputs.Density[name]
	m, err := density.New(in.Config, seed)
	if err != nil {
		return nil, err
	}
	bt := density.Batch[float32]{B: in.B, K: in.K, Targets: in.Targets, Support: in.Support}
	tp := nn.NewTape[float32]()
	opt := optim.NewAdam(optim.Config{LR: in.LR, ClipNorm: 1}, optim.AdamOpts{}, optim.NewGroup("all", m.AllParams()...))
	t := &trainer{name: name,
		desc: fmt.Sprintf("density quick: %s PixelCNN 5×24 ch, 26×26 characters, B=%d, k=%d", in.Config.Kind, in.B, in.K)}
	t.custom = func() (float32, error) {
		tp.Reset()
		l, err := m.Loss(tp, bt)
		if err != nil {
			return 0, err
		}
		v := l.Item()
		if err := tp.Backward(l); err != nil {
			return 0, err
		}
		if err := opt.Step(); err != nil {
			return 0, err
		}
		opt.ZeroGrad()
		return v, nil
	}
	return t, nil
}
