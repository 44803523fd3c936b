package main

import (
	"github.com/metabench/metabench/benchmarks/nnbench"
	"github.com/metabench/metabench/benchmarks/slurm"
	"github.com/metabench/metabench/benchmarks/stackbench"
	"github.com/metabench/metabench/benchmarks/suite"
	"github.com/metabench/metabench/bridge"
	"github.com/metabench/metabench/internal/cli"
	"github.com/metabench/metabench/worldcli"
)

// registry lists the suites and speed benchmarks of the program, in the
// order `metabench bench` runs and lists them.
func registry() suite.Registry {
	var suites []*suite.Suite
	for _, s := range []*suite.Suite{imitationSuite(), nmtSuite(), densitySuite(), drugSuite()} {
		if s != nil {
			suites = append(suites, s)
		}
	}
	return suite.Registry{Suites: suites, Benches: benches()}
}

// benches are the speed benchmarks that are not suites.
func benches() []cli.Command {
	return append(stackbench.Commands(), nnbench.Command())
}

// commands is the whole command line: the registry's, the cluster's
// (benchmarks/slurm, docs/cluster.md), the bridge's (serve, docs/python.md),
// then the tools of the block-stacking world.
func commands() ([]cli.Command, error) {
	r := registry()
	cmds, err := r.Commands()
	if err != nil {
		return nil, err
	}
	cmds = append(cmds, slurm.Command(r), bridge.Command())
	return append(cmds, worldcli.Commands()...), nil
}
