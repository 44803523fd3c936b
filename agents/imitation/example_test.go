package imitation_test

import (
	"fmt"

	"github.com/metabench/metabench/agents/imitation"
	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/sim"
)

// A policy is conditioned on one demonstration of a task and then acts
// from a new start configuration of the same task.
func Example() {
	arch := imitation.DefaultArch(imitation.CondFull)
	arch.Width, arch.AttDim, arch.Hidden = 16, 16, []int{32} // tiny, for the example
	m, err := imitation.NewModel(arch, 1)
	if err != nil {
		panic(err)
	}
	cfg := sim.DefaultConfig()
	task := stack.MustParse("ab c")
	demos, err := imitation.RecordDemos(task, cfg, 42, 0, 1, 0.2)
	if err != nil {
		panic(err)
	}
	p := imitation.NewPolicy(m, cfg, imitation.PolicyOptions{})
	p.Condition(task, demos)
	env, _ := stack.New(task, stack.Options{Config: &cfg})
	env.Reset(7)
	p.Act(env.State())
	fmt.Println("context size:", arch.ContextSize(), "blocks weighted:", len(p.BlockWeights()))
	// Output: context size: 96 blocks weighted: 3
}
