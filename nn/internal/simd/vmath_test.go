package simd

import (
	"math"
	"math/big"
	"math/rand/v2"
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
	}{{"Exp", Exp}, {"Sigmoid", Sigmoid}, {"Tanh", Tanh}, {"GELU", GELU}} {
		b.Run(f.name, func(b *testing.B) {
			for b.Loop() {
				f.f(dst, src)
			}
		})
	}
}

func gelu64(x float64) float64 { return x * 0.5 * math.Erfc(-x/math.Sqrt2) }

func geluGrad64(x float64) float64 {
	return 0.5*math.Erfc(-x/math.Sqrt2) + x*math.Exp(-x*x/2)/math.Sqrt(2*math.Pi)
}

// TestGELU checks the vector and scalar paths against float64 erfc. The
// approximation's error is absolute (1.5e-7 on Φ), so the bound is absolute
// in units of max(1, |x|): in the far negative tail, where GELU is below
// 1e-6, its relative error grows, which no training can see.
func TestGELU(t *testing.T) {
	const n = 100003 // not a multiple of 8: exercises the scalar tail
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(-12 + 24*float64(i)/(n-1))
	}
	x[5], x[6], x[7] = 0, float32(math.Copysign(0, -1)), 1e-6
	y := make([]float32, n)
	GELU(y, x)
	g, ga := make([]float32, n), make([]float32, n)
	for i := range g {
		g[i] = float32(1 + i%3)
		ga[i] = 0.5
	}
	GELUGradAdd(ga, g, x)
	for i, v := range x {
		f := float64(v)
		scale := math.Max(1, math.Abs(f))
		if d := math.Abs(float64(y[i]) - gelu64(f)); d > 2e-7*scale {
			t.Fatalf("GELU(%v) = %v, want %v (error %.2g)", v, y[i], gelu64(f), d)
		}
		want := 0.5 + float64(g[i])*geluGrad64(f)
		if d := math.Abs(float64(ga[i]) - want); d > 1e-6*scale {
			t.Fatalf("GELU gradient at %v: ga = %v, want %v (error %.2g)", v, ga[i], want, d)
		}
	}
	nan := []float32{float32(math.NaN()), 1, 2, 3, 4, 5, 6, 7, float32(math.NaN())}
	GELU(nan, nan)
	if !math.IsNaN(float64(nan[0])) || !math.IsNaN(float64(nan[8])) {
		t.Fatalf("GELU does not propagate NaN: %v", nan)
	}
}

// TestFMAF checks fmaf, the single-rounding float32 multiply-add of the
// Go lanes, on sums that round in float64 onto a float32 midpoint (where
// converting the float64 sum would round twice), and on random operands of
// every exponent against the exact sum rounded once by math/big.
func TestFMAF(t *testing.T) {
	const u = 1.0 / (1 << 23)
	tests := []struct{ a, b, c, want float32 }{
		// (2⁻²⁴ + 2⁻⁴⁷)(1 − 2⁻²³) + (1 + 2⁻²³) = 1 + 2⁻²³ + 2⁻²⁴ − 2⁻⁷⁰: just
		// below the midpoint, down to the odd 1 + 2⁻²³ (twice rounded: up).
		{(1 + u) / (1 << 24), 1 - u, 1 + u, 1 + u},
		// −(2⁻²⁴ − 2⁻⁷⁰) + (1 + 2⁻²²): just above the midpoint, up.
		{-(1 + u) / (1 << 24), 1 - u, 1 + 2*u, 1 + 2*u},
		{(1 + u) / (1 << 24), -(1 - u), -(1 + u), -(1 + u)},
		{2, 3, 1, 7},
		{1e-30, 1e-30, 0, 0},     // below half the smallest subnormal
		{1e-23, 1e-22, 0, 1e-45}, // a subnormal result, kept
		{3e38, 2, -3e38, 3e38},   // an intermediate beyond float32
		// 2¹⁰³(1+2⁻²³)(1−2⁻²³) + MaxFloat32 is just below the midpoint
		// between MaxFloat32 and 2¹²⁸: MaxFloat32, not +Inf.
		{0x1p103 * (1 + u), 1 - u, math.MaxFloat32, math.MaxFloat32},
		{-0x1p103 * (1 + u), 1 - u, -math.MaxFloat32, -math.MaxFloat32},
		{0x1p103 * (1 + u), 1 + u, math.MaxFloat32, float32(math.Inf(1))}, // just above: +Inf
		{float32(math.Inf(1)), 0, 1, float32(math.NaN())},
	}
	for _, tt := range tests {
		got := fmaf(tt.a, tt.b, tt.c)
		if math.Float32bits(got) != math.Float32bits(tt.want) && !(got != got && tt.want != tt.want) {
			t.Errorf("fmaf(%g, %g, %g) = %g (%#x), want %g (%#x)", tt.a, tt.b, tt.c, got, math.Float32bits(got), tt.want, math.Float32bits(tt.want))
		}
	}
	r := rand.New(rand.NewPCG(41, 42))
	operand := func() float32 {
		// Exponents from the subnormals to 2⁶⁴: products and sums that
		// overlap, cancel and straddle float32's range.
		x := math.Float32frombits(r.Uint32()&0x807fffff | uint32(r.IntN(192))<<23)
		if r.IntN(8) == 0 {
			x = math.Float32frombits(math.Float32bits(x) &^ 0x7f800000) // subnormal
		}
		return x
	}
	var exact big.Float
	for range 200000 {
		a, b, c := operand(), operand(), operand()
		if r.IntN(2) == 0 {
			c = -a * b * (1 + float32(r.NormFloat64())*1e-6) // cancellation
		}
		p := new(big.Float).SetPrec(400).Mul(new(big.Float).SetFloat64(float64(a)), new(big.Float).SetFloat64(float64(b)))
		exact.SetPrec(400).Add(p, new(big.Float).SetFloat64(float64(c)))
		want, _ := exact.Float32()
		if got := fmaf(a, b, c); math.Float32bits(got) != math.Float32bits(want) {
			t.Fatalf("fmaf(%g, %g, %g) = %g (%#x), want %g (%#x)", a, b, c, got, math.Float32bits(got), want, math.Float32bits(want))
		}
	}
}
