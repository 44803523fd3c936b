//go:build cgo

package main

import (
	"fmt"
	"io"

	"github.com/metabench/metabench/agents/imitation"
	"github.com/metabench/metabench/benchmarks/imitbench"
	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/gui"
	"github.com/metabench/metabench/policies"
	"github.com/metabench/metabench/policies/factory"
	"github.com/metabench/metabench/sim"
)

func runView(args []string, stdout io.Writer) error {
	cfg := sim.DefaultConfig()
	registry := factory.Standard(loadEpisodes)
	registry.Register("model", "model:DIR", func(dir string, cfg sim.Config) (policies.Policy, error) {
		// Condition on demonstrations as noisy as the benchmarks' training data.
		return imitation.LoadPolicy(dir, cfg, imitation.PolicyOptions{Noise: imitbench.DemoNoise})
	})
	fs := newFlags("view")
	var tasks stringList
	fs.Var(&tasks, "task", "task spec, e.g. \"ab cde\" (repeatable: n cycles through them; with one, n goes on through --split)")
	split := fs.String("split", "train", "the tasks n goes through when fewer than two --task are given (train or test)")
	seed := fs.Uint64("seed", 1, "reset seed of the first episode (r draws new ones from it)")
	policy := fs.String("policy", "expert", "policy: "+registry.Usage())
	speed := fs.Float64("speed", 1, "playback speed, a multiple of real time (0.25 to 32)")
	width := fs.Int("width", 960, "frame width in pixels")
	height := fs.Int("height", 600, "frame height in pixels")
	frames := fs.Int("frames", 0, "quit after this many frames (0: run until Esc)")
	shot := fs.String("screenshot", "", "with --frames: save the last frame as a PNG here")
	if err := parseFlags(fs, stdout, args); err != nil {
		return err
	}
	if err := checkSize("view", *width, *height); err != nil {
		return err
	}
	if *frames < 0 || (*shot != "" && *frames == 0) {
		return usagef("view: --screenshot needs --frames N > 0")
	}
	if *speed < 0.25 || *speed > 32 {
		return usagef("view: --speed %g out of range 0.25..32", *speed)
	}
	var list []stack.Task
	for _, spec := range tasks {
		t, err := stack.Parse(spec)
		if err != nil {
			return usageError{"view: " + err.Error()}
		}
		list = append(list, t)
	}
	if len(list) <= 1 {
		// No task, or one: n goes on through the split's tasks.
		s, err := stack.ParseSplit(*split)
		if err != nil {
			return usageError{"view: " + err.Error()}
		}
		for _, t := range stack.Tasks(s) {
			if len(list) == 0 || t.String() != list[0].String() {
				list = append(list, t)
			}
		}
	}
	p, err := registry.New(*policy, cfg)
	if err != nil {
		return usageError{"view: " + err.Error()}
	}
	v, err := gui.NewViewer(gui.ViewOptions{
		Tasks: list, Seed: *seed, Policy: p, Config: &cfg,
		Width: *width, Height: *height, Speed: *speed,
	})
	if err != nil {
		return err
	}
	c := &capture{Game: v, frames: *frames, path: *shot}
	if err := gui.Run(fmt.Sprintf("metabench view: %s", p.Name()), c, 0); err != nil {
		return err
	}
	if c.err != nil {
		return fmt.Errorf("view: %w", c.err)
	}
	if *shot != "" {
		fmt.Fprintf(stdout, "wrote %s (%s, step %d, %s)\n", *shot, v.Env().Task(), v.Env().Steps(), v.Env().Verdict())
	}
	return nil
}
