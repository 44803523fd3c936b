package main

import (
	"context"

	"github.com/metabench/metabench/internal/cli"
	"github.com/metabench/metabench/windowcli"
)

// runRecord is `metabench record`: keyboard recording in the window binary
// (see cmd_view.go for how the headless binary hands over).
func runRecord(ctx context.Context, e cli.Env, args []string) error {
	if _, err := windowcli.ParseRecord(args, e.Stdout); err != nil {
		return err
	}
	return runGUI(ctx, e, "record", args)
}
