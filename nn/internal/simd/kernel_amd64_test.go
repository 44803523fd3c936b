//go:build !purego

package simd

import (
	"fmt"
	"math"
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

// vmathInputs are the inputs the vector math is checked on: every
// exponent from random bits, the ranges the ops see, and the edges of
// each formula (the clamp of exp, tanh's switch at 0.625, rounding
// midpoints of x·log₂e, zeros, infinities, NaN, subnormals).
func vmathInputs(r *rand.Rand) []float32 {
	xs := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
		f32(0x42b0c0a5), f32(0xc2aeac50), 0.625, -0.625, 1e-45, -1e-45, 1e-39, -1e-39}
	for _, e := range []float32{f32(0x42b0c0a5), f32(0xc2aeac50), 0.625, -0.625} {
		xs = append(xs, math.Nextafter32(e, 100), math.Nextafter32(e, -100))
	}
	for k := -130; k <= 130; k++ {
		m := float32((float64(k) + 0.5) / math.Log2E)
		xs = append(xs, m, math.Nextafter32(m, 200), math.Nextafter32(m, -200))
	}
	for range 1 << 16 {
		xs = append(xs, math.Float32frombits(r.Uint32()), float32(r.NormFloat64()*4), float32(r.NormFloat64()*40), awkward(r))
	}
	for len(xs)%8 != 0 {
		xs = append(xs, 1)
	}
	return xs
}

// TestVectorMathLanesMatchKernels checks the Go lanes (vmath_go.go), which
// run where the CPU lacks AVX2 and FMA, against the assembly, bit for bit
// (any NaN for a NaN).
func TestVectorMathLanesMatchKernels(t *testing.T) {
	if !hasKernel {
		t.Skip("no AVX2/FMA")
	}
	r := rand.New(rand.NewPCG(31, 32))
	xs := vmathInputs(r)
	g, ga := make([]float32, len(xs)), make([]float32, len(xs))
	for i := range xs {
		g[i], ga[i] = awkward(r), awkward(r)
	}
	lane1 := func(f func(float32) float32) func([]float32, []float32) {
		return func(dst, src []float32) {
			for i, x := range src {
				dst[i] = f(x)
			}
		}
	}
	gradKernel := func(dst, src []float32) { copy(dst, ga); geluGradAVX(dst, g, src) }
	gradLanes := func(dst, src []float32) {
		for i, x := range src {
			dst[i] = geluGradLane(ga[i], g[i], x)
		}
	}
	for _, tt := range []struct {
		name          string
		kernel, lanes func(dst, src []float32)
	}{
		{"exp", expAVX, lane1(expLane)},
		{"sigmoid", sigmoidAVX, lane1(sigmoidLane)},
		{"tanh", tanhAVX, lane1(tanhLane)},
		{"gelu", geluAVX, lane1(geluLane)},
		{"gelu grad", gradKernel, gradLanes},
	} {
		want, got := make([]float32, len(xs)), make([]float32, len(xs))
		tt.kernel(want, xs)
		tt.lanes(got, xs)
		for i := range xs {
			w, gt := want[i], got[i]
			if w != w && gt != gt {
				continue
			}
			if math.Float32bits(w) != math.Float32bits(gt) {
				t.Fatalf("%s(%g = %#x): lanes %g (%#x), kernel %g (%#x)", tt.name, xs[i], math.Float32bits(xs[i]), gt, math.Float32bits(gt), w, math.Float32bits(w))
			}
		}
	}
}
