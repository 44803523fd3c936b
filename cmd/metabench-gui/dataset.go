//go:build cgo

package main

import (
	"github.com/metabench/metabench/envs/demos"
	"github.com/metabench/metabench/policies/keyboard"
	"github.com/metabench/metabench/policies/replay"
	"github.com/metabench/metabench/sim"
)

// maxReplay caps the episodes a replay loads: a viewer shows a few, and a
// paper-scale dataset holds a hundred thousand.
const maxReplay = 1000

// openSaver returns a saver appending human episodes to the dataset in dir,
// which is created if missing.
func openSaver(dir string, cfg sim.Config) (keyboard.Saver, error) {
	return keyboard.NewDatasetSaver(dir, cfg)
}

// loadEpisodes reads the first episodes of the dataset in dir, for replays.
func loadEpisodes(dir string) ([]*demos.Episode, error) {
	return replay.Load(dir, maxReplay)
}
