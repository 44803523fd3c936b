package nnbench

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestComparePairsTimings runs the comparison against a fake reference
// server whose n-th timing request reports n steps in one second of wall
// time and half a second of CPU: per round and model it gets a warm-up
// request and then [repeats] timed ones in turn with the engine's, so
// round r's reference rate is the median 6r+4, and the ratio is the
// median of the per-round ratios.
func TestComparePairsTimings(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "python")
	script := `#!/bin/sh
echo '{"torch_version":"fake","threads":1,"openblas_num_threads":1}'
n=0
while read line; do
  n=$((n + 1))
  echo "{\"bench\":\"mlp\",\"calls\":$n,\"wall\":1,\"cpu\":0.5}"
done
`
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	c, err := Compare(context.Background(), Options{Duration: 20 * time.Millisecond, Models: []string{"mlp"}, NoMatMul: true, Seed: 1}, fake, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Rounds) != 3 || len(c.Ratios) != 1 || c.Torch != "fake" {
		t.Fatalf("%d rounds, %d ratios, torch %q", len(c.Rounds), len(c.Ratios), c.Torch)
	}
	r := c.Ratios[0]
	var ratios []float64
	for i, round := range c.Rounds {
		steps, _ := round.Torch.StepsPerSec("mlp")
		cpu, _ := round.Torch.CPUStepsPerSec("mlp")
		if want := float64(6*i + 4); steps != want || cpu != 2*want {
			t.Fatalf("round %d: reference %v steps/s, %v per CPU second; want %v, %v", i, steps, cpu, want, 2*want)
		}
		e := round.Engine.Train[0]
		if e.Name != "mlp" || !(e.StepsPerSec > 0) || e.Steps < repeats {
			t.Fatalf("round %d: engine %+v", i, e)
		}
		ratios = append(ratios, e.StepsPerSec/steps)
	}
	if r.Median != median(ratios) || r.RoundsCount != 3 || r.Min > r.Median || r.Max < r.Median {
		t.Fatalf("ratio %+v from per-round ratios %v", r, ratios)
	}
	if c.Models["mlp"] != r {
		t.Fatalf("ratio by name %+v, in the list %+v", c.Models["mlp"], r)
	}
}

// TestCompareReportsReferenceFailure: a reference that dies gives an
// error that says why.
func TestCompareReportsReferenceFailure(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "python")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho 'ModuleNotFoundError: no torch' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := Compare(context.Background(), Options{Duration: time.Millisecond, Models: []string{"lstm"}, NoMatMul: true, Seed: 1}, fake, 1, 1)
	if err == nil || !strings.Contains(err.Error(), "no torch") {
		t.Fatalf("error %v, want the reference's message", err)
	}
}
