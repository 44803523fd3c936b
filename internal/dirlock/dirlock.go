// Package dirlock is the one lock of metabench: an exclusive advisory lock
// (flock) on a directory, taken by every command before it writes a model,
// a cache or an --out directory, so that two processes never write one
// directory at once. The kernel drops the lock when the process ends,
// however it ends (kill -9 included), so a lock never outlives its holder
// and there is no stale lock file to clean.
//
// The lock is on the directory itself, not on a file in it: a reader that
// takes no lock sees nothing extra, and checks such as "this --out holds
// only our files" need no exception.
package dirlock

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// ErrBusy is wrapped by the error Lock returns when another process holds
// the lock.
var ErrBusy = errors.New("in use by another metabench process")

// Lock takes the exclusive lock on dir, which must exist, without waiting.
// what names the directory in the error ("--out", "dataset"). unlock
// releases it; it is safe to call more than once.
func Lock(dir, what string) (unlock func(), err error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("lock %s %s: %w", what, dir, err)
	}
	if err := flock(f); err != nil {
		f.Close()
		if errors.Is(err, ErrBusy) {
			return nil, fmt.Errorf("%s %s is %w (wait for it to finish, or use another directory)", what, dir, ErrBusy)
		}
		return nil, fmt.Errorf("lock %s %s: %w", what, dir, err)
	}
	done := false
	return func() {
		if !done {
			done = true
			f.Close()
		}
	}, nil
}

// MkdirLock creates dir (and its parents) if needed and locks it. If it
// created dir and dir is still empty when unlock is called, unlock removes
// it: a command that fails or is interrupted before writing anything
// leaves no empty --out behind.
func MkdirLock(dir, what string) (unlock func(), err error) {
	_, statErr := os.Stat(dir)
	created := errors.Is(statErr, fs.ErrNotExist)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, dir, err)
	}
	release, err := Lock(dir, what)
	if err != nil {
		if created {
			os.Remove(dir)
		}
		return nil, err
	}
	return func() {
		if created {
			if ents, err := os.ReadDir(dir); err == nil && len(ents) == 0 {
				os.Remove(dir)
			}
		}
		release()
	}, nil
}

// pollEvery is how often Wait tries the lock again: waits are for work of
// seconds to hours (another process training the same model).
const pollEvery = 100 * time.Millisecond

// Wait creates dir if needed and locks it, waiting while another process
// holds it, until ctx is done (returning its error). It is the lock of a
// cache entry: a second run that needs the same entry waits for the first
// to finish it, then finds it done, rather than doing the work twice or
// failing.
func Wait(ctx context.Context, dir, what string) (unlock func(), err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, dir, err)
	}
	for {
		unlock, err := Lock(dir, what)
		if !errors.Is(err, ErrBusy) {
			return unlock, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(pollEvery):
		}
	}
}
