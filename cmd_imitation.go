package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/metabench/metabench/agents/imitation"
	"github.com/metabench/metabench/benchmarks/imitbench"
	"github.com/metabench/metabench/benchmarks/report"
	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/internal/cli"
	"github.com/metabench/metabench/policies/collect"
)

// runTrain is `metabench train imitation ...`.
func runTrain(ctx context.Context, e cli.Env, args []string) error {
	if len(args) == 0 || args[0] != "imitation" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(e.Stdout, "Usage: metabench train imitation [flags]   (metabench train imitation -h)")
			return nil
		}
		return cli.Usagef("train: give what to train: imitation")
	}
	args = args[1:]
	fs := cli.NewFlags("train imitation")
	algo := fs.String("algo", imitation.AlgoBC, "training algorithm: bc or dagger")
	cond := fs.String("cond", string(imitation.CondFull), "conditioning: full, snapshot or final")
	head := fs.String("head", imitation.HeadJoint, "action head: joint (one distribution over all discrete actions) or factored (vx, vy, grip independently)")
	data := fs.String("data", "", "demonstration dataset (from `metabench demos gen`); empty: build one in --cache")
	cache := fs.String("cache", ".cache/metabench", "cache directory for a built dataset")
	out := fs.String("out", "", "model directory (checkpoints, config.json, loss.csv, loss.png); required")
	split := fs.String("split", "train", "tasks to train on when building a dataset: train or test")
	var specs cli.StringList
	fs.Var(&specs, "task", "train on this task (repeatable; default: the split up to --max-stages)")
	maxStages := fs.Int("max-stages", 3, "with --split: only tasks of at most this many stages")
	demosN := fs.Int("demos", 40, "demonstrations per task when building a dataset")
	noise := fs.Float64("noise", imitbench.DemoNoise, "expert noise of the demonstrations when building a dataset")
	def := imitation.DefaultTrainOptions(imitation.AlgoDAgger)
	steps := fs.Int("steps", 1500, "training steps")
	tasksPer := fs.Int("batch-tasks", def.TasksPerBatch, "tasks per batch")
	pairs := fs.Int("pairs", def.PairsPerTask, "(observation, label) pairs per task and batch")
	lr := fs.Float64("lr", def.LR, "Adamax learning rate")
	seed := fs.Uint64("seed", 1, "seed of the dataset, initialisation and batches")
	resume := fs.Bool("resume", true, "continue from a checkpoint in --out")
	every := fs.Int("checkpoint-every", 200, "steps between checkpoints")
	rounds := fs.Int("dagger-rounds", def.DAggerRounds, "DAgger rounds")
	dEps := fs.Int("dagger-episodes", def.DAggerEpisodes, "DAgger rollouts per task and round")
	dStart := fs.Float64("dagger-start", def.DAggerStart, "fraction of the steps trained by plain BC before the first DAgger round")
	workers := fs.Int("workers", 0, "parallel dataset generation and DAgger rollouts (0: all CPUs)")
	rest, err := cli.Parse(fs, e.Stdout, args)
	if err != nil {
		return err
	}
	if err := noArgs(fs, rest); err != nil {
		return err
	}
	if *out == "" {
		return cli.Usagef("train imitation: --out DIR is required")
	}
	c, err := imitation.ParseCond(*cond)
	if err != nil {
		return cli.Usagef("train imitation: %v", err)
	}
	arch := imitation.DefaultArch(c)
	arch.Head = *head
	if err := arch.Validate(); err != nil {
		return cli.Usagef("train imitation: %v", err)
	}
	topt := imitation.DefaultTrainOptions(*algo)
	topt.Seed, topt.Steps, topt.TasksPerBatch, topt.PairsPerTask, topt.LR = *seed, *steps, *tasksPer, *pairs, *lr
	if *algo == imitation.AlgoDAgger {
		topt.DAggerRounds, topt.DAggerEpisodes, topt.DAggerStart = *rounds, *dEps, *dStart
	}
	if err := topt.Validate(); err != nil {
		return cli.Usagef("train imitation: %v", err)
	}
	tasks, err := imitationTasks(*split, specs, *maxStages)
	if err != nil {
		return err
	}
	dir := *data
	if dir == "" {
		if *demosN < 2 {
			return cli.Usagef("train imitation: --demos must be at least 2")
		}
		if *noise < 0 {
			return cli.Usagef("train imitation: --noise %g is negative", *noise)
		}
		dir = filepath.Join(*cache, "imitation", fmt.Sprintf("demos-cli-%d-%d-%g-%s", *seed, *demosN, *noise, shortHash(tasks)))
		fmt.Fprintf(e.Stderr, "demonstrations: %s\n", dir)
		if _, err := collect.Generate(ctx, collect.GenOptions{Dir: dir, Tasks: tasks, Episodes: *demosN, Seed: *seed, Noise: *noise, Workers: *workers, Progress: true}); err != nil {
			return err
		}
		tasks = nil
	} else if len(specs) == 0 {
		tasks = nil // the whole dataset
	}
	td, err := imitation.LoadData(dir, tasks)
	if err != nil {
		return err
	}
	topt.Dataset = dir
	m, err := imitation.NewModel(arch, *seed)
	if err != nil {
		return err
	}
	tr, err := imitation.NewTrainer(m, td, topt)
	if err != nil {
		return err
	}
	res, err := imitation.Train(ctx, tr, imitation.RunOptions{Dir: *out, Resume: *resume, CheckpointEvery: *every, Progress: true, Workers: *workers, Log: e.Stderr, LogEvery: 50})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "trained %s-%s: %d steps, %d parameters, %.0f samples/s; model in %s\n", *algo, c, res.Steps, m.NumParams(), res.SamplesPerSec, *out)
	return nil
}

func shortHash(ts []stack.Task) string {
	var b strings.Builder
	for _, t := range ts {
		b.WriteString(t.String() + "|")
	}
	h := uint32(2166136261)
	for _, c := range []byte(b.String()) {
		h = (h ^ uint32(c)) * 16777619
	}
	return strconv.FormatUint(uint64(h), 16)
}

// imitationTasks picks tasks from --task specs, else a split up to a number
// of stages.
func imitationTasks(split string, specs []string, maxStages int) ([]stack.Task, error) {
	if len(specs) > 0 {
		var ts []stack.Task
		for _, s := range specs {
			t, err := stack.Parse(s)
			if err != nil {
				return nil, cli.UsageError{Msg: err.Error()}
			}
			ts = append(ts, t)
		}
		return ts, nil
	}
	s, err := stack.ParseSplit(split)
	if err != nil {
		return nil, cli.UsageError{Msg: err.Error()}
	}
	var ts []stack.Task
	for _, t := range stack.Tasks(s) {
		if maxStages <= 0 || t.NumStages() <= maxStages {
			ts = append(ts, t)
		}
	}
	if len(ts) == 0 {
		return nil, cli.Usagef("no %s tasks of at most %d stages", split, maxStages)
	}
	return ts, nil
}

// runEval is `metabench eval imitation --model DIR ...`.
func runEval(ctx context.Context, e cli.Env, args []string) error {
	if len(args) == 0 || args[0] != "imitation" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(e.Stdout, "Usage: metabench eval imitation --model DIR [flags]   (metabench eval imitation -h)")
			return nil
		}
		return cli.Usagef("eval: give what to evaluate: imitation")
	}
	args = args[1:]
	fs := cli.NewFlags("eval imitation")
	model := fs.String("model", "", "model directory written by `metabench train imitation`; required")
	split := fs.String("split", "", "evaluate one split: train or test (default: both)")
	var specs cli.StringList
	fs.Var(&specs, "task", "evaluate this task instead of a split (repeatable)")
	maxStages := fs.Int("max-stages", 3, "with a split: only tasks of at most this many stages (0: all)")
	episodes := fs.Int("episodes", 10, "start configurations per task")
	ensemble := fs.Int("ensemble", 1, "demonstrations per episode (action distributions averaged)")
	seed := fs.Uint64("seed", 1, "evaluation seed (start configurations and demonstrations; never a dataset's)")
	relabel := fs.Bool("relabel", false, "permutation test: relabel the blocks of every episode's task at random")
	noise := fs.Float64("noise", imitbench.DemoNoise, "expert noise of the conditioning demonstrations (0: clean)")
	workers := fs.Int("workers", 0, "parallel episodes (0: all CPUs)")
	jsonOut := fs.Bool("json", false, "print JSON instead of tables")
	attention := fs.String("attention", "", "write attention heatmaps of one rollout of the first task into this directory")
	rest, err := cli.Parse(fs, e.Stdout, args)
	if err != nil {
		return err
	}
	if err := noArgs(fs, rest); err != nil {
		return err
	}
	if *model == "" {
		return cli.Usagef("eval imitation: --model DIR is required")
	}
	if *episodes <= 0 || *ensemble <= 0 {
		return cli.Usagef("eval imitation: --episodes and --ensemble must be positive")
	}
	if *noise < 0 {
		return cli.Usagef("eval imitation: --noise %g is negative", *noise)
	}
	demoNoise := *noise
	if demoNoise == 0 {
		demoNoise = -1 // EvalOptions: negative is clean, 0 the default
	}
	m, cc, err := imitation.Load(*model, nil)
	if err != nil {
		return err
	}
	var sets []struct {
		name  string
		tasks []stack.Task
	}
	if len(specs) > 0 || *split != "" {
		if len(specs) > 0 && *split != "" {
			return cli.Usagef("eval imitation: give --split or --task, not both")
		}
		ts, err := imitationTasks(*split, specs, *maxStages)
		if err != nil {
			return err
		}
		name := *split
		if name == "" {
			name = "custom"
		}
		sets = append(sets, struct {
			name  string
			tasks []stack.Task
		}{name, ts})
	} else {
		for _, s := range []string{"train", "test"} {
			ts, err := imitationTasks(s, nil, *maxStages)
			if err != nil {
				return err
			}
			sets = append(sets, struct {
				name  string
				tasks []stack.Task
			}{s, ts})
		}
	}
	label := cc.Train.Algo + "-" + string(cc.Arch.Cond)
	var rows []imitation.Row
	for _, s := range sets {
		set := s.name
		if *relabel {
			set += "-relabelled"
		}
		res, err := imitation.Evaluate(ctx, m, imitation.EvalOptions{Set: set, Tasks: s.tasks, Episodes: *episodes, Ensemble: *ensemble,
			Seed: *seed*1_000_003 + 0xe7a1, DemoSeed: *seed*1_000_033 + 0xd3e0, Noise: demoNoise, Relabel: *relabel, Workers: *workers, Progress: !*jsonOut, Label: "eval " + set})
		if err != nil {
			return err
		}
		rows = append(rows, imitation.Summarise(label, set, res)...)
	}
	if *attention != "" {
		if err := os.MkdirAll(*attention, 0o755); err != nil {
			return err
		}
		t := sets[0].tasks[len(sets[0].tasks)-1]
		tr, err := imitation.TraceAttention(m, t, stack.EpisodeSeed(*seed*1_000_003+0xe7a1, t, 0), *seed*1_000_033+0xd3e0)
		if err != nil {
			return err
		}
		if err := tr.WritePictures(*attention); err != nil {
			return err
		}
		fmt.Fprintf(e.Stderr, "attention pictures of %q (%s) in %s\n", t, tr.Verdict, *attention)
	}
	if *jsonOut {
		return report.JSON(e.Stdout, rows)
	}
	t := report.Table{
		Title:  fmt.Sprintf("%s (%s, step %d): success and failures (%%) by number of stages, ensemble %d", *model, label, cc.Step, *ensemble),
		Header: []string{"set", "stages", "tasks", "episodes", "successes", "success", "wrong move", "manipulation", "timeout"},
	}
	for _, r := range rows {
		t.Rows = append(t.Rows, []string{r.Set, strconv.Itoa(r.Stages), strconv.Itoa(r.Tasks), strconv.Itoa(r.Episodes), strconv.Itoa(r.Successes),
			report.Pct(r.Successes, r.Episodes), report.Pct(r.WrongMoves, r.Episodes), report.Pct(r.ManipulationFailures, r.Episodes), report.Pct(r.Timeouts, r.Episodes)})
	}
	return report.Print(e.Stdout, t)
}

// benchImitation is `metabench bench imitation --profile ...`.
func benchImitation(ctx context.Context, e cli.Env, args []string) error {
	fs := cli.NewFlags("bench imitation")
	profile := fs.String("profile", "quick", "scale: smoke, quick or full")
	jsonOut := fs.Bool("json", false, "print the JSON report instead of tables")
	cache := fs.String("cache", ".cache/metabench", "cache directory for datasets and models")
	shard := fs.String("shard", "", "evaluate only shard i of n (i/n, 0-based); merge the shards' --json reports with --merge")
	seed := fs.Uint64("seed", 1, "seed of data, models and evaluation")
	workers := fs.Int("workers", 0, "parallel episodes (0: all CPUs)")
	var merge cli.StringList
	fs.Var(&merge, "merge", "merge this JSON report of a shard (repeatable) and print the tables; nothing is run")
	rest, err := cli.Parse(fs, e.Stdout, args)
	if err != nil {
		return err
	}
	if err := noArgs(fs, rest); err != nil {
		return err
	}
	var rep *imitbench.Report
	if len(merge) > 0 {
		var reps []*imitbench.Report
		for _, p := range merge {
			r, err := imitbench.ReadReport(p)
			if err != nil {
				return err
			}
			reps = append(reps, r)
		}
		if rep, err = imitbench.MergeReports(reps); err != nil {
			return err
		}
	} else {
		p, err := imitbench.GetProfile(*profile)
		if err != nil {
			return cli.Usagef("bench imitation: %v", err)
		}
		o := imitbench.Options{Profile: p, Seed: *seed, CacheDir: *cache, Workers: *workers, Progress: !*jsonOut, Log: e.Stderr}
		if *shard != "" {
			i, n, ok := strings.Cut(*shard, "/")
			si, err1 := strconv.Atoi(i)
			sn, err2 := strconv.Atoi(n)
			if !ok || err1 != nil || err2 != nil || sn < 1 || si < 0 || si >= sn {
				return cli.Usagef("bench imitation: --shard %q: want i/n with 0 <= i < n", *shard)
			}
			o.Shard, o.Shards = si, sn
		}
		if rep, err = imitbench.Run(ctx, o); err != nil {
			if errors.Is(err, context.Canceled) {
				return fmt.Errorf("bench imitation: interrupted (datasets and checkpoints in %s are kept; run again to resume)", *cache)
			}
			return err
		}
	}
	if *jsonOut {
		return report.JSON(e.Stdout, rep)
	}
	for _, t := range imitbench.Tables(rep) {
		if err := report.Print(e.Stdout, t); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.Stdout, "wall time %.0fs\n", rep.Seconds)
	return nil
}
