package densitybench

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/metabench/metabench/agents/density"
	"github.com/metabench/metabench/benchmarks/suite"
	"github.com/metabench/metabench/envs/images"
	"github.com/metabench/metabench/internal/dirlock"
	"github.com/metabench/metabench/internal/progress"
	"github.com/metabench/metabench/internal/seeds"
	"github.com/metabench/metabench/nn"
)

// runner trains (or loads) each model once per process and runs units.
type runner struct {
	o       suite.Options
	p       Profile
	tasks   []Task
	sources []images.Source
	key     string
	models  map[string]*density.Model[float32]
}

// Seeds of the run's parts, derived from the run seed: a model's is its
// task's sub-seed moved by a prime multiple of the model's place, so that
// the models of one task draw their own streams.
func trainSeed(seed uint64, task int, model string) uint64 {
	return seeds.Sub(seed, uint64(task)) + uint64(modelOrder(model)+1)*104729
}

func evalSeed(seed uint64) uint64 { return seed ^ 0x5eed_e7a1 }

// modelDir is where a trained model of this configuration is cached.
func (r *runner) modelDir(task int, entry string) string {
	if r.o.CacheDir == "" {
		return ""
	}
	return filepath.Join(r.o.CacheDir, Name, r.key, fmt.Sprintf("%s-%s", r.tasks[task].Name, strings.ReplaceAll(entry, "@", "-")))
}

func (r *runner) modelConfig(task int, kind string) density.Config {
	t := r.tasks[task]
	return r.p.Arch.config(kind, t, min(slices.Max(append(slices.Clone(t.Supports), t.TrainK...)), r.sources[task].Support()))
}

// model returns the trained model of a task's model entry ("kind" or
// "kind@steps"), training it (and caching it under CacheDir) on first use.
// An entry with its own steps starts from the same weights and episodes
// as its kind's.
func (r *runner) model(ctx context.Context, task int, entry string, rows *Rows) (*density.Model[float32], error) {
	id := fmt.Sprintf("%d/%s", task, entry)
	if m, ok := r.models[id]; ok {
		return m, nil
	}
	t := r.tasks[task]
	kind, steps, err := t.modelSpec(entry)
	if err != nil {
		return nil, err
	}
	cfg := r.modelConfig(task, kind)
	dir := r.modelDir(task, entry)
	if dir != "" {
		// Another process training this model (a shard, a second run on
		// the cache) is waited for; what it saved is then loaded.
		unlock, err := dirlock.Wait(ctx, dir, "model cache")
		if err != nil {
			return nil, fmt.Errorf("density: %w", err)
		}
		defer unlock()
		if m, info, err := Load(dir); err == nil && m.Cfg == cfg && info.Steps == steps {
			r.models[id] = m
			info.ImagesPerSec = 0 // not measured in this run
			info.TaskIndex = task
			info.Model = entry
			rows.Training = append(rows.Training, info)
			r.o.Logf("density: %s %s loaded from %s", t.Name, entry, dir)
			return m, nil
		} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
			r.o.Logf("density: %s: %v; training again", dir, err)
		}
	}
	m, err := density.New(cfg, trainSeed(r.o.Seed, task, kind))
	if err != nil {
		return nil, err
	}
	tc := density.TrainConfig{Steps: steps, Batch: t.Batch, LR: t.LR, Supports: t.TrainK, Seed: trainSeed(r.o.Seed, task, kind),
		Chunks: t.chunks(), Workers: r.o.Workers, Trace: dir != ""}
	stop := r.o.Phases.Start("train")
	bar := &progress.Bar{}
	if r.o.Progress {
		bar = progress.New(steps, fmt.Sprintf("train %s %s", t.Name, entry))
	}
	cpu0 := cpuSeconds()
	st, err := density.Train(ctx, m, r.sources[task], tc, func(step int, loss float64) {
		bar.Add(1)
		if !r.o.Progress && steps >= 100 && (step+1)%(steps/5) == 0 {
			r.o.Logf("density: training %s %s: step %d/%d, loss %.4f nats/dim", t.Name, entry, step+1, steps, loss)
		}
	})
	cpu := cpuSeconds() - cpu0
	bar.Finish()
	stop()
	if err != nil {
		return nil, fmt.Errorf("density: train %s %s: %w", t.Name, entry, err)
	}
	n := 0
	for _, p := range m.AllParams() {
		n += p.Size()
	}
	info := TrainRow{TaskIndex: task, Task: t.Name, Model: entry, Steps: st.Steps, Episodes: st.Steps * t.Batch, Budget: t.budget(entry),
		FinalLoss: st.FinalLoss, ImagesPerSec: st.ImagesPerSec, Seconds: st.Seconds, CPUSeconds: cpu, Params: n}
	r.o.Logf("density: trained %s %s: %d steps in %.1fs wall, %.1fs CPU (%.0f images/s), final loss %.4f nats/dim", t.Name, entry, st.Steps, st.Seconds, cpu, st.ImagesPerSec, st.FinalLoss)
	if dir != "" {
		// Before the model: a model in the cache always has its trace.
		if err := density.WriteTrace(dir, st); err != nil {
			return nil, err
		}
		if err := Save(dir, m, info); err != nil {
			return nil, err
		}
	}
	r.models[id] = m
	rows.Training = append(rows.Training, info)
	return m, nil
}

func (r *runner) evaluate(ctx context.Context, unit int, u unit, m *density.Model[float32]) (Result, error) {
	t := r.tasks[u.task]
	stop := r.o.Phases.Start("eval")
	defer stop()
	nats, err := density.Evaluate(ctx, m, r.sources[u.task], images.TestSplit, u.k, evalSeed(r.o.Seed), 0, t.Episodes, 4, r.o.Workers)
	if err != nil {
		return Result{}, fmt.Errorf("density: evaluate %s %s k=%d: %w", t.Name, u.model, u.k, err)
	}
	mean, se := meanStdErr(nats)
	return Result{Unit: unit, Task: t.Name, Model: u.model, K: u.k, Episodes: len(nats), NatsPerDim: mean, StdErr: se, Nats: nats}, nil
}

// specificity measures how much a Meta model's adaptation depends on the
// support (density.MeasureSpecificity) on the task's test episodes.
func (r *runner) specificity(ctx context.Context, unit int, u unit, m *density.Model[float32]) (SpecRow, error) {
	t := r.tasks[u.task]
	stop := r.o.Phases.Start("eval")
	defer stop()
	s, err := density.MeasureSpecificity(ctx, m, r.sources[u.task], u.k, evalSeed(r.o.Seed), t.Episodes, r.o.Workers)
	if err != nil {
		return SpecRow{}, fmt.Errorf("density: support specificity %s %s k=%d: %w", t.Name, u.model, u.k, err)
	}
	return SpecRow{Unit: unit, Task: t.Name, Model: u.model, Specificity: s}, nil
}

func bitString(im []float32) string {
	b := make([]byte, len(im))
	for i, v := range im {
		b[i] = '0'
		if v != 0 {
			b[i] = '1'
		}
	}
	return string(b)
}

func fromBits(s string) []float32 {
	out := make([]float32, len(s))
	for i := range s {
		if s[i] == '1' {
			out[i] = 1
		}
	}
	return out
}

// figure samples from the model for a few test episodes and, for attention
// models, records where a few target pixels look in the support.
func (r *runner) figure(ctx context.Context, unit int, u unit, m *density.Model[float32]) (Figure, error) {
	const episodes, per = 4, 4
	t := r.tasks[u.task]
	stop := r.o.Phases.Start("figures")
	defer stop()
	h, w := r.sources[u.task].Size()
	f := Figure{Unit: unit, Task: t.Name, Model: u.model, K: u.k, H: h, W: w, Per: per}
	bt, err := density.MakeBatch[float32](r.sources[u.task], images.TestSplit, u.k, evalSeed(r.o.Seed)+1, 0, episodes)
	if err != nil {
		return Figure{}, err
	}
	hw := h * w
	for e := range episodes {
		for j := range u.k {
			f.Support = append(f.Support, bitString(bt.Support[(e*u.k+j)*hw:(e*u.k+j+1)*hw]))
		}
		f.Target = append(f.Target, bitString(bt.Targets[e*hw:(e+1)*hw]))
	}
	// per samples of each episode: repeat each support set per times.
	rep := make([]float32, 0, episodes*per*u.k*hw)
	for e := range episodes {
		for range per {
			rep = append(rep, bt.Support[e*u.k*hw:(e+1)*u.k*hw]...)
		}
	}
	t0 := time.Now()
	samples, err := m.Sample(rep, episodes*per, u.k, density.SampleOpts{Seed: evalSeed(r.o.Seed) + 2})
	if err != nil {
		return Figure{}, err
	}
	f.SamplesPS = float64(episodes*per) / time.Since(t0).Seconds()
	for i := range episodes * per {
		f.Samples = append(f.Samples, bitString(samples[i*hw:(i+1)*hw]))
	}
	if m.Cfg.Kind == density.Attention {
		tp := nn.NewTape[float32]()
		tp.SetNoGrad(true)
		first := density.Batch[float32]{B: 1, K: u.k, Targets: bt.Targets[:hw], Support: bt.Support[:u.k*hw]}
		cx, err := m.Encode(tp, first.Support, 1, u.k)
		if err != nil {
			return Figure{}, err
		}
		cx.Record = true
		m.Logits(tp, tp.Constant(first.Targets, 1, 1, h, w), cx)
		last := cx.Weights[len(cx.Weights)-1] // [1, H·W, S]
		f.Queries = queryPixels(first.Targets, h, w)
		s := last.Shape[2]
		for _, q := range f.Queries {
			row := make([]float64, s)
			for j := range s {
				row[j] = float64(last.Data[q*s+j])
			}
			f.Weights = append(f.Weights, row)
		}
		f.PoolH, f.PoolW = h/m.Cfg.Pool, w/m.Cfg.Pool
	}
	return f, nil
}

// queryPixels picks four target pixels spread over the image, preferring
// ink: the first, a third, two thirds and the last inked pixel in raster
// order (or fixed positions on a blank target).
func queryPixels(target []float32, h, w int) []int {
	var ink []int
	for i, v := range target {
		if v != 0 {
			ink = append(ink, i)
		}
	}
	if len(ink) < 4 {
		return []int{(h/4)*w + w/4, (h/4)*w + 3*w/4, (3*h/4)*w + w/4, (3*h/4)*w + 3*w/4}
	}
	n := len(ink) - 1
	return []int{ink[0], ink[n/3], ink[2*n/3], ink[n]}
}

// sampleSpeed times cached and naive ancestral sampling of n images.
func (r *runner) sampleSpeed(task int, m *density.Model[float32], n int) (SpeedRow, error) {
	stop := r.o.Phases.Start("sampling")
	defer stop()
	h, w := r.sources[task].Size()
	k := 1
	bt, err := density.MakeBatch[float32](r.sources[task], images.TestSplit, k, evalSeed(r.o.Seed)+3, 0, n)
	if err != nil {
		return SpeedRow{}, err
	}
	t0 := time.Now()
	a, err := m.Sample(bt.Support, n, k, density.SampleOpts{Seed: 7})
	if err != nil {
		return SpeedRow{}, err
	}
	cached := time.Since(t0).Seconds()
	// The naive sampler is slow: time it on fewer images when n is large.
	nn := min(n, 4)
	t0 = time.Now()
	b, err := m.Sample(bt.Support[:nn*k*h*w], nn, k, density.SampleOpts{Seed: 7, Naive: true})
	if err != nil {
		return SpeedRow{}, err
	}
	naive := time.Since(t0).Seconds()
	same := true
	if nn == n {
		same = slices.Equal(a, b)
	} else {
		// Different batch sizes draw different random streams; compare a
		// cached run of the same nn images instead.
		c, err := m.Sample(bt.Support[:nn*k*h*w], nn, k, density.SampleOpts{Seed: 7})
		if err != nil {
			return SpeedRow{}, err
		}
		same = slices.Equal(c, b)
	}
	return SpeedRow{Task: r.tasks[task].Name, Model: m.Cfg.Kind, Images: n, CachedPerSec: float64(n) / cached,
		NaivePerSec: float64(nn) / naive, SameImages: same, CachedSeconds: cached}, nil
}

// chunks is the task's chunk count (2 unless set), at most the batch.
func (t Task) chunks() int {
	if t.Chunks > 0 {
		return min(t.Chunks, t.Batch)
	}
	return min(2, t.Batch)
}

// unit is one evaluation or figure of a run.
type unit struct {
	task   int
	model  string
	k      int
	figure bool
	spec   bool // support-specificity diagnostic of a Meta model
}

// units enumerates a profile's work in a fixed order: every (task, model,
// support size) result, then every Meta model's support-specificity
// diagnostic at the task's largest support size, then every figure.
func units(tasks []Task) []unit {
	var us []unit
	for ti, t := range tasks {
		for _, m := range t.Models {
			for _, k := range t.Supports {
				us = append(us, unit{task: ti, model: m, k: k})
			}
		}
	}
	for ti, t := range tasks {
		for _, m := range t.Models {
			if kind, _, err := t.modelSpec(m); err == nil && (kind == density.Meta || kind == density.AttentionMeta) {
				us = append(us, unit{task: ti, model: m, k: slices.Max(t.Supports), spec: true})
			}
		}
	}
	for ti, t := range tasks {
		for _, m := range t.Figures {
			us = append(us, unit{task: ti, model: m, k: t.FigureK, figure: true})
		}
	}
	return us
}

func tasksOf(p Profile, data string) []Task {
	if data != "" {
		t := p.Omniglot
		t.Name = parseData(data).taskName()
		return []Task{t}
	}
	return p.Tasks
}

func (b *bench) run(ctx context.Context, s suite.Setup[config]) (Rows, error) {
	o, p, key := s.Options, s.Config.Profile, s.Key
	tasks := tasksOf(p, o.Data)
	var omni *images.Set
	var err error
	if o.Data != "" {
		stop := o.Phases.Start("data")
		omni, err = b.loadOmniglot(o.Data)
		stop()
		if err != nil {
			return Rows{}, err
		}
		o.Logf("density: Omniglot %d training and %d test characters (%d×%d)", len(omni.Train), len(omni.Test), omni.H, omni.W)
	}
	sources := make([]images.Source, len(tasks))
	stop := o.Phases.Start("data")
	for i, t := range tasks {
		if sources[i], err = taskSource(t, o.Seed, omni); err != nil {
			stop()
			return Rows{}, err
		}
	}
	stop()
	r := &runner{o: o, p: p, tasks: tasks, sources: sources, key: key, models: map[string]*density.Model[float32]{}}
	var rows Rows
	all := units(tasks)
	for i, u := range all {
		if !o.Shard.Has(i) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return Rows{}, err
		}
		m, err := r.model(ctx, u.task, u.model, &rows)
		if err != nil {
			return Rows{}, err
		}
		if u.spec {
			sr, err := r.specificity(ctx, i, u, m)
			if err != nil {
				return Rows{}, err
			}
			o.Logf("density: %s %s k=%d: own support %.4f, another's %.4f, unadapted %.4f nats/dim", sr.Task, sr.Model, sr.K, sr.Own, sr.Other, sr.Unadapted)
			rows.Specificity = append(rows.Specificity, sr)
			continue
		}
		if u.figure {
			f, err := r.figure(ctx, i, u, m)
			if err != nil {
				return Rows{}, err
			}
			rows.Figures = append(rows.Figures, f)
			continue
		}
		res, err := r.evaluate(ctx, i, u, m)
		if err != nil {
			return Rows{}, err
		}
		o.Logf("density: %s %s k=%d: %.4f nats/dim (%d episodes)", res.Task, res.Model, res.K, res.NatsPerDim, res.Episodes)
		rows.Results = append(rows.Results, res)
	}
	if p.SampleSpeed > 0 && o.Shard.Has(0) && len(tasks) > 0 {
		t := tasks[0]
		m, err := r.model(ctx, 0, t.Models[len(t.Models)-1], &rows)
		if err != nil {
			return Rows{}, err
		}
		sp, err := r.sampleSpeed(0, m, p.SampleSpeed)
		if err != nil {
			return Rows{}, err
		}
		rows.Sampling = append(rows.Sampling, sp)
	}
	// One shard's rows in the order Merge gives them.
	return Merge([]Rows{rows})
}
