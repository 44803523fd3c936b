//go:build cgo

package main

import (
	"fmt"
	"io"

	"github.com/metabench/metabench/gui"
	"github.com/metabench/metabench/sim"
	"github.com/metabench/metabench/windowcli"
)

func runView(args []string, stdout io.Writer) error {
	cfg := sim.DefaultConfig()
	opts, err := windowcli.ParseView(args, stdout)
	if err != nil {
		return err
	}
	p, err := windowcli.Policies().New(opts.Policy, cfg)
	if err != nil {
		return windowcli.UsageError{Msg: "view: " + err.Error()}
	}
	v, err := gui.NewViewer(gui.ViewOptions{
		Tasks: opts.Tasks, Seed: opts.Seed, Policy: p, Config: &cfg,
		Width: opts.Width, Height: opts.Height, Speed: opts.Speed,
	})
	if err != nil {
		return err
	}
	c := &capture{Game: v, frames: opts.Frames, path: opts.Screenshot}
	if err := gui.Run(fmt.Sprintf("metabench view: %s", p.Name()), c, 0); err != nil {
		return err
	}
	if c.err != nil {
		return fmt.Errorf("view: %w", c.err)
	}
	if opts.Screenshot != "" {
		fmt.Fprintf(stdout, "wrote %s (%s, step %d, %s)\n", opts.Screenshot, v.Env().Task(), v.Env().Steps(), v.Env().Verdict())
	}
	return nil
}
