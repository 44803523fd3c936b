package imitbench

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/metabench/metabench/agents/imitation"
	"github.com/metabench/metabench/benchmarks/report"
	"github.com/metabench/metabench/benchmarks/suite"
	"github.com/metabench/metabench/envs/demos"
	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/internal/cli"
	"github.com/metabench/metabench/internal/dirlock"
	"github.com/metabench/metabench/policies/collect"
)

// Bounds of the imitation commands' counts.
const (
	maxSteps    = 100_000_000
	maxEpisodes = 1_000_000
	maxDemos    = 1_000_000
	maxEnsemble = 100
	maxNoise    = 10 // the expert fails almost always well below this
)

// Commands returns the suite's verbs: train and eval.
func Commands() []cli.Command {
	return []cli.Command{
		{Name: "train", Summary: "train one imitation policy (--algo bc|dagger --cond full|snapshot|final)", Run: runTrain},
		{Name: "eval", Summary: "evaluate a trained imitation policy (--model DIR)", Run: runEval},
	}
}

// runTrain is `metabench train imitation ...`.
func runTrain(ctx context.Context, e cli.Env, args []string) error {
	const cmd = "train imitation"
	fs := cli.NewFlags(cmd)
	algo := fs.String("algo", imitation.AlgoBC, "training algorithm: bc or dagger")
	cond := fs.String("cond", string(imitation.CondFull), "conditioning: full, snapshot or final")
	head := fs.String("head", imitation.HeadJoint, "action head: joint (one distribution over all discrete actions) or factored (vx, vy, grip independently)")
	data := fs.String("data", "", "demonstration `dataset` (from 'metabench demos gen'); empty: build one in --cache")
	cache := fs.String("cache", ".cache/metabench", "cache directory for a built dataset")
	out := fs.String("out", "", "model directory (checkpoints, loss.csv, loss.png); required")
	split := fs.String("split", "train", "tasks to train on when building a dataset: train or test")
	var specs cli.StringList
	fs.Var(&specs, "task", "train on this task (repeatable; default: the split up to --max-stages)")
	maxStages := fs.Int("max-stages", 3, "with --split: only tasks of at most this many stages")
	demosN := fs.Int("demos", 40, "demonstrations per task when building a dataset")
	noise := fs.Float64("noise", DemoNoise, "expert noise of the demonstrations when building a dataset (recorded in the model)")
	def := imitation.DefaultTrainOptions(imitation.AlgoDAgger)
	steps := fs.Int("steps", 1500, "training steps")
	tasksPer := fs.Int("batch-tasks", def.TasksPerBatch, "tasks per batch")
	pairs := fs.Int("pairs", def.PairsPerTask, "(observation, label) pairs per task and batch")
	lr := fs.Float64("lr", def.LR, "Adamax learning rate")
	seed := cli.Seed(fs, "the dataset, initialisation and batches")
	resume := fs.Bool("resume", true, "continue from a checkpoint in --out")
	every := fs.Int("checkpoint-every", 200, "steps between checkpoints")
	rounds := fs.Int("dagger-rounds", def.DAggerRounds, "DAgger rounds")
	dEps := fs.Int("dagger-episodes", def.DAggerEpisodes, "DAgger rollouts per task and round")
	dStart := fs.Float64("dagger-start", def.DAggerStart, "fraction of the steps trained by plain BC before the first DAgger round")
	workers := cli.Workers(fs) // dataset generation and DAgger rollouts
	dropP := fs.Float64("drop-p", imitation.DefaultArch(imitation.CondFull).DropP, "temporal dropout: probability of dropping a demonstration frame in training")
	dropLast := fs.Bool("drop-last", false, "temporal dropout may drop the last frame too (default: it is always kept)")
	dilations := fs.String("dilations", "", "temporal convolution dilations of the demonstration network, comma-separated (default: the architecture's, 1,2,4,8)")
	timeFeature := fs.Bool("time-feature", false, "give the demonstration network each frame's position in the demonstration")
	matchQuery := fs.Bool("match-query", false, "temporal attention scores each demonstration frame by its distance to the current observation, both embedded by the demonstration network (default: additive attention from the blocks' hidden states)")
	stageLoss := fs.Float64("stage-loss", 0, "`weight` of an auxiliary loss: a head predicts the number of stages done in the current state from the temporal attention's read-out alone (0: no head)")
	paperSizes := fs.Bool("paper-sizes", false, "the paper's network sizes (width 64, 4 context steps, MLP 256-256) instead of the scaled-down ones")
	if err := cli.ParseOnly(fs, e.Stdout, args); err != nil {
		return err
	}
	err := cli.NewCheck(cmd).Required("out", *out).
		Int("steps", *steps, 1, maxSteps).Int("batch-tasks", *tasksPer, 1, 1024).Int("pairs", *pairs, 1, 4096).
		Float("lr", *lr, 1e-12, 10).Int("checkpoint-every", *every, 0, maxSteps).
		Int("dagger-rounds", *rounds, 1, 1000).Int("dagger-episodes", *dEps, 1, maxEpisodes).Float("dagger-start", *dStart, 0, 0.999).
		Workers(*workers).Int("demos", *demosN, 2, maxDemos).Float("noise", *noise, 0, maxNoise).
		Int("max-stages", *maxStages, 0, 9).Float("drop-p", *dropP, 0, 0.999).Float("stage-loss", *stageLoss, 0, 1000).Err()
	if err != nil {
		return err
	}
	c, err := imitation.ParseCond(*cond)
	if err != nil {
		return cli.Usagef("%s: %v", cmd, err)
	}
	arch := imitation.DefaultArch(c)
	if *paperSizes {
		arch = imitation.PaperArch(c)
	}
	arch.Head, arch.DropP, arch.DropLast, arch.TimeFeature = *head, *dropP, *dropLast, *timeFeature
	arch.MatchQuery, arch.StageHead = *matchQuery, *stageLoss > 0
	if *dilations != "" {
		arch.Dilations = nil
		for _, f := range strings.Split(*dilations, ",") {
			d, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				return cli.Usagef("%s: --dilations %q: %v", cmd, *dilations, err)
			}
			arch.Dilations = append(arch.Dilations, d)
		}
	}
	if err := arch.Validate(); err != nil {
		return cli.Usagef("%s: %v", cmd, err)
	}
	topt := imitation.DefaultTrainOptions(*algo)
	topt.Seed, topt.Steps, topt.TasksPerBatch, topt.PairsPerTask, topt.LR = *seed, *steps, *tasksPer, *pairs, *lr
	topt.StageLoss = *stageLoss
	if *algo == imitation.AlgoDAgger {
		topt.DAggerRounds, topt.DAggerEpisodes, topt.DAggerStart = *rounds, *dEps, *dStart
	}
	if err := topt.Validate(); err != nil {
		return cli.Usagef("%s: %v", cmd, err)
	}
	tasks, err := Tasks(*split, specs, *maxStages)
	if err != nil {
		return err
	}
	// Refuse an --out that is not ours before any work.
	if err := imitation.CheckOutDir(*out); err != nil {
		return cli.Usagef("%s: %v", cmd, err)
	}
	dir := *data
	if dir == "" {
		topt.DemoNoise = *noise
		dir = filepath.Join(*cache, "imitation", "demos-cli-"+suite.Key(struct {
			Seed  uint64
			N     int
			Noise float64
			Tasks []stack.Task
		}{*seed, *demosN, *noise, tasks}))
		fmt.Fprintf(e.Stderr, "demonstrations: %s\n", dir)
		if _, err := collect.Generate(ctx, collect.GenOptions{Dir: dir, Tasks: tasks, Episodes: *demosN, Seed: *seed, Noise: *noise, Workers: *workers, Progress: true}); err != nil {
			return suite.Interrupted(err, cmd, dir)
		}
		tasks = nil
	} else {
		if topt.DemoNoise, err = datasetNoise(dir); err != nil {
			return err
		}
		if isSet(fs, "noise") && *noise != topt.DemoNoise {
			return cli.Usagef("%s: --noise %g, but the dataset %s was generated with noise %g", cmd, *noise, dir, topt.DemoNoise)
		}
		if len(specs) == 0 {
			tasks = nil // the whole dataset
		}
	}
	// The model directory is made and locked only now that the data are
	// known good: a bad --data leaves no empty --out behind.
	unlock, err := dirlock.MkdirLock(*out, "--out")
	if err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	defer unlock()
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
	res, err := imitation.Train(ctx, tr, imitation.RunOptions{Dir: *out, Locked: true, Resume: *resume, CheckpointEvery: *every, Progress: true, Workers: *workers, Log: e.Stderr, LogEvery: 50})
	if err != nil {
		return suite.Interrupted(err, cmd, *out)
	}
	fmt.Fprintf(e.Stdout, "trained %s-%s: %d steps, %d parameters, %.0f samples/s; model in %s\n", *algo, c, res.Steps, m.NumParams(), res.SamplesPerSec, *out)
	return nil
}

// datasetNoise reads the expert noise a dataset was generated with.
func datasetNoise(dir string) (float64, error) {
	ds, err := demos.Open(dir)
	if err != nil {
		return 0, err
	}
	defer ds.Close()
	var s collect.Settings
	if err := json.Unmarshal(ds.Manifest().Settings, &s); err != nil {
		return 0, fmt.Errorf("dataset %s: no generator settings in its manifest: %v", dir, err)
	}
	return s.Noise, nil
}

func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// Tasks picks tasks from --task specs, else a split up to a number of
// stages (0: all). A duplicate task is a usage error.
func Tasks(split string, specs []string, maxStages int) ([]stack.Task, error) {
	if len(specs) > 0 {
		var ts []stack.Task
		seen := map[string]bool{}
		for _, s := range specs {
			t, err := stack.Parse(s)
			if err != nil {
				return nil, cli.UsageError{Msg: err.Error()}
			}
			if seen[t.String()] {
				return nil, cli.Usagef("--task %q given twice", t.String())
			}
			seen[t.String()] = true
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
	const cmd = "eval imitation"
	fs := cli.NewFlags(cmd)
	model := fs.String("model", "", "model directory written by 'metabench train imitation'; required")
	split := fs.String("split", "", "evaluate one split: train or test (default: both)")
	var specs cli.StringList
	fs.Var(&specs, "task", "evaluate this task instead of a split (repeatable)")
	maxStages := fs.Int("max-stages", 3, "with a split: only tasks of at most this many stages (0: all)")
	episodes := fs.Int("episodes", 10, "start configurations per task")
	ensemble := fs.Int("ensemble", 1, "demonstrations per episode (action distributions averaged)")
	seed := cli.Seed(fs, "the evaluation: start configurations and demonstrations (never a dataset's)")
	relabel := fs.Bool("relabel", false, "permutation test: relabel the blocks of every episode's task at random")
	noise := fs.Float64("noise", 0, "expert noise of the conditioning demonstrations (default: the noise the model was trained with)")
	workers := cli.Workers(fs)
	jsonOut := fs.Bool("json", false, "print JSON instead of tables")
	attention := fs.String("attention", "", "write attention heatmaps of one rollout of the first task into this directory")
	expertStates := fs.Int("expert-states", 0, "also measure the attention on the stage being executed on the states of `N` expert demonstrations per task (conditioned on one more), not only on the policy's rollouts")
	if err := cli.ParseOnly(fs, e.Stdout, args); err != nil {
		return err
	}
	err := cli.NewCheck(cmd).Required("model", *model).Int("episodes", *episodes, 1, maxEpisodes).Int("ensemble", *ensemble, 1, maxEnsemble).
		Float("noise", *noise, 0, maxNoise).Workers(*workers).Int("max-stages", *maxStages, 0, 9).Int("expert-states", *expertStates, 0, maxDemos).Err()
	if err != nil {
		return err
	}
	if len(specs) > 0 && *split != "" {
		return cli.Usagef("%s: give --split or --task, not both", cmd)
	}
	type taskSet struct {
		name  string
		tasks []stack.Task
	}
	var sets []taskSet
	if len(specs) > 0 || *split != "" {
		ts, err := Tasks(*split, specs, *maxStages)
		if err != nil {
			return err
		}
		name := *split
		if name == "" {
			name = "custom"
		}
		sets = append(sets, taskSet{name, ts})
	} else {
		for _, s := range []string{"train", "test"} {
			ts, err := Tasks(s, nil, *maxStages)
			if err != nil {
				return err
			}
			sets = append(sets, taskSet{s, ts})
		}
	}
	m, cc, err := imitation.Load(*model, nil)
	if err != nil {
		return err
	}
	demoNoise := cc.Train.DemoNoise
	if isSet(fs, "noise") {
		demoNoise = *noise
	}
	label := cc.Train.Algo + "-" + string(cc.Arch.Cond)
	var rows []imitation.Row
	for _, s := range sets {
		set := s.name
		if *relabel {
			set += "-relabelled"
		}
		// Task by task, so that memory holds one task's episodes, not all.
		var setRows []imitation.Row
		for _, t := range s.tasks {
			res, err := imitation.Evaluate(ctx, m, imitation.EvalOptions{Set: set, Tasks: []stack.Task{t}, Episodes: *episodes, Ensemble: *ensemble,
				Seed: evalSeed(*seed), DemoSeed: demoSeed(*seed), Noise: demoNoise, Relabel: *relabel, Workers: *workers, Progress: !*jsonOut, Label: "eval " + t.String()})
			if errors.Is(err, context.Canceled) {
				return fmt.Errorf("%s: interrupted; an evaluation keeps nothing, run it again", cmd)
			}
			if err != nil {
				return err
			}
			taskRows := imitation.Summarise(label, set, res)
			if *expertStates > 0 {
				if err := expertStateShare(m, t, *expertStates, demoSeed(*seed), demoNoise, taskRows); err != nil {
					return fmt.Errorf("%s: %w", cmd, err)
				}
			}
			setRows = imitation.Merge(setRows, taskRows)
		}
		slices.SortFunc(setRows, func(a, b imitation.Row) int { return a.Stages - b.Stages })
		rows = append(rows, setRows...)
	}
	if *attention != "" {
		if err := os.MkdirAll(*attention, 0o755); err != nil {
			return err
		}
		t := sets[0].tasks[len(sets[0].tasks)-1]
		tr, err := imitation.TraceAttention(m, t, stack.EpisodeSeed(evalSeed(*seed), t, 0), demoSeed(*seed), demoNoise)
		if err != nil {
			return err
		}
		if err := writeAttentionPictures(tr, *attention); err != nil {
			return err
		}
		fmt.Fprintf(e.Stderr, "attention pictures of %q (%s) in %s\n", t, tr.Verdict, *attention)
	}
	if *jsonOut {
		return report.JSON(e.Stdout, rows)
	}
	t := report.Table{
		Title:  fmt.Sprintf("%s (%s, step %d, demonstration noise %g): success and failures (%%) by number of stages, ensemble %d", *model, label, cc.Step, demoNoise, *ensemble),
		Header: []string{"set", "stages", "tasks", "episodes", "successes", "success", "wrong move", "manipulation", "timeout"},
	}
	for _, r := range rows {
		t.Rows = append(t.Rows, []string{r.Set, strconv.Itoa(r.Stages), strconv.Itoa(r.Tasks), strconv.Itoa(r.Episodes), strconv.Itoa(r.Successes),
			report.Pct(r.Successes, r.Episodes), report.Pct(r.WrongMoves, r.Episodes), report.Pct(r.ManipulationFailures, r.Episodes), report.Pct(r.Timeouts, r.Episodes)})
	}
	if err := report.Print(e.Stdout, t); err != nil {
		return err
	}
	if *expertStates == 0 {
		return nil
	}
	t = report.Table{
		Title:  "Temporal attention on the demonstration frames of the stage being executed: share / chance, on the policy's rollouts and on the expert's states",
		Header: []string{"set", "stages", "rollouts", "expert's states"},
	}
	for _, r := range rows {
		t.Rows = append(t.Rows, []string{r.Set, strconv.Itoa(r.Stages), fmt.Sprintf("%.2f / %.2f", r.AttentionShare, r.AttentionChance),
			fmt.Sprintf("%.2f / %.2f", r.ExpertShare, r.ExpertChance)})
	}
	return report.Print(e.Stdout, t)
}

// expertStateShare sets m's attention share on the states of n expert
// demonstrations of t (taskExpertStates) on t's row among rows (those of
// one task).
func expertStateShare(m *imitation.Model, t stack.Task, n int, base uint64, noise float64, rows []imitation.Row) error {
	sum, err := taskExpertStates(m, t, n, base, noise)
	if err != nil {
		return err
	}
	for i := range rows {
		if rows[i].Stages == t.NumStages() {
			rows[i].SetExpertStates(sum)
		}
	}
	return nil
}
