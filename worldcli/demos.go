package worldcli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/metabench/metabench/benchmarks/report"
	"github.com/metabench/metabench/benchmarks/stackbench"
	"github.com/metabench/metabench/envs/demos"
	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/internal/cli"
	"github.com/metabench/metabench/internal/parallel"
	"github.com/metabench/metabench/internal/progress"
	"github.com/metabench/metabench/policies"
	"github.com/metabench/metabench/policies/collect"
	"github.com/metabench/metabench/sim"
)

// demosCommands are the subcommands of `metabench demos`.
func demosCommands() []cli.Command {
	return []cli.Command{
		{Name: "gen", Summary: "generate (or resume, or repair) an expert demonstration dataset", Run: demosGen},
		{Name: "replay", Summary: "replay every episode of a dataset in the simulator and check it is exact", Run: demosReplay},
		{Name: "info", Summary: "summarise a dataset: episodes, steps, bytes, whether it is complete", Run: func(_ context.Context, e cli.Env, args []string) error { return demosInfo(e, args) }},
		{Name: "export", Summary: "write a dataset as NumPy arrays (.npz)", Run: demosExport},
	}
}

// runDemos is `metabench demos SUBCOMMAND`.
func runDemos(ctx context.Context, e cli.Env, args []string) error {
	cmds := demosCommands()
	if len(args) == 0 {
		return cli.Usagef("demos: give a subcommand: gen, replay, info or export")
	}
	switch args[0] {
	case "-h", "--help", "help":
		cli.PrintCommands(e.Stdout, "metabench demos", cmds)
		return flag.ErrHelp
	}
	c, ok := cli.Find(cmds, args[0])
	if !ok {
		return cli.Usagef("demos: unknown subcommand %q (want gen, replay, info or export)", args[0])
	}
	return c.Run(ctx, e, args[1:])
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
	out := fs.String("out", "", "dataset directory to create, resume or repair (required)")
	split := fs.String("split", "", "generate for every task of a split: train or test")
	var specs cli.StringList
	fs.Var(&specs, "task", "generate for this task spec (repeatable, each task once)")
	episodes := fs.Int("episodes", 10, fmt.Sprintf("successful episodes kept per task (1 to %d)", collect.MaxEpisodes))
	attempts := fs.Int("attempts", 0, fmt.Sprintf("attempts allowed per task, failures dropped; a task that uses them all short of --episodes is an error (0: 2×episodes+10; at most %d)", collect.MaxAttempts))
	seed := cli.Seed(fs, "the episodes (the base seed)")
	noise := fs.Float64("noise", policies.DefaultNoise, fmt.Sprintf("demonstration noise scale (0 to %g)", collect.MaxNoise))
	workers := cli.Workers(fs)
	if err := cli.ParseOnly(fs, e.Stdout, args); err != nil {
		return err
	}
	switch {
	case *out == "":
		return cli.Usagef("demos gen: --out DIR is required")
	case *split == "" && len(specs) == 0:
		return cli.Usagef("demos gen: give --split or --task")
	}
	err := cli.NewCheck("demos gen").
		Int("episodes", *episodes, 1, collect.MaxEpisodes).
		Float("noise", *noise, 0, collect.MaxNoise).
		Workers(*workers).Err()
	if err != nil {
		return err
	}
	if *attempts != 0 {
		if err := cli.NewCheck("demos gen").Int("attempts", *attempts, *episodes, collect.MaxAttempts).Err(); err != nil {
			return err
		}
	}
	sets, err := stackbench.TaskSets("demos gen", *split, specs)
	if err != nil {
		return err
	}
	var tasks []stack.Task
	for _, s := range sets {
		tasks = append(tasks, s.Tasks...)
	}
	start := time.Now()
	p, err := collect.Generate(ctx, collect.GenOptions{
		Dir: *out, Tasks: tasks, Episodes: *episodes, Attempts: *attempts, Seed: *seed, Noise: *noise,
		Workers: *workers, Progress: true,
	})
	for _, r := range p.Repaired {
		fmt.Fprintf(e.Stderr, "demos gen: %s: %s\n", *out, r)
	}
	var short *collect.ShortfallError
	switch {
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("demos gen: interrupted with %d of %d episodes kept (%d of %d tasks complete); what is finished is saved in %s: run the same command again to resume",
			p.Kept, p.Wanted, p.CompleteTasks, p.Tasks, *out)
	case errors.As(err, &short):
		cap := fmt.Sprintf("--attempts %d", *attempts)
		if *attempts == 0 {
			cap = fmt.Sprintf("the default, 2×episodes+10 = %d", collect.DefaultAttempts(*episodes))
		}
		return fmt.Errorf("demos gen %v; the dataset is incomplete (%d of %d episodes in all): raise the attempt cap (now %s) with --attempts in a new directory, or lower --noise", err, p.Kept, p.Wanted, cap)
	case err != nil:
		return err
	}
	fmt.Fprintf(e.Stdout, "%s: %d episodes of %d tasks kept, %d failed attempts dropped (%.1f s)\n",
		*out, p.Kept, p.Tasks, p.Discarded, time.Since(start).Seconds())
	return nil
}

func demosReplay(ctx context.Context, e cli.Env, args []string) error {
	fs := cli.NewFlags("demos replay")
	workers := cli.Workers(fs)
	dir, err := parseDirArg(fs, e, args)
	if err != nil {
		return err
	}
	if err := cli.NewCheck("demos replay").Workers(*workers).Err(); err != nil {
		return err
	}
	d, err := demos.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	info := d.Info()
	// Replay under the physics the dataset was recorded with, from its
	// manifest: an episode that does not reproduce under them is reported.
	cfg, err := collect.ReplayConfig(d.Manifest())
	if err != nil {
		return fmt.Errorf("demos replay: %s: %w", filepath.Join(dir, demos.ManifestName), err)
	}
	bar := progress.New(info.Episodes, "replay")
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
		checked := "all exact so far"
		if len(failures) > 0 {
			checked = fmt.Sprintf("%d of them not exact (first: %v)", len(failures), failures[0])
		}
		return fmt.Errorf("demos replay: interrupted after %d of %d episodes, %s; replay only reads the dataset: run it again to check every episode", count, info.Episodes, checked)
	}
	if len(failures) > 0 {
		hint := ""
		if diff := collect.ConfigDiff(cfg, sim.DefaultConfig()); len(diff) > 0 {
			hint = fmt.Sprintf(" (replayed with the manifest's simulator settings, which differ from this program's: %s)", strings.Join(diff, ", "))
		}
		return fmt.Errorf("demos replay %s: %d of %d episodes do not replay exactly%s; first: %v", dir, len(failures), count, hint, failures[0])
	}
	if err := unfinished(dir, info); err != nil {
		return fmt.Errorf("demos replay: the %d stored episodes replay exactly, but %w", count, err)
	}
	fmt.Fprintf(e.Stdout, "%s: all %d episodes of %d tasks replay exactly\n", dir, count, info.Tasks)
	return nil
}

// unfinished says how a dataset that is not complete falls short: its
// generation was stopped (a kill, a full disk) or ran out of attempts. A
// command that checks or exports a dataset must not report on such a one
// as if it were whole.
func unfinished(dir string, info demos.Info) error {
	switch info.Status {
	case demos.StatusComplete:
		return nil
	case demos.StatusGenerating:
		return fmt.Errorf("the dataset %s is incomplete: generation stopped with %d of %d tasks finished; run the same 'metabench demos gen' again to finish it", dir, info.CompleteTasks, info.Tasks)
	}
	return fmt.Errorf("the dataset %s is incomplete: %d of %d tasks ran out of attempts before reaching their episodes (see 'metabench demos info %s')", dir, info.ShortTasks, info.Tasks, dir)
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
	title := fmt.Sprintf("%s: %s v%d, %s, %d episodes, %d steps, %d bytes (%.1f bytes/step), %d failed attempts dropped",
		dir, info.Kind, info.Version, strings.ToUpper(info.Status), info.Episodes, info.Steps, info.Bytes, info.BytesPerStep, info.Discarded)
	return report.Print(e.Stdout, report.Table{Title: title, Header: header, Rows: rows})
}

func demosExport(ctx context.Context, e cli.Env, args []string) error {
	fs := cli.NewFlags("demos export")
	npz := fs.String("npz", "", "write numpy arrays to this .npz file (required)")
	dir, err := parseDirArg(fs, e, args)
	if err != nil {
		return err
	}
	if *npz == "" {
		return cli.Usagef("demos export: --npz OUT is required")
	}
	d, err := demos.Open(dir)
	if err != nil {
		return err
	}
	info := d.Info()
	d.Close()
	if err := unfinished(dir, info); err != nil {
		return fmt.Errorf("demos export: %w; %s not written", err, *npz)
	}
	if err := demos.ExportNPZContext(ctx, dir, *npz); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("demos export: interrupted; %s not written (export only reads the dataset: run it again)", *npz)
		}
		return err
	}
	fmt.Fprintf(e.Stdout, "wrote %s\n", *npz)
	return nil
}
