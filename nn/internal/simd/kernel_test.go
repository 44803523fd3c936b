package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestKernelBlockMatchesGo checks the block kernel the CPU runs (6×32
// AVX-512 tiles with a 6×16 one for an odd last strip, or 6×16 AVX2
// tiles) against the portable kernel, bit for bit, on awkward values,
// for odd and even numbers of strips, packed and in-place strides, and
// alpha other than one.
func TestKernelBlockMatchesGo(t *testing.T) {
	t.Logf("AVX2/FMA %v, AVX-512 %v", hasKernel, hasAVX512)
	r := rand.New(rand.NewPCG(9, 10))
	for _, rows := range []int{1, 2, 3} {
		for _, cols := range []int{1, 2, 3, 4, 5} {
			for _, k := range []int{0, 1, 7, 64} {
				for _, inPlace := range []bool{false, true} {
					for _, initStep := range []int{-1, 0, 1} {
						name := fmt.Sprintf("rows=%d cols=%d k=%d inPlace=%v initStep=%d", rows, cols, k, inPlace, initStep)
						// Packed: A strips of k×6 and B strips of k×16. In
						// place: A row-major with lda, B row-major with ldb.
						aRow, aStep, aNext, bStep, bNext, lda, ldb := stripLayout(k, cols, inPlace)
						a := make([]float32, rows*mr*max(k, 1)*(lda+mr)+1)
						b := make([]float32, (max(k, 1)+1)*(cols*nr+ldb)*nr+1)
						ldc := cols*nr + 3
						c := make([]float32, rows*mr*ldc)
						for _, x := range [][]float32{a, b, c} {
							for i := range x {
								x[i] = awkward(r)
							}
						}
						want := append([]float32(nil), c...)
						init := testInit(r, rows*mr, initStep)
						if init != nil {
							initTiles(rows, cols, mr, nr, &want[0], ldc, mr*ldc, init, initStep)
						}
						kernelBlockGo(rows, cols, k, &a[0], aRow, aStep, aNext, &b[0], bStep, bNext, &want[0], ldc, mr*ldc, 0.7)
						kernelBlock(rows, cols, k, &a[0], aRow, aStep, aNext, &b[0], bStep, bNext, &c[0], ldc, mr*ldc, 0.7, init, initStep)
						for i := range c {
							if math.Float32bits(c[i]) != math.Float32bits(want[i]) {
								t.Fatalf("%s: element %d = %g (%#x), want %g (%#x)", name, i, c[i], math.Float32bits(c[i]), want[i], math.Float32bits(want[i]))
							}
						}
					}
				}
			}
		}
	}
}

// TestKernelTilesMatchesGo checks the edge kernel the CPU runs (one
// AVX-512 call for all tiles, with 4×64 tiles for strips of up to 4 rows
// over 4 or more full columns, or one AVX2 call a tile) against the
// portable kernel, for every cut of a tile, in place and packed, reading
// C or starting from given values.
func TestKernelTilesMatchesGo(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	const rows, k = 2, 9
	var tile [mr * nr]float32
	for mrows := 1; mrows <= mr; mrows++ {
		for _, ncols := range []int{1, 5, 15, 16} {
			for _, inPlace := range []bool{false, true} {
				for _, cols := range []int{3, 4, 9} {
					for _, initStep := range []int{-1, 0, 1} {
						aRow, aStep, aNext, bStep, bNext, lda, ldb := stripLayout(k, cols, inPlace)
						a, b := randSlice(r, rows*mr*(lda+k*mr), false), randSlice(r, k*(ldb+cols*nr), false)
						for i := range a {
							a[i] = awkward(r)
						}
						ldc := cols*nr + 2
						c := randSlice(r, rows*mr*ldc, false)
						want := append([]float32(nil), c...)
						init := testInit(r, rows*mr, initStep)
						if init != nil {
							initTiles(rows, cols, mrows, ncols, &want[0], ldc, mr*ldc, init, initStep)
						}
						for j := range cols {
							for i := range rows {
								kernelEdgeGo(mrows, ncols, k, &a[i*aNext], aRow, aStep, &b[j*bNext], bStep, &want[i*mr*ldc+j*nr], ldc, 0.7)
							}
						}
						kernelTiles(rows, cols, k, &a[0], aRow, aStep, aNext, &b[0], bStep, bNext, &tile[0], &c[0], ldc, mr*ldc, 0.7, mrows, ncols, init, initStep)
						sameBits(t, fmt.Sprintf("mrows=%d ncols=%d inPlace=%v cols=%d initStep=%d", mrows, ncols, inPlace, cols, initStep), c, want)
					}
				}
			}
		}
	}
}

// testInit returns the starting values of C for the kernels' init
// argument: nil for initStep −1 (read C), one awkward value for 0, n of
// them for 1.
func testInit(r *rand.Rand, n, initStep int) *float32 {
	if initStep < 0 {
		return nil
	}
	v := make([]float32, max(n*initStep, 1))
	for i := range v {
		v[i] = awkward(r)
	}
	return &v[0]
}

// stripLayout gives the kernel's operand strides for k steps over cols
// column strips: packed (A strips of k×mr, B strips of k×nr) or in place
// (A and B row-major with padded leading dimensions lda and ldb).
func stripLayout(k, cols int, inPlace bool) (aRow, aStep, aNext, bStep, bNext, lda, ldb int) {
	aRow, aStep, aNext = 1, mr, k*mr
	bStep, bNext = nr, k*nr
	lda, ldb = k+3, cols*nr+5
	if inPlace {
		aRow, aStep, aNext = lda, 1, mr*lda
		bStep, bNext = ldb, nr
	}
	return aRow, aStep, aNext, bStep, bNext, lda, ldb
}
