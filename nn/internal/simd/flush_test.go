package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// refSgemm is the definition Sgemm implements, written as plainly as
// possible: C scaled by beta, then for each block of kc along k one chain
// of fused multiply-adds from +0, added into C as alpha·sum + C, fused,
// with subnormals flushed (fma32).
func refSgemm(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	scaleC(m, n, beta, c, ldc)
	if k == 0 || alpha == 0 {
		return
	}
	opA := func(i, p int) float32 {
		if tA {
			return a[p*lda+i]
		}
		return a[i*lda+p]
	}
	opB := func(p, j int) float32 {
		if tB {
			return b[j*ldb+p]
		}
		return b[p*ldb+j]
	}
	for pc := 0; pc < k; pc += kc {
		for i := range m {
			for j := range n {
				var acc float32
				for p := pc; p < min(pc+kc, k); p++ {
					acc = fma32(opA(i, p), opB(p, j), acc)
				}
				c[i*ldc+j] = fma32(alpha, acc, c[i*ldc+j])
			}
		}
	}
}

// awkward draws values that exercise rounding and flushing: normal values
// of every scale, subnormals, zeros of both signs, and products that land
// in the subnormal range.
func awkward(r *rand.Rand) float32 {
	switch r.IntN(8) {
	case 0:
		return math.Float32frombits(r.Uint32() & 0x807fffff) // subnormal (or ±0)
	case 1:
		return float32(r.NormFloat64()) * 1e-20
	case 2:
		return float32(r.NormFloat64()) * 1e18
	case 3:
		return 0
	default:
		return float32(r.NormFloat64())
	}
}

// TestSgemmBitsMatchDefinition checks every element of Sgemm, bit for bit,
// against refSgemm on operands full of subnormals and tiny products, for
// every orientation, edge tiles, blocks of k and in-place and packed
// operands. Run with -tags purego it checks the portable kernel the same
// way, so the two kernels agree bit for bit.
func TestSgemmBitsMatchDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	shapes := [][3]int{{1, 1, 1}, {6, 16, 3}, {7, 17, 5}, {13, 33, 300}, {48, 107, 64}, {100, 40, 600}, {97, 18, 257}}
	for _, s := range shapes {
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				for _, direct := range []bool{false, true} {
					m, n, k := s[0], s[1], s[2]
					lda, ldb, ldc, rowsA, rowsB := gemmLayout(m, n, k, tA, tB, 5)
					a, b := make([]float32, rowsA*lda), make([]float32, rowsB*ldb)
					c := make([]float32, m*ldc)
					for _, x := range [][]float32{a, b, c} {
						for i := range x {
							x[i] = awkward(r)
						}
					}
					want := append([]float32(nil), c...)
					refSgemm(tA, tB, m, n, k, 0.7, a, lda, b, ldb, 1, want, ldc)
					sgemm(tA, tB, m, n, k, 0.7, a, lda, b, ldb, 1, c, ldc, direct)
					for i := range c {
						if math.Float32bits(c[i]) != math.Float32bits(want[i]) {
							t.Fatalf("%v tA=%v tB=%v direct=%v: element %d = %g (%#x), want %g (%#x)",
								s, tA, tB, direct, i, c[i], math.Float32bits(c[i]), want[i], math.Float32bits(want[i]))
						}
					}
				}
			}
		}
	}
}

// TestSgemmFlushesSubnormals checks that subnormal operands count as zero:
// a product whose A is all subnormal, times a B large enough that the
// products would be normal numbers, adds nothing to C.
func TestSgemmFlushesSubnormals(t *testing.T) {
	const m, n, k = 30, 40, 50
	a, b, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
	for i := range a {
		a[i] = math.Float32frombits(uint32(1 + i%0x7fffff)) // subnormal
	}
	for i := range b {
		b[i] = 1e30
	}
	for i := range c {
		c[i] = float32(i)
	}
	Sgemm(false, false, m, n, k, 1, a, k, b, n, 1, c, n)
	for i, v := range c {
		if v != float32(i) {
			t.Fatalf("element %d = %g, want %d: a subnormal operand reached the sum", i, v, i)
		}
	}
}

func TestFMA32(t *testing.T) {
	tiny := math.Float32frombits(1) // the smallest subnormal
	tests := []struct {
		a, b, c, want float32
	}{
		{2, 3, 4, 10},
		{tiny, 1e30, 5, 5},                       // DAZ: the subnormal operand is zero
		{1e-20, 1e-20, 0, 0},                     // FTZ: the subnormal result is zero
		{1 + 0x1p-23, 1 - 0x1p-23, -1, -0x1p-46}, // one rounding: the separate product would round to 1 and give 0
		{0x1p-24, 1 + 0x1p-23, 1, 1 + 0x1p-23},   // just above a midpoint: rounds up
		{float32(math.Inf(1)), 0, 1, float32(math.NaN())},
	}
	for _, tc := range tests {
		got := fma32(tc.a, tc.b, tc.c)
		same := math.Float32bits(got) == math.Float32bits(tc.want) || (got != got && tc.want != tc.want)
		if !same {
			t.Errorf("fma32(%g, %g, %g) = %g, want %g", tc.a, tc.b, tc.c, got, tc.want)
		}
	}
	// Against float64 fused arithmetic where it rounds once: for values
	// whose exact sum fits in float64, float32(math.FMA) is exact too.
	r := rand.New(rand.NewPCG(1, 1))
	for range 100000 {
		x, y, z := float32(r.NormFloat64()), float32(r.NormFloat64()), float32(r.NormFloat64())
		want := float32(math.FMA(float64(x), float64(y), float64(z)))
		exact := float64(x)*float64(y) + float64(z) // exact when the exponents are close
		if exact != math.FMA(float64(x), float64(y), float64(z)) {
			continue
		}
		if got := fma32(x, y, z); got != want {
			t.Fatalf("fma32(%g, %g, %g) = %g, want %g", x, y, z, got, want)
		}
	}
}

// BenchmarkSgemmSubnormal times one product over normal operands and the
// same product with a fifth of the A operand subnormal (as the translation
// model's softmax gradients are). On Intel cores without the flush, the
// subnormal case ran several times slower; the ratio of the two is the
// figure to read.
func BenchmarkSgemmSubnormal(b *testing.B) {
	const m, n, k = 256, 256, 256
	r := rand.New(rand.NewPCG(2, 3))
	x, y, z := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
	for i := range y {
		y[i] = float32(r.NormFloat64())
	}
	for _, sub := range []bool{false, true} {
		for i := range x {
			x[i] = float32(r.NormFloat64())
			if sub && i%5 == 0 {
				x[i] = math.Float32frombits(uint32(1 + r.IntN(0x7fffff)))
			}
		}
		b.Run(fmt.Sprintf("subnormal=%v", sub), func(b *testing.B) {
			for b.Loop() {
				Sgemm(false, false, m, n, k, 1, x, k, y, n, 0, z, n)
			}
			b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
	}
}
