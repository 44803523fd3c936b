package density_test

import (
	"context"
	"fmt"
	"math"

	"github.com/metabench/metabench/agents/density"
	"github.com/metabench/metabench/envs/images"
)

// Train an attention PixelCNN briefly on one-shot flipping and score held-out
// episodes in nats per dimension (ln 2 is a coin per pixel).
func Example() {
	task := images.Flip{Side: 8}
	m, err := density.New(density.Config{Kind: density.Attention, H: 8, W: 8, Layers: 2, Channels: 8, FirstKernel: 3,
		EncChannels: 8, KeyDim: 8, Pool: 1, MaxSupport: 1}, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	tc := density.TrainConfig{Steps: 30, Batch: 8, LR: 3e-3, Supports: []int{1}, Seed: 1, Chunks: 2}
	if _, err := density.Train(context.Background(), m, task, tc, nil); err != nil {
		fmt.Println(err)
		return
	}
	nats, err := density.Evaluate(context.Background(), m, task, images.TestSplit, 1, 2, 0, 16, 8, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	var mean float64
	for _, v := range nats {
		mean += v / float64(len(nats))
	}
	fmt.Println("episodes:", len(nats), "better than a coin:", mean < math.Ln2)
	// Output: episodes: 16 better than a coin: true
}
