package main

import (
	"strings"
	"testing"
)

func TestServeRefusesArguments(t *testing.T) {
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"serve", "extra"}, `unexpected argument "extra"`},
		{[]string{"serve", "--port", "1"}, "flag provided but not defined: -port"},
	} {
		code, _, stderr := runCLI(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.msg) {
			t.Errorf("%v: code %d, stderr %q, want 2 and %q", c.args, code, stderr, c.msg)
		}
	}
}
