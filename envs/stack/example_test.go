package stack_test

import (
	"fmt"

	"github.com/metabench/metabench/envs/stack"
)

func ExampleParse() {
	t, err := stack.Parse("ab cde")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(t.NumBlocks, "blocks,", t.NumStages(), "stages")
	for _, s := range t.Stages() {
		fmt.Printf("put %c on %c\n", stack.Letter(s.Block), stack.Letter(s.On))
	}
	_, err = stack.Parse("ac")
	fmt.Println(err)
	// Output:
	// 5 blocks, 3 stages
	// put a on b
	// put d on e
	// put c on d
	// task "ac": blocks must be a..c without gaps, b is missing
}

func ExampleEnv() {
	env, err := stack.New(stack.MustParse("ab"), stack.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := env.Reset(42); err != nil {
		fmt.Println(err)
		return
	}
	obs := env.Observe(nil)
	fmt.Println("observation length", len(obs))
	// Hold still until the time limit.
	for env.Step(stack.DiscreteAction{X: 5, Y: 5}.Control()) == stack.Running {
	}
	fmt.Println(env.Verdict(), "after", env.Steps(), "steps")
	// Output:
	// observation length 10
	// timeout after 220 steps
}
