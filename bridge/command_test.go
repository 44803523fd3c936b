package bridge

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/metabench/metabench/internal/cli"
)

func TestServeRefusesArguments(t *testing.T) {
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"serve", "extra"}, `unexpected argument "extra"`},
		{[]string{"serve", "--port", "1"}, "flag provided but not defined: -port"},
		{[]string{"serve", "--spin", "1s"}, "--spin 1s is out of range"},
		{[]string{"serve", "--spin", "-1us"}, "--spin -1µs is out of range"},
	} {
		var out bytes.Buffer
		err := Command().Run(context.Background(), cli.Env{Stdout: &out, Stderr: &out}, c.args[1:])
		if !cli.IsUsage(err) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%v: %v, want a usage error with %q", c.args, err, c.msg)
		}
	}
}
