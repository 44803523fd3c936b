package nn

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkMaskedConv is one 3×3 mask-B layer of the PixelCNN benchmark
// (batch 16, 32 → 64 channels, 28×28), forward and backward, against the
// matrix products it is made of; GFLOPS counts the visible taps' products.
func BenchmarkMaskedConv(b *testing.B) {
	const n, c, f, h = 16, 32, 64, 28
	taps := []int{0, 1, 2, 3, 4}
	r := rand.New(rand.NewPCG(1, 2))
	fill := func(p *Param[float32]) *Param[float32] {
		for i := range p.Value {
			p.Value[i] = float32(r.NormFloat64())
		}
		return p
	}
	x, w, bias := fill(NewParam[float32]("x", n, c, h, h)), fill(NewParam[float32]("w", f, c, 3, 3)), fill(NewParam[float32]("b", f))
	flops := 3 * 2 * float64(n*f*c*len(taps)*h*h)
	tp := NewTape[float32]()
	b.Run("conv", func(b *testing.B) {
		for b.Loop() {
			tp.Reset()
			y := tp.MaskedConv2D(tp.Param(x), tp.Param(w), tp.Param(bias), SamePadding(3, 3, 1, 1), taps)
			if err := tp.Backward(tp.Mean(y)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
	})
	b.Run("gemms", func(b *testing.B) {
		k, p := c*len(taps), h*h
		a, col, y, dw, dcol := make([]float32, f*k), make([]float32, k*p), make([]float32, f*p), make([]float32, k*f), make([]float32, k*p)
		for i := range col {
			col[i] = float32(r.NormFloat64())
		}
		for b.Loop() {
			for range n {
				gemm(false, false, f, p, k, 1, a, k, col, p, 0, y, p)
				gemm(false, true, k, f, p, 1, col, p, y, p, 1, dw, f)
				gemm(true, false, k, p, f, 1, a, k, y, p, 0, dcol, p)
			}
		}
		b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
	})
}
