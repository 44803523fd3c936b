//go:build !unix

package infile

import "os"

func openNonblock(path string) (*os.File, error) { return os.Open(path) }

func setBlocking(*os.File) error { return nil }
