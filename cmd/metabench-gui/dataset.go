//go:build cgo

package main

import (
	"github.com/metabench/metabench/policies/keyboard"
	"github.com/metabench/metabench/sim"
)

// openSaver returns a saver appending human episodes to the dataset in dir,
// which is created if missing.
func openSaver(dir string, cfg sim.Config) (keyboard.Saver, error) {
	return keyboard.NewDatasetSaver(dir, cfg)
}
