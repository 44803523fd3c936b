//go:build !purego

package simd

import "golang.org/x/sys/cpu"

// kernelBlockAVX and kernelEdgeAVX are kernelBlock and kernelEdge in
// AVX2/FMA assembly; see kernel_amd64.s.
//
//go:noescape
func kernelBlockAVX(rows, cols, k int, a *float32, aRow, aStep, aNext int, b *float32, bStep, bNext int, c *float32, ldc, cNext int, alpha float32)

// kernelBlockAVX512 is kernelBlockAVX over pairs of 16-column strips,
// with 6×32 tiles in AVX-512 registers; see kernel512_amd64.s. With init
// non-nil it writes C without reading it, as kernelBlock does.
//
//go:noescape
func kernelBlockAVX512(rows, pairs, k int, a *float32, aRow, aStep, aNext int, b *float32, bStep, bNext int, c *float32, ldc, cNext int, alpha float32, init *float32, initStep int)

// kernel16AVX512 adds rows×cols 6×16 tiles as kernelBlockAVX does, of
// each only the first mrows rows and ncols columns; see kernel512_amd64.s.
//
//go:noescape
func kernel16AVX512(rows, cols, k int, a *float32, aRow, aStep, aNext int, b *float32, bStep, bNext int, c *float32, ldc, cNext int, alpha float32, mrows, ncols int, init *float32, initStep int)

// kernel4AVX512 adds quads 4×64 tiles of one A strip into C, of each
// only the first mrows rows (1..4); see kernel512_amd64.s.
//
//go:noescape
func kernel4AVX512(quads, k int, a *float32, aRow, aStep int, b *float32, bStep, bNext int, c *float32, ldc int, alpha float32, mrows int, init *float32, initStep int)

//go:noescape
func kernelEdgeAVX(rows, cols, k int, a *float32, aRow, aStep int, b *float32, bStep int, tile, c *float32, ldc int, alpha float32)

// transpose8x8AVX sets dst[p*ldd+j] = src[j*lds+p] for j, p in 0..7.
//
//go:noescape
func transpose8x8AVX(dst *float32, ldd int, src *float32, lds int)

// The vector functions process len(src) (a multiple of 8) elements.
//
//go:noescape
func expAVX(dst, src []float32)

//go:noescape
func sigmoidAVX(dst, src []float32)

//go:noescape
func tanhAVX(dst, src []float32)

//go:noescape
func geluAVX(dst, src []float32)

//go:noescape
func geluGradAVX(ga, g, x []float32)

// axpyAVX and adamAVX are Axpy and Adam for slices whose length is a
// multiple of 8; see update_amd64.s.
//
//go:noescape
func axpyAVX(alpha float32, x, y []float32)

//go:noescape
func adamAVX(p, g, m, v []float32, c *AdamConsts)

// addRowsAVX is AddRows and gatedGradAVX GatedGrad for a length that
// is a multiple of 8 (add ≠ 0 for adding); see update_amd64.s.
//
//go:noescape
func addRowsAVX(dst *float32, dstStride int, src *float32, srcStride, rows, width int)

//go:noescape
func copyRowsAVX(dst *float32, dstStride int, src *float32, srcStride, rows, width int)

//go:noescape
func gatedGradAVX(da, db, g, t, s []float32, add int)

// reluAVX is ReLU and reluGradAVX ReLUGrad for a length that is a
// multiple of 8 (add ≠ 0 for adding); see update_amd64.s.
//
//go:noescape
func reluAVX(dst, src []float32)

//go:noescape
func reluGradAVX(ga, g, x []float32, add int)

// addAVX is Add and mulAVX Mul for a length that is a multiple of 8; see
// update_amd64.s.
//
//go:noescape
func addAVX(dst, a, b []float32)

//go:noescape
func mulAVX(dst, a, b []float32)

// addScalarAVX is AddScalar and mulScalarAVX MulScalar for a length that
// is a multiple of 8; see update_amd64.s.
//
//go:noescape
func addScalarAVX(dst, a []float32, v float32)

//go:noescape
func mulScalarAVX(dst, a []float32, v float32)

// sumRowsAVX is SumRows for a number of rows that is a multiple of 4;
// see update_amd64.s.
//
//go:noescape
func sumRowsAVX(dst, x []float32, n int)

// allFiniteAVX is AllFinite for a length that is a multiple of 32.
//
//go:noescape
func allFiniteAVX(x []float32) bool

var hasKernel = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// hasAVX512 reports whether the block kernel may use 512-bit registers
// (the CPU and the OS support them). It changes the speed, not the bits:
// both kernels compute each element of C by the same chain of operations.
var hasAVX512 = hasKernel && cpu.X86.HasAVX512F

func kernelBlock(rows, cols, k int, a *float32, aRow, aStep, aNext int, b *float32, bStep, bNext int, c *float32, ldc, cNext int, alpha float32, init *float32, initStep int) {
	if hasAVX512 && cols == 1 {
		kernel16AVX512(rows, 1, k, a, aRow, aStep, aNext, b, bStep, bNext, c, ldc, cNext, alpha, mr, nr, init, initStep)
		return
	}
	if hasAVX512 && cols >= 2 {
		kernelBlockAVX512(rows, cols/2, k, a, aRow, aStep, aNext, b, bStep, bNext, c, ldc, cNext, alpha, init, initStep)
		if cols%2 == 0 {
			return
		}
		// The odd last strip through the 6×16 kernel.
		kernel16AVX512(rows, 1, k, a, aRow, aStep, aNext, at(b, (cols-1)*bNext), bStep, bNext, at(c, (cols-1)*nr), ldc, cNext, alpha, mr, nr, init, initStep)
		return
	}
	if init != nil {
		initTiles(rows, cols, mr, nr, c, ldc, cNext, init, initStep)
	}
	if hasKernel {
		kernelBlockAVX(rows, cols, k, a, aRow, aStep, aNext, b, bStep, bNext, c, ldc, cNext, alpha)
		return
	}
	kernelBlockGo(rows, cols, k, a, aRow, aStep, aNext, b, bStep, bNext, c, ldc, cNext, alpha)
}

func kernelEdge(rows, cols, k int, a *float32, aRow, aStep int, b *float32, bStep int, tile, c *float32, ldc int, alpha float32) {
	if hasKernel {
		kernelEdgeAVX(rows, cols, k, a, aRow, aStep, b, bStep, tile, c, ldc, alpha)
		return
	}
	kernelEdgeGo(rows, cols, k, a, aRow, aStep, b, bStep, c, ldc, alpha)
}

func transpose8x8(dst *float32, ldd int, src *float32, lds int) {
	if hasKernel {
		transpose8x8AVX(dst, ldd, src, lds)
		return
	}
	transpose8x8Go(dst, ldd, src, lds)
}
