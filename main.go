// Command metabench runs the metabench suites — one-shot imitation,
// low-resource translation, few-shot density estimation and multitask drug
// discovery — and the tools around them: the block-stacking world, its
// demonstrations, and speed benchmarks of the network engine.
//
// The root package only dispatches: every suite registers its commands
// (bench, train, eval and verbs of its own) in its package; see suites.go.
// Run `metabench help` for the commands.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/metabench/metabench/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command line and returns the exit status: 0 on success,
// 1 when the work failed, 2 for a bad command line. Errors are one line on
// stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := cli.Env{Stdout: stdout, Stderr: stderr}
	cmds, err := commands()
	if err != nil {
		return cli.ExitCode(stderr, "metabench", fmt.Errorf("internal: %w", err))
	}
	if len(args) > 0 && args[0] == "help" {
		args = args[1:]
		if len(args) == 0 {
			fmt.Fprintln(stdout, "metabench: multi-task and meta-learning benchmarks.")
			cli.PrintCommands(stdout, "metabench", cmds)
			return 0
		}
		args = append(args, "-h")
	}
	return cli.ExitCode(stderr, "metabench", cli.Dispatch(ctx, e, "metabench", cmds, args))
}
