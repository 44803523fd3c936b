package npy_test

import (
	"archive/zip"
	"bytes"
	"fmt"

	"github.com/metabench/metabench/internal/npy"
)

// An .npz archive with a 2×3 float32 matrix and its row labels, as
// numpy.load would read it.
func ExampleAdd() {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	x := npy.Float32([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	if err := npy.Add(zw, "x", x); err != nil {
		fmt.Println(err)
		return
	}
	if err := npy.Add(zw, "rows", npy.Strings([]string{"first", "second"})); err != nil {
		fmt.Println(err)
		return
	}
	if err := zw.Close(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(x.Descr, x.Shape, len(x.Header()))
	// Output: <f4 [2 3] 128
}
