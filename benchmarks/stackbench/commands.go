package stackbench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/metabench/metabench/benchmarks/report"
	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/internal/cli"
	"github.com/metabench/metabench/policies"
	"github.com/metabench/metabench/policies/collect"
)

// Bounds of the benchmarks' flags, beyond which a run is refused.
const (
	// MaxExpertEpisodes bounds bench expert's episodes per task and noise
	// level (results are streamed, so only time grows with it).
	MaxExpertEpisodes = 1_000_000
	// MaxGenEpisodes bounds bench demos's episodes per task.
	MaxGenEpisodes = 10_000
	// MaxRepeats bounds the repeated measurements of bench sim and demos.
	MaxRepeats = 1000
	// MaxBudget bounds bench sim's time per measurement.
	MaxBudget = time.Minute
)

// Commands returns the benchmarks of the block-stacking world, run as
// `metabench bench NAME`: sim, demos and expert.
func Commands() []cli.Command {
	return []cli.Command{
		{Name: "sim", Summary: "physics speed against real time by number of blocks", Run: runSim},
		{Name: "demos", Summary: "demonstration generation speed on 1 and 2 workers", Run: runGen},
		{Name: "expert", Summary: "the expert's success by number of stages, with and without noise", Run: runExpert},
	}
}

// DefaultSimOptions are bench sim's settings.
func DefaultSimOptions() SimOptions {
	return SimOptions{Blocks: []int{2, 4, 6, 8, 10}, Budget: 300 * time.Millisecond, Repeats: 5, Seed: 1}
}

// DefaultGenOptions are bench demos's settings.
func DefaultGenOptions() GenOptions {
	return GenOptions{Workers: []int{1, 2}, Tasks: DefaultGenTasks(), Episodes: 4, Repeats: 3}
}

// DefaultExpertOptions are bench expert's settings: both splits, the clean
// expert and the demonstration noise.
func DefaultExpertOptions() ExpertOptions {
	return ExpertOptions{
		Sets:     []TaskSet{{Label: "train", Tasks: stack.Tasks(stack.Train)}, {Label: "test", Tasks: stack.Tasks(stack.Test)}},
		Episodes: 10,
		Noise:    []float64{0, policies.DefaultNoise},
		Seed:     1,
	}
}

func runSim(ctx context.Context, e cli.Env, args []string) error {
	fs := cli.NewFlags("bench sim")
	jsonOut := fs.Bool("json", false, "print JSON instead of a table")
	opt := DefaultSimOptions()
	fs.DurationVar(&opt.Budget, "budget", opt.Budget, fmt.Sprintf("wall time per measurement (at most %v)", MaxBudget))
	fs.IntVar(&opt.Repeats, "repeats", opt.Repeats, fmt.Sprintf("measurements per block count, median reported (1 to %d)", MaxRepeats))
	if err := cli.ParseOnly(fs, e.Stdout, args); err != nil {
		return err
	}
	if opt.Budget <= 0 || opt.Budget > MaxBudget {
		return cli.Usagef("bench sim: --budget %v is out of range (0, %v]", opt.Budget, MaxBudget)
	}
	if err := cli.NewCheck("bench sim").Int("repeats", opt.Repeats, 1, MaxRepeats).Err(); err != nil {
		return err
	}
	rows, err := SimSpeedContext(ctx, opt)
	if err != nil {
		return interrupted("bench sim", err)
	}
	return emit(e.Stdout, *jsonOut, rows, SimTable(rows))
}

func runGen(ctx context.Context, e cli.Env, args []string) error {
	fs := cli.NewFlags("bench demos")
	jsonOut := fs.Bool("json", false, "print JSON instead of a table")
	opt := DefaultGenOptions()
	fs.IntVar(&opt.Episodes, "episodes", opt.Episodes, fmt.Sprintf("episodes per task and measurement (1 to %d)", MaxGenEpisodes))
	fs.IntVar(&opt.Repeats, "repeats", opt.Repeats, fmt.Sprintf("measurements per worker count, median reported (1 to %d)", MaxRepeats))
	if err := cli.ParseOnly(fs, e.Stdout, args); err != nil {
		return err
	}
	if err := cli.NewCheck("bench demos").Int("episodes", opt.Episodes, 1, MaxGenEpisodes).Int("repeats", opt.Repeats, 1, MaxRepeats).Err(); err != nil {
		return err
	}
	rows, err := GenSpeed(ctx, opt)
	if err != nil {
		return interrupted("bench demos", err)
	}
	return emit(e.Stdout, *jsonOut, rows, GenTable(rows))
}

func runExpert(ctx context.Context, e cli.Env, args []string) error {
	fs := cli.NewFlags("bench expert")
	jsonOut := fs.Bool("json", false, "print JSON instead of a table")
	split := fs.String("split", "", "evaluate one split: train or test (default: both)")
	var specs cli.StringList
	fs.Var(&specs, "task", "evaluate this task spec instead of a split (repeatable, each once)")
	opt := DefaultExpertOptions()
	fs.IntVar(&opt.Episodes, "episodes", opt.Episodes, fmt.Sprintf("episodes per task and noise level (1 to %d)", MaxExpertEpisodes))
	cli.SeedVar(fs, &opt.Seed, opt.Seed, "the episodes (their base seed)")
	noise := fs.Float64("noise", policies.DefaultNoise, fmt.Sprintf("demonstration noise scale evaluated beside the clean expert (0 to %g; 0: the clean expert only)", collect.MaxNoise))
	cli.WorkersVar(fs, &opt.Workers)
	if err := cli.ParseOnly(fs, e.Stdout, args); err != nil {
		return err
	}
	err := cli.NewCheck("bench expert").
		Int("episodes", opt.Episodes, 1, MaxExpertEpisodes).
		Float("noise", *noise, 0, collect.MaxNoise).
		Workers(opt.Workers).Err()
	if err != nil {
		return err
	}
	if opt.Sets, err = TaskSets("bench expert", *split, specs); err != nil {
		return err
	}
	opt.Noise = []float64{0}
	if *noise > 0 {
		opt.Noise = append(opt.Noise, *noise)
	}
	opt.Progress = !*jsonOut
	rows, err := Expert(ctx, opt)
	if err != nil {
		return interrupted("bench expert", err)
	}
	return emit(e.Stdout, *jsonOut, rows, ExpertTable(rows))
}

// TaskSets turns --split and --task flags into task sets: the given specs,
// else one split, else both. A task given twice (in any spelling of the
// same spec) is a usage error naming it, as is a bad spec or split. cmd
// names the command in the errors.
func TaskSets(cmd, split string, specs []string) ([]TaskSet, error) {
	if len(specs) > 0 {
		if split != "" {
			return nil, cli.Usagef("%s: give --split or --task, not both", cmd)
		}
		set := TaskSet{Label: "custom"}
		seen := map[string]string{}
		for _, s := range specs {
			t, err := stack.Parse(s)
			if err != nil {
				return nil, cli.Usagef("%s: --task %q: %v", cmd, s, err)
			}
			if first, dup := seen[t.String()]; dup {
				return nil, cli.Usagef("%s: --task %q is given twice (as %q and %q)", cmd, t.String(), first, s)
			}
			seen[t.String()] = s
			set.Tasks = append(set.Tasks, t)
		}
		return []TaskSet{set}, nil
	}
	if split == "" {
		return DefaultExpertOptions().Sets, nil
	}
	s, err := stack.ParseSplit(split)
	if err != nil {
		return nil, cli.Usagef("%s: %v", cmd, err)
	}
	return []TaskSet{{Label: string(s), Tasks: stack.Tasks(s)}}, nil
}

// interrupted words a cancelled run's error: these benchmarks write nothing,
// so there is nothing to resume.
func interrupted(cmd string, err error) error {
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: interrupted before it finished; nothing was printed or written: run it again", cmd)
	}
	return err
}

// emit prints v as JSON when asJSON is set, else the tables.
func emit(w io.Writer, asJSON bool, v any, tables ...report.Table) error {
	if asJSON {
		return report.JSON(w, v)
	}
	for _, t := range tables {
		if err := report.Print(w, t); err != nil {
			return err
		}
	}
	return nil
}
