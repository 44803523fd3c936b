// Command metabench runs the metabench suites: the block-stacking world of
// one-shot imitation, its expert and demonstrations, and the benchmarks that
// print the papers' tables.
//
// Run `metabench help` for the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/metabench/metabench/benchmarks/report"
)

// usageError marks a bad command line: exit status 2 instead of 1.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// env is what a command sees of the process: its output streams.
type env struct {
	stdout, stderr io.Writer
}

type command struct {
	name, summary string
	run           func(ctx context.Context, e env, args []string) error
}

func commands() []command {
	return []command{
		{"bench", "run benchmarks and print tables (default profile: sim, demos, expert, nn)", runBench},
		{"demos", "generate, replay, inspect and export demonstration datasets", runDemos},
		{"render", "render an expert rollout to an animated GIF or a PNG", runRender},
		{"view", "watch a rollout in a window", runView},
		{"record", "record demonstrations with the keyboard in a window", runRecord},
		{"train", "train a one-shot imitation policy (train imitation --algo bc|dagger --cond full|snapshot|final)", runTrain},
		{"eval", "evaluate a trained imitation policy (eval imitation --model DIR)", runEval},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command line and returns the exit status: 0 on success,
// 1 when the work failed, 2 for a bad command line. Errors are one line on
// stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := env{stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printHelp(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return exitCode(stderr, c.run(ctx, e, args[1:]))
		}
	}
	return exitCode(stderr, usagef("unknown command %q (run 'metabench help')", args[0]))
}

func exitCode(stderr io.Writer, err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "metabench: %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
	if errors.As(err, new(usageError)) {
		return 2
	}
	return 1
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "metabench: multi-task and meta-learning benchmarks.")
	fmt.Fprintln(w, "\nUsage: metabench COMMAND [flags]   (metabench COMMAND -h for the flags)")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
}

// newFlags returns a flag set that reports errors instead of printing them.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseFlags parses args, turning flag errors into one-line usage errors and
// printing the flag list for -h. Positional arguments are returned.
func parseFlags(fs *flag.FlagSet, e env, args []string) ([]string, error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(e.stdout, "Usage of metabench %s:\n", fs.Name())
			fs.SetOutput(e.stdout)
			fs.PrintDefaults()
			return nil, flag.ErrHelp
		}
		return nil, usagef("%s: %v", fs.Name(), err)
	}
	return fs.Args(), nil
}

// parseOnlyFlags is parseFlags for commands that take no positional
// arguments: a stray one is a usage error.
func parseOnlyFlags(fs *flag.FlagSet, e env, args []string) error {
	rest, err := parseFlags(fs, e, args)
	if err != nil {
		return err
	}
	return noArgs(fs, rest)
}

// noArgs rejects stray positional arguments.
func noArgs(fs *flag.FlagSet, rest []string) error {
	if len(rest) > 0 {
		return usagef("%s: unexpected argument %q", fs.Name(), rest[0])
	}
	return nil
}

// emit prints v as JSON when asJSON is set, else the tables.
func emit(e env, asJSON bool, v any, tables ...report.Table) error {
	if asJSON {
		return report.JSON(e.stdout, v)
	}
	for _, t := range tables {
		if err := report.Print(e.stdout, t); err != nil {
			return err
		}
	}
	return nil
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }
