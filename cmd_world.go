package main

import (
	"github.com/metabench/metabench/benchmarks/imitbench"
	"github.com/metabench/metabench/benchmarks/nnbench"
	"github.com/metabench/metabench/benchmarks/stackbench"
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
	return append(stackbench.Commands(), nnbench.Command())
}

// imitationSuite returns the one-shot imitation suite.
func imitationSuite() *suite.Suite { return imitbench.New() }
