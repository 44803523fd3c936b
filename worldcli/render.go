package worldcli

import (
	"context"
	"errors"
	"fmt"

	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/envs/stack/hud"
	"github.com/metabench/metabench/internal/cli"
	"github.com/metabench/metabench/policies"
	"github.com/metabench/metabench/policies/collect"
	"github.com/metabench/metabench/sim"
	"github.com/metabench/metabench/sim/render"
)

// Bounds of render's flags.
const (
	renderMinSize, renderMaxSize   = 64, 4096
	renderMinSpeed, renderMaxSpeed = 0.1, 20.0
)

// runRender is `metabench render`: the expert's rollout of one task.
func runRender(ctx context.Context, e cli.Env, args []string) error {
	fs := cli.NewFlags("render")
	spec := fs.String("task", "", "task spec, e.g. \"ab cde\" (required)")
	seed := cli.Seed(fs, "the reset")
	noise := fs.Float64("noise", 0, fmt.Sprintf("demonstration noise scale (0: clean expert; at most %g)", collect.MaxNoise))
	gifPath := fs.String("gif", "", "write the rollout as an animated GIF here")
	pngPath := fs.String("png", "", "write a still of the final state here")
	width := fs.Int("width", 640, fmt.Sprintf("image width in pixels (%d to %d)", renderMinSize, renderMaxSize))
	height := fs.Int("height", 400, fmt.Sprintf("image height in pixels (%d to %d)", renderMinSize, renderMaxSize))
	speed := fs.Float64("speed", 2, fmt.Sprintf("GIF playback speed relative to real time (%g to %g)", renderMinSpeed, renderMaxSpeed))
	if err := cli.ParseOnly(fs, e.Stdout, args); err != nil {
		return err
	}
	switch {
	case *spec == "":
		return cli.Usagef("render: --task is required")
	case *gifPath == "" && *pngPath == "":
		return cli.Usagef("render: give --gif OUT and/or --png OUT")
	}
	err := cli.NewCheck("render").
		Int("width", *width, renderMinSize, renderMaxSize).
		Int("height", *height, renderMinSize, renderMaxSize).
		Float("speed", *speed, renderMinSpeed, renderMaxSpeed).
		Float("noise", *noise, 0, collect.MaxNoise).Err()
	if err != nil {
		return err
	}
	t, err := stack.Parse(*spec)
	if err != nil {
		return cli.Usagef("render: --task %q: %v", *spec, err)
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
	// Frames go into the GIF as they are drawn: only the changes are kept.
	delay := max(2, int(100/(float64(cfg.ControlHz)**speed)+0.5))
	anim, err := render.NewGIF(delay)
	if err != nil {
		return err
	}
	for {
		if err := ctx.Err(); err != nil {
			return renderInterrupted(err)
		}
		if *gifPath != "" {
			if err := anim.Add(r.Frame(*env.State(), hud.Overlay(env, p.Name()))); err != nil {
				return fmt.Errorf("render: %w", err)
			}
		}
		if env.Verdict() != stack.Running {
			break
		}
		env.Step(p.Act(env.State()))
	}
	if *gifPath != "" {
		// Hold the last frame for a second so the verdict can be read.
		last := r.Frame(*env.State(), hud.Overlay(env, p.Name()))
		for range int(float64(cfg.ControlHz) * *speed) {
			if err := anim.Add(last); err != nil {
				return fmt.Errorf("render: %w", err)
			}
		}
		if err := ctx.Err(); err != nil {
			return renderInterrupted(err)
		}
		if err := anim.WriteFile(*gifPath); err != nil {
			return fmt.Errorf("render: %w", err)
		}
		fmt.Fprintf(e.Stdout, "wrote %s (%d frames, %s after %.1f s)\n", *gifPath, anim.Frames(), env.Verdict(), float64(env.Steps())*cfg.ControlDt())
	}
	if *pngPath != "" {
		if err := render.WritePNG(*pngPath, r.Frame(*env.State(), hud.Overlay(env, p.Name()))); err != nil {
			return fmt.Errorf("render: %w", err)
		}
		fmt.Fprintf(e.Stdout, "wrote %s (%s after %.1f s)\n", *pngPath, env.Verdict(), float64(env.Steps())*cfg.ControlDt())
	}
	return nil
}

// renderInterrupted words an interrupt: render writes its files only at the
// end, so nothing was written.
func renderInterrupted(err error) error {
	if errors.Is(err, context.Canceled) {
		return errors.New("render: interrupted before the rollout was finished; no file was written: run it again")
	}
	return fmt.Errorf("render: %w", err)
}
