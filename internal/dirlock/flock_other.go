//go:build !unix

package dirlock

import "os"

// flock is a no-op where flock(2) is not available: do not run two writers
// on one directory there.
func flock(*os.File) error { return nil }
