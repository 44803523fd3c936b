//go:build cgo

// Command metabench-gui is the window of metabench:
//
//	metabench-gui view   --task SPEC --seed S --policy expert|noisy-expert|replay:DIR
//	metabench-gui record --task SPEC --dir DATASET [--save-failures]
//
// It is a separate binary because its window library (ebiten) needs cgo and
// panics at start without a display; the headless `metabench view` and
// `metabench record` run it when it is installed next to metabench or on
// PATH. Build it with `make gui` (CGO_ENABLED=1 go build ./cmd/metabench-gui).
// Flags and errors follow the metabench conventions: errors are one line on
// stderr, exit status 1 when the work failed and 2 for a bad command line.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	// Before ebiten: a one-line error instead of a panic without a display.
	_ "github.com/metabench/metabench/cmd/metabench-gui/internal/display"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// usageError marks a bad command line: exit status 2 instead of 1.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// run executes one command line and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(stdout, "metabench-gui: the metabench window.")
		fmt.Fprintln(stdout, "\nUsage: metabench-gui view|record [flags]   (metabench-gui COMMAND -h for the flags)")
		fmt.Fprintln(stdout, "  view     watch a policy play block-stacking episodes")
		fmt.Fprintln(stdout, "  record   record demonstrations with the keyboard")
		return 0
	}
	var err error
	switch args[0] {
	case "view":
		err = runView(args[1:], stdout)
	case "record":
		err = runRecord(args[1:], stdout)
	default:
		err = usagef("unknown command %q (want view or record)", args[0])
	}
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "metabench: %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
	if errors.As(err, new(usageError)) {
		return 2
	}
	return 1
}

// newFlags returns a flag set that reports errors instead of printing them.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseFlags parses args, turning flag errors into one-line usage errors,
// printing the flag list for -h and rejecting positional arguments.
func parseFlags(fs *flag.FlagSet, stdout io.Writer, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stdout, "Usage of metabench %s:\n", fs.Name())
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return flag.ErrHelp
		}
		return usagef("%s: %v", fs.Name(), err)
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// checkSize validates a window size.
func checkSize(cmd string, w, h int) error {
	if w < 160 || h < 100 || w > 4096 || h > 4096 {
		return usagef("%s: window size %dx%d out of range 160x100..4096x4096", cmd, w, h)
	}
	return nil
}
