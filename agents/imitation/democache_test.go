package imitation

import (
	"context"
	"reflect"
	"testing"

	"github.com/metabench/metabench/envs/stack"
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
