package imitation

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/nn"
)

// TestDemoCacheSameResults evaluates two models with and without a shared
// demonstration cache: the results must be the same, and the second model
// must find every demonstration in the cache.
func TestDemoCacheSameResults(t *testing.T) {
	tasks := []stack.Task{stack.MustParse("ab"), stack.MustParse("ab c")}
	var cache DemoCache
	for seed := range uint64(2) {
		m, err := NewModel(smallArch(CondFull), seed+1)
		if err != nil {
			t.Fatal(err)
		}
		opt := EvalOptions{Tasks: tasks, Episodes: 2, Seed: 5, DemoSeed: 6, Noise: 0.5, Workers: 2}
		plain, err := Evaluate(context.Background(), m, opt)
		if err != nil {
			t.Fatal(err)
		}
		opt.Demos = &cache
		cached, err := Evaluate(context.Background(), m, opt)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(plain, cached) {
			t.Fatalf("model %d: results differ with the cache:\n%+v\n%+v", seed, plain, cached)
		}
		if n := len(cache.m); n != len(tasks)*2 {
			t.Fatalf("model %d: %d cached entries, want %d", seed, n, len(tasks)*2)
		}
	}
}

// TestInferenceSameLogits: the acting copy, with the normalised weights
// precomputed, gives the model's logits bit for bit.
func TestInferenceSameLogits(t *testing.T) {
	m, err := NewModel(DefaultArch(CondFull), 3)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range m.MLP { // gains away from their initial norms
		for j := range l.G.Value {
			l.G.Value[j] *= 1 + 0.01*float32(i+j%7)
		}
	}
	d := fixture(t)[1].Demos[0]
	B := d.Blocks
	run := func(net *Model) []float32 {
		tp := nn.NewTape[f32]()
		tp.SetNoGrad(true)
		emb := net.DemoEmbedding(tp, m.Arch.Frames(d, nil), B)
		return slices.Clone(net.Logits(tp, emb, d.Obs[:5], B, nil).Data)
	}
	want, got := run(m), run(m.inference())
	if !slices.Equal(want, got) {
		t.Fatalf("logits differ:\n%v\n%v", want[:8], got[:8])
	}
}
