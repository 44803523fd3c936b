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
	"github.com/metabench/metabench/internal/cli"
)

// benchSim, benchDemos and benchExpert are the block-stacking benchmarks of
// package stackbench under the names benches() (cmd_world.go) lists; it is
// to list stackbench.Commands() instead, which also passes the context on
// to bench sim.
func benchSim(e cli.Env, args []string) error {
	return runStackbench(context.Background(), e, "sim", args)
}

func benchDemos(ctx context.Context, e cli.Env, args []string) error {
	return runStackbench(ctx, e, "demos", args)
}

func benchExpert(ctx context.Context, e cli.Env, args []string) error {
	return runStackbench(ctx, e, "expert", args)
}

func runStackbench(ctx context.Context, e cli.Env, name string, args []string) error {
	c, _ := cli.Find(stackbench.Commands(), name)
	return c.Run(ctx, e, args)
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
