package bridge

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/metabench/metabench/internal/cli"
)

// Command is `metabench serve`: the bridge protocol (docs/python.md) on
// stdin and stdout, for the Python package and any other client.
func Command() cli.Command {
	return cli.Command{Name: "serve", Summary: "serve the world, its datasets, ECFP and BLEU over a binary protocol on stdin/stdout (docs/python.md)", Run: runServe}
}

// MaxSpin is the longest --spin a server takes (see spinReader).
const MaxSpin = 10 * time.Millisecond

func runServe(ctx context.Context, e cli.Env, args []string) error {
	fs := cli.NewFlags("serve")
	spin := fs.Duration("spin", 0, "how long to poll stdin for the next request before a read that may sleep (0: do not poll; docs/python.md)")
	if err := cli.ParseOnly(fs, e.Stdout, args); err != nil {
		return err
	}
	if *spin < 0 || *spin > MaxSpin {
		return cli.Usagef("serve: --spin %v is out of range [0, %v]", *spin, MaxSpin)
	}
	// An interrupt ends a server run by hand, even while it waits in a read
	// that closing stdin would not wake (a pipe or terminal in blocking
	// mode): the reply to the last request was flushed before that read.
	// Clients start the server in a session of its own, so a Ctrl-C meant
	// for the client does not end it under them.
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, newSpinReader(os.Stdin, *spin), os.Stdout) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return errors.New("serve: interrupted")
	}
}
