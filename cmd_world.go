package main

import (
	"github.com/metabench/metabench/benchmarks/imitbench"
	"github.com/metabench/metabench/benchmarks/nnbench"
	"github.com/metabench/metabench/benchmarks/stackbench"
	"github.com/metabench/metabench/benchmarks/suite"
	"github.com/metabench/metabench/internal/cli"
)

// benches are the speed benchmarks that are not suites.
func benches() []cli.Command {
	return append(stackbench.Commands(), nnbench.Command())
}

// imitationSuite returns the one-shot imitation suite.
func imitationSuite() *suite.Suite { return imitbench.Suite() }
