package nnbench

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCompareInterleavesRounds runs the comparison against a fake Python
// that logs each call and reports PyTorch speeds 10, 20, 30 in turn: the
// engine and the reference alternate, and the ratio is the median of the
// per-round ratios.
func TestCompareInterleavesRounds(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "calls")
	fake := filepath.Join(dir, "python")
	script := `#!/bin/sh
n=$(wc -l < "` + log + `" 2>/dev/null || echo 0)
echo call >> "` + log + `"
echo "{\"torch_version\":\"fake\",\"mlp_steps_per_s\":$(( (n + 1) * 10 ))}"
`
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(log, nil, 0o644)
	c, err := Compare(context.Background(), Options{Duration: 20 * time.Millisecond, MinIters: 1, Models: []string{"mlp"}, Seed: 1}, fake, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Rounds) != 3 || len(c.Ratios) != 1 {
		t.Fatalf("%d rounds, %d ratios", len(c.Rounds), len(c.Ratios))
	}
	r := c.Ratios[0]
	var ratios []float64
	for i, round := range c.Rounds {
		if want := float64(10 * (i + 1)); round.Torch.MLPStepsPerSec != want {
			t.Fatalf("round %d paired with reference call %v", i, round.Torch.MLPStepsPerSec)
		}
		ratios = append(ratios, round.Engine.Train[0].StepsPerSec/round.Torch.MLPStepsPerSec)
	}
	if r.Median != median(ratios) || r.RoundsCount != 3 || r.Min > r.Median || r.Max < r.Median {
		t.Fatalf("ratio %+v from per-round ratios %v", r, ratios)
	}
	if c.Models["mlp"] != r {
		t.Fatalf("ratio by name %+v, in the list %+v", c.Models["mlp"], r)
	}
	if b, _ := os.ReadFile(log); strings.Count(string(b), "call") != 3 {
		t.Fatalf("the reference ran %d times", strings.Count(string(b), "call"))
	}
}
