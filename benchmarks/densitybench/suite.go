// Package densitybench is the density suite: few-shot autoregressive
// density estimation after Reed et al. (2018; docs/density.md). It trains
// gated PixelCNNs — unconditional, conditioned on a support-set vector,
// attending over support positions, and Meta PixelCNN — on one-shot image
// flipping, synthetic stroke alphabets and procedural objects (or real
// Omniglot), and reports nats/dim and bits/dim on held-out tasks by support
// size, with sample grids, attention maps and training and sampling speed.
package densitybench

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/metabench/metabench/agents/density"
	"github.com/metabench/metabench/benchmarks/suite"
)

// Name is the suite's name.
const Name = "density"

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

func (b *bench) config(o suite.Options, p Profile) (config, error) {
	id, err := b.dataIdentity(o.Data)
	if err != nil {
		return config{}, err
	}
	return config{Profile: p, Seed: o.Seed, Data: id}, nil
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
