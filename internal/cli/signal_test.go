package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"
)

func TestInterruptExit(t *testing.T) {
	term := &SignalError{Sig: syscall.SIGTERM}
	intr := &SignalError{Sig: os.Interrupt}
	tests := []struct {
		name string
		se   *SignalError
		err  error
		code int
		want string
	}{
		{"finished anyway", intr, nil, 130, "metabench: interrupted by SIGINT as it finished; its output is complete\n"},
		{"bare context error", term, context.Canceled, 143,
			"metabench: interrupted by SIGTERM; files finished before the signal are kept; nothing half-written is\n"},
		{"wrapped context error", term, fmt.Errorf("bleu: scored 3 of 9 lines: %w", context.Canceled), 143,
			"metabench: bleu: scored 3 of 9 lines: interrupted by SIGTERM; files finished before the signal are kept; nothing half-written is\n"},
		{"says interrupted and what it kept", intr, errors.New("train imitation: interrupted; finished work is kept in m: run the same command again to resume"), 130,
			"metabench: train imitation: interrupted by SIGINT; finished work is kept in m: run the same command again to resume\n"},
		{"says it keeps nothing", term, fmt.Errorf("eval imitation: %w; an evaluation keeps nothing, run it again", context.Canceled), 143,
			"metabench: eval imitation: interrupted by SIGTERM; an evaluation keeps nothing, run it again\n"},
		{"says nothing was written", intr, errors.New("bench sim: interrupted before it finished; nothing was printed or written: run it again"), 130,
			"metabench: bench sim: interrupted by SIGINT before it finished; nothing was printed or written: run it again\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if code := InterruptExit(&buf, "metabench", tc.se, tc.err); code != tc.code || buf.String() != tc.want {
				t.Errorf("exit %d, %q; want %d, %q", code, buf.String(), tc.code, tc.want)
			}
		})
	}
}

func TestSignalled(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	if _, ok := Signalled(ctx); ok {
		t.Error("a live context reported as signalled")
	}
	cancel(&SignalError{Sig: syscall.SIGTERM})
	if se, ok := Signalled(ctx); !ok || se.ExitCode() != 143 {
		t.Errorf("got %v, %v", se, ok)
	}
	plain, stop := context.WithCancel(context.Background())
	stop()
	if _, ok := Signalled(plain); ok {
		t.Error("a plain cancel reported as a signal")
	}
}
