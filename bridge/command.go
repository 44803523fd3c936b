package bridge

import (
	"context"
	"errors"
	"os"

	"github.com/metabench/metabench/internal/cli"
)

// Command is `metabench serve`: the bridge protocol (docs/python.md) on
// stdin and stdout, for the Python package and any other client.
func Command() cli.Command {
	return cli.Command{Name: "serve", Summary: "serve the world, its datasets, ECFP and BLEU over a binary protocol on stdin/stdout (docs/python.md)", Run: runServe}
}

func runServe(ctx context.Context, e cli.Env, args []string) error {
	fs := cli.NewFlags("serve")
	if err := cli.ParseOnly(fs, e.Stdout, args); err != nil {
		return err
	}
	// An interrupt ends a server run by hand, even while it waits in a read
	// that closing stdin would not wake (a pipe or terminal in blocking
	// mode): the reply to the last request was flushed before that read.
	// Clients start the server in a session of its own, so a Ctrl-C meant
	// for the client does not end it under them.
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, os.Stdin, os.Stdout) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return errors.New("serve: interrupted")
	}
}
