//go:build !amd64 || purego

package simd

const hasKernel = false

// hasAVX512 is false: the portable kernel has no wider variant.
const hasAVX512 = false

func kernelBlock(rows, cols, k int, a *float32, aRow, aStep, aNext int, b *float32, bStep, bNext int, c *float32, ldc, cNext int, alpha float32, init *float32, initStep int) {
	if init != nil {
		initTiles(rows, cols, mr, nr, c, ldc, cNext, init, initStep)
	}
	kernelBlockGo(rows, cols, k, a, aRow, aStep, aNext, b, bStep, bNext, c, ldc, cNext, alpha)
}

func kernelEdge(rows, cols, k int, a *float32, aRow, aStep int, b *float32, bStep int, tile, c *float32, ldc int, alpha float32) {
	kernelEdgeGo(rows, cols, k, a, aRow, aStep, b, bStep, c, ldc, alpha)
}

func transpose8x8(dst *float32, ldd int, src *float32, lds int) {
	transpose8x8Go(dst, ldd, src, lds)
}

func expAVX(dst, src []float32)      { panic("simd: no SIMD kernel on this platform") }
func sigmoidAVX(dst, src []float32)  { panic("simd: no SIMD kernel on this platform") }
func tanhAVX(dst, src []float32)     { panic("simd: no SIMD kernel on this platform") }
func geluAVX(dst, src []float32)     { panic("simd: no SIMD kernel on this platform") }
func geluGradAVX(ga, g, x []float32) { panic("simd: no SIMD kernel on this platform") }

func axpyAVX(alpha float32, x, y []float32)       { panic("simd: no SIMD kernel on this platform") }
func adamAVX(p, g, m, v []float32, c *AdamConsts) { panic("simd: no SIMD kernel on this platform") }
func addRowsAVX(dst *float32, dstStride int, src *float32, srcStride, rows, width int) {
	panic("simd: no SIMD kernel on this platform")
}
func gatedGradAVX(da, db, g, t, s []float32, add int) { panic("simd: no SIMD kernel on this platform") }
func allFiniteAVX(x []float32) bool                   { panic("simd: no SIMD kernel on this platform") }
func reluAVX(dst, src []float32)                      { panic("simd: no SIMD kernel on this platform") }
func reluGradAVX(ga, g, x []float32, add int)         { panic("simd: no SIMD kernel on this platform") }
func sumRowsAVX(dst, x []float32, n int)              { panic("simd: no SIMD kernel on this platform") }
func addAVX(dst, a, b []float32)                      { panic("simd: no SIMD kernel on this platform") }
func mulAVX(dst, a, b []float32)                      { panic("simd: no SIMD kernel on this platform") }
func addScalarAVX(dst, a []float32, v float32)        { panic("simd: no SIMD kernel on this platform") }
func mulScalarAVX(dst, a []float32, v float32)        { panic("simd: no SIMD kernel on this platform") }

func kernel16AVX512(rows, cols, k int, a *float32, aRow, aStep, aNext int, b *float32, bStep, bNext int, c *float32, ldc, cNext int, alpha float32, mrows, ncols int, init *float32, initStep int) {
	panic("simd: no AVX-512 kernel on this platform")
}

func kernel4AVX512(quads, k int, a *float32, aRow, aStep int, b *float32, bStep, bNext int, c *float32, ldc int, alpha float32, mrows int, init *float32, initStep int) {
	panic("simd: no AVX-512 kernel on this platform")
}

func copyRowsAVX(dst *float32, dstStride int, src *float32, srcStride, rows, width int) {
	panic("simd: no SIMD kernel on this platform")
}
