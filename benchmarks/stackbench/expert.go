// Package stackbench measures the block-stacking world: simulation speed and
// the scripted expert's success, in the shape of Duan et al.'s tables.
package stackbench

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/metabench/metabench/benchmarks/report"
	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/internal/parallel"
	"github.com/metabench/metabench/internal/progress"
	"github.com/metabench/metabench/policies"
	"github.com/metabench/metabench/sim"
)

// TaskSet is a labelled list of tasks, such as a split.
type TaskSet struct {
	Label string // "train", "test" or "custom"
	Tasks []stack.Task
}

// ExpertOptions configure an expert evaluation.
type ExpertOptions struct {
	Sets     []TaskSet
	Episodes int       // per task and noise level
	Noise    []float64 // noise scales to evaluate; 0 is the clean expert
	Seed     uint64
	Workers  int
	Progress bool
}

// ExpertRow is the outcome of every episode of one task set, noise level and
// stage count.
type ExpertRow struct {
	Set    string  `json:"set"`
	Noise  float64 `json:"noise"`
	Stages int     `json:"stages"`
	Tasks  int     `json:"tasks"`
	stack.Outcomes
	MeanSuccessSeconds float64 `json:"mean_success_seconds"`
}

// collectEvery is how many episodes Expert runs between garbage
// collections it asks for. Every episode builds a physics space whose
// arbiter pool (a sync.Pool of the physics library) keeps it reachable
// until the second collection after it is dropped; left to its pacer, the
// collector then sees those spaces as live, sets its next goal twice as
// high, lets twice as many accumulate, and the heap grows without bound
// (1.4 GB in 10 s measured). A collection every 200 episodes, a few
// milliseconds against seconds of simulation, keeps it flat.
const collectEvery = 200

// Expert runs the expert on every task of every set, Episodes times per
// noise level, and groups the outcomes by set, noise and stage count. The
// rows are in set, noise, stage order and do not depend on Workers.
//
// Results are streamed: each worker adds its episodes' outcomes to counters
// of its own, one per row, merged at the end, so memory does not grow with
// Episodes. It stops within an episode per worker when ctx is cancelled.
func Expert(ctx context.Context, opt ExpertOptions) ([]ExpertRow, error) {
	if opt.Episodes <= 0 {
		return nil, fmt.Errorf("expert benchmark: %d episodes per task, want at least 1", opt.Episodes)
	}
	cfg := sim.DefaultConfig()

	// The rows, in set, noise, stage order; and per (set, noise, task) the
	// row it counts in. Episode u is episode u % Episodes of the u /
	// Episodes-th (set, noise, task) in that order.
	type group struct {
		row   int
		task  stack.Task
		noise float64
	}
	var rows []ExpertRow
	var groups []group
	for si, set := range opt.Sets {
		stages := map[int]int{} // stage count → number of tasks
		for _, t := range set.Tasks {
			stages[t.NumStages()]++
		}
		for _, noise := range opt.Noise {
			rowOf := map[int]int{}
			for _, n := range slices.Sorted(maps.Keys(stages)) {
				rowOf[n] = len(rows)
				rows = append(rows, ExpertRow{Set: opt.Sets[si].Label, Noise: noise, Stages: n, Tasks: stages[n]})
			}
			for _, t := range set.Tasks {
				groups = append(groups, group{row: rowOf[t.NumStages()], task: t, noise: noise})
			}
		}
	}
	total := uint64(len(groups)) * uint64(opt.Episodes)
	bar := &progress.Bar{}
	if opt.Progress {
		bar = progress.New(int(min(total, math.MaxInt)), "expert episodes")
	}

	// counts is one worker's tally of one row.
	type counts struct {
		stack.Outcomes
		successSteps int64
	}
	workers := parallel.Workers(opt.Workers)
	tallies := make([][]counts, workers)
	errs := make([]error, workers)
	var next, done atomic.Uint64
	var failed atomic.Bool
	var wg sync.WaitGroup
	for w := range workers {
		tallies[w] = make([]counts, len(rows))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && !failed.Load() {
				u := next.Add(1) - 1
				if u >= total {
					return
				}
				g := groups[u/uint64(opt.Episodes)]
				env, err := stack.New(g.task, stack.Options{Config: &cfg})
				if err == nil {
					var p policies.Policy = policies.NewExpert(cfg)
					if g.noise > 0 {
						p = policies.NewNoisy(p, g.noise)
					}
					seed := stack.EpisodeSeed(opt.Seed, g.task, int(u%uint64(opt.Episodes)))
					if err = env.Reset(seed); err == nil {
						p.Reset(g.task, seed)
						v := policies.Rollout(env, p, nil)
						c := &tallies[w][g.row]
						c.Add(v)
						if v == stack.Success {
							c.successSteps += int64(env.Steps())
						}
					}
				}
				if err != nil {
					errs[w] = err
					failed.Store(true)
					return
				}
				if done.Add(1)%collectEvery == 0 {
					runtime.GC()
				}
				bar.Add(1)
			}
		}()
	}
	wg.Wait()
	bar.Finish()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("expert benchmark: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("expert benchmark: %w", err)
	}
	for i := range rows {
		var steps int64
		for w := range workers {
			rows[i].Merge(tallies[w][i].Outcomes)
			steps += tallies[w][i].successSteps
		}
		if rows[i].Successes > 0 {
			rows[i].MeanSuccessSeconds = float64(steps) * cfg.ControlDt() / float64(rows[i].Successes)
		}
	}
	return rows, nil
}

// ExpertTable lays the rows out like the paper's tables: success and the
// failure breakdown, in percent, by stage count.
func ExpertTable(rows []ExpertRow) report.Table {
	t := report.Table{
		Title:  "Scripted expert: success and failures (%) by number of stages",
		Header: []string{"set", "noise", "stages", "tasks", "episodes", "success", "wrong move", "manipulation", "timeout", "mean time (s)"},
	}
	for _, r := range rows {
		t.Rows = append(t.Rows, []string{
			r.Set, strconv.FormatFloat(r.Noise, 'g', -1, 64), strconv.Itoa(r.Stages), strconv.Itoa(r.Tasks), strconv.Itoa(r.Episodes),
			report.Pct(r.Successes, r.Episodes), report.Pct(r.WrongMoves, r.Episodes),
			report.Pct(r.ManipulationFailures, r.Episodes), report.Pct(r.Timeouts, r.Episodes),
			fmt.Sprintf("%.1f", r.MeanSuccessSeconds),
		})
	}
	return t
}
