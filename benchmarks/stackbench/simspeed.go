package stackbench

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/metabench/metabench/benchmarks/report"
	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/policies"
	"github.com/metabench/metabench/sim"
)

// SimRow is the simulation speed for one block count.
type SimRow struct {
	Blocks             int     `json:"blocks"`
	Task               string  `json:"task"`
	ControlStepsPerSec float64 `json:"control_steps_per_s"`
	PhysicsStepsPerSec float64 `json:"physics_steps_per_s"`
	RealTimeFactor     float64 `json:"real_time_factor"`
	EnvOverPhysics     float64 `json:"env_over_physics"` // wall time of env steps / time inside the engine
	Repeats            int     `json:"repeats"`
}

// SimOptions configure SimSpeed.
type SimOptions struct {
	Blocks  []int         // block counts; each scene is a one-tower task of that many blocks
	Budget  time.Duration // wall time per measurement
	Repeats int           // measurements per block count; the median is reported
	Seed    uint64
}

// RecordEpisode runs the expert on t from the reset state of seed and
// returns that state and the controls it applied.
func RecordEpisode(t stack.Task, cfg sim.Config, seed uint64) (sim.State, []sim.Control, error) {
	env, err := stack.New(t, stack.Options{Config: &cfg})
	if err != nil {
		return sim.State{}, nil, err
	}
	start := stack.InitialState(t, cfg, seed)
	if err := env.ResetTo(start, seed); err != nil {
		return sim.State{}, nil, err
	}
	ex := policies.NewExpert(cfg)
	ex.Reset(t, seed)
	var controls []sim.Control
	policies.Rollout(env, ex, func(_ *sim.State, c sim.Control) { controls = append(controls, c) })
	return start, controls, nil
}

// SimSpeed measures the environment on one core: a recorded expert episode
// is replayed through stack.Env (world, layout reading, verdicts) again and
// again, and the time inside the physics engine is measured in the same run.
// The policy's own cost is not included.
func SimSpeed(opt SimOptions) ([]SimRow, error) {
	return SimSpeedContext(context.Background(), opt)
}

// SimSpeedContext is SimSpeed stopping, with ctx's error, when ctx is
// cancelled.
func SimSpeedContext(ctx context.Context, opt SimOptions) ([]SimRow, error) {
	cfg := sim.DefaultConfig()
	var rows []SimRow
	for _, n := range opt.Blocks {
		if n < 2 || n > sim.MaxBlocks {
			return nil, fmt.Errorf("sim benchmark: %d blocks, want 2 to %d", n, sim.MaxBlocks)
		}
		t, err := stack.Parse("abcdefghij"[:n])
		if err != nil {
			return nil, err
		}
		start, controls, err := RecordEpisode(t, cfg, opt.Seed)
		if err != nil {
			return nil, fmt.Errorf("sim benchmark: %w", err)
		}
		env, err := stack.New(t, stack.Options{Config: &cfg, TimeLimit: len(controls) + 1})
		if err != nil {
			return nil, err
		}
		var ctrlRates, ratios []float64
		for range max(opt.Repeats, 1) {
			steps := 0
			var phys time.Duration
			t0 := time.Now()
			for time.Since(t0) < opt.Budget || steps == 0 {
				if err := ctx.Err(); err != nil {
					return nil, fmt.Errorf("sim benchmark: %w", err)
				}
				if err := env.ResetTo(start, opt.Seed); err != nil {
					return nil, err
				}
				env.World().EnableTiming()
				for _, c := range controls {
					env.Step(c)
				}
				steps += len(controls)
				phys += env.World().PhysicsTime()
			}
			wall := time.Since(t0)
			ctrlRates = append(ctrlRates, float64(steps)/wall.Seconds())
			ratios = append(ratios, wall.Seconds()/phys.Seconds())
		}
		rate := median(ctrlRates)
		rows = append(rows, SimRow{
			Blocks:             n,
			Task:               t.String(),
			ControlStepsPerSec: rate,
			PhysicsStepsPerSec: rate * float64(cfg.Substeps()),
			RealTimeFactor:     rate / float64(cfg.ControlHz),
			EnvOverPhysics:     median(ratios),
			Repeats:            len(ctrlRates),
		})
	}
	return rows, nil
}

// median is the middle of xs, the mean of the two middle values for an
// even count (as NumPy's): gonum's stat.Quantile picks one of them.
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// SimTable formats SimSpeed rows.
func SimTable(rows []SimRow) report.Table {
	t := report.Table{
		Title:  "Simulation speed, one core (median of repeats; expert episodes replayed through the environment)",
		Header: []string{"blocks", "task", "control steps/s", "physics steps/s", "× real time", "env / physics time"},
	}
	for _, r := range rows {
		t.Rows = append(t.Rows, []string{
			strconv.Itoa(r.Blocks), r.Task,
			fmt.Sprintf("%.0f", r.ControlStepsPerSec), fmt.Sprintf("%.0f", r.PhysicsStepsPerSec),
			fmt.Sprintf("%.0f", r.RealTimeFactor), fmt.Sprintf("%.3f", r.EnvOverPhysics),
		})
	}
	return t
}
