package imitbench

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/metabench/metabench/benchmarks/suite"
	"github.com/metabench/metabench/envs/demos"
	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/policies/collect"
)

// specs returns the specs of tasks ts, as datasets record them.
func specs(ts []stack.Task) []string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = t.String()
	}
	return s
}

// dataset builds (or reuses, resumably) the profile's training dataset in
// the cache and returns its directory.
func dataset(ctx context.Context, o run) (string, error) {
	p := o.Profile
	key := suite.Key(struct {
		Tasks []string
		N     int
		Seed  uint64
		Noise float64
	}{specs(p.TrainTasks), p.Demos, o.Seed, p.DemoNoise})
	dir := filepath.Join(o.CacheDir, "imitation", "demos-"+key)
	// A complete dataset is only read: shards that start together on a
	// cluster all find the one their prepare stage built, and none of them
	// takes the writer's lock.
	if complete(dir) {
		return dir, nil
	}
	_, err := collect.Generate(ctx, collect.GenOptions{Dir: dir, Tasks: p.TrainTasks, Episodes: p.Demos, Seed: o.Seed, Noise: p.DemoNoise, Workers: o.Workers, Progress: o.Progress})
	if err != nil {
		return "", fmt.Errorf("demonstrations: %w", err)
	}
	return dir, nil
}

// complete reports whether dir holds a complete, verified dataset.
func complete(dir string) bool {
	ds, err := demos.Open(dir)
	if err != nil {
		return false
	}
	defer ds.Close()
	return ds.Info().Status == demos.StatusComplete
}
