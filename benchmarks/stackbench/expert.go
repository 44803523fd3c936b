// Package stackbench measures the block-stacking world: simulation speed and
// the scripted expert's success, in the shape of Duan et al.'s tables.
package stackbench

import (
	"context"
	"fmt"
	"slices"
	"strconv"

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

type episodeJob struct {
	set, noise, stages int
	task               stack.Task
	index              int
}

// Expert runs the expert on every task of every set, Episodes times per
// noise level, and groups the outcomes by set, noise and stage count. The
// rows are in set, noise, stage order and do not depend on Workers.
func Expert(ctx context.Context, opt ExpertOptions) ([]ExpertRow, error) {
	if opt.Episodes <= 0 {
		return nil, fmt.Errorf("expert benchmark: %d episodes per task, want at least 1", opt.Episodes)
	}
	cfg := sim.DefaultConfig()
	var jobs []episodeJob
	for si, set := range opt.Sets {
		for ni := range opt.Noise {
			for _, t := range set.Tasks {
				for k := range opt.Episodes {
					jobs = append(jobs, episodeJob{set: si, noise: ni, stages: t.NumStages(), task: t, index: k})
				}
			}
		}
	}
	type outcome struct {
		verdict stack.Verdict
		steps   int
	}
	out := make([]outcome, len(jobs))
	bar := &progress.Bar{}
	if opt.Progress {
		bar = progress.New(len(jobs), "expert episodes")
	}
	err := parallel.For(ctx, len(jobs), opt.Workers, func(i int) error {
		j := jobs[i]
		env, err := stack.New(j.task, stack.Options{Config: &cfg})
		if err != nil {
			return err
		}
		var p policies.Policy = policies.NewExpert(cfg)
		if s := opt.Noise[j.noise]; s > 0 {
			p = policies.NewNoisy(p, s)
		}
		seed := stack.EpisodeSeed(opt.Seed, j.task, j.index)
		if err := env.Reset(seed); err != nil {
			return err
		}
		p.Reset(j.task, seed)
		out[i] = outcome{policies.Rollout(env, p, nil), env.Steps()}
		bar.Add(1)
		return nil
	})
	bar.Finish()
	if err != nil {
		return nil, fmt.Errorf("expert benchmark: %w", err)
	}

	type key struct{ set, noise, stages int }
	rows := map[key]*ExpertRow{}
	tasks := map[key]map[string]bool{}
	var keys []key
	for i, j := range jobs {
		k := key{j.set, j.noise, j.stages}
		r := rows[k]
		if r == nil {
			r = &ExpertRow{Set: opt.Sets[j.set].Label, Noise: opt.Noise[j.noise], Stages: j.stages}
			rows[k] = r
			tasks[k] = map[string]bool{}
			keys = append(keys, k)
		}
		tasks[k][j.task.String()] = true
		r.Add(out[i].verdict)
		if out[i].verdict == stack.Success {
			r.MeanSuccessSeconds += float64(out[i].steps) * cfg.ControlDt()
		}
	}
	slices.SortFunc(keys, func(a, b key) int {
		if a.set != b.set {
			return a.set - b.set
		}
		if a.noise != b.noise {
			return a.noise - b.noise
		}
		return a.stages - b.stages
	})
	result := make([]ExpertRow, 0, len(keys))
	for _, k := range keys {
		r := rows[k]
		r.Tasks = len(tasks[k])
		if r.Successes > 0 {
			r.MeanSuccessSeconds /= float64(r.Successes)
		}
		result = append(result, *r)
	}
	return result, nil
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
