package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// SignalError is the cause of a context that a signal cancelled (see
// NotifyContext): the command was asked to stop, and the exit status says
// by what.
type SignalError struct{ Sig os.Signal }

func (e *SignalError) Error() string { return "interrupted by " + SignalName(e.Sig) }

// ExitCode is the shell's convention for a process ended by a signal:
// 128 + its number (130 for SIGINT, 143 for SIGTERM).
func (e *SignalError) ExitCode() int {
	if s, ok := e.Sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 130
}

// SignalName names a signal as people write it: SIGINT, SIGTERM.
func SignalName(s os.Signal) string {
	switch s {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.String()
}

// NotifyContext returns a context that the first SIGINT or SIGTERM
// cancels with a *SignalError cause, and a channel that receives every
// such signal from then on (the first included), for the caller's
// deadline of last resort. stop releases the signals.
func NotifyContext(parent context.Context) (ctx context.Context, signals <-chan os.Signal, stop func()) {
	in := make(chan os.Signal, 2)
	out := make(chan os.Signal, 2)
	signal.Notify(in, os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithCancelCause(parent)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-in:
				cancel(&SignalError{Sig: s})
				select {
				case out <- s:
				default:
				}
			case <-done:
				return
			}
		}
	}()
	return ctx, out, func() {
		signal.Stop(in)
		close(done)
		cancel(nil)
	}
}

// Signalled returns the signal that cancelled ctx, if one did.
func Signalled(ctx context.Context) (*SignalError, bool) {
	var se *SignalError
	if ctx.Err() == nil || !errors.As(context.Cause(ctx), &se) {
		return nil, false
	}
	return se, true
}

// keptNote is said of an interrupted command whose error does not say what
// it kept: true of every command, since every file is written whole.
const keptNote = "files finished before the signal are kept; nothing half-written is"

// InterruptExit prints the one line of a command that a signal stopped,
// and returns its exit status (128 + the signal's number). err is what the
// command returned: its words (which say what it kept, for the commands
// that keep work to resume) with "context canceled" named as the signal.
func InterruptExit(stderr io.Writer, prog string, se *SignalError, err error) int {
	var msg string
	switch {
	case err == nil || errors.Is(err, flag.ErrHelp):
		msg = se.Error() + " as it finished; its output is complete"
	default:
		msg = strings.ReplaceAll(err.Error(), "\n", " ")
		msg = strings.ReplaceAll(msg, context.Canceled.Error(), se.Error())
		switch {
		case strings.Contains(msg, se.Error()):
		case strings.Contains(msg, "interrupted"):
			msg = strings.Replace(msg, "interrupted", se.Error(), 1)
		default:
			msg = se.Error() + ": " + msg
		}
		said := false
		for _, w := range []string{"kept", "keeps", "written", "resume"} {
			said = said || strings.Contains(msg, w)
		}
		if !said {
			msg += "; " + keptNote
		}
	}
	fmt.Fprintf(stderr, "%s: %s\n", prog, msg)
	return se.ExitCode()
}
