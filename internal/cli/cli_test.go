package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"strings"
	"testing"
)

func TestDispatchAndExitCodes(t *testing.T) {
	ran := ""
	cmds := []Command{{Name: "go", Run: func(_ context.Context, _ Env, args []string) error {
		ran = strings.Join(args, " ")
		if len(args) > 0 && args[0] == "fail" {
			return errors.New("it broke\nbadly")
		}
		return nil
	}}}
	tests := []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"go", "a", "b"}, 0, ""},
		{[]string{"go", "fail"}, 1, "prog: it broke badly\n"},
		{[]string{"stop"}, 2, "prog: sub: unknown command \"stop\" (want go)\n"},
		{nil, 2, "prog: sub: give a command (go)\n"},
		{[]string{"-h"}, 0, ""},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		err := Dispatch(context.Background(), Env{Stdout: &out, Stderr: &errb}, "prog sub", cmds, tt.args)
		if code := ExitCode(&errb, "prog", err); code != tt.code || errb.String() != tt.err {
			t.Errorf("%v: code %d, stderr %q; want %d, %q", tt.args, code, errb.String(), tt.code, tt.err)
		}
	}
	if ran != "fail" {
		t.Errorf("the command saw %q", ran)
	}
}

func TestParseOnly(t *testing.T) {
	var out bytes.Buffer
	fs := NewFlags("cmd")
	n := fs.Int("n", 1, "count")
	if err := ParseOnly(fs, &out, []string{"-n", "3"}); err != nil || *n != 3 {
		t.Fatalf("parse: %v, n %d", err, *n)
	}
	for _, args := range [][]string{{"-n", "x"}, {"-m"}, {"stray"}} {
		if err := ParseOnly(NewFlags("cmd"), &out, args); !IsUsage(err) {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
	if err := ParseOnly(NewFlags("cmd"), &out, []string{"-h"}); !errors.Is(err, flag.ErrHelp) || !strings.Contains(out.String(), "Usage of cmd") {
		t.Errorf("-h: %v, %q", err, out.String())
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		c    *Check
		want string
	}{
		{NewCheck("c").Int("n", 0, 1, 9), "c: --n 0 is out of range [1, 9]"},
		{NewCheck("c").Float("x", 2, 0, 1), "c: --x 2 is out of range [0, 1]"},
		{NewCheck("c").Float("x", 0.5, 0, 1).Uint64("s", 7, 8, 9), "c: --s 7 is out of range [8, 9]"},
		{NewCheck("c").Required("out", ""), "c: --out is required"},
		{NewCheck("c").Int("a", 0, 1, 2).Int("b", 0, 1, 2), "c: --a 0 is out of range [1, 2]"},
	}
	for _, tt := range tests {
		if err := tt.c.Err(); err == nil || err.Error() != tt.want || !IsUsage(err) {
			t.Errorf("got %v, want %q", err, tt.want)
		}
	}
	if err := NewCheck("c").Int("n", 5, 1, 9).Float("x", 0, 0, 1).Err(); err != nil {
		t.Errorf("valid values refused: %v", err)
	}
}
