//go:build cgo

package main

import (
	"fmt"
	"io"
	"time"

	"github.com/metabench/metabench/envs/stack"
	"github.com/metabench/metabench/gui"
	"github.com/metabench/metabench/sim"
)

func runRecord(args []string, stdout io.Writer) error {
	cfg := sim.DefaultConfig()
	fs := newFlags("record")
	spec := fs.String("task", "", "task spec, e.g. \"ab\" (required)")
	dir := fs.String("dir", "", "dataset directory to append the episodes to, created if missing (required)")
	seed := fs.Uint64("seed", 0, "base reset seed of the session's episodes (0: from the clock)")
	saveFailures := fs.Bool("save-failures", false, "also save episodes that did not succeed")
	width := fs.Int("width", 960, "frame width in pixels")
	height := fs.Int("height", 600, "frame height in pixels")
	if err := parseFlags(fs, stdout, args); err != nil {
		return err
	}
	switch {
	case *spec == "":
		return usagef("record: --task is required")
	case *dir == "":
		return usagef("record: --dir is required (the dataset to append to)")
	}
	if err := checkSize("record", *width, *height); err != nil {
		return err
	}
	t, err := stack.Parse(*spec)
	if err != nil {
		return usageError{"record: " + err.Error()}
	}
	if *seed == 0 {
		*seed = uint64(time.Now().UnixNano())
	}
	saver, err := openSaver(*dir, cfg)
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	r, err := gui.NewRecorder(gui.RecordOptions{
		Task: t, Seed: *seed, SaveFailures: *saveFailures, Saver: saver, Config: &cfg,
		Width: *width, Height: *height,
	})
	if err != nil {
		return err
	}
	if err := gui.Run(fmt.Sprintf("metabench record: %s → %s", t, *dir), r, 0); err != nil {
		return err
	}
	s := r.Session()
	fmt.Fprintf(stdout, "recorded %q with seed %d: %d saved to %s, %d discarded, %d saves refused\n", t.String(), *seed, s.Saved, *dir, s.Discarded, s.Refused)
	return nil
}
