package drugbench

import (
	"archive/zip"
	"io"

	"github.com/metabench/metabench/internal/atomicfile"
	"github.com/metabench/metabench/internal/npy"
)

// namedArray is an array and its name in a .npz archive.
type namedArray struct {
	name string
	npy.Array
}

// writeNPZ writes arrays into a .npz (a zip of .npy files) atomically.
func writeNPZ(path string, arrays ...namedArray) error {
	return atomicfile.Write(path, 0o644, func(w io.Writer) error {
		zw := zip.NewWriter(w)
		for _, a := range arrays {
			if err := npy.Add(zw, a.name, a.Array); err != nil {
				return err
			}
		}
		return zw.Close()
	})
}

// int64s converts for npy.Int64.
func int64s(a []int) []int64 {
	b := make([]int64, len(a))
	for i, v := range a {
		b[i] = int64(v)
	}
	return b
}
