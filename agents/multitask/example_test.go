package multitask_test

import (
	"context"
	"fmt"

	"github.com/metabench/metabench/agents/multitask"
)

// Example trains a two-task pyramidal network on four fingerprints, with
// one missing label (-1), and reads its predicted probabilities.
func Example() {
	d := multitask.Data{Bits: 8,
		X: [][]int32{{0, 1}, {1, 2}, {5, 6}, {6, 7}},
		Y: [][]int8{{1, 1}, {1, -1}, {0, 0}, {0, 0}},
	}
	n, err := multitask.NewNet(multitask.NetConfig{Hidden: []int{16, 4}, Epochs: 200, Batch: 4, LR: 0.01}, 8, 2, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := n.Train(context.Background(), d, 1); err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range n.Predict(d) {
		fmt.Println(p[0] > 0.5)
	}
	// Output:
	// true
	// true
	// false
	// false
}
