package policies_test

import (
	"fmt"

	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/policies"
	"github.com/metabench/metabench/sim"
)

func ExampleExpert() {
	task := stack.MustParse("abc")
	env, err := stack.New(task, stack.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := env.Reset(7); err != nil {
		fmt.Println(err)
		return
	}
	expert := policies.NewNoisy(policies.NewExpert(sim.DefaultConfig()), policies.DefaultNoise)
	expert.Reset(task, 7)
	fmt.Println(policies.Rollout(env, expert, nil), "at stage", env.Progress())
	// Output: success at stage 2
}
