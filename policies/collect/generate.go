package collect

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

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
	// DefaultAttempts(Episodes). A task whose attempts all run out before
	// Episodes succeed makes Generate return a *ShortfallError.
	Attempts int
	Seed     uint64
	Noise    float64
	Workers  int
	Progress bool
}

// Bounds of the generator's settings; the command line refuses more.
const (
	// MaxEpisodes bounds the episodes per task: a task is compacted in
	// memory (some 10-40 kB an episode), so 100 000 is a few GB.
	MaxEpisodes = 100_000
	// MaxAttempts bounds the attempts per task (the format allows 2³¹-1).
	MaxAttempts = 100 * MaxEpisodes
	// MaxNoise bounds the noise scale: at 10 the velocity noise is ten
	// times the command, far past any expert success.
	MaxNoise = 10.0
)

// DefaultAttempts is the attempt cap per task when none is given: twice the
// episodes wanted plus ten, room for the expert's failures under the
// default noise with a wide margin.
func DefaultAttempts(episodes int) int { return 2*episodes + 10 }

// ShortfallError reports the tasks that used every attempt allowed and kept
// fewer episodes than wanted. The dataset holds what they kept; it is not
// the dataset asked for.
type ShortfallError struct {
	Dir   string
	Short []demos.Shortfall
}

func (e *ShortfallError) Error() string {
	s := e.Short[0]
	failed := s.Attempts - s.Kept
	var causes []string
	for _, k := range slices.Sorted(maps.Keys(s.DiscardedByCause)) {
		causes = append(causes, fmt.Sprintf("%d %s", s.DiscardedByCause[k], k))
	}
	msg := fmt.Sprintf("%s: task %q kept %d of %d episodes: all %d attempts allowed were used (%d failed: %s)",
		e.Dir, s.Task, s.Kept, s.Wanted, s.Attempts, failed, strings.Join(causes, ", "))
	if len(e.Short) > 1 {
		msg += fmt.Sprintf("; %d more tasks fell short", len(e.Short)-1)
	}
	return msg
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
	if opt.Episodes > MaxEpisodes {
		return demos.Progress{}, fmt.Errorf("generate: %d episodes per task, at most %d", opt.Episodes, MaxEpisodes)
	}
	if !(opt.Noise >= 0 && opt.Noise <= MaxNoise) { // NaN fails too
		return demos.Progress{}, fmt.Errorf("generate: noise %g, want 0 to %g", opt.Noise, MaxNoise)
	}
	attempts := opt.Attempts
	if attempts == 0 {
		attempts = DefaultAttempts(opt.Episodes)
	}
	if attempts < opt.Episodes || attempts > MaxAttempts {
		return demos.Progress{}, fmt.Errorf("generate: %d attempts per task, want %d (the episodes) to %d", attempts, opt.Episodes, MaxAttempts)
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
	if err := ctx.Err(); err != nil {
		return p, err
	}
	if len(p.Short) > 0 {
		return p, &ShortfallError{Dir: opt.Dir, Short: p.Short}
	}
	return p, nil
}
