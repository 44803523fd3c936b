package slurm_test

import (
	"fmt"

	"github.com/metabench/metabench/benchmarks/slurm"
)

// A plan of 4 shards with a one-hour limit, and its merge job's script.
func ExamplePlan_Scripts() {
	p := slurm.Plan{
		Suite: "imitation", Profile: "full", Shards: 4, Seed: 1, Prepare: true,
		Binary: "/opt/metabench/bin/metabench", Dir: "/shared/runs/imitation-full", Cache: "/shared/cache",
		Res: slurm.Resources{Time: "1:00:00"},
	}
	if err := p.Check(); err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range p.Scripts() {
		if s.Name == slurm.MergeScript {
			fmt.Print(s.Content)
		}
	}
	// Output:
	// #!/bin/bash
	// # metabench imitation, profile full: merge the reports of the 4 shards into the tables of one run.
	// # Written by `metabench slurm`; run that again rather than edit this file.
	// #SBATCH --job-name=metabench-imitation-full-merge
	// #SBATCH --output=/shared/runs/imitation-full/logs/merge-%j.out
	// #SBATCH --time=1:00:00
	// set -euo pipefail
	// bin='/opt/metabench/bin/metabench'
	// results='/shared/runs/imitation-full/results'
	// # The merge refuses a missing or duplicate shard and names it.
	// args=()
	// for ((i = 0; i < 4; i++)); do args+=(--merge "$results/shard-$i"); done
	// exec "$bin" bench 'imitation' "${args[@]}" --out "$results/merged"
}
