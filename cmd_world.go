package main

import (
	"context"
	"encoding/json"
	"flag"

	"github.com/metabench/metabench/benchmarks/imitbench"
	"github.com/metabench/metabench/benchmarks/report"
	"github.com/metabench/metabench/benchmarks/suite"
	"github.com/metabench/metabench/internal/cli"
)

// worldCommands are the tools of the block-stacking world.
func worldCommands() []cli.Command {
	return []cli.Command{
		{Name: "demos", Summary: "generate, replay, inspect and export demonstration datasets", Run: runDemos},
		{Name: "render", Summary: "render an expert rollout to an animated GIF or a PNG", Run: runRender},
		{Name: "view", Summary: "watch a rollout in a window", Run: runView},
		{Name: "record", Summary: "record demonstrations with the keyboard in a window", Run: runRecord},
	}
}

// benches are the speed benchmarks that are not suites.
func benches() []cli.Command {
	return []cli.Command{
		{Name: "sim", Summary: "physics speed against real time by number of blocks", Run: func(_ context.Context, e cli.Env, args []string) error { return benchSim(e, args) }},
		{Name: "demos", Summary: "demonstration generation speed on 1 and 2 workers", Run: benchDemos},
		{Name: "expert", Summary: "the expert's success by number of stages, with and without noise", Run: benchExpert},
		{Name: "nn", Summary: "network engine speed (--torch: against PyTorch, same run)", Run: benchNN},
	}
}

// noArgs rejects stray positional arguments.
func noArgs(fs *flag.FlagSet, rest []string) error {
	if len(rest) > 0 {
		return cli.Usagef("%s: unexpected argument %q", fs.Name(), rest[0])
	}
	return nil
}

// emit prints v as JSON when asJSON is set, else the tables.
func emit(e cli.Env, asJSON bool, v any, tables ...report.Table) error {
	if asJSON {
		return report.JSON(e.Stdout, v)
	}
	for _, t := range tables {
		if err := report.Print(e.Stdout, t); err != nil {
			return err
		}
	}
	return nil
}

func imitationSuite() *suite.Suite { return imitbench.Suite() }

var _ = json.Marshal
