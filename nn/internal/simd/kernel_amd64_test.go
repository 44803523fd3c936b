//go:build !purego

package simd

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestAVX2KernelsMatchGo checks the AVX2 block and edge kernels against
// the portable kernel directly: on a CPU with AVX-512, Sgemm no longer
// calls them, but CPUs with AVX2 and without AVX-512 do.
func TestAVX2KernelsMatchGo(t *testing.T) {
	if !hasKernel {
		t.Skip("no AVX2/FMA")
	}
	r := rand.New(rand.NewPCG(25, 26))
	const k = 37
	for _, rows := range []int{1, 2} {
		for _, cols := range []int{1, 3} {
			for _, inPlace := range []bool{false, true} {
				aRow, aStep, aNext, bStep, bNext, lda, ldb := stripLayout(k, cols, inPlace)
				a, b := make([]float32, rows*mr*(lda+k*mr)), make([]float32, k*(ldb+cols*nr))
				for _, x := range [][]float32{a, b} {
					for i := range x {
						x[i] = awkward(r)
					}
				}
				ldc := cols*nr + 2
				c := randSlice(r, rows*mr*ldc, false)
				name := fmt.Sprintf("rows=%d cols=%d inPlace=%v", rows, cols, inPlace)
				want, got := append([]float32(nil), c...), append([]float32(nil), c...)
				kernelBlockGo(rows, cols, k, &a[0], aRow, aStep, aNext, &b[0], bStep, bNext, &want[0], ldc, mr*ldc, 0.7)
				kernelBlockAVX(rows, cols, k, &a[0], aRow, aStep, aNext, &b[0], bStep, bNext, &got[0], ldc, mr*ldc, 0.7)
				sameBits(t, "kernelBlockAVX "+name, got, want)
				var tile [mr * nr]float32
				for _, cut := range [][2]int{{1, 1}, {4, 9}, {mr, nr}} {
					want, got := append([]float32(nil), c...), append([]float32(nil), c...)
					kernelEdgeGo(cut[0], cut[1], k, &a[0], aRow, aStep, &b[0], bStep, &want[0], ldc, 0.7)
					kernelEdgeAVX(cut[0], cut[1], k, &a[0], aRow, aStep, &b[0], bStep, &tile[0], &got[0], ldc, 0.7)
					sameBits(t, fmt.Sprintf("kernelEdgeAVX %s cut=%v", name, cut), got, want)
				}
			}
		}
	}
}
