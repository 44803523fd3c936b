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
	"time"

	"github.com/metabench/metabench/internal/cli"
)

// graceAfterSignal is how long a command may take to stop after SIGINT or
// SIGTERM before the process ends without it. Commands look at their
// context between units of work far more often than this; the deadline is
// for one blocked in a system call. Ending then loses nothing finished:
// every file is written whole (package atomicfile) and locks go with the
// process.
const graceAfterSignal = 2 * time.Second

func main() {
	ctx, signals, stop := cli.NotifyContext(context.Background())
	go lastResort(signals, os.Stderr)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// lastResort ends the process graceAfterSignal after the first signal, or
// at once on the second, if the command has not stopped by then.
func lastResort(signals <-chan os.Signal, stderr io.Writer) {
	first := <-signals
	se := &cli.SignalError{Sig: first}
	select {
	case <-signals:
	case <-time.After(graceAfterSignal):
	}
	fmt.Fprintf(stderr, "metabench: %s; stopped without waiting for the current step: files finished before it are kept, nothing half-written is\n", se)
	os.Exit(se.ExitCode())
}

// run executes one command line and returns the exit status: 0 on success,
// 1 when the work failed, 2 for a bad command line, 128 + n when signal n
// (SIGINT, SIGTERM) cancelled ctx. Errors are one line on stderr.
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
	err = cli.Dispatch(ctx, e, "metabench", cmds, args)
	if se, ok := cli.Signalled(ctx); ok && !cli.IsUsage(err) {
		return cli.InterruptExit(stderr, "metabench", se, err)
	}
	return cli.ExitCode(stderr, "metabench", err)
}
