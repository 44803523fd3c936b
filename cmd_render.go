package main

import (
	"context"
	"fmt"
	"image"

	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/internal/cli"
	"github.com/metabench/metabench/internal/hud"
	"github.com/metabench/metabench/policies"
	"github.com/metabench/metabench/sim"
	"github.com/metabench/metabench/sim/render"
)

func runRender(_ context.Context, e cli.Env, args []string) error {
	fs := cli.NewFlags("render")
	spec := fs.String("task", "", "task spec, e.g. \"ab cde\" (required)")
	seed := fs.Uint64("seed", 1, "reset seed")
	noise := fs.Float64("noise", 0, "demonstration noise scale (0: clean expert)")
	gifPath := fs.String("gif", "", "write the rollout as an animated GIF here")
	pngPath := fs.String("png", "", "write a still of the final state here")
	width := fs.Int("width", 640, "image width in pixels")
	height := fs.Int("height", 400, "image height in pixels")
	speed := fs.Float64("speed", 2, "GIF playback speed relative to real time")
	if err := cli.ParseOnly(fs, e.Stdout, args); err != nil {
		return err
	}
	switch {
	case *spec == "":
		return cli.Usagef("render: --task is required")
	case *gifPath == "" && *pngPath == "":
		return cli.Usagef("render: give --gif OUT and/or --png OUT")
	case *width < 64 || *height < 64 || *width > 4096 || *height > 4096:
		return cli.Usagef("render: image size %dx%d out of range 64..4096", *width, *height)
	case *speed <= 0:
		return cli.Usagef("render: --speed must be positive")
	case *noise < 0:
		return cli.Usagef("render: --noise must be non-negative")
	}
	t, err := stack.Parse(*spec)
	if err != nil {
		return cli.UsageError{Msg: err.Error()}
	}
	cfg := sim.DefaultConfig()
	env, err := stack.New(t, stack.Options{Config: &cfg})
	if err != nil {
		return err
	}
	if err := env.Reset(*seed); err != nil {
		return err
	}
	var p policies.Policy = policies.NewExpert(cfg)
	if *noise > 0 {
		p = policies.NewNoisy(p, *noise)
	}
	p.Reset(t, *seed)
	r := render.New(cfg, render.Options{Width: *width, Height: *height})
	var frames []*image.RGBA
	for {
		if *gifPath != "" {
			frames = append(frames, r.Frame(*env.State(), hud.Overlay(env, p.Name())))
		}
		if env.Verdict() != stack.Running {
			break
		}
		env.Step(p.Act(env.State()))
	}
	if *gifPath != "" {
		// Hold the last frame for a second so the verdict can be read.
		for range int(float64(cfg.ControlHz) * *speed) {
			frames = append(frames, frames[len(frames)-1])
		}
		delay := max(2, int(100/(float64(cfg.ControlHz)**speed)+0.5))
		if err := render.WriteGIFFile(*gifPath, frames, delay); err != nil {
			return fmt.Errorf("render: %w", err)
		}
		fmt.Fprintf(e.Stdout, "wrote %s (%d frames, %s after %.1f s)\n", *gifPath, len(frames), env.Verdict(), float64(env.Steps())*cfg.ControlDt())
	}
	if *pngPath != "" {
		if err := render.WritePNG(*pngPath, r.Frame(*env.State(), hud.Overlay(env, p.Name()))); err != nil {
			return fmt.Errorf("render: %w", err)
		}
		fmt.Fprintf(e.Stdout, "wrote %s (%s after %.1f s)\n", *pngPath, env.Verdict(), float64(env.Steps())*cfg.ControlDt())
	}
	return nil
}
