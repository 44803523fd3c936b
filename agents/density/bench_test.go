package density

import (
	"context"
	"testing"

	"github.com/metabench/metabench/envs/images"
)

// The Go benchmarks of the density models at the quick profile's size
// (26×26 characters, 5 layers × 24 channels; the meta kinds take two inner
// steps, as in the quick profile): training images/s and
// ancestral samples/s, cached against naive.
func benchModel(b *testing.B, kind string) (*Model[float32], images.Source) {
	b.Helper()
	set, err := images.Characters(images.CharacterConfig{Side: 26, Alphabets: 6, TestAlphabets: 1, Characters: 5, Drawers: 20}, 1)
	if err != nil {
		b.Fatal(err)
	}
	m, err := New(Config{Kind: kind, H: 26, W: 26, Layers: 5, Channels: 24, FirstKernel: 5, EncChannels: 24,
		CondDim: 64, KeyDim: 16, Pool: 2, MaxSupport: 8, InnerLR: 0.5, InnerSteps: 2}, 1)
	if err != nil {
		b.Fatal(err)
	}
	return m, set
}

func BenchmarkTrain(b *testing.B) {
	for _, kind := range Kinds() {
		b.Run(kind, func(b *testing.B) {
			m, set := benchModel(b, kind)
			tc := TrainConfig{Steps: 1, Batch: 16, LR: 1e-3, Supports: []int{4}, Seed: 1, Chunks: 2}
			if kind == Meta {
				tc.Batch, tc.Chunks = 4, 2
			}
			for b.Loop() {
				if _, err := Train(context.Background(), m, set, tc, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*tc.Batch)/b.Elapsed().Seconds(), "images/s")
		})
	}
}

func BenchmarkSample(b *testing.B) {
	for _, naive := range []bool{false, true} {
		name := "cached"
		if naive {
			name = "naive"
		}
		b.Run(name, func(b *testing.B) {
			m, set := benchModel(b, Attention)
			bt, err := MakeBatch[float32](set, images.TestSplit, 1, 1, 0, 4)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := m.Sample(bt.Support, 4, 1, SampleOpts{Seed: 1, Naive: naive}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*4)/b.Elapsed().Seconds(), "samples/s")
		})
	}
}
