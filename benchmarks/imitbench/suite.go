package imitbench

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/metabench/metabench/benchmarks/report"
	"github.com/metabench/metabench/benchmarks/stackbench"
	"github.com/metabench/metabench/benchmarks/suite"
	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/internal/atomicfile"
	"github.com/metabench/metabench/internal/cli"
	"github.com/metabench/metabench/internal/plot"
)

// Suite returns the one-shot imitation suite.
func Suite() *suite.Suite { return suite.New(spec()) }

// spec declares the one-shot imitation suite.
func spec() suite.Spec[Profile, config, Rows] {
	return suite.Spec[Profile, config, Rows]{
		Name:     "imitation",
		Summary:  "one-shot imitation (Duan et al. 2017): block stacking from one demonstration",
		Profiles: profiles(),
		Default:  "default",
		Config:   configOf,
		Run:      runSuite,
		Merge:    merge,
		Tables:   Tables,
		Plots:    Plots,
		Claims:   Claims,
		Measure:  Measure,
		Prepare:  true,
		Commands: Commands(),
	}
}

// config is what determines a run's results: the profile's scale and the
// seed (the shard does not: shards merge into the whole run).
type config struct {
	Profile Profile
	Seed    uint64
}

func configOf(o suite.Options, p Profile) (config, error) {
	if o.Data != "" {
		return config{}, cli.Usagef("imitation: --data: the suite generates its demonstrations; it reads no data")
	}
	return config{p, o.Seed}, nil
}

func newRun(s suite.Setup[config]) run {
	o := s.Options
	return run{Profile: s.Config.Profile, Name: o.Profile, Seed: o.Seed, CacheDir: o.CacheDir, Shard: o.Shard, Workers: o.Workers,
		Progress: o.Progress, Prepare: o.Prepare, Log: o.Log, Phases: o.Phases}
}

func (o run) logf(format string, a ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, format+"\n", a...)
	}
}

func runSuite(ctx context.Context, s suite.Setup[config]) (Rows, error) {
	o := newRun(s)
	var err error
	rep := Rows{Profile: o.Name}
	if w := o.Profile.World; w != nil && o.Shard.Has(0) && !o.Prepare {
		if rep.World, err = world(ctx, o, w); err != nil {
			return Rows{}, err
		}
	}
	if o.Profile.Learns() {
		if err := learn(ctx, o, &rep); err != nil {
			return Rows{}, err
		}
	}
	return rep, nil
}

// world measures the block-stacking world: physics speed, the expert on
// every task, demonstration throughput.
func world(ctx context.Context, o run, w *World) (*WorldRows, error) {
	var out WorldRows
	var err error
	stop := o.Phases.Start("physics speed")
	out.Sim, err = stackbench.SimSpeedContext(ctx, stackbench.SimOptions{Blocks: w.SimBlocks, Budget: w.SimBudget, Repeats: w.SimRepeats, Seed: o.Seed})
	stop()
	if err != nil {
		return nil, err
	}
	stop = o.Phases.Start("expert")
	out.Expert, err = stackbench.Expert(ctx, stackbench.ExpertOptions{
		Sets:     []stackbench.TaskSet{{Label: "train", Tasks: stack.Tasks(stack.Train)}, {Label: "test", Tasks: stack.Tasks(stack.Test)}},
		Episodes: w.ExpertEpisodes, Noise: append([]float64{0}, w.ExpertNoise...), Seed: o.Seed, Workers: o.Workers, Progress: o.Progress,
	})
	stop()
	if err != nil {
		return nil, err
	}
	stop = o.Phases.Start("demonstration throughput")
	out.Gen, err = stackbench.GenSpeed(ctx, stackbench.GenOptions{Workers: []int{1, 2}, Tasks: stackbench.DefaultGenTasks(), Episodes: w.GenEpisodes, Repeats: w.GenRepeats})
	stop()
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Tables returns every table of a run's rows.
func Tables(r Rows) []report.Table {
	var out []report.Table
	if w := r.World; w != nil {
		out = append(out, stackbench.SimTable(w.Sim), stackbench.ExpertTable(w.Expert), stackbench.GenTable(w.Gen))
	}
	if len(r.Training) > 0 {
		out = append(out, SuccessTable(r), FailureTable(r), AttentionTable(r), EnsembleTable(r), PermutationTable(r), SpeedTable(r))
	}
	return out
}

// Plots draws the paper's figures: success against the number of stages,
// one curve per model (the expert's, each algorithm and conditioning), on
// the training and the test tasks, with their data in success-by-stages.csv;
// and the attention over the demonstration along one rollout of each
// full-demonstration model (attention-MODEL-SET.png).
func Plots(r Rows, dir string) ([]string, error) {
	if len(r.Rows) == 0 {
		return nil, nil
	}
	var paths []string
	var csv strings.Builder
	csv.WriteString("set,model,stages,tasks,episodes,successes,success_rate,wrong_moves,manipulation_failures,timeouts,attention_share,attention_chance\n")
	for _, set := range []string{"train", "test"} {
		var series []plot.Series
		for _, model := range Columns {
			s := plot.Series{Name: model}
			for _, row := range r.Rows {
				if row.Set == set && row.Model == model && row.Episodes > 0 {
					s.X = append(s.X, float64(row.Stages))
					s.Y = append(s.Y, 100*float64(row.Successes)/float64(row.Episodes))
					fmt.Fprintf(&csv, "%s,%s,%d,%d,%d,%d,%.4f,%d,%d,%d,%.4f,%.4f\n", set, model, row.Stages, row.Tasks, row.Episodes, row.Successes,
						row.SuccessRate, row.WrongMoves, row.ManipulationFailures, row.Timeouts, row.AttentionShare, row.AttentionChance)
				}
			}
			if len(s.X) > 0 {
				series = append(series, s)
			}
		}
		if len(series) == 0 {
			continue
		}
		path := filepath.Join(dir, "success-"+set+".png")
		title := fmt.Sprintf("One-shot imitation (%s): success on %s tasks", r.Profile, set)
		if err := plot.Lines(path, plot.Axes{Title: title, X: "stages", Y: "success (%)"}, series...); err != nil {
			return nil, err
		}
		paths = append(paths, path)
	}
	path := filepath.Join(dir, "success-by-stages.csv")
	if err := atomicfile.WriteFile(path, []byte(csv.String()), 0o644); err != nil {
		return nil, err
	}
	paths = append(paths, path)
	for _, tr := range r.Traces {
		path := filepath.Join(dir, fmt.Sprintf("attention-%s-%s.png", strings.ToLower(tr.Model), tr.Set))
		sh, ch := tr.Share().Mean()
		title := fmt.Sprintf("%s, %s task %q (%s): share %.2f, chance %.2f", tr.Model, tr.Set, tr.Task, tr.Verdict, sh, ch)
		if err := tr.WriteStageFigure(path, title); err != nil {
			return nil, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}
