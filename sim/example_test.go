package sim_test

import (
	"bytes"
	"fmt"

	"github.com/metabench/metabench/sim"
)

// A snapshot restores a world exactly: stepping the original and the
// restored world with the same controls gives identical states.
func ExampleSnapshot() {
	start := sim.State{
		Blocks:  []sim.BodyState{{X: 0, Y: 0.5}, {X: 0, Y: 1.5}},
		Gripper: sim.GripperState{X: 3, Y: 5, Held: -1},
	}
	w, err := sim.NewWorld(sim.DefaultConfig(), start)
	if err != nil {
		fmt.Println(err)
		return
	}
	for range 20 {
		w.Step(sim.Control{VX: -1, VY: -1})
	}
	restored, err := sim.Restore(sim.DefaultConfig(), w.Snapshot())
	if err != nil {
		fmt.Println(err)
		return
	}
	for range 20 {
		w.Step(sim.Control{VX: -2})
		restored.Step(sim.Control{VX: -2})
	}
	a, _ := w.State().MarshalBinary()
	b, _ := restored.State().MarshalBinary()
	fmt.Println("identical:", bytes.Equal(a, b))
	// Output: identical: true
}
