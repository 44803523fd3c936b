package demos_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"

	"github.com/metabench/metabench/envs/demos"
)

// rollout stands for a simulator episode: a gripper at x moving right
// until it reaches 1. Attempt 1 fails.
func rollout(u demos.Unit) *demos.Episode {
	ep := &demos.Episode{Task: u.Task, Index: u.Index, Seed: uint64(100 + u.Index),
		Source: demos.SourceExpert, Outcome: demos.OutcomeSuccess, ObsDim: 1, ActDim: 1}
	x := float32(u.Index) / 10
	ep.Obs = append(ep.Obs, x)
	ep.States = append(ep.States, demos.StateRecord{Step: 0, Data: []byte{byte(u.Index)}})
	for x < 1 {
		ep.Actions = append(ep.Actions, 0.25)
		ep.ExpertActions = append(ep.ExpertActions, 0.25)
		x += 0.25
		ep.Obs = append(ep.Obs, x)
	}
	if u.Index == 1 {
		ep.Outcome = demos.OutcomeManipulationFailure
	}
	return ep
}

func Example() {
	dir, err := os.MkdirTemp("", "demos-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// Generate: two successful episodes of task "ab" within four attempts.
	w, err := demos.Create(dir, demos.Config{
		Kind:     "stack",
		Settings: json.RawMessage(`{"seed": 1, "noise": 0.1}`),
		Tasks:    []demos.TaskPlan{{Task: "ab", Episodes: 2, Attempts: 4}},
	})
	if err != nil {
		log.Fatal(err)
	}
	for { // run this loop in as many goroutines as there are cores
		u, ok := w.Next(context.Background())
		if !ok {
			break
		}
		if err := w.Add(rollout(u)); err != nil {
			log.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}

	// Read.
	d, err := demos.Open(dir)
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()
	for ep, err := range d.Episodes("ab") {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s #%d seed %d: %d steps, %s\n", ep.Task, ep.Index, ep.Seed, ep.Steps(), ep.Outcome)
	}
	info := d.Info()
	fmt.Printf("%d episodes, %d steps, %d discarded\n", info.Episodes, info.Steps, info.Discarded)
	// Output:
	// ab #0 seed 100: 4 steps, success
	// ab #2 seed 102: 4 steps, success
	// 2 episodes, 8 steps, 1 discarded
}
