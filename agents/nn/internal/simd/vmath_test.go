package simd

import (
	"math"
	"testing"
)

func sigmoid64(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

func TestVectorMath(t *testing.T) {
	tests := []struct {
		name   string
		f      func(dst, src []float32)
		ref    func(float64) float64
		lo, hi float64
	}{
		{"Exp", Exp, math.Exp, -87, 88},
		{"Sigmoid", Sigmoid, sigmoid64, -80, 80},
		{"Tanh", Tanh, math.Tanh, -12, 12},
	}
	const n = 100003 // not a multiple of 8: exercises the scalar tail
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := make([]float32, n)
			for i := range src {
				src[i] = float32(tt.lo + (tt.hi-tt.lo)*float64(i)/(n-1))
			}
			src[5] = 0
			src[6] = float32(math.Copysign(0, -1))
			src[7] = 1e-6
			dst := make([]float32, n)
			tt.f(dst, src)
			for i, x := range src {
				got, want := float64(dst[i]), tt.ref(float64(x))
				if e := math.Abs(got-want) / math.Max(math.Abs(want), 1e-30); e > 3e-7 && math.Abs(got-want) > 1e-37 {
					t.Fatalf("%s(%v) = %v, want %v (rel. error %.2g)", tt.name, x, got, want, e)
				}
			}
			nan := []float32{float32(math.NaN()), 1, 2, 3, 4, 5, 6, 7, float32(math.NaN())}
			tt.f(nan, nan)
			if !math.IsNaN(float64(nan[0])) || !math.IsNaN(float64(nan[8])) {
				t.Fatalf("%s does not propagate NaN: %v", tt.name, nan)
			}
		})
	}
}

func BenchmarkVectorMath(b *testing.B) {
	src, dst := make([]float32, 4096), make([]float32, 4096)
	for i := range src {
		src[i] = float32(i%200-100) / 17
	}
	for _, f := range []struct {
		name string
		f    func(dst, src []float32)
	}{{"Exp", Exp}, {"Sigmoid", Sigmoid}, {"Tanh", Tanh}} {
		b.Run(f.name, func(b *testing.B) {
			for b.Loop() {
				f.f(dst, src)
			}
		})
	}
}
