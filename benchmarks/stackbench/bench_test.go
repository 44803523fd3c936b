package stackbench

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/sim"
)

// BenchmarkEnv replays a recorded expert episode through the environment
// and reports, from the same run, the multiple of real time and the ratio of
// the environment's wall time to the time spent inside Chipmunk.
func BenchmarkEnv(b *testing.B) {
	cfg := sim.DefaultConfig()
	for _, n := range []int{2, 6, 10} {
		b.Run(fmt.Sprintf("blocks=%d", n), func(b *testing.B) {
			task := stack.MustParse("abcdefghij"[:n])
			start, controls, err := RecordEpisode(task, cfg, 1)
			if err != nil {
				b.Fatal(err)
			}
			env, err := stack.New(task, stack.Options{TimeLimit: len(controls) + 1})
			if err != nil {
				b.Fatal(err)
			}
			var phys time.Duration
			steps := 0
			t0 := time.Now()
			for b.Loop() {
				if err := env.ResetTo(start, 1); err != nil {
					b.Fatal(err)
				}
				env.World().EnableTiming()
				for _, c := range controls {
					env.Step(c)
				}
				phys += env.World().PhysicsTime()
				steps += len(controls)
			}
			wall := time.Since(t0)
			b.ReportMetric(float64(steps)/wall.Seconds()/float64(cfg.ControlHz), "x-realtime")
			b.ReportMetric(wall.Seconds()/phys.Seconds(), "env/physics")
		})
	}
}

func TestExpertRowsDoNotDependOnWorkers(t *testing.T) {
	opt := ExpertOptions{
		Sets:     []TaskSet{{Label: "custom", Tasks: []stack.Task{stack.MustParse("ab c"), stack.MustParse("abc")}}},
		Episodes: 2,
		Noise:    []float64{0, 0.2},
		Seed:     3,
	}
	var results [2][]ExpertRow
	for i, w := range []int{1, 2} {
		opt.Workers = w
		rows, err := Expert(context.Background(), opt)
		if err != nil {
			t.Fatal(err)
		}
		results[i] = rows
	}
	if fmt.Sprint(results[0]) != fmt.Sprint(results[1]) {
		t.Fatalf("rows differ between 1 and 2 workers:\n%v\n%v", results[0], results[1])
	}
	if len(results[0]) != 4 || results[0][0].Episodes != 2 {
		t.Fatalf("unexpected rows %+v", results[0])
	}
}
