package main

import (
	"github.com/metabench/metabench/benchmarks/slurm"
	"github.com/metabench/metabench/benchmarks/suite"
	"github.com/metabench/metabench/internal/cli"
)

// slurmCommand is `metabench slurm SUITE`: the suite's full profile as a
// Slurm job array with a prepare and a merge job (benchmarks/slurm,
// docs/cluster.md).
func slurmCommand(r suite.Registry) cli.Command { return slurm.Command(r) }
