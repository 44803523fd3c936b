// Package densitybench is the density suite: few-shot autoregressive
// density estimation after Reed et al. (2018; docs/density.md). It trains
// gated PixelCNNs — unconditional, conditioned on a support-set vector,
// attending over support positions, and Meta PixelCNN — on one-shot image
// flipping, synthetic stroke alphabets and procedural objects (or real
// Omniglot), and reports nats/dim and bits/dim on held-out tasks by support
// size, with sample grids, attention maps and training and sampling speed.
package densitybench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/metabench/metabench/agents/density"
	"github.com/metabench/metabench/benchmarks/suite"
	"github.com/metabench/metabench/envs/images"
	"github.com/metabench/metabench/internal/cli"
)

// Name is the suite's name.
const Name = "density"

// Omniglot as --data: the shipped sets (assets/density) by name, or a path
// to Lake's images, resized by the paper protocol unless prefixed with
// MaxPoolPrefix.
const (
	// BuiltinOmniglot is the shipped set under the paper protocol
	// (images.ResizeArea, the 45/5 alphabet split).
	BuiltinOmniglot = "omniglot"
	// BuiltinOmniglotMaxPool is the shipped set max-pooled to 26×26
	// (images.ResizeMaxPool), the same split.
	BuiltinOmniglotMaxPool = "omniglot-maxpool"
	// MaxPoolPrefix before a path resizes its 105×105 images by max-pooling.
	MaxPoolPrefix = "maxpool:"
	// OmniglotAsset and OmniglotMaxPoolAsset are the shipped sets' file
	// names inside the assets.
	OmniglotAsset        = "omniglot26.bits.gz"
	OmniglotMaxPoolAsset = "omniglot26-maxpool.bits.gz"
)

// omniglotData is what --data names: a shipped asset (asset ≠ "") or a
// path, and the resizing; maxpool tasks are named omniglot-maxpool so that
// the paper's numbers, which are under the other protocol, are not shown
// beside them.
type omniglotData struct {
	asset, path string
	resize      images.Resize
}

func parseData(data string) omniglotData {
	switch {
	case data == BuiltinOmniglot:
		return omniglotData{asset: OmniglotAsset}
	case data == BuiltinOmniglotMaxPool:
		return omniglotData{asset: OmniglotMaxPoolAsset, resize: images.ResizeMaxPool}
	case strings.HasPrefix(data, MaxPoolPrefix):
		return omniglotData{path: strings.TrimPrefix(data, MaxPoolPrefix), resize: images.ResizeMaxPool}
	}
	return omniglotData{path: data}
}

// taskName is the Omniglot task's name under this protocol.
func (d omniglotData) taskName() string {
	if d.resize == images.ResizeMaxPool {
		return "omniglot-maxpool"
	}
	return "omniglot"
}

// Rows are what a run (or a shard of one) measures.
type Rows struct {
	Results  []Result   `json:"results"`            // nats/dim by task, model and support size
	Training []TrainRow `json:"training"`           // per task and model, from the shard that trained it
	Figures  []Figure   `json:"figures,omitempty"`  // sample grids and attention maps
	Sampling []SpeedRow `json:"sampling,omitempty"` // samples/s
	// Specificity: how much each Meta model's adaptation depends on the
	// support, at the task's largest support size.
	Specificity []SpecRow `json:"specificity,omitempty"`
}

// SpecRow is the support-specificity diagnostic of one Meta model.
type SpecRow struct {
	Unit  int    `json:"unit"`
	Task  string `json:"task"`
	Model string `json:"model"`
	density.Specificity
}

// Result is one unit: a model's nats/dim on a task's test episodes at one
// support size.
type Result struct {
	Unit       int     `json:"unit"`
	Task       string  `json:"task"`
	Model      string  `json:"model"`
	K          int     `json:"k"`
	Episodes   int     `json:"episodes"`
	NatsPerDim float64 `json:"nats_per_dim"`
	StdErr     float64 `json:"std_err"`
	// Nats is each test episode's nats/dim, in episode order: episodes are
	// paired across models and support sizes (the same targets), so
	// claims take per-episode differences.
	Nats []float64 `json:"nats,omitempty"`
}

// TrainRow describes the training of one model.
type TrainRow struct {
	TaskIndex    int     `json:"task_index"` // position of the task in the profile
	Task         string  `json:"task"`
	Model        string  `json:"model"` // the task's model entry: kind or kind@steps
	Steps        int     `json:"steps"`
	Episodes     int     `json:"episodes"` // training episodes seen: steps × batch
	Budget       string  `json:"budget"`   // equal steps, or what the entry's own steps match
	FinalLoss    float64 `json:"final_loss"`
	ImagesPerSec float64 `json:"images_per_s"` // training episodes (target images) per second; 0 if loaded from the cache
	Seconds      float64 `json:"seconds"`      // wall time
	CPUSeconds   float64 `json:"cpu_seconds"`  // user + system CPU time of the process while training (0: not measured)
	Params       int     `json:"params"`
}

// Figure holds the pictures of one model on one task: test episodes'
// supports, targets and samples, and attention weights.
type Figure struct {
	Unit    int      `json:"unit"`
	Task    string   `json:"task"`
	Model   string   `json:"model"`
	K       int      `json:"k"`
	H       int      `json:"h"`
	W       int      `json:"w"`
	Support []string `json:"support"` // episode-major, bits as '0'/'1'
	Target  []string `json:"target"`
	Samples []string `json:"samples"` // Per samples per episode
	Per     int      `json:"per"`
	// Attention: for a few query pixels of the first episode's target, the
	// last attention layer's weights over the support positions.
	Queries   []int       `json:"queries,omitempty"`
	Weights   [][]float64 `json:"weights,omitempty"`
	PoolH     int         `json:"pool_h,omitempty"` // attention grid of one support image
	PoolW     int         `json:"pool_w,omitempty"`
	SamplesPS float64     `json:"samples_per_s"`
}

// SpeedRow is the sampling speed of one model.
type SpeedRow struct {
	Task          string  `json:"task"`
	Model         string  `json:"model"`
	Images        int     `json:"images"`
	CachedPerSec  float64 `json:"cached_samples_per_s"`
	NaivePerSec   float64 `json:"naive_samples_per_s"`
	SameImages    bool    `json:"same_images"` // cached and naive drew identical images
	CachedSeconds float64 `json:"cached_seconds"`
}

// config is what determines a run's results.
type config struct {
	Profile Profile `json:"profile"`
	Seed    uint64  `json:"seed"`
	Data    string  `json:"data,omitempty"` // identity of the real data: name and sha256
}

// New returns the suite. assets holds the shipped Omniglot set
// (OmniglotAsset); nil disables --data omniglot.
func New(assets fs.FS) *suite.Suite {
	b := &bench{assets: assets}
	return suite.New(b.spec())
}

// spec declares the density suite.
func (b *bench) spec() suite.Spec[Profile, config, Rows] {
	return suite.Spec[Profile, config, Rows]{
		Name:     Name,
		Summary:  "few-shot density estimation (Reed et al. 2018): conditional, attention and meta PixelCNN, nats/dim by support size",
		Profiles: profiles(),
		Default:  "default",
		Config:   b.config,
		Run:      b.run,
		Merge:    Merge,
		Claims:   Claims(),
		Measure:  Measure,
		Tables:   Tables,
		Plots:    Plots,
		Commands: b.commands(),
	}
}

type bench struct {
	assets fs.FS
}

// dataIdentity names the real data: a shipped set by its hash, a path by
// its protocol, absolute name, size and modification time.
func (b *bench) dataIdentity(data string) (string, error) {
	if data == "" {
		return "", nil
	}
	d := parseData(data)
	if d.asset != "" {
		if b.assets == nil {
			return "", cli.Usagef("density: --data %s: this build has no shipped Omniglot set", data)
		}
		raw, err := fs.ReadFile(b.assets, d.asset)
		if err != nil {
			return "", fmt.Errorf("density: shipped Omniglot: %w", err)
		}
		h := sha256.Sum256(raw)
		return data + ":" + hex.EncodeToString(h[:8]), nil
	}
	fi, err := os.Stat(d.path)
	if err != nil {
		return "", cli.Usagef("density: --data %s: %v", data, err)
	}
	return fmt.Sprintf("%s:%s:%d:%d", d.resize, d.path, fi.Size(), fi.ModTime().UnixNano()), nil
}

func (b *bench) config(o suite.Options, p Profile) (config, error) {
	id, err := b.dataIdentity(o.Data)
	if err != nil {
		return config{}, err
	}
	return config{Profile: p, Seed: o.Seed, Data: id}, nil
}

// loadOmniglot reads the real data named by data.
func (b *bench) loadOmniglot(data string) (*images.Set, error) {
	d := parseData(data)
	if d.asset != "" {
		if b.assets == nil {
			return nil, cli.Usagef("density: --data %s: this build has no shipped Omniglot set", data)
		}
		f, err := b.assets.Open(d.asset)
		if err != nil {
			return nil, fmt.Errorf("density: shipped Omniglot: %w", err)
		}
		defer f.Close()
		return images.ReadPacked(f, "assets/density/"+d.asset)
	}
	return images.OmniglotResized(d.path, d.resize)
}

// taskSource builds a task's episodes.
func taskSource(t Task, seed uint64, omni *images.Set) (images.Source, error) {
	switch t.Name {
	case "flip":
		return images.Flip{Side: t.Side}, nil
	case "characters":
		return images.Characters(t.Characters, seed)
	case "objects":
		return images.Objects(t.Objects, seed)
	case "omniglot", "omniglot-maxpool":
		if omni == nil {
			return nil, fmt.Errorf("density: the omniglot task needs --data")
		}
		return omni, nil
	}
	return nil, fmt.Errorf("density: unknown task %q", t.Name)
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

// Merge combines the rows of every shard: results and figures in unit
// order, each model's training row once.
func Merge(shards []Rows) (Rows, error) {
	var out Rows
	for _, s := range shards {
		out.Results = append(out.Results, s.Results...)
		out.Figures = append(out.Figures, s.Figures...)
		out.Sampling = append(out.Sampling, s.Sampling...)
		out.Specificity = append(out.Specificity, s.Specificity...)
		for _, t := range s.Training {
			if !slices.ContainsFunc(out.Training, func(u TrainRow) bool { return u.Task == t.Task && u.Model == t.Model }) {
				out.Training = append(out.Training, t)
			}
		}
	}
	slices.SortStableFunc(out.Results, func(a, b Result) int { return a.Unit - b.Unit })
	slices.SortStableFunc(out.Figures, func(a, b Figure) int { return a.Unit - b.Unit })
	slices.SortStableFunc(out.Specificity, func(a, b SpecRow) int { return a.Unit - b.Unit })
	for i := 1; i < len(out.Results); i++ {
		if out.Results[i].Unit == out.Results[i-1].Unit {
			return Rows{}, fmt.Errorf("unit %d measured by two shards", out.Results[i].Unit)
		}
	}
	slices.SortStableFunc(out.Training, func(a, b TrainRow) int {
		if a.TaskIndex != b.TaskIndex {
			return a.TaskIndex - b.TaskIndex
		}
		if d := modelOrder(a.Model) - modelOrder(b.Model); d != 0 {
			return d
		}
		return a.Steps - b.Steps
	})
	return out, nil
}

// modelOrder is a model entry's kind's place in the report order.
func modelOrder(entry string) int {
	kind, _, _ := strings.Cut(entry, "@")
	return slices.Index(density.Kinds(), kind)
}

// meanStdErr returns the mean and its standard error, summed in order:
// gonum's stat.MeanStdDev sums in SIMD lanes and differs in the last bit
// for about half of such samples, which would move the suite's numbers.
func meanStdErr(xs []float64) (mean, se float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, 0
	}
	var v float64
	for _, x := range xs {
		v += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(v / float64(len(xs)-1) / float64(len(xs)))
}
