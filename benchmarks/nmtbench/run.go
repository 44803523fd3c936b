package nmtbench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/metabench/metabench/agents/nmt"
	"github.com/metabench/metabench/benchmarks/bleu"
	"github.com/metabench/metabench/benchmarks/suite"
	"github.com/metabench/metabench/internal/atomicfile"
	"github.com/metabench/metabench/internal/dirlock"
	"github.com/metabench/metabench/internal/infile"
	"github.com/metabench/metabench/internal/parallel"
)

// modelSpec is a shared model to train.
type modelSpec struct {
	Name   string
	Method nmt.Method
	ULR    bool
	Langs  []*langData
	// TokenEmb gives the model the authors' language embedding, one table
	// shared by token id (nmt.Config.TokenLangEmb), instead of ours.
	TokenEmb bool
	// StepsFactor multiplies the profile's training steps (0: 1).
	StepsFactor int
}

// unit is one fine-tuning (or evaluation) job.
type unit struct {
	Exp, Model string
	Lang       *langData
	Size, Set  int
	Mode       nmt.Mode
	K          int // fixedk: fine-tuning steps
}

func plan(p Profile, d *dataset) ([]modelSpec, []unit) {
	specs := []modelSpec{
		{Name: "meta", Method: nmt.Meta, ULR: true, Langs: d.High},
		{Name: "multitask", Method: nmt.Multitask, ULR: true, Langs: d.High},
	}
	mains := []string{"meta", "multitask"}
	if p.TokenLangEmb {
		specs = append(specs, modelSpec{Name: "multitask-tokid", Method: nmt.Multitask, ULR: true, Langs: d.High, TokenEmb: true})
		mains = append(mains, "multitask-tokid")
	}
	if p.MultitaskDouble {
		// A meta step computes two batches' gradients, a multitask step
		// one: at twice the steps multitask has meta's compute.
		specs = append(specs, modelSpec{Name: "multitask-2x", Method: nmt.Multitask, ULR: true, Langs: d.High, StepsFactor: 2})
		mains = append(mains, "multitask-2x")
	}
	if p.ZeroShotPlain {
		specs = append(specs, modelSpec{Name: "meta-noULR", Method: nmt.Meta, Langs: d.High})
	}
	var subsets [][]*langData
	for _, n := range p.LangCounts {
		if n < len(d.High) {
			subsets = append(subsets, roundRobin(d.High, n))
			specs = append(specs, modelSpec{Name: fmt.Sprintf("meta-%d", n), Method: nmt.Meta, ULR: true, Langs: subsets[len(subsets)-1]})
		}
	}
	var us []unit
	for _, m := range mains {
		for _, l := range d.Low {
			for _, size := range p.Sizes {
				for k := range p.SupportSets {
					us = append(us, unit{Exp: "main", Model: m, Lang: l, Size: size, Set: k, Mode: p.FineTune.Mode})
				}
			}
		}
	}
	if p.ModesSize > 0 {
		for _, m := range []string{"meta", "multitask"} {
			for _, mode := range []nmt.Mode{nmt.FineTuneAll, nmt.FineTuneEmbEnc, nmt.FineTuneEmb} {
				for _, l := range d.Low {
					for k := range p.SupportSets {
						if mode == p.FineTune.Mode && slices.Contains(p.Sizes, p.ModesSize) {
							continue // the main table has it
						}
						us = append(us, unit{Exp: "modes", Model: m, Lang: l, Size: p.ModesSize, Set: k, Mode: mode})
					}
				}
			}
		}
	}
	if p.ZeroShot {
		zs := []string{"meta", "multitask"}
		if p.ZeroShotPlain {
			zs = append(zs, "meta-noULR")
		}
		for _, m := range zs {
			for _, l := range d.Low {
				us = append(us, unit{Exp: "zeroshot", Model: m, Lang: l})
			}
		}
	}
	for _, s := range specs {
		if strings.HasPrefix(s.Name, "meta-") && s.Name != "meta-noULR" {
			for _, l := range d.Low {
				for k := range p.SupportSets {
					us = append(us, unit{Exp: "langs", Model: s.Name, Lang: l, Size: p.LangCountSize, Set: k, Mode: p.FineTune.Mode})
				}
			}
		}
	}
	if p.SupervisedSteps > 0 {
		for _, l := range d.Low {
			us = append(us, unit{Exp: "supervised", Model: "supervised", Lang: l, Size: l.TrainTokens})
		}
		for _, code := range p.SupervisedHigh {
			if i := slices.IndexFunc(d.High, func(l *langData) bool { return l.Code == code }); i >= 0 {
				us = append(us, unit{Exp: "supervised", Model: "supervised", Lang: d.High[i], Size: d.High[i].TrainTokens})
			}
		}
	}
	// The fixed-K protocol: BLEU after K fine-tuning steps, no dev set.
	for _, m := range []string{"meta", "multitask"} {
		for _, l := range d.Low {
			for _, size := range p.FixedKSizes {
				for set := range p.SupportSets {
					for _, k := range p.FixedK {
						us = append(us, unit{Exp: "fixedk", Model: m, Lang: l, Size: size, Set: set, Mode: p.FineTune.Mode, K: k})
					}
				}
			}
		}
	}
	return specs, us
}

// roundRobin takes n languages, one family after another, so that a
// subset covers as many families as it can.
func roundRobin(ls []*langData, n int) []*langData {
	var fams []string
	by := map[string][]*langData{}
	for _, l := range ls {
		if _, ok := by[l.Family]; !ok {
			fams = append(fams, l.Family)
		}
		by[l.Family] = append(by[l.Family], l)
	}
	var out []*langData
	for i := 0; len(out) < n; i++ {
		added := false
		for _, f := range fams {
			if i < len(by[f]) && len(out) < n {
				out = append(out, by[f][i])
				added = true
			}
		}
		if !added {
			break
		}
	}
	return out
}

// newModel builds an untrained model with the languages ls; tokenEmb
// gives it the authors' language embedding shared by token id, with a row
// for every token of every language of d.
func newModel(p Profile, d *dataset, ulr, tokenEmb bool, seed uint64, ls []*langData) (*nmt.Model[float32], error) {
	cfg := p.Model
	cfg.ULR = ulr
	if tokenEmb {
		for _, l := range slices.Concat(d.High, d.Low, []*langData{d.Valid}) {
			if l != nil {
				cfg.TokenLangEmb = max(cfg.TokenLangEmb, l.Vocab.Size())
			}
		}
	}
	r := rand.New(rand.NewPCG(seed, 0x6d6f64656c))
	var keys *nmt.Embeddings
	if ulr {
		keys = d.EngEmb
	}
	m, err := nmt.NewModel[float32](r, cfg, d.Eng, keys)
	if err != nil {
		return nil, err
	}
	for _, l := range ls {
		if _, err := m.AddLanguage(r, l.Code, l.Vocab, l.Emb); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func tasks(ls []*langData) []nmt.Task {
	out := make([]nmt.Task, len(ls))
	for i, l := range ls {
		out[i] = nmt.Task{Lang: l.Code, Data: l.Train}
	}
	return out
}

// score decodes the first n sentences of set and returns corpus BLEU and
// chrF: with refs (real data: the English references as written),
// sacreBLEU with 13a tokenisation of the detokenised hypotheses;
// without, multi-bleu on the synthetic tokens.
func score(m *nmt.Model[float32], d *dataset, code string, set []nmt.Example, refs []string, n, beam int, lp float64) (float64, float64, error) {
	l, err := m.Lang(code)
	if err != nil {
		return 0, 0, err
	}
	set = set[:min(n, len(set))]
	var hyps [][]int
	if beam <= 1 {
		for s := 0; s < len(set); s += 64 {
			var src [][]int
			for _, e := range set[s:min(s+64, len(set))] {
				src = append(src, e.Src)
			}
			hyps = append(hyps, m.Greedy(l, src, d.MaxLen)...)
		}
	} else {
		for _, e := range set {
			hyps = append(hyps, m.Beam(l, e.Src, beam, d.MaxLen, lp))
		}
	}
	var st bleu.Stats
	var cs bleu.ChrFStats
	for i, e := range set {
		h, r := join(d.text(hyps[i])), join(d.text(e.Tgt))
		if refs != nil {
			r = refs[i]
			st.Add(bleu.Tokenize13a(h), [][]string{bleu.Tokenize13a(r)})
		} else {
			st.Add(strings.Fields(h), [][]string{strings.Fields(r)})
		}
		cs.Add(h, r)
	}
	if refs != nil {
		return st.Sacre().Score, cs.Score(), nil
	}
	return st.MultiBLEU().Score, cs.Score(), nil
}

func join(ws []string) string {
	n := 0
	for _, w := range ws {
		n += len(w) + 1
	}
	b := make([]byte, 0, n)
	for i, w := range ws {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, w...)
	}
	return string(b)
}

// support returns support set k of size tokens of l (deterministic).
func support(l *langData, size, k int, seed uint64) []nmt.Example {
	if size >= l.TrainTokens {
		return l.Train
	}
	h := uint64(0)
	for _, c := range l.Code {
		h = h*131 + uint64(c)
	}
	r := rand.New(rand.NewPCG(seed^h, uint64(size)<<8|uint64(k)))
	var out []nmt.Example
	n := 0
	for _, i := range r.Perm(len(l.Train)) {
		if n >= size {
			break
		}
		out = append(out, l.Train[i])
		n += len(l.Train[i].Tgt)
	}
	return out
}

// trainModel trains (or loads from the cache) one shared model.
// trainModel trains the shared model s, or loads it from the cache; trained
// reports which, so that speed counts only the models this run trained.
func trainModel(ctx context.Context, o suite.Options, p Profile, d *dataset, key string, s modelSpec) (m *nmt.Model[float32], row ModelRow, trained bool, err error) {
	seed := o.Seed
	m, err = newModel(p, d, s.ULR, s.TokenEmb, seed, s.Langs)
	if err != nil {
		return nil, ModelRow{}, false, err
	}
	row = ModelRow{Name: s.Name, Method: string(s.Method), ULR: s.ULR}
	for _, l := range s.Langs {
		row.Langs = append(row.Langs, l.Code)
	}
	var cacheDir string
	if o.CacheDir != "" {
		cacheDir = filepath.Join(o.CacheDir, "nmt", key, s.Name)
		// Another process training this model (a shard, a second run on
		// the cache) is waited for; what it saved is then loaded.
		unlock, err := dirlock.Wait(ctx, cacheDir, "model cache")
		if err != nil {
			return nil, ModelRow{}, false, err
		}
		defer unlock()
		var saved ModelRow
		if lm, err := nmt.Load(cacheDir, &saved); err == nil && saved.Name == s.Name {
			return lm, saved, false, nil
		}
	}
	cfg := trainConfig(p, s.Method, seed)
	cfg.Steps *= max(s.StepsFactor, 1)
	cfg.Trace = cacheDir != ""
	var validate func(*nmt.Model[float32]) (float64, error)
	if d.Valid != nil && cfg.EvalEvery > 0 {
		validate = func(m *nmt.Model[float32]) (float64, error) {
			c := m.Clone()
			r := rand.New(rand.NewPCG(seed, 0x76616c))
			if _, err := c.AddLanguage(r, d.Valid.Code, d.Valid.Vocab, d.Valid.Emb); err != nil {
				return 0, err
			}
			ft := p.FineTune
			ft.Seed, ft.Epochs = seed, 1
			ftm, _, _, err := nmt.FineTune(ctx, c, d.Valid.Code, support(d.Valid, max(p.LangCountSize, 4000), 0, seed), ft, nil)
			if err != nil {
				return 0, err
			}
			b, _, err := score(ftm, d, d.Valid.Code, d.Valid.Dev, d.Valid.DevRef, p.DevEval, 1, 1)
			return b, err
		}
	}
	res, err := nmt.Train(ctx, m, tasks(s.Langs), cfg, validate)
	if err != nil {
		return nil, row, false, fmt.Errorf("train %s: %w", s.Name, err)
	}
	row.Steps, row.BestStep, row.BestScore, row.Losses, row.Tokens = res.Steps, res.BestStep, res.BestScore, res.Losses, res.Tokens
	if cacheDir != "" {
		// Before the model: a model in the cache always has its trace.
		if err := nmt.WriteTrace(cacheDir, res); err != nil {
			return nil, row, false, err
		}
		if err := nmt.Save(cacheDir, m, row); err != nil {
			return nil, row, false, err
		}
	}
	return m, row, true, nil
}

// trainConfig is the training configuration of a shared model. FOMAML
// runs as the authors ran it: the inner step adapts what meta-testing will
// fine-tune (their inner optimiser takes --finetune_params) at the
// fine-tuning rate, on a support-sized batch (Train.InnerTokens).
func trainConfig(p Profile, method nmt.Method, seed uint64) nmt.TrainConfig {
	cfg := p.Train
	cfg.Method, cfg.Seed = method, seed
	cfg.InnerMode = p.FineTune.Mode
	cfg.InnerLR = p.FineTune.LR
	return cfg
}

// devScore scores a model on l's dev set for choosing the fine-tuning
// epoch: greedy BLEU, ties broken by chrF. BLEU is 0 whenever no 4-gram
// matches, as for a small model on news text at every epoch; without the
// tie-break the model before fine-tuning (epoch 0) would always be kept.
// chrF (at most 100) adds at most 1e-4, below any BLEU difference that
// is not a tie.
func devScore(p Profile, d *dataset, l *langData) func(*nmt.Model[float32]) (float64, error) {
	return func(c *nmt.Model[float32]) (float64, error) {
		b, chrf, err := score(c, d, l.Code, l.Dev, l.DevRef, p.DevEval, 1, 1)
		return b + chrf*1e-6, err
	}
}

func runUnit(ctx context.Context, p Profile, d *dataset, models map[string]*nmt.Model[float32], u unit, seed uint64) (Row, error) {
	row := Row{Exp: u.Exp, Model: u.Model, Lang: u.Lang.Code, Size: u.Size, Set: u.Set, Mode: string(u.Mode)}
	r := rand.New(rand.NewPCG(seed, 0x756e6974))
	var m *nmt.Model[float32]
	if u.Exp == "supervised" {
		var err error
		if m, err = newModel(p, d, true, false, seed, []*langData{u.Lang}); err != nil {
			return row, err
		}
		cfg := p.Train
		cfg.Method, cfg.Seed, cfg.Steps, cfg.EvalEvery = nmt.Multitask, seed, p.SupervisedSteps, 0
		cfg.InnerTokens = 0 // batches of BatchSize sentences: the upper bound needs many steps, not large batches
		if _, err := nmt.Train(ctx, m, tasks([]*langData{u.Lang}), cfg, nil); err != nil {
			return row, err
		}
		row.Tokens = u.Lang.TrainTokens
	} else if u.Exp == "fixedk" {
		row.K = u.K
		base := models[u.Model].Clone()
		if _, err := base.AddLanguage(r, u.Lang.Code, u.Lang.Vocab, u.Lang.Emb); err != nil {
			return row, err
		}
		data := support(u.Lang, u.Size, u.Set, seed)
		for _, e := range data {
			row.Tokens += len(e.Tgt)
		}
		ft := p.FineTune
		ft.Mode, ft.Seed = u.Mode, seed+uint64(u.Set)
		err := nmt.FineTuneSteps(ctx, base, u.Lang.Code, data, ft, []int{u.K}, func(_ int, c *nmt.Model[float32]) error {
			m = c
			return nil
		})
		if err != nil {
			return row, err
		}
		// Greedy: the protocol compares many models at many K cheaply; the
		// converged protocol reports beam search.
		row.BLEU, row.ChrF, err = score(m, d, u.Lang.Code, u.Lang.Test, u.Lang.TestRef, p.TestEval, 1, 1)
		return row, err
	} else {
		base := models[u.Model]
		m = base.Clone()
		if _, err := m.AddLanguage(r, u.Lang.Code, u.Lang.Vocab, u.Lang.Emb); err != nil {
			return row, err
		}
		if u.Size > 0 {
			data := support(u.Lang, u.Size, u.Set, seed)
			for _, e := range data {
				row.Tokens += len(e.Tgt)
			}
			ft := p.FineTune
			ft.Mode, ft.Seed = u.Mode, seed+uint64(u.Set)
			var err error
			if m, row.BestEpoch, row.Dev, err = nmt.FineTune(ctx, m, u.Lang.Code, data, ft, devScore(p, d, u.Lang)); err != nil {
				return row, err
			}
		}
	}
	var err error
	row.BLEU, row.ChrF, err = score(m, d, u.Lang.Code, u.Lang.Test, u.Lang.TestRef, p.TestEval, p.Beam, p.LenPenalty)
	return row, err
}

func run(ctx context.Context, s suite.Setup[configuration]) (Rows, error) {
	o, p, key := s.Options, s.Config.Profile, s.Key
	var err error
	stop := o.Phases.Start("data")
	var d *dataset
	if o.Data == "" {
		d, err = synthetic(ctx, p, o.Seed)
	} else {
		d, err = real(p, o.Seed, o.Data)
	}
	stop()
	if err != nil {
		return Rows{}, fmt.Errorf("nmt data: %w", err)
	}
	rows := Rows{Data: o.Data}
	if rows.Data == "" {
		rows.Data = "synthetic"
	}
	for _, set := range []struct {
		role string
		ls   []*langData
	}{{"high", d.High}, {"valid", []*langData{d.Valid}}, {"low", d.Low}} {
		for _, l := range set.ls {
			if l != nil {
				rows.Align = append(rows.Align, AlignRow{Lang: l.Code, Role: set.role, Family: l.Family, Seed: l.SeedPairs, Held: l.Held, P1: l.P1, Train: l.TrainTokens})
			}
		}
	}
	specs, units := plan(p, d)
	mine := suite.Take(o.Shard, indices(len(units)))
	needed := map[string]bool{}
	for _, i := range mine {
		needed[units[i].Model] = true
	}
	// Every shard trains the shared models its units need (or loads them
	// from the cache): training is deterministic, so all shards agree.
	var train []int
	for i, s := range specs {
		if needed[s.Name] || o.Shard.Whole() || o.Prepare {
			train = append(train, i)
		}
	}
	if o.Prepare {
		mine = nil // the cache holds the shared models; shards measure
	}
	res, err := trainAndFineTune(ctx, o, p, d, key, specs, train, units, mine)
	if err != nil {
		return rows, err
	}
	rows.Models, rows.Units = res.models, res.units
	if o.Shard.Whole() && !o.Prepare {
		rows.Speed = measureSpeed(ctx, p, d, res.trained["meta"], res.trainSec, res.unitSec, res.trainedTokens)
	}
	return rows, nil
}

// pipeline is what trainAndFineTune returns.
type pipeline struct {
	models        []ModelRow
	units         []Row
	trained       map[string]*nmt.Model[float32]
	trainSec      float64 // worker-seconds spent training shared models (not loading them)
	unitSec       float64 // worker-seconds spent on the units this run computed (not those read from the cache)
	trainedTokens int
}

// trainAndFineTune trains the shared models specs[train] and runs the
// units mine as one queue on the run's workers: the models first, then
// the units, each worker taking the first unit in plan order whose model
// is trained (waiting only when there is none). A worker that finishes a
// short training run (multitask, which costs half a meta-training run)
// goes on with that model's units instead of idling until the longest
// run ends. The order changes no result: a unit's row depends only on the
// unit, and rows are kept by its place in the plan. A unit an earlier run
// of this configuration finished (any shard of it) is read from the cache
// instead of queued, so that an interrupted run resumes where it stopped.
func trainAndFineTune(ctx context.Context, o suite.Options, p Profile, d *dataset, key string, specs []modelSpec, train []int, units []unit, mine []int) (pipeline, error) {
	stop := o.Phases.Start("train and fine-tune")
	defer stop()
	res := pipeline{models: make([]ModelRow, len(specs)), trained: map[string]*nmt.Model[float32]{}}
	if len(mine) > 0 {
		res.units = make([]Row, len(mine))
	}
	for i, s := range specs {
		res.models[i] = ModelRow{Name: s.Name, Steps: -1}
	}
	cache := newUnitCache(o.CacheDir, key)
	var todo []int // positions in mine of the units to compute
	for j, i := range mine {
		if r, ok := cache.load(i, units[i]); ok {
			res.units[j] = r
		} else {
			todo = append(todo, j)
		}
	}
	cached := len(mine) - len(todo)
	if cached > 0 {
		o.Logf("nmt: %d of %d units from the cache", cached, len(mine))
	}
	ms := make([]*nmt.Model[float32], len(specs))
	needs := make([]int, len(todo)) // the shared model each queued unit needs (-1: none)
	for k, q := range todo {
		needs[k] = -1
		if u := units[mine[q]]; u.Exp != "supervised" {
			if needs[k] = slices.IndexFunc(specs, func(s modelSpec) bool { return s.Name == u.Model }); needs[k] < 0 {
				return pipeline{}, fmt.Errorf("nmt unit %d: no shared model %q in the plan", mine[q], u.Model)
			}
		}
	}
	queue := newUnitQueue(len(specs), needs)
	trainSecs, unitSecs := make([]float64, len(specs)), make([]float64, len(todo))
	trained := make([]bool, len(specs))
	var mu sync.Mutex
	done := 0
	storeFailed := false // the first unit that could not be cached is reported, not every one
	err := parallel.For(ctx, len(train)+len(todo), o.WorkerCount(), func(j int) error {
		if j < len(train) {
			i := train[j]
			defer queue.trained(i) // failed or not: its units go on (and report a failure)
			s := specs[i]
			o.Logf("nmt: training %s (%s, ULR %v) on %d languages", s.Name, s.Method, s.ULR, len(s.Langs))
			t0 := time.Now()
			var err error
			ms[i], res.models[i], trained[i], err = trainModel(ctx, o, p, d, key, s)
			trainSecs[i] = time.Since(t0).Seconds()
			return err
		}
		k, err := queue.take(ctx)
		if err != nil {
			return err
		}
		q := todo[k] // the unit's place in mine and res.units
		u := units[mine[q]]
		models := map[string]*nmt.Model[float32]{}
		if i := needs[k]; i >= 0 {
			if ms[i] == nil {
				return fmt.Errorf("nmt unit %d: shared model %s was not trained", mine[q], u.Model)
			}
			models[u.Model] = ms[i]
		}
		t0 := time.Now()
		r, err := runUnit(ctx, p, d, models, u, o.Seed)
		unitSecs[k] = time.Since(t0).Seconds()
		if err != nil {
			return fmt.Errorf("nmt unit %d (%s %s %s %d): %w", mine[q], u.Exp, u.Model, u.Lang.Code, u.Size, err)
		}
		r.Unit = mine[q]
		res.units[q] = r
		// Before the unit counts as done: a unit a progress line reports is
		// in the cache. A unit that cannot be cached is still reported; only
		// a rerun would compute it again.
		serr := cache.store(r)
		mu.Lock()
		if serr != nil && !storeFailed {
			storeFailed = true
			o.Logf("nmt: cannot cache unit %d (a rerun computes it again; later failures are not shown): %v", r.Unit, serr)
		}
		done++
		if done%max(len(todo)/10, 1) == 0 {
			o.Logf("nmt: %d/%d units", cached+done, len(mine))
		}
		mu.Unlock()
		return nil
	})
	if len(mine) > 0 {
		o.Logf("nmt: %d units computed, %d from the cache", done, cached)
	}
	for i, s := range specs {
		if ms[i] != nil {
			res.trained[s.Name] = ms[i]
		}
		if trained[i] {
			res.trainSec += trainSecs[i]
			res.trainedTokens += res.models[i].Tokens
		}
	}
	for _, t := range unitSecs {
		res.unitSec += t
	}
	return res, err
}

// unitQueue hands out a run's queued units to its workers: each taker
// gets the first unit in plan order not yet taken whose shared model is
// trained, and waits while there is none.
type unitQueue struct {
	mu        sync.Mutex
	needs     []int // the model each unit needs (-1: none)
	taken     []bool
	isTrained []bool
	changed   chan struct{} // closed, and replaced, when a model is trained
}

func newUnitQueue(models int, needs []int) *unitQueue {
	return &unitQueue{needs: needs, taken: make([]bool, len(needs)), isTrained: make([]bool, models), changed: make(chan struct{})}
}

// take returns the unit to compute next. It is called once per unit.
func (q *unitQueue) take(ctx context.Context) (int, error) {
	for {
		q.mu.Lock()
		for k, m := range q.needs {
			if !q.taken[k] && (m < 0 || q.isTrained[m]) {
				q.taken[k] = true
				q.mu.Unlock()
				return k, nil
			}
		}
		changed := q.changed
		q.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return -1, ctx.Err()
		}
	}
}

// trained marks model i as trained (or as failed: either way its units
// may be taken) and wakes the takers that wait.
func (q *unitQueue) trained(i int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.isTrained[i] = true
	close(q.changed)
	q.changed = make(chan struct{})
}

// unitCache keeps each finished unit's row in the run's cache directory,
// nmt/<key>/units/unit-NNNN.json beside the shared models, named by the
// unit's index in the plan: the plan is a function of the configuration,
// so every shard of a run, and every rerun, agrees on it. A unit's result
// depends only on the configuration and the unit (its randomness is
// seeded by the run's seed and the unit, never by what else ran), so a
// cached row is the row the unit would compute. The zero unitCache (no
// --cache) keeps nothing.
type unitCache struct{ dir string }

// maxUnitFile bounds what load reads: a row is a few hundred bytes, and a
// file far larger is no row.
const maxUnitFile = 1 << 16

func newUnitCache(cacheDir, key string) unitCache {
	if cacheDir == "" {
		return unitCache{}
	}
	return unitCache{dir: filepath.Join(cacheDir, "nmt", key, "units")}
}

func (c unitCache) path(i int) string {
	return filepath.Join(c.dir, fmt.Sprintf("unit-%04d.json", i))
}

// load returns the cached row of unit i (u), if there is a whole one. A
// missing, truncated or garbled file, or a row that is not u's (a plan
// changed without a new configuration), is not an error: the unit is
// computed again and its file replaced.
func (c unitCache) load(i int, u unit) (Row, bool) {
	if c.dir == "" {
		return Row{}, false
	}
	b, err := infile.ReadFileMax(c.path(i), maxUnitFile)
	if err != nil {
		return Row{}, false
	}
	var r Row
	if err := json.Unmarshal(b, &r); err != nil {
		return Row{}, false
	}
	// Only the bytes store writes: a file with a field missing (which
	// would decode as zero), an unknown one or any other spelling is no
	// cached row.
	if canon, err := encodeRow(r); err != nil || !bytes.Equal(canon, b) {
		return Row{}, false
	}
	if r.Unit != i || r.Exp != u.Exp || r.Model != u.Model || r.Lang != u.Lang.Code || r.Size != u.Size ||
		r.Set != u.Set || r.Mode != string(u.Mode) || r.K != u.K {
		return Row{}, false
	}
	return r, true
}

// store writes r atomically (a killed run leaves the whole row or none).
// encoding/json writes a float64 in the shortest form that parses back to
// the same bits, so a cached row equals the computed one exactly.
func (c unitCache) store(r Row) error {
	if c.dir == "" {
		return nil
	}
	b, err := encodeRow(r)
	if err != nil {
		return fmt.Errorf("encode unit %d: %w", r.Unit, err)
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return fmt.Errorf("unit cache: %w", err)
	}
	if err := atomicfile.WriteFile(c.path(r.Unit), b, 0o644); err != nil {
		return fmt.Errorf("unit cache: %w", err)
	}
	return nil
}

// encodeRow is a cached row's file: its JSON and a newline.
func encodeRow(r Row) ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

func indices(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// measureSpeed times beam and greedy decoding of the first low-resource
// language's test sentences with the meta model (zero-shot: speed does not
// depend on quality).
func measureSpeed(ctx context.Context, p Profile, d *dataset, m *nmt.Model[float32], trainSec, ftSec float64, tokens int) *Speed {
	if m == nil || len(d.Low) == 0 || ctx.Err() != nil {
		return nil
	}
	c := m.Clone()
	l := d.Low[0]
	sl, err := c.AddLanguage(rand.New(rand.NewPCG(1, 1)), l.Code, l.Vocab, l.Emb)
	if err != nil {
		return nil
	}
	n := min(len(l.Test), 50)
	beam := max(p.Beam, 4)
	t0 := time.Now()
	for _, e := range l.Test[:n] {
		c.Beam(sl, e.Src, beam, d.MaxLen, 1)
	}
	beamSec := time.Since(t0).Seconds()
	var src [][]int
	for _, e := range l.Test[:n] {
		src = append(src, e.Src)
	}
	t1 := time.Now()
	c.Greedy(sl, src, d.MaxLen)
	gSec := time.Since(t1).Seconds()
	s := &Speed{TrainSeconds: trainSec, FineTuneSeconds: ftSec, BeamWidth: beam, DecodedSentences: n, TrainedTargetToken: tokens}
	if trainSec > 0 {
		s.TrainTokensPerSec = float64(tokens) / trainSec
	}
	s.DecodeSentsPerSec = float64(n) / beamSec
	s.GreedySentsPerSec = float64(n) / gSec
	return s
}
