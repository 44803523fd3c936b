//go:build !amd64 || purego

package simd

const hasKernel = false

func kernel6x16(k int, a *float32, aRow, aStep int, b *float32, bStep int, c *float32) {
	panic("simd: no SIMD kernel on this platform")
}

func kernel6x16C(k int, a *float32, aRow, aStep int, b *float32, bStep int, c *float32, ldc int, alpha float32) {
	panic("simd: no SIMD kernel on this platform")
}

func transpose8x8(dst *float32, ldd int, src *float32, lds int) {
	panic("simd: no SIMD kernel on this platform")
}

func expAVX(dst, src []float32)      { panic("simd: no SIMD kernel on this platform") }
func sigmoidAVX(dst, src []float32)  { panic("simd: no SIMD kernel on this platform") }
func tanhAVX(dst, src []float32)     { panic("simd: no SIMD kernel on this platform") }
func geluAVX(dst, src []float32)     { panic("simd: no SIMD kernel on this platform") }
func geluGradAVX(ga, g, x []float32) { panic("simd: no SIMD kernel on this platform") }
