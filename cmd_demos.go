package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"sync"
	"time"

	"github.com/metabench/metabench/benchmarks/report"
	"github.com/metabench/metabench/envs/demos"
	"github.com/metabench/metabench/internal/cli"
	"github.com/metabench/metabench/internal/parallel"
	"github.com/metabench/metabench/internal/progress"
	"github.com/metabench/metabench/policies"
	"github.com/metabench/metabench/policies/collect"
	"github.com/metabench/metabench/sim"
)

func runDemos(ctx context.Context, e cli.Env, args []string) error {
	if len(args) == 0 {
		return cli.Usagef("demos: give a subcommand: gen, replay, info or export")
	}
	switch args[0] {
	case "gen":
		return demosGen(ctx, e, args[1:])
	case "replay":
		return demosReplay(ctx, e, args[1:])
	case "info":
		return demosInfo(e, args[1:])
	case "export":
		return demosExport(e, args[1:])
	}
	return cli.Usagef("demos: unknown subcommand %q (want gen, replay, info or export)", args[0])
}

// parseDirArg parses the flags and the one dataset directory of a command,
// given before or after the flags (`demos info DIR --json` or
// `demos info --json DIR`).
func parseDirArg(fs *flag.FlagSet, e cli.Env, args []string) (string, error) {
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		args = append(args[1:], args[0])
	}
	rest, err := cli.Parse(fs, e.Stdout, args)
	if err != nil {
		return "", err
	}
	switch len(rest) {
	case 0:
		return "", cli.Usagef("%s: give the dataset directory", fs.Name())
	case 1:
		return rest[0], nil
	}
	return "", cli.Usagef("%s: unexpected argument %q", fs.Name(), rest[0]) // the directory was moved last
}

func demosGen(ctx context.Context, e cli.Env, args []string) error {
	fs := cli.NewFlags("demos gen")
	out := fs.String("out", "", "dataset directory to create or resume (required)")
	split := fs.String("split", "", "generate for every task of a split: train or test")
	var specs cli.StringList
	fs.Var(&specs, "task", "generate for this task spec (repeatable)")
	episodes := fs.Int("episodes", 10, "successful episodes kept per task")
	seed := fs.Uint64("seed", 1, "base seed of the episodes")
	noise := fs.Float64("noise", policies.DefaultNoise, "demonstration noise scale")
	workers := fs.Int("workers", 0, "parallel episodes (0: all CPUs)")
	if err := cli.ParseOnly(fs, e.Stdout, args); err != nil {
		return err
	}
	switch {
	case *out == "":
		return cli.Usagef("demos gen: --out DIR is required")
	case *split == "" && len(specs) == 0:
		return cli.Usagef("demos gen: give --split or --task")
	case *episodes <= 0:
		return cli.Usagef("demos gen: --episodes must be at least 1, got %d", *episodes)
	case *noise < 0:
		return cli.Usagef("demos gen: --noise must be non-negative, got %g", *noise)
	case *workers < 0:
		return cli.Usagef("demos gen: --workers must be non-negative, got %d", *workers)
	}
	sets, err := taskSets(*split, specs)
	if err != nil {
		return err
	}
	start := time.Now()
	p, err := collect.Generate(ctx, collect.GenOptions{
		Dir: *out, Tasks: sets[0].Tasks, Episodes: *episodes, Seed: *seed, Noise: *noise,
		Workers: *workers, Progress: true,
	})
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("demos gen: interrupted after %d of %d episodes; run the same command again to resume", p.Kept, p.Wanted)
		}
		return err
	}
	fmt.Fprintf(e.Stdout, "%s: %d episodes of %d tasks kept, %d failed attempts dropped (%.1f s)\n",
		*out, p.Kept, p.Tasks, p.Discarded, time.Since(start).Seconds())
	return nil
}

func demosReplay(ctx context.Context, e cli.Env, args []string) error {
	fs := cli.NewFlags("demos replay")
	workers := fs.Int("workers", 0, "parallel replays (0: all CPUs)")
	dir, err := parseDirArg(fs, e, args)
	if err != nil {
		return err
	}
	d, err := demos.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	info := d.Info()
	bar := progress.New(info.Episodes, "replay")
	cfg := sim.DefaultConfig()
	var (
		mu       sync.Mutex
		failures []error
		count    int
	)
	episodes := make(chan *demos.Episode)
	var readErr error
	go func() {
		defer close(episodes)
		for ep, err := range d.All() {
			if err != nil {
				readErr = err
				return
			}
			select {
			case episodes <- ep:
			case <-ctx.Done():
				return
			}
		}
	}()
	n := parallel.Workers(*workers)
	_ = parallel.For(ctx, n, n, func(int) error {
		for ep := range episodes {
			_, err := collect.Replay(ep, cfg)
			mu.Lock()
			count++
			if err != nil {
				failures = append(failures, err)
			}
			mu.Unlock()
			bar.Add(1)
		}
		return nil
	})
	bar.Finish()
	if readErr != nil {
		return readErr
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("demos replay: interrupted after %d episodes", count)
	}
	if len(failures) > 0 {
		return fmt.Errorf("demos replay %s: %d of %d episodes do not replay exactly; first: %v", dir, len(failures), count, failures[0])
	}
	fmt.Fprintf(e.Stdout, "%s: all %d episodes of %d tasks replay exactly\n", dir, count, info.Tasks)
	return nil
}

func demosInfo(e cli.Env, args []string) error {
	fs := cli.NewFlags("demos info")
	jsonOut := fs.Bool("json", false, "print JSON instead of a table")
	dir, err := parseDirArg(fs, e, args)
	if err != nil {
		return err
	}
	d, err := demos.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	info := d.Info()
	if *jsonOut {
		return report.JSON(e.Stdout, info)
	}
	header, rows := info.Rows()
	title := fmt.Sprintf("%s: %s v%d, %d episodes, %d steps, %d bytes (%.1f bytes/step), %d failed attempts dropped",
		dir, info.Kind, info.Version, info.Episodes, info.Steps, info.Bytes, info.BytesPerStep, info.Discarded)
	return report.Print(e.Stdout, report.Table{Title: title, Header: header, Rows: rows})
}

func demosExport(e cli.Env, args []string) error {
	fs := cli.NewFlags("demos export")
	npz := fs.String("npz", "", "write numpy arrays to this .npz file (required)")
	dir, err := parseDirArg(fs, e, args)
	if err != nil {
		return err
	}
	if *npz == "" {
		return cli.Usagef("demos export: --npz OUT is required")
	}
	if err := demos.ExportNPZ(dir, *npz); err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "wrote %s\n", *npz)
	return nil
}
