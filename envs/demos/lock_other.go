//go:build !unix

package demos

// lockDir is a no-op where flock is not available: do not run two writers
// on one dataset there.
func lockDir(dir string) (unlock func() error, err error) {
	return func() error { return nil }, nil
}
