package nmt

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/metabench/metabench/nn"
	"github.com/metabench/metabench/nn/meta"
	"github.com/metabench/metabench/nn/optim"
)

// Example is one sentence pair as ids (no BOS or EOS).
type Example struct {
	Src, Tgt []int
}

// Task is the training data of one source language.
type Task struct {
	Lang string
	Data []Example
}

// AdamTransformer are the paper's Adam settings (β = 0.9, 0.98, ε = 1e-9).
var AdamTransformer = optim.AdamOpts{Beta1: 0.9, Beta2: 0.98, Eps: 1e-9}

// MetaGrad stores in params' Grad the first-order MAML meta-gradient of
// one task: a fresh Adam optimiser (rate innerLR) takes one step on the
// support loss over the parameters marked in inner, and the gradient of
// the query loss is taken at the adapted weights. params themselves are
// left unchanged (the "saved" weights the meta optimiser then updates).
// It returns the support and query losses.
func MetaGrad[T nn.Float](params []*nn.Param[T], inner []bool, support, query meta.LossFunc[T], innerLR float64) (sLoss, qLoss float64, err error) {
	var f FOMAML[T]
	return f.MetaGrad(params, inner, support, query, innerLR)
}

// FOMAML computes meta-gradients like [MetaGrad], reusing its tape and
// the buffers of the adapted weights from one meta step to the next. The
// zero value is ready; it must not be used by two goroutines at once.
type FOMAML[T nn.Float] struct {
	tp   *nn.Tape[T]
	fast []*nn.Param[T]
	// Steps is the number of inner Adam steps (0 means 1), each on the
	// support loss at the weights the previous one left.
	Steps int
	// Moved, if TrackMoves, holds after MetaGrad the largest change of any
	// coordinate of each parameter in the inner steps: what shows that a
	// parameter (E_lang above all) adapts, and by how much.
	TrackMoves bool
	Moved      []float64
}

// MetaGrad is [MetaGrad] with f's buffers.
func (f *FOMAML[T]) MetaGrad(params []*nn.Param[T], inner []bool, support, query meta.LossFunc[T], innerLR float64) (sLoss, qLoss float64, err error) {
	if f.tp == nil {
		f.tp = nn.NewTape[T]()
	}
	if !sameShapes(f.fast, params) {
		f.fast = nn.CloneParams(params)
	}
	fast := f.fast
	var fastInner []*nn.Param[T]
	for i, p := range fast {
		copy(p.Value, params[i].Value) // the saved weights stay in params
		p.Frozen = params[i].Frozen
		if inner[i] {
			fastInner = append(fastInner, p)
		}
	}
	opt := optim.NewAdam(optim.Config{LR: innerLR}, AdamTransformer, optim.NewGroup("inner", fastInner...))
	var s T
	for k := range max(f.Steps, 1) {
		l, err := f.gradAt(params, fast, support)
		if err != nil {
			return 0, 0, fmt.Errorf("nmt: inner step %d: %w", k+1, err)
		}
		if k == 0 {
			s = l
		}
		if err := opt.Step(); err != nil {
			return 0, 0, fmt.Errorf("nmt: inner step %d: %w", k+1, err)
		}
	}
	if f.TrackMoves {
		f.Moved = f.Moved[:0]
		for i, p := range fast {
			var mv float64
			for j, v := range p.Value {
				mv = max(mv, math.Abs(float64(v-params[i].Value[j])))
			}
			f.Moved = append(f.Moved, mv)
		}
	}
	q, err := f.gradAt(params, fast, query)
	if err != nil {
		return 0, 0, fmt.Errorf("nmt: meta gradient: %w", err)
	}
	for i, p := range params {
		copy(p.Grad, fast[i].Grad)
	}
	return float64(s), float64(q), nil
}

// gradAt evaluates loss with params replaced by at, leaving the gradient
// in at's Grad (as meta.GradAt, on a reused tape).
func (f *FOMAML[T]) gradAt(params, at []*nn.Param[T], loss meta.LossFunc[T]) (T, error) {
	nn.ZeroGrads(at)
	f.tp.Reset()
	f.tp.SubstituteParams(params, at)
	l := loss(f.tp)
	if err := f.tp.Backward(l); err != nil {
		return 0, fmt.Errorf("nmt: backward: %w", err)
	}
	return l.Item(), nil
}

func sameShapes[T nn.Float](a, b []*nn.Param[T]) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !slices.Equal(a[i].Shape, b[i].Shape) {
			return false
		}
	}
	return true
}

// Method is how the shared model is trained on the high-resource tasks.
type Method string

// Methods.
const (
	Meta      Method = "meta"      // first-order MAML, one language per meta step
	Multitask Method = "multitask" // joint training on all languages
)

// TrainConfig sets meta-training or multitask training.
type TrainConfig struct {
	Method    Method
	Steps     int
	BatchSize int // sentence pairs per batch (the support and the query batch each)
	LR        float64
	Warmup    int
	InnerLR   float64 // FOMAML's inner Adam rate (the suite sets it to the fine-tuning rate)
	// InnerTokens, if positive, makes each meta step's support and query
	// batch a support-sized batch: sentences are drawn until their target
	// side holds InnerTokens tokens, as the authors' inner batch of about
	// 2,000 tokens was half a 4k support set. Multitask batches then hold
	// as many tokens, so that a meta step costs two multitask steps.
	// Zero: BatchSize sentences.
	InnerTokens int
	// InnerSteps is the number of inner Adam steps per meta step (0: 1).
	InnerSteps int
	// OnInner, if not nil, sees every meta step's inner step (tests and
	// diagnostics).
	OnInner func(InnerStep) `json:"-"`
	// InnerMode is which parameters FOMAML's inner step adapts: the
	// fine-tuning mode meta-testing will use, as in the authors' code
	// (its inner optimiser takes --finetune_params). Empty means every
	// parameter but the universal values U, which only the meta step
	// updates.
	InnerMode Mode
	Seed      uint64
	// EvalEvery, if positive, calls Validate every EvalEvery steps and
	// keeps the weights that scored best (early stopping on a validation
	// language).
	EvalEvery int
	// Patience, if positive (with EvalEvery), ends training once
	// validation has not improved for Patience evaluations; the best
	// weights are kept either way.
	Patience int
	// Trace, if set, makes Train record the fingerprints of the weights it
	// trains along training into TrainResult.Trace (optim.Trace).
	Trace bool `json:"-"`
}

// InnerStep describes one meta step's inner step.
type InnerStep struct {
	Step          int
	Lang          string
	SupportTokens int // target tokens of the support batch (with EOS)
	QueryTokens   int
	LR            float64
	// ELangMoved is the largest change of a coordinate of E_lang in the
	// inner step (zero when E_lang is not adapted or there is no ULR).
	ELangMoved float64
}

// TrainResult summarises a training run.
type TrainResult struct {
	Steps     int       `json:"steps"`
	BestStep  int       `json:"best_step"`
	BestScore float64   `json:"best_score"`
	Losses    []float64 `json:"losses"` // mean loss per eval interval (or per 100 steps)
	Tokens    int       `json:"tokens"` // target tokens processed
	// Trace is the trace file (optim.Trace) of the weights Train leaves in
	// the model, with TrainConfig.Trace: their fingerprints after steps 1,
	// 10, 100, … up to the step they are from (the best step when early
	// stopping kept an earlier step's weights), then at that step.
	Trace []byte `json:"-"`
}

func batchOf(r *rand.Rand, data []Example, n int) Batch {
	var b Batch
	for range n {
		e := data[r.IntN(len(data))]
		b.Src = append(b.Src, e.Src)
		b.Tgt = append(b.Tgt, e.Tgt)
	}
	return b
}

// tokenBatchOf draws sentences until their target side (with EOS) holds
// at least tokens tokens.
func tokenBatchOf(r *rand.Rand, data []Example, tokens int) Batch {
	var b Batch
	for n := 0; n < tokens; {
		e := data[r.IntN(len(data))]
		b.Src = append(b.Src, e.Src)
		b.Tgt = append(b.Tgt, e.Tgt)
		n += len(e.Tgt) + 1
	}
	return b
}

func targetTokens(b Batch) int {
	n := 0
	for _, t := range b.Tgt {
		n += len(t) + 1
	}
	return n
}

// Train trains m on tasks by cfg.Method. validate, if not nil, scores a
// copy of the model (higher is better) for early stopping. The languages
// of tasks must have been added to m.
func Train(ctx context.Context, m *Model[float32], tasks []Task, cfg TrainConfig, validate func(*Model[float32]) (float64, error)) (TrainResult, error) {
	if len(tasks) == 0 || cfg.Steps < 1 || cfg.BatchSize < 1 {
		return TrainResult{}, fmt.Errorf("nmt: train: %d tasks, %d steps, batch %d", len(tasks), cfg.Steps, cfg.BatchSize)
	}
	langs := make([]*SrcLang[float32], len(tasks))
	for i, t := range tasks {
		l, err := m.Lang(t.Lang)
		if err != nil {
			return TrainResult{}, err
		}
		if len(t.Data) == 0 {
			return TrainResult{}, fmt.Errorf("nmt: train: language %s has no data", t.Lang)
		}
		langs[i] = l
	}
	if cfg.InnerMode != "" {
		if _, err := m.modeParams(langs[0], cfg.InnerMode); err != nil {
			return TrainResult{}, fmt.Errorf("nmt: train: inner step: %w", err)
		}
	}
	// The parameters the (meta) optimiser updates. With ULR and FOMAML the
	// language embeddings E_lang are not among them: they start at zero
	// for every task, adapt in the inner step only and are reset after
	// each meta step. Multitask training is joint training of the whole
	// model, E_lang included, as in the authors' code (it zeroes the
	// language-specific embedding only after meta steps).
	shared := append(m.EncoderParams(), m.DecoderParams()...)
	if m.Cfg.ULR {
		shared = append(shared, m.A, m.U)
	}
	if !m.Cfg.ULR || cfg.Method == Multitask {
		for _, l := range langs {
			if !slices.Contains(shared, l.E) { // one table for all with Config.TokenLangEmb
				shared = append(shared, l.E)
			}
		}
	}
	opt := optim.NewAdam(optim.Config{LR: cfg.LR, Schedule: optim.WarmupInvSqrt(cfg.Warmup), ClipNorm: 1}, AdamTransformer,
		optim.NewGroup("shared", shared...))
	var trace *optim.Trace[float32]
	if cfg.Trace {
		trace = optim.NewTrace(shared)
	}
	r := rand.New(rand.NewPCG(cfg.Seed, 0x6e6d74))
	drop := rand.New(rand.NewPCG(cfg.Seed, 0x64726f70))
	rnd := drop.Float64
	res := TrainResult{BestStep: -1}
	var best []*nn.Param[float32]
	interval := cfg.EvalEvery
	if interval <= 0 {
		interval = 100
	}
	var lossSum float64
	var lossN int
	tp := nn.NewTape[float32]()
	fomaml := FOMAML[float32]{Steps: cfg.InnerSteps, TrackMoves: cfg.OnInner != nil}
	for step := 1; step <= cfg.Steps; step++ {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		ti := r.IntN(len(tasks))
		l := langs[ti]
		switch cfg.Method {
		case Multitask:
			b := batchOf(r, tasks[ti].Data, cfg.BatchSize)
			if cfg.InnerTokens > 0 {
				b = tokenBatchOf(r, tasks[ti].Data, cfg.InnerTokens)
			}
			res.Tokens += targetTokens(b)
			tp.Reset()
			loss := m.Loss(tp, l, b, rnd)
			if err := tp.Backward(loss); err != nil {
				return res, fmt.Errorf("nmt: step %d: %w", step, err)
			}
			lossSum += float64(loss.Item())
		case Meta:
			var b1, b2 Batch
			if cfg.InnerTokens > 0 {
				b1, b2 = tokenBatchOf(r, tasks[ti].Data, cfg.InnerTokens), tokenBatchOf(r, tasks[ti].Data, cfg.InnerTokens)
			} else {
				b1, b2 = batchOf(r, tasks[ti].Data, cfg.BatchSize), batchOf(r, tasks[ti].Data, cfg.BatchSize)
			}
			res.Tokens += targetTokens(b1) + targetTokens(b2)
			params := slices.Clone(shared)
			if m.Cfg.ULR {
				params = append(params, l.E)
			}
			adapt := params
			if cfg.InnerMode != "" {
				adapt, _ = m.modeParams(l, cfg.InnerMode) // checked above
			}
			inner := make([]bool, len(params))
			for i, p := range params {
				inner[i] = p != m.U && slices.Contains(adapt, p)
			}
			_, q, err := fomaml.MetaGrad(params, inner,
				func(tp *nn.Tape[float32]) *nn.Tensor[float32] { return m.Loss(tp, l, b1, rnd) },
				func(tp *nn.Tape[float32]) *nn.Tensor[float32] { return m.Loss(tp, l, b2, rnd) },
				cfg.InnerLR)
			if err != nil {
				return res, fmt.Errorf("nmt: meta step %d: %w", step, err)
			}
			if cfg.OnInner != nil {
				is := InnerStep{Step: step, Lang: l.Code, SupportTokens: targetTokens(b1), QueryTokens: targetTokens(b2), LR: cfg.InnerLR}
				if m.Cfg.ULR {
					is.ELangMoved = fomaml.Moved[len(params)-1] // l.E is last
				}
				cfg.OnInner(is)
			}
			if m.Cfg.ULR {
				clear(l.E.Value) // E_lang is reset after every meta step
				clear(l.E.Grad)
			}
			lossSum += q
		default:
			return res, fmt.Errorf("nmt: unknown training method %q", cfg.Method)
		}
		lossN++
		if err := opt.Step(); err != nil {
			return res, fmt.Errorf("nmt: step %d: %w", step, err)
		}
		trace.Observe(step)
		opt.ZeroGrad()
		res.Steps = step
		if step%interval == 0 || step == cfg.Steps {
			res.Losses = append(res.Losses, lossSum/float64(max(lossN, 1)))
			lossSum, lossN = 0, 0
			if validate != nil && cfg.EvalEvery > 0 {
				s, err := validate(m)
				if err != nil {
					return res, err
				}
				if res.BestStep < 0 || s > res.BestScore {
					res.BestStep, res.BestScore = step, s
					best = nn.CloneParams(shared)
				}
				if cfg.Patience > 0 && step-res.BestStep >= cfg.Patience*cfg.EvalEvery {
					break
				}
			}
		}
	}
	at := res.Steps
	if best != nil {
		for i, p := range shared {
			copy(p.Value, best[i].Value)
		}
		at = res.BestStep
	}
	if trace != nil {
		res.Trace = trace.CSV(at)
	}
	return res, nil
}

// Mode is a fine-tuning mode: which parameters adapt to a new language.
type Mode string

// Fine-tuning modes (the paper's Table 2).
const (
	FineTuneAll    Mode = "all"     // every parameter but the universal values U
	FineTuneEmbEnc Mode = "emb+enc" // embeddings and encoder; the decoder is frozen
	FineTuneEmb    Mode = "emb"     // the embeddings only
)

// modeParams returns the parameters that mode adapts to language l.
func (m *Model[T]) modeParams(l *SrcLang[T], mode Mode) ([]*nn.Param[T], error) {
	ps := m.EmbeddingParams(l)
	switch mode {
	case FineTuneAll:
		return slices.Concat(ps, m.EncoderParams(), m.DecoderParams()), nil
	case FineTuneEmbEnc:
		return slices.Concat(ps, m.EncoderParams()), nil
	case FineTuneEmb:
		return ps, nil
	}
	return nil, fmt.Errorf("nmt: unknown fine-tuning mode %q (want all, emb+enc or emb)", mode)
}

// FineTuneConfig sets fine-tuning on a low-resource language.
type FineTuneConfig struct {
	Mode   Mode
	Epochs int
	// Patience, if positive, ends fine-tuning once dev has not improved
	// for Patience epochs (the best epoch is kept either way).
	Patience  int
	BatchSize int
	LR        float64
	Seed      uint64
}

// FineTune returns a copy of m fine-tuned on data of language code, and
// the epoch (1-based; 0 for the model before fine-tuning) that scored
// best by dev, which must be higher for better models.
func FineTune(ctx context.Context, m *Model[float32], code string, data []Example, cfg FineTuneConfig, dev func(*Model[float32]) (float64, error)) (*Model[float32], int, float64, error) {
	c := m.Clone()
	l, err := c.Lang(code)
	if err != nil {
		return nil, 0, 0, err
	}
	train, err := c.modeParams(l, cfg.Mode)
	if err != nil {
		return nil, 0, 0, err
	}
	all := c.AllParams()
	frozen := make([]bool, len(all))
	for i, p := range all {
		frozen[i] = p.Frozen
		p.Frozen = !slices.Contains(train, p)
	}
	defer func() {
		for i, p := range all {
			p.Frozen = frozen[i]
		}
	}()
	bestEpoch, bestScore := 0, 0.0
	if dev != nil {
		if bestScore, err = dev(c); err != nil {
			return nil, 0, 0, err
		}
	}
	best := nn.CloneParams(train)
	if len(data) == 0 || cfg.Epochs < 1 {
		return c, 0, bestScore, nil
	}
	opt := optim.NewAdam(optim.Config{LR: cfg.LR, ClipNorm: 1}, AdamTransformer, optim.NewGroup("ft", train...))
	r := rand.New(rand.NewPCG(cfg.Seed, 0x6674))
	rnd := rand.New(rand.NewPCG(cfg.Seed, 0x6474)).Float64
	tp := nn.NewTape[float32]()
	bs := max(cfg.BatchSize, 1)
	for ep := 1; ep <= cfg.Epochs; ep++ {
		order := r.Perm(len(data))
		for s := 0; s < len(order); s += bs {
			if err := ctx.Err(); err != nil {
				return nil, 0, 0, err
			}
			var b Batch
			for _, i := range order[s:min(s+bs, len(order))] {
				b.Src = append(b.Src, data[i].Src)
				b.Tgt = append(b.Tgt, data[i].Tgt)
			}
			tp.Reset()
			if err := tp.Backward(c.Loss(tp, l, b, rnd)); err != nil {
				return nil, 0, 0, fmt.Errorf("nmt: fine-tune epoch %d: %w", ep, err)
			}
			if err := opt.Step(); err != nil {
				return nil, 0, 0, fmt.Errorf("nmt: fine-tune epoch %d: %w", ep, err)
			}
			opt.ZeroGrad()
		}
		if dev == nil {
			bestEpoch = ep
			continue
		}
		sc, err := dev(c)
		if err != nil {
			return nil, 0, 0, err
		}
		if sc > bestScore {
			bestEpoch, bestScore = ep, sc
			for i, p := range train {
				copy(best[i].Value, p.Value)
			}
		}
		if cfg.Patience > 0 && ep-bestEpoch >= cfg.Patience {
			break
		}
	}
	if dev != nil {
		for i, p := range train {
			copy(p.Value, best[i].Value)
		}
	}
	return c, bestEpoch, bestScore, nil
}

// FineTuneSteps fine-tunes a copy of m on data of language code for the
// largest of ks steps, each on cfg.BatchSize sentences (a new shuffle of
// data every epoch), and calls at with the model after k steps for every k
// of ks (k = 0: before fine-tuning). It takes no dev set: the fixed-K
// protocol measures how far a model adapts in a fixed number of steps, not
// how good an epoch chosen on one small dev set is. cfg.Epochs and
// cfg.Patience are not used.
func FineTuneSteps(ctx context.Context, m *Model[float32], code string, data []Example, cfg FineTuneConfig, ks []int, at func(k int, c *Model[float32]) error) error {
	c := m.Clone()
	l, err := c.Lang(code)
	if err != nil {
		return err
	}
	train, err := c.modeParams(l, cfg.Mode)
	if err != nil {
		return err
	}
	last := 0
	for _, k := range ks {
		if k < 0 {
			return fmt.Errorf("nmt: fine-tune: %d steps", k)
		}
		last = max(last, k)
	}
	if len(data) == 0 && last > 0 {
		return fmt.Errorf("nmt: fine-tune %s: no data for %d steps", code, last)
	}
	for _, p := range c.AllParams() {
		p.Frozen = !slices.Contains(train, p) // c is a copy: nothing to restore
	}
	if slices.Contains(ks, 0) {
		if err := at(0, c); err != nil {
			return err
		}
	}
	opt := optim.NewAdam(optim.Config{LR: cfg.LR, ClipNorm: 1}, AdamTransformer, optim.NewGroup("ft", train...))
	r := rand.New(rand.NewPCG(cfg.Seed, 0x6674))
	rnd := rand.New(rand.NewPCG(cfg.Seed, 0x6474)).Float64
	tp := nn.NewTape[float32]()
	bs := max(cfg.BatchSize, 1)
	var order []int
	for step := 1; step <= last; step++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if len(order) == 0 {
			order = r.Perm(len(data))
		}
		var b Batch
		for _, i := range order[:min(bs, len(order))] {
			b.Src = append(b.Src, data[i].Src)
			b.Tgt = append(b.Tgt, data[i].Tgt)
		}
		order = order[min(bs, len(order)):]
		tp.Reset()
		if err := tp.Backward(c.Loss(tp, l, b, rnd)); err != nil {
			return fmt.Errorf("nmt: fine-tune step %d: %w", step, err)
		}
		if err := opt.Step(); err != nil {
			return fmt.Errorf("nmt: fine-tune step %d: %w", step, err)
		}
		opt.ZeroGrad()
		if slices.Contains(ks, step) {
			if err := at(step, c); err != nil {
				return err
			}
		}
	}
	return nil
}
