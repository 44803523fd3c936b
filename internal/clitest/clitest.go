// Package clitest checks the command line's contract for refused input:
// one "metabench: ..." line on stderr naming the problem and the exit
// status that says whose fault it was (2 usage, 1 the work failed).
package clitest

import (
	"strings"
	"testing"
)

// Refusal is one command line that must be refused. It is an alias of an
// unnamed struct so that tables can list rows positionally, as the
// standard library's own tests do, without vet's unkeyed-field warning.
type Refusal = struct {
	Args []string
	Code int    // exit status: 2 for usage errors, 1 when the work failed
	Msg  string // a part of the one stderr line that names the problem
}

// Runner runs one command line and returns its exit code, stdout and stderr.
type Runner func(t *testing.T, args ...string) (code int, stdout, stderr string)

// CheckRefusals runs each refusal as a subtest named by its arguments.
func CheckRefusals(t *testing.T, run Runner, refusals []Refusal) {
	t.Helper()
	for _, r := range refusals {
		t.Run(strings.Join(r.Args, " "), func(t *testing.T) {
			code, _, stderr := run(t, r.Args...)
			if code != r.Code {
				t.Errorf("exit code %d, want %d (stderr %q)", code, r.Code, stderr)
			}
			if !strings.Contains(stderr, r.Msg) {
				t.Errorf("stderr %q does not mention %q", stderr, r.Msg)
			}
			if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "metabench: ") {
				t.Errorf("stderr %q is not one 'metabench: ...' line", stderr)
			}
		})
	}
}
