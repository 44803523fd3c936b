// Package cli holds what every metabench command line shares: commands and
// their dispatch, flag parsing that reports errors in one line, the usage
// error (exit status 2) and the checks of numeric flags. Both binaries, the
// headless metabench and the window, use it.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strings"
)

// UsageError is a bad command line: exit status 2, as opposed to work that
// failed (1).
type UsageError struct{ Msg string }

func (e UsageError) Error() string { return e.Msg }

// Usagef returns a UsageError with a formatted message.
func Usagef(format string, a ...any) error { return UsageError{fmt.Sprintf(format, a...)} }

// IsUsage reports whether err is, or wraps, a UsageError.
func IsUsage(err error) bool { return errors.As(err, new(UsageError)) }

// Env is what a command sees of the process: its output streams.
type Env struct {
	Stdout, Stderr io.Writer
}

// Command is one verb of a command line. Run gets the arguments after the
// command's name.
type Command struct {
	Name    string
	Summary string
	Run     func(ctx context.Context, e Env, args []string) error
}

// Find returns the command called name.
func Find(cmds []Command, name string) (Command, bool) {
	for _, c := range cmds {
		if c.Name == name {
			return c, true
		}
	}
	return Command{}, false
}

// Dispatch runs the command args[0] of cmds with the rest of args. path is
// the command line so far ("metabench", "metabench train"); errors name it
// without the program ("train: unknown command").
func Dispatch(ctx context.Context, e Env, path string, cmds []Command, args []string) error {
	prefix := ""
	if _, rest, ok := strings.Cut(path, " "); ok {
		prefix = rest + ": "
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		PrintCommands(e.Stdout, path, cmds)
		if len(args) == 0 {
			return Usagef("%sgive a command (%s)", prefix, names(cmds))
		}
		return flag.ErrHelp
	}
	c, ok := Find(cmds, args[0])
	if !ok {
		return Usagef("%sunknown command %q (want %s)", prefix, args[0], names(cmds))
	}
	return c.Run(ctx, e, args[1:])
}

func names(cmds []Command) string {
	s := make([]string, len(cmds))
	for i, c := range cmds {
		s[i] = c.Name
	}
	return strings.Join(s, ", ")
}

// PrintCommands lists cmds with their summaries.
func PrintCommands(w io.Writer, what string, cmds []Command) {
	fmt.Fprintf(w, "Usage: %s COMMAND [flags]   (%s COMMAND -h for its flags)\n\nCommands:\n", what, what)
	width := 0
	for _, c := range cmds {
		width = max(width, len(c.Name))
	}
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-*s  %s\n", width, c.Name, c.Summary)
	}
}

// ExitCode prints err as one line on stderr, prefixed by prog, and returns
// the exit status: 0 for nil or a help request, 2 for a usage error, 1 for
// any other failure.
func ExitCode(stderr io.Writer, prog string, err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "%s: %s\n", prog, strings.ReplaceAll(err.Error(), "\n", " "))
	if IsUsage(err) {
		return 2
	}
	return 1
}

// NewFlags returns a flag set named name ("bench drug") that reports errors
// instead of printing them.
func NewFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// Parse parses args, turning flag errors into one-line usage errors and
// printing the flag list to stdout for -h (returning flag.ErrHelp).
// Positional arguments are returned.
func Parse(fs *flag.FlagSet, stdout io.Writer, args []string) ([]string, error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stdout, "Usage of %s:\n", fs.Name())
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return nil, flag.ErrHelp
		}
		return nil, Usagef("%s: %v", fs.Name(), err)
	}
	return fs.Args(), nil
}

// ParseOnly is Parse for commands without positional arguments: a stray one
// is a usage error.
func ParseOnly(fs *flag.FlagSet, stdout io.Writer, args []string) error {
	rest, err := Parse(fs, stdout, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return Usagef("%s: unexpected argument %q (flags go before it)", fs.Name(), rest[0])
	}
	return nil
}

// StringList is a repeatable string flag.
type StringList []string

func (s *StringList) String() string     { return strings.Join(*s, ",") }
func (s *StringList) Set(v string) error { *s = append(*s, v); return nil }

// Check collects the range checks of a command's flags and reports the
// first that fails as a usage error naming the flag.
type Check struct {
	cmd string
	err error
}

// NewCheck starts the checks of command cmd ("train imitation").
func NewCheck(cmd string) *Check { return &Check{cmd: cmd} }

func (c *Check) fail(format string, a ...any) {
	if c.err == nil {
		c.err = Usagef(c.cmd+": "+format, a...)
	}
}

// Float requires a finite v in [lo, hi].
func (c *Check) Float(name string, v, lo, hi float64) *Check {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		c.fail("--%s %v is not a finite number", name, v)
	case v < lo || v > hi:
		c.fail("--%s %g is out of range [%g, %g]", name, v, lo, hi)
	}
	return c
}

// Int requires v in [lo, hi].
func (c *Check) Int(name string, v, lo, hi int) *Check {
	if v < lo || v > hi {
		c.fail("--%s %d is out of range [%d, %d]", name, v, lo, hi)
	}
	return c
}

// Uint64 requires v in [lo, hi].
func (c *Check) Uint64(name string, v, lo, hi uint64) *Check {
	if v < lo || v > hi {
		c.fail("--%s %d is out of range [%d, %d]", name, v, lo, hi)
	}
	return c
}

// Required requires a non-empty string.
func (c *Check) Required(name, v string) *Check {
	if v == "" {
		c.fail("--%s is required", name)
	}
	return c
}

// Err returns the first failed check, or nil.
func (c *Check) Err() error { return c.err }
