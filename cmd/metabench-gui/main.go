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

	"github.com/metabench/metabench/windowcli"

	// Before ebiten: a one-line error instead of a panic without a display.
	_ "github.com/metabench/metabench/cmd/metabench-gui/internal/display"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

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
		err = windowcli.UsageError{Msg: fmt.Sprintf("unknown command %q (want view or record)", args[0])}
	}
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "metabench: %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
	if errors.As(err, new(windowcli.UsageError)) {
		return 2
	}
	return 1
}
