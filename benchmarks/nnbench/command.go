package nnbench

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/metabench/metabench/benchmarks/report"
	"github.com/metabench/metabench/benchmarks/torchref"
	"github.com/metabench/metabench/internal/cli"
	"github.com/metabench/metabench/nn"
)

// Command returns `metabench bench nn`: the engine's speed, and with
// --torch its ratio to PyTorch measured in the same run.
func Command() cli.Command {
	return cli.Command{Name: "nn", Summary: "network engine speed (--torch PYTHON: against PyTorch, interleaved in the same run)", Run: run}
}

// Comparison is the engine against PyTorch over interleaved rounds.
type Comparison struct {
	Rounds []Round `json:"rounds"`
	Ratios []Ratio `json:"ratios"` // in report order
	// Models holds the same ratios keyed by model name.
	Models map[string]Ratio `json:"models"`
	Torch  string           `json:"torch_version"`
	Engine []Report         `json:"-"`
}

// Round is one engine pass and one PyTorch pass, back to back.
type Round struct {
	Engine Report          `json:"engine"`
	Torch  torchref.Result `json:"torch"`
}

// Ratio summarises one model's training speed against PyTorch's: the
// median over rounds of the per-round ratio, and its spread.
type Ratio struct {
	Model       string  `json:"model"`
	GoSteps     float64 `json:"go_steps_per_s"`    // median over rounds
	TorchSteps  float64 `json:"torch_steps_per_s"` // median over rounds
	Median      float64 `json:"ratio_median"`
	Min         float64 `json:"ratio_min"`
	Max         float64 `json:"ratio_max"`
	RoundsCount int     `json:"rounds"`
	// CPUMedian is the median ratio of steps per CPU second (0 if either
	// side did not measure it): on a shared machine, the ratio without
	// the time each side waited for the core.
	CPUMedian float64 `json:"ratio_cpu_median,omitempty"`
}

func run(ctx context.Context, e cli.Env, args []string) error {
	const cmd = "bench nn"
	fs := cli.NewFlags(cmd)
	jsonOut := fs.Bool("json", false, "print JSON instead of a table")
	duration := fs.Duration("duration", 2*time.Second, "measuring time per item and round (with --torch: on each side)")
	var models cli.StringList
	fs.Var(&models, "model", "measure only this model (repeatable): "+strings.Join(Models(), ", "))
	python := fs.String("torch", "", "also run the PyTorch reference with this Python (e.g. /usr/bin/python3), interleaved with the engine, and report ratios")
	threads := fs.Int("threads", 1, "threads of each side: the engine's GOMAXPROCS and BLAS threads, PyTorch's OpenBLAS threads (its own pool stays at 1)")
	rounds := fs.Int("rounds", 3, "with --torch: rounds of timing each model in turns on the engine and in PyTorch; the ratio is the median over rounds")
	if err := cli.ParseOnly(fs, e.Stdout, args); err != nil {
		return err
	}
	err := cli.NewCheck(cmd).Int("threads", *threads, 1, 256).Int("rounds", *rounds, 1, 100).Err()
	if err != nil {
		return err
	}
	if *duration <= 0 || *duration > time.Hour {
		return cli.Usagef("%s: --duration %s is out of range (0, 1h]", cmd, *duration)
	}
	for _, m := range models {
		if !slices.Contains(Models(), m) {
			return cli.Usagef("%s: unknown model %q (want one of %s)", cmd, m, strings.Join(Models(), ", "))
		}
	}
	opt := Options{Duration: *duration, Models: models, Seed: 1}
	if *python == "" {
		rep, err := Run(ctx, opt)
		if err != nil {
			return err
		}
		if *jsonOut {
			return report.JSON(e.Stdout, rep)
		}
		return report.Print(e.Stdout, rep.Table())
	}
	// Like with like: the engine gets as many cores as the reference.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(*threads))
	defer nn.SetBLASThreads(nn.SetBLASThreads(*threads))
	cmp, err := Compare(ctx, opt, *python, *threads, *rounds)
	if err != nil {
		return err
	}
	if *jsonOut {
		return report.JSON(e.Stdout, cmp)
	}
	if err := report.Print(e.Stdout, cmp.Rounds[len(cmp.Rounds)-1].Engine.Table()); err != nil {
		return err
	}
	return report.Print(e.Stdout, cmp.Table(*threads))
}

// Compare measures the engine and PyTorch in rounds; in each round every
// model is timed in turns, [repeats] short runs on each side, so that a
// change of load on a shared machine falls on both. Per round each side's
// rate is the median of its runs; the ratio is the median over rounds.
func Compare(ctx context.Context, opt Options, python string, threads, rounds int) (*Comparison, error) {
	c := &Comparison{Models: map[string]Ratio{}}
	models := opt.Models
	if len(models) == 0 {
		models = Models()
	}
	d, err := newRealData(models, opt.Seed)
	if err != nil {
		return nil, err
	}
	opt.data = d
	// One reference process keeps its models built; each model is timed
	// in turns, a fraction of a second on each side, so that both meet
	// the same load on a shared machine. The reference runs the synthetic
	// models it knows and the real steps on the same data as the engine.
	srv, err := torchref.Start(ctx, python, threads, d.Inputs)
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	c.Torch = srv.Version
	for range rounds {
		mm := opt
		mm.NoTrain = true
		eng, err := Run(ctx, mm)
		if err != nil {
			return nil, err
		}
		ref := torchref.Result{TorchVersion: srv.Version, Threads: srv.Threads, OpenBLASThreads: srv.OpenBLASThreads}
		for _, m := range models {
			bench := torchref.Only([]string{m})
			if len(bench) == 0 { // no reference: the engine alone
				o := opt
				o.Models, o.NoMatMul = []string{m}, true
				r, err := Run(ctx, o)
				if err != nil {
					return nil, err
				}
				eng.Train = append(eng.Train, r.Train...)
				continue
			}
			res, steps, cpu, err := pair(ctx, m, bench[0], opt, srv)
			if err != nil {
				return nil, err
			}
			eng.Train = append(eng.Train, res)
			ref.SetPaired(m, steps, cpu)
		}
		c.Rounds = append(c.Rounds, Round{Engine: eng, Torch: ref})
	}
	for _, t := range c.Rounds[0].Engine.Train {
		var gos, tos, ratios, cpus []float64
		for _, r := range c.Rounds {
			ts, ok := r.Torch.StepsPerSec(t.Name)
			i := slices.IndexFunc(r.Engine.Train, func(x TrainResult) bool { return x.Name == t.Name })
			if !ok || ts <= 0 || i < 0 {
				continue
			}
			g := r.Engine.Train[i].StepsPerSec
			gos, tos, ratios = append(gos, g), append(tos, ts), append(ratios, g/ts)
			if tc, ok := r.Torch.CPUStepsPerSec(t.Name); ok && tc > 0 && r.Engine.Train[i].CPUStepsPerSec > 0 {
				cpus = append(cpus, r.Engine.Train[i].CPUStepsPerSec/tc)
			}
		}
		if len(ratios) == 0 {
			continue
		}
		rt := Ratio{Model: t.Name, GoSteps: median(gos), TorchSteps: median(tos),
			Median: median(ratios), Min: slices.Min(ratios), Max: slices.Max(ratios), RoundsCount: len(ratios)}
		if len(cpus) == len(ratios) {
			rt.CPUMedian = median(cpus)
		}
		c.Ratios = append(c.Ratios, rt)
		c.Models[rt.Model] = rt
	}
	return c, nil
}

// pair times model name in the engine and its reference benchmark bench in
// turns: after a warm-up step on each side, [repeats] times opt.Duration/
// repeats of engine steps, then as long of PyTorch steps. It returns the
// engine's result and the reference's median rates per second of wall and
// CPU time.
func pair(ctx context.Context, name, bench string, opt Options, srv *torchref.Server) (res TrainResult, steps, cpu float64, err error) {
	t, err := newModel(name, opt.Seed, opt.data)
	if err != nil {
		return res, 0, 0, err
	}
	res = TrainResult{Name: name, Description: t.desc}
	l, err := t.step()
	if err != nil {
		return res, 0, 0, err
	}
	res.FirstLoss = float64(l)
	if _, err := srv.Time(bench, 0); err != nil { // builds and warms up
		return res, 0, 0, err
	}
	per := opt.Duration / repeats
	var gw, gc, tw, tc []float64
	for range repeats {
		if err := ctx.Err(); err != nil {
			return res, 0, 0, err
		}
		n, start := 0, time.Now()
		c0, cok := cpuTime()
		for n < 1 || time.Since(start) < per {
			if l, err = t.step(); err != nil {
				return res, 0, 0, err
			}
			n++
		}
		gw = append(gw, float64(n)/time.Since(start).Seconds())
		if c1, ok := cpuTime(); ok && cok && c1 > c0 {
			gc = append(gc, float64(n)/(c1-c0).Seconds())
		}
		res.Steps += n
		tm, err := srv.Time(bench, per)
		if err != nil {
			return res, 0, 0, err
		}
		tw = append(tw, float64(tm.Calls)/tm.Wall)
		if tm.CPU > 0 {
			tc = append(tc, float64(tm.Calls)/tm.CPU)
		}
	}
	res.LastLoss = float64(l)
	res.StepsPerSec = median(gw)
	res.MsPerStep = 1e3 / res.StepsPerSec
	if len(gc) == repeats {
		res.CPUStepsPerSec = median(gc)
	}
	if len(tc) == repeats {
		cpu = median(tc)
	}
	return res, median(tw), cpu, nil
}

// median is the middle of x, the mean of the two middle values for an even
// count (as NumPy's): gonum's stat.Quantile picks one of them.
func median(x []float64) float64 {
	s := slices.Sorted(slices.Values(x))
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Table renders the ratios.
func (c *Comparison) Table(threads int) report.Table {
	t := report.Table{
		Title: fmt.Sprintf("Training steps/s against PyTorch %s: %d interleaved rounds, %d thread(s) each; ratio = metabench/PyTorch per round",
			c.Torch, len(c.Rounds), threads),
		Header: []string{"model", "metabench", "PyTorch", "ratio (median)", "ratio (min-max)", "ratio per CPU second (median)"},
	}
	for _, r := range c.Ratios {
		cpu := "-"
		if r.CPUMedian > 0 {
			cpu = fmt.Sprintf("%.2f×", r.CPUMedian)
		}
		t.Rows = append(t.Rows, []string{r.Model, fmt.Sprintf("%.1f", r.GoSteps), fmt.Sprintf("%.1f", r.TorchSteps),
			fmt.Sprintf("%.2f×", r.Median), fmt.Sprintf("%.2f-%.2f×", r.Min, r.Max), cpu})
	}
	return t
}
