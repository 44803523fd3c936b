//go:build cgo

package main

import (
	"fmt"
	"io"
	"time"

	"github.com/metabench/metabench/gui"
	"github.com/metabench/metabench/sim"
	"github.com/metabench/metabench/windowcli"
)

func runRecord(args []string, stdout io.Writer) error {
	cfg := sim.DefaultConfig()
	opts, err := windowcli.ParseRecord(args, stdout)
	if err != nil {
		return err
	}
	t, seed, dir := opts.Task, opts.Seed, opts.Dir
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	saver, err := openSaver(dir, cfg)
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	r, err := gui.NewRecorder(gui.RecordOptions{
		Task: t, Seed: seed, SaveFailures: opts.SaveFailures, Saver: saver, Config: &cfg,
		Width: opts.Width, Height: opts.Height,
	})
	if err != nil {
		return err
	}
	if err := gui.Run(fmt.Sprintf("metabench record: %s → %s", t, dir), r, 0); err != nil {
		return err
	}
	s := r.Session()
	fmt.Fprintf(stdout, "recorded %q with seed %d: %d saved to %s, %d discarded, %d saves refused\n", t.String(), seed, s.Saved, dir, s.Discarded, s.Refused)
	return nil
}
