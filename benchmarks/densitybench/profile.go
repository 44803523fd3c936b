package densitybench

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/metabench/metabench/agents/density"
	"github.com/metabench/metabench/benchmarks/suite"
	"github.com/metabench/metabench/envs/images"
)

// Task is one task of a profile: its data, the models trained on it, the
// support sizes they are evaluated at, and how long they train.
type Task struct {
	Name       string                 `json:"name"` // flip, characters, objects, omniglot
	Side       int                    `json:"side"`
	Characters images.CharacterConfig `json:"characters,omitzero"`
	Objects    images.ObjectConfig    `json:"objects,omitzero"`
	// Models are model kinds, or "kind@steps" for a kind trained a
	// different number of steps (its own row, e.g. a conditional model
	// given the Meta PixelCNN's wall time).
	Models   []string `json:"models"`
	Supports []int    `json:"supports"` // evaluated
	TrainK   []int    `json:"train_k"`  // drawn per training step
	// Steps is every model's training steps unless its entry says @steps:
	// comparisons are at equal steps and episodes seen.
	Steps int `json:"steps"`
	// Budgets labels the @steps entries' budgets in the training table
	// (BudgetStepMatched, BudgetTimeMatched or free text); an entry without
	// a label is "own steps", a plain kind "equal steps".
	Budgets map[string]string `json:"budgets,omitempty"`
	// InnerLR and InnerSteps are the Meta models' base inner step size
	// (0 means 0.05) and number of inner steps (0 means 1).
	InnerLR    float64 `json:"inner_lr,omitempty"`
	InnerSteps int     `json:"inner_steps,omitempty"`
	Batch      int     `json:"batch"`
	// Chunks splits each batch (memory: one chunk's activations per
	// worker); 0 means 2. The sum of chunk gradients is fixed by it.
	Chunks   int     `json:"chunks,omitempty"`
	LR       float64 `json:"lr"`
	Episodes int     `json:"episodes"` // test episodes per support size
	// Figures: sample grids (and attention maps for attention models) of
	// these models, at support size FigureK.
	Figures []string `json:"figures,omitempty"`
	FigureK int      `json:"figure_k,omitempty"`
}

// Arch is the network size shared by a profile's models.
type Arch struct {
	Layers, Channels, FirstKernel, EncChannels, CondDim, KeyDim int
}

// Profile is the configuration of one scale.
type Profile struct {
	Arch  Arch   `json:"arch"`
	Tasks []Task `json:"tasks"`
	// Omniglot replaces the synthetic tasks when real data is given.
	Omniglot Task `json:"omniglot"`
	// SampleSpeed measures samples/s (cached and naive) of the first task's
	// first model on this many images at once; 0 skips it.
	SampleSpeed int `json:"sample_speed"`
}

func (a Arch) config(kind string, t Task, maxK int) density.Config {
	pool := 1
	if t.Side%2 == 0 && t.Side > 16 {
		pool = 2
	}
	lr := t.InnerLR
	if lr == 0 {
		lr = 0.05
	}
	return density.Config{Kind: kind, H: t.Side, W: t.Side, Layers: a.Layers, Channels: a.Channels, FirstKernel: a.FirstKernel,
		EncChannels: a.EncChannels, CondDim: a.CondDim, KeyDim: a.KeyDim, Pool: pool, MaxSupport: maxK, InnerLR: lr,
		InnerSteps: t.InnerSteps}
}

// modelSpec splits a task's model entry, "kind" or "kind@steps", into the
// kind and its training steps (the task's Steps unless given).
func (t Task) modelSpec(entry string) (kind string, steps int, err error) {
	kind, n, found := strings.Cut(entry, "@")
	steps = t.Steps
	if found {
		if steps, err = strconv.Atoi(n); err != nil || steps < 1 {
			return "", 0, fmt.Errorf("density: model %q: want kind@steps with steps ≥ 1", entry)
		}
	}
	if !slices.Contains(density.Kinds(), kind) {
		return "", 0, fmt.Errorf("density: model %q: unknown kind %q", entry, kind)
	}
	return kind, steps, nil
}

// Budget labels that the claims read (Measure).
const (
	// BudgetStepMatched: the entry has the Meta model's steps.
	BudgetStepMatched = "steps = meta's"
	// BudgetTimeMatched: the entry's steps were sized to the Meta model's
	// training time.
	BudgetTimeMatched = "time ≈ meta's"
)

// budget labels a model entry's training budget.
func (t Task) budget(entry string) string {
	if l, ok := t.Budgets[entry]; ok {
		return l
	}
	if !strings.Contains(entry, "@") {
		return "equal steps"
	}
	return "own steps"
}

var (
	uncond, cond, att, meta = density.Unconditional, density.Conditional, density.Attention, density.Meta
	attMeta                 = density.AttentionMeta
)

// quickModels are the quick profile's models on characters and Omniglot:
// unconditional, conditional and attention at the task's 1,500 steps (250
// were too few for the conditional and attention models to use the
// support: flat in k); the Meta PixelCNN at the 150 steps the profile can
// afford; the conditional model at those 150 steps (step-matched) and at
// about the Meta PixelCNN's training time (time-matched). Measured at the
// quick size (train density --profile quick --task characters --steps 150,
// CPU seconds, docs/density.md): meta with two inner steps 262 s,
// conditional 16.4 s, so 150 meta steps cost about 2,400 conditional ones.
var quickModels = []string{uncond, cond, att, meta + "@150", cond + "@150", cond + "@2400"}

// quickBudgets labels quickModels' own-step entries.
var quickBudgets = map[string]string{
	meta + "@150":  "own steps: a meta step costs ~16 conditional ones",
	cond + "@150":  BudgetStepMatched,
	cond + "@2400": BudgetTimeMatched,
}

func chars(side, alphabets, test, characters int) images.CharacterConfig {
	return images.CharacterConfig{Side: side, Alphabets: alphabets, TestAlphabets: test, Characters: characters, Drawers: 20}
}

// profiles are the suite's scales, in order. Behaviour follows the fields
// only.
func profiles() []suite.Profile[Profile] {
	return []suite.Profile[Profile]{
		// smoke: every model and task kind, tiny, a few seconds.
		{Name: "smoke", Summary: "every model and task kind, tiny (tests)", Expected: 5 * time.Second, Scale: Profile{
			Arch: Arch{Layers: 2, Channels: 4, FirstKernel: 3, EncChannels: 4, CondDim: 4, KeyDim: 4},
			Tasks: []Task{
				{Name: "flip", Side: 8, Models: []string{cond, att}, Supports: []int{1}, TrainK: []int{1},
					Steps: 4, Batch: 4, LR: 2e-3, Episodes: 6, Figures: []string{att}, FigureK: 1},
				{Name: "characters", Side: 12, Characters: chars(12, 4, 1, 3), Models: []string{uncond, cond, att, meta, attMeta, cond + "@6"},
					Supports: []int{1, 2}, TrainK: []int{1, 2}, Steps: 4, Budgets: map[string]string{cond + "@6": BudgetTimeMatched}, InnerSteps: 2, Batch: 4, LR: 2e-3, Episodes: 6,
					Figures: []string{cond}, FigureK: 2},
			},
			Omniglot: Task{Name: "omniglot", Side: 26, Models: []string{cond, att, meta}, Supports: []int{1, 2}, TrainK: []int{1, 2},
				Steps: 2, Batch: 2, LR: 2e-3, Episodes: 4},
			SampleSpeed: 2,
		}},
		// default: the ~30 s section of `metabench bench`: one-shot image
		// flipping, where only attention can copy the support pixel by
		// pixel (mirrored), against the conditional PixelCNN whose support
		// vector cannot carry the image.
		{Name: "default", Summary: "one-shot image flipping (12×12): conditional vs attention PixelCNN", Expected: 10 * time.Second, Scale: Profile{
			Arch: Arch{Layers: 3, Channels: 16, FirstKernel: 5, EncChannels: 16, CondDim: 32, KeyDim: 16},
			Tasks: []Task{
				{Name: "flip", Side: 12, Models: []string{cond, att}, Supports: []int{1}, TrainK: []int{1},
					Steps: 800, Batch: 16, LR: 3e-3, Episodes: 200, Figures: []string{att}, FigureK: 1},
			},
			Omniglot: Task{Name: "omniglot", Side: 26, Models: []string{uncond, cond}, Supports: []int{1, 4}, TrainK: []int{1, 2, 4},
				Steps: 260, Batch: 16, LR: 3e-3, Episodes: 160, Figures: []string{cond}, FigureK: 4},
			SampleSpeed: 8,
		}},
		// quick: the paper's tables at reduced scale (≤ 30 min on 2 cores).
		{Name: "quick", Summary: "flipping 16×16 (conditional vs attention); characters (or --data Omniglot) by support size 1/2/4/8: unconditional, conditional, attention, meta", Expected: 30 * time.Minute, Scale: Profile{
			Arch: Arch{Layers: 5, Channels: 24, FirstKernel: 5, EncChannels: 24, CondDim: 64, KeyDim: 16},
			Tasks: []Task{
				{Name: "flip", Side: 16, Models: []string{cond, att}, Supports: []int{1}, TrainK: []int{1},
					Steps: 1500, Batch: 16, Chunks: 8, LR: 2e-3, Episodes: 400, Figures: []string{att}, FigureK: 1},
				{Name: "characters", Side: 26, Characters: images.DefaultCharacters(), Models: quickModels,
					Supports: []int{1, 2, 4, 8}, TrainK: []int{1, 2, 4, 8}, Steps: 1500, Budgets: quickBudgets, InnerLR: 0.5, InnerSteps: 2,
					Batch: 16, Chunks: 8, LR: 2e-3, Episodes: 300, Figures: []string{cond, att}, FigureK: 4},
			},
			Omniglot: Task{Name: "omniglot", Side: 26, Models: quickModels, Supports: []int{1, 2, 4, 8}, TrainK: []int{1, 2, 4, 8},
				Steps: 1500, Budgets: quickBudgets, InnerLR: 0.5, InnerSteps: 2,
				Batch: 16, Chunks: 8, LR: 2e-3, Episodes: 300, Figures: []string{cond, att}, FigureK: 4},
			SampleSpeed: 16,
		}},
		// full: the paper's scale of training (days on 2 cores).
		{Name: "full", Summary: "paper-scale networks and training", Expected: 72 * time.Hour, Scale: Profile{
			Arch: Arch{Layers: 10, Channels: 64, FirstKernel: 7, EncChannels: 64, CondDim: 128, KeyDim: 32},
			Tasks: []Task{
				{Name: "flip", Side: 32, Models: []string{cond, att}, Supports: []int{1}, TrainK: []int{1},
					Steps: 100000, Batch: 32, Chunks: 8, LR: 1e-3, Episodes: 2000, Figures: []string{att}, FigureK: 1},
				{Name: "characters", Side: 26, Characters: images.DefaultCharacters(), Models: []string{uncond, cond, att, meta, attMeta},
					Supports: []int{1, 2, 4, 8}, TrainK: []int{1, 2, 4, 8}, Steps: 100000, InnerLR: 0.5, InnerSteps: 2, Batch: 32, Chunks: 8, LR: 1e-3, Episodes: 2000,
					Figures: []string{cond, att}, FigureK: 4},
				{Name: "objects", Side: 26, Objects: images.DefaultObjects(), Models: []string{cond, att},
					Supports: []int{1, 2, 4, 8}, TrainK: []int{1, 2, 4, 8}, Steps: 100000, Batch: 32, Chunks: 8, LR: 1e-3, Episodes: 2000,
					Figures: []string{att}, FigureK: 4},
			},
			Omniglot: Task{Name: "omniglot", Side: 26, Models: []string{uncond, cond, att, meta, attMeta}, Supports: []int{1, 2, 4, 8}, TrainK: []int{1, 2, 4, 8},
				Steps: 100000, InnerLR: 0.5, InnerSteps: 2, Batch: 32, Chunks: 8, LR: 1e-3, Episodes: 2000, Figures: []string{cond, att}, FigureK: 4},
			SampleSpeed: 32,
		}},
	}
}
