// Package worldcli is the command line of the block-stacking world's tools:
// `metabench demos` (generate, replay, inspect and export demonstration
// datasets), `metabench render` (an expert rollout as a GIF or a PNG), and
// `metabench view` and `metabench record`, which hand their command line to
// the window binary. The root registers Commands like a suite's verbs.
//
// It is a top-level package beside windowcli, not under envs/stack: the
// tools drive the expert (policies/) and the recorder (policies/collect) over
// the world and print with the harness's tables (benchmarks/report), while
// envs/ and sim/ import nothing of policies/ or benchmarks/. It has no window
// and imports no ebiten, so the headless binary holds it; view and record
// check their command line with windowcli, then hand it to metabench-gui.
package worldcli

import "github.com/metabench/metabench/internal/cli"

// Commands returns the tools of the block-stacking world, in the order
// `metabench help` lists them: demos, render, view and record.
func Commands() []cli.Command {
	return []cli.Command{
		{Name: "demos", Summary: "generate, replay, inspect and export demonstration datasets", Run: runDemos},
		{Name: "render", Summary: "render an expert rollout to an animated GIF or a PNG", Run: runRender},
		{Name: "view", Summary: "watch a rollout in a window", Run: runView},
		{Name: "record", Summary: "record demonstrations with the keyboard in a window", Run: runRecord},
	}
}
