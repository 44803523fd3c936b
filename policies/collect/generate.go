package collect

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/metabench/metabench/envs/demos"
	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/internal/parallel"
	"github.com/metabench/metabench/internal/progress"
	"github.com/metabench/metabench/sim"
)

// DatasetKind names expert demonstration datasets of the stacking world.
const DatasetKind = "stack-demos"

// GenOptions configure Generate.
type GenOptions struct {
	Dir      string
	Tasks    []stack.Task
	Episodes int // successful episodes kept per task
	// Attempts caps the attempts per task (failures are dropped); 0 means
	// 2×Episodes+10.
	Attempts int
	Seed     uint64
	Noise    float64
	Workers  int
	Progress bool
}

// Settings are the generator settings stored in a dataset's manifest: with
// them and the same binary, a dataset can be generated again byte for byte.
type Settings struct {
	Seed       uint64     `json:"seed"`
	Noise      float64    `json:"noise"`
	StateEvery int        `json:"state_every"`
	Sim        sim.Config `json:"sim"`
}

// Generate records expert demonstrations into opt.Dir with opt.Workers
// goroutines: for every task, attempts 0, 1, ... with seeds
// stack.EpisodeSeed(Seed, task, attempt), until Episodes of them succeed.
// Only successes are kept. An interrupted run resumes when Generate is
// called again with the same options: finished attempts are neither lost
// nor redone, and the files come out byte-identical whatever the worker
// count or the interruptions.
func Generate(ctx context.Context, opt GenOptions) (demos.Progress, error) {
	if opt.Episodes <= 0 {
		return demos.Progress{}, fmt.Errorf("generate: %d episodes per task, want at least 1", opt.Episodes)
	}
	if opt.Noise < 0 {
		return demos.Progress{}, fmt.Errorf("generate: negative noise %g", opt.Noise)
	}
	attempts := opt.Attempts
	if attempts == 0 {
		attempts = 2*opt.Episodes + 10
	}
	cfg := sim.DefaultConfig()
	settings, err := json.Marshal(Settings{Seed: opt.Seed, Noise: opt.Noise, StateEvery: StateEvery, Sim: cfg})
	if err != nil {
		return demos.Progress{}, err
	}
	dc := demos.Config{Kind: DatasetKind, Source: demos.SourceExpert, Settings: settings}
	tasks := map[string]stack.Task{}
	for _, t := range opt.Tasks {
		spec := t.String()
		if _, dup := tasks[spec]; dup {
			return demos.Progress{}, fmt.Errorf("generate: task %q listed twice", spec)
		}
		tasks[spec] = t
		dc.Tasks = append(dc.Tasks, demos.TaskPlan{Task: spec, Episodes: opt.Episodes, Attempts: attempts})
	}
	w, err := demos.Create(opt.Dir, dc)
	if err != nil {
		return demos.Progress{}, err
	}
	before := w.Progress()
	bar := &progress.Bar{}
	if opt.Progress {
		bar = progress.New(before.Wanted, "demonstrations")
		bar.Add(before.Kept)
	}
	workers := parallel.Workers(opt.Workers)
	err = parallel.For(ctx, workers, workers, func(int) error {
		for {
			u, ok := w.Next(ctx)
			if !ok {
				return nil
			}
			ep, err := Expert(tasks[u.Task], cfg, stack.EpisodeSeed(opt.Seed, tasks[u.Task], u.Index), u.Index, opt.Noise)
			if err != nil {
				w.Release(u)
				return err
			}
			if err := w.Add(ep); err != nil {
				return err
			}
			if ep.Outcome == demos.OutcomeSuccess {
				bar.Add(1)
			}
		}
	})
	bar.Finish()
	p := w.Progress()
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return p, fmt.Errorf("generate %s: %w", opt.Dir, err)
	}
	return p, ctx.Err()
}
