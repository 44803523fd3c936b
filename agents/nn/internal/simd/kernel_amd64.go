//go:build !purego

package simd

import "golang.org/x/sys/cpu"

// kernel6x16 computes a 6×16 tile into c[0:96]: element (i, p) of the A
// strip is a[i*aRow+p*aStep], row p of the B strip is b[p*bStep:][:16]; see
// kernel_amd64.s.
//
//go:noescape
func kernel6x16(k int, a *float32, aRow, aStep int, b *float32, bStep int, c *float32)

// kernel6x16C adds alpha times a 6×16 tile directly into C (leading
// dimension ldc); the whole tile must lie inside C.
//
//go:noescape
func kernel6x16C(k int, a *float32, aRow, aStep int, b *float32, bStep int, c *float32, ldc int, alpha float32)

// transpose8x8 sets dst[p*ldd+j] = src[j*lds+p] for j, p in 0..7.
//
//go:noescape
func transpose8x8(dst *float32, ldd int, src *float32, lds int)

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

var hasKernel = cpu.X86.HasAVX2 && cpu.X86.HasFMA
