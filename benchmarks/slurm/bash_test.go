package slurm

import (
	"os/exec"
	"strings"
)

func lookBash() (string, error) { return exec.LookPath("bash") }

// runBash runs bash with flags on a script given on standard input.
func runBash(bash, flags, script string) ([]byte, error) {
	cmd := exec.Command(bash, flags)
	cmd.Stdin = strings.NewReader(script)
	return cmd.CombinedOutput()
}
