package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/metabench/metabench/agents/nn"
	"github.com/metabench/metabench/benchmarks/nnbench"
	"github.com/metabench/metabench/benchmarks/report"
	"github.com/metabench/metabench/benchmarks/stackbench"
	"github.com/metabench/metabench/benchmarks/torchref"
	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/internal/cli"
	"github.com/metabench/metabench/policies"
)

func runBench(ctx context.Context, e cli.Env, args []string) error {
	which := "default"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		which, args = args[0], args[1:]
	}
	switch which {
	case "default":
		return benchDefault(ctx, e, args)
	case "sim":
		return benchSim(e, args)
	case "expert":
		return benchExpert(ctx, e, args)
	case "demos":
		return benchDemos(ctx, e, args)
	case "nn":
		return benchNN(ctx, e, args)
	case "imitation":
		return benchImitation(ctx, e, args)
	}
	return cli.Usagef("bench: unknown benchmark %q (want sim, demos, expert, nn or imitation)", which)
}

func benchNN(ctx context.Context, e cli.Env, args []string) error {
	fs := cli.NewFlags("bench nn")
	jsonOut := fs.Bool("json", false, "print JSON instead of a table")
	duration := fs.Duration("duration", 2*time.Second, "measuring time per item")
	var models cli.StringList
	fs.Var(&models, "model", "measure only this model (repeatable): "+strings.Join(nnbench.Models(), ", "))
	python := fs.String("torch", "", "also run the PyTorch reference with this Python (e.g. /usr/bin/python3) and report ratios")
	threads := fs.Int("threads", 1, "OpenBLAS threads of the PyTorch reference (its own pool stays at 1)")
	if err := cli.ParseOnly(fs, e.Stdout, args); err != nil {
		return err
	}
	if *duration <= 0 {
		return cli.Usagef("bench nn: --duration must be positive")
	}
	for _, m := range models {
		if !slices.Contains(nnbench.Models(), m) {
			return cli.Usagef("bench nn: unknown model %q (want one of %s)", m, strings.Join(nnbench.Models(), ", "))
		}
	}
	if *threads <= 0 {
		return cli.Usagef("bench nn: --threads must be positive")
	}
	if *python != "" {
		// Compare like with like: the engine gets as many cores as the
		// reference's BLAS.
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(*threads))
		if v := os.Getenv("OPENBLAS_NUM_THREADS"); strings.HasPrefix(nn.Backend(), "openblas") && v != strconv.Itoa(*threads) {
			return cli.Usagef("bench nn: set OPENBLAS_NUM_THREADS=%d for the engine's OpenBLAS to match --threads %d (now %q)", *threads, *threads, v)
		}
	}
	rep, err := nnbench.Run(ctx, nnbench.Options{Duration: *duration, Models: models, Seed: 1})
	if err != nil {
		return err
	}
	if *python == "" {
		if *jsonOut {
			return report.JSON(e.Stdout, rep)
		}
		return report.Print(e.Stdout, rep.Table())
	}
	ref, err := torchref.Run(ctx, *python, *threads)
	if err != nil {
		return err
	}
	cmp := torchComparison(rep, ref)
	if *jsonOut {
		return report.JSON(e.Stdout, map[string]any{"go": rep, "torch": ref, "ratios": cmp})
	}
	if err := report.Print(e.Stdout, rep.Table()); err != nil {
		return err
	}
	return report.Print(e.Stdout, torchTable(cmp, ref))
}

// torchRatio compares one model's training speed with PyTorch's.
type torchRatio struct {
	Model      string  `json:"model"`
	GoSteps    float64 `json:"go_steps_per_s"`
	TorchSteps float64 `json:"torch_steps_per_s"`
	Ratio      float64 `json:"ratio"`
}

func torchComparison(rep nnbench.Report, ref torchref.Result) []torchRatio {
	var out []torchRatio
	for _, t := range rep.Train {
		if ts, ok := ref.StepsPerSec(t.Name); ok && ts > 0 {
			out = append(out, torchRatio{Model: t.Name, GoSteps: t.StepsPerSec, TorchSteps: ts, Ratio: t.StepsPerSec / ts})
		}
	}
	return out
}

func torchTable(rows []torchRatio, ref torchref.Result) report.Table {
	t := report.Table{
		Title:  fmt.Sprintf("Training steps/s against PyTorch %s (same run; OpenBLAS threads %d, torch threads 1)", ref.TorchVersion, ref.OpenBLASThreads),
		Header: []string{"model", "metabench", "PyTorch", "ratio"},
	}
	for _, r := range rows {
		t.Rows = append(t.Rows, []string{r.Model, fmt.Sprintf("%.1f", r.GoSteps), fmt.Sprintf("%.1f", r.TorchSteps), fmt.Sprintf("%.2f×", r.Ratio)})
	}
	return t
}

// benchDefault runs the default profile: every headless benchmark.
func benchDefault(ctx context.Context, e cli.Env, args []string) error {
	fs := cli.NewFlags("bench")
	jsonOut := fs.Bool("json", false, "print JSON instead of tables")
	workers := fs.Int("workers", 0, "parallel episodes (0: all CPUs)")
	if err := cli.ParseOnly(fs, e.Stdout, args); err != nil {
		return err
	}
	simRows, err := stackbench.SimSpeed(defaultSimOptions())
	if err != nil {
		return err
	}
	opt := defaultExpertOptions(*workers, !*jsonOut)
	opt.Sets = []stackbench.TaskSet{{Label: "train", Tasks: stack.Tasks(stack.Train)}, {Label: "test", Tasks: stack.Tasks(stack.Test)}}
	expRows, err := stackbench.Expert(ctx, opt)
	if err != nil {
		return err
	}
	genRows, err := stackbench.GenSpeed(ctx, defaultGenOptions())
	if err != nil {
		return err
	}
	nnRep, err := nnbench.Run(ctx, nnbench.Options{Duration: time.Second, Seed: 1})
	if err != nil {
		return err
	}
	return emit(e, *jsonOut, map[string]any{"sim": simRows, "demos": genRows, "expert": expRows, "nn": nnRep},
		stackbench.SimTable(simRows), stackbench.GenTable(genRows), stackbench.ExpertTable(expRows), nnRep.Table())
}

func defaultGenOptions() stackbench.GenOptions {
	return stackbench.GenOptions{Workers: []int{1, 2}, Tasks: stackbench.DefaultGenTasks(), Episodes: 4, Repeats: 3}
}

func benchDemos(ctx context.Context, e cli.Env, args []string) error {
	fs := cli.NewFlags("bench demos")
	jsonOut := fs.Bool("json", false, "print JSON instead of a table")
	def := defaultGenOptions()
	episodes := fs.Int("episodes", def.Episodes, "episodes per task and measurement")
	repeats := fs.Int("repeats", def.Repeats, "measurements per worker count (median reported)")
	if err := cli.ParseOnly(fs, e.Stdout, args); err != nil {
		return err
	}
	if *episodes <= 0 || *repeats <= 0 {
		return cli.Usagef("bench demos: --episodes and --repeats must be positive")
	}
	def.Episodes, def.Repeats = *episodes, *repeats
	rows, err := stackbench.GenSpeed(ctx, def)
	if err != nil {
		return err
	}
	return emit(e, *jsonOut, rows, stackbench.GenTable(rows))
}

func defaultSimOptions() stackbench.SimOptions {
	return stackbench.SimOptions{Blocks: []int{2, 4, 6, 8, 10}, Budget: 300 * time.Millisecond, Repeats: 5, Seed: 1}
}

func defaultExpertOptions(workers int, showProgress bool) stackbench.ExpertOptions {
	return stackbench.ExpertOptions{
		Episodes: 10,
		Noise:    []float64{0, policies.DefaultNoise},
		Seed:     1,
		Workers:  workers,
		Progress: showProgress,
	}
}

func benchSim(e cli.Env, args []string) error {
	fs := cli.NewFlags("bench sim")
	jsonOut := fs.Bool("json", false, "print JSON instead of a table")
	def := defaultSimOptions()
	budget := fs.Duration("budget", def.Budget, "wall time per measurement")
	repeats := fs.Int("repeats", def.Repeats, "measurements per block count (median reported)")
	if err := cli.ParseOnly(fs, e.Stdout, args); err != nil {
		return err
	}
	if *budget <= 0 || *repeats <= 0 {
		return cli.Usagef("bench sim: --budget and --repeats must be positive")
	}
	def.Budget, def.Repeats = *budget, *repeats
	rows, err := stackbench.SimSpeed(def)
	if err != nil {
		return err
	}
	return emit(e, *jsonOut, rows, stackbench.SimTable(rows))
}

func benchExpert(ctx context.Context, e cli.Env, args []string) error {
	fs := cli.NewFlags("bench expert")
	jsonOut := fs.Bool("json", false, "print JSON instead of a table")
	split := fs.String("split", "", "evaluate one split: train or test (default: both)")
	var specs cli.StringList
	fs.Var(&specs, "task", "evaluate this task spec instead of a split (repeatable)")
	def := defaultExpertOptions(0, false)
	episodes := fs.Int("episodes", def.Episodes, "episodes per task and noise level")
	seed := fs.Uint64("seed", def.Seed, "base seed of the episodes")
	noise := fs.Float64("noise", policies.DefaultNoise, "demonstration noise scale evaluated beside the clean expert")
	workers := fs.Int("workers", 0, "parallel episodes (0: all CPUs)")
	if err := cli.ParseOnly(fs, e.Stdout, args); err != nil {
		return err
	}
	if *episodes <= 0 {
		return cli.Usagef("bench expert: --episodes must be at least 1, got %d", *episodes)
	}
	if *noise < 0 {
		return cli.Usagef("bench expert: --noise must be non-negative, got %g", *noise)
	}
	sets, err := taskSets(*split, specs)
	if err != nil {
		return err
	}
	opt := defaultExpertOptions(*workers, !*jsonOut)
	opt.Sets, opt.Episodes, opt.Seed = sets, *episodes, *seed
	opt.Noise = []float64{0}
	if *noise > 0 {
		opt.Noise = append(opt.Noise, *noise)
	}
	rows, err := stackbench.Expert(ctx, opt)
	if err != nil {
		return err
	}
	return emit(e, *jsonOut, rows, stackbench.ExpertTable(rows))
}

// taskSets turns --split and --task flags into task sets: the given specs,
// else one split, else both.
func taskSets(split string, specs []string) ([]stackbench.TaskSet, error) {
	if len(specs) > 0 {
		if split != "" {
			return nil, cli.Usagef("give --split or --task, not both")
		}
		set := stackbench.TaskSet{Label: "custom"}
		for _, s := range specs {
			t, err := stack.Parse(s)
			if err != nil {
				return nil, cli.UsageError{Msg: err.Error()}
			}
			set.Tasks = append(set.Tasks, t)
		}
		return []stackbench.TaskSet{set}, nil
	}
	if split == "" {
		return []stackbench.TaskSet{{Label: "train", Tasks: stack.Tasks(stack.Train)}, {Label: "test", Tasks: stack.Tasks(stack.Test)}}, nil
	}
	s, err := stack.ParseSplit(split)
	if err != nil {
		return nil, cli.UsageError{Msg: err.Error()}
	}
	return []stackbench.TaskSet{{Label: string(s), Tasks: stack.Tasks(s)}}, nil
}
