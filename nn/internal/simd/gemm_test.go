package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

func TestSgemmMatchesReference(t *testing.T) {
	if !Available() {
		t.Skip("no AVX2/FMA")
	}
	r := rand.New(rand.NewPCG(1, 2))
	shapes := [][3]int{{1, 1, 1}, {5, 7, 3}, {6, 16, 1}, {13, 33, 300}, {97, 18, 257}, {200, 130, 70}, {64, 2100, 40}, {300, 300, 600}}
	for _, s := range shapes {
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				m, n, k := s[0], s[1], s[2]
				lda, ldb, ldc := k+3, n+1, n+2
				if tA {
					lda = m + 2
				}
				if tB {
					ldb = k + 5
				}
				rowsA, rowsB := m, k
				if tA {
					rowsA = k
				}
				if tB {
					rowsB = n
				}
				a, b := make([]float32, rowsA*lda), make([]float32, rowsB*ldb)
				c := make([]float32, m*ldc)
				for _, x := range [][]float32{a, b, c} {
					for i := range x {
						x[i] = float32(r.NormFloat64())
					}
				}
				want := append([]float32(nil), c...)
				tr := func(t bool) blas.Transpose {
					if t {
						return blas.Trans
					}
					return blas.NoTrans
				}
				gonum.Implementation{}.Sgemm(tr(tA), tr(tB), m, n, k, 0.7, a, lda, b, ldb, -0.3, want, ldc)
				Sgemm(tA, tB, m, n, k, 0.7, a, lda, b, ldb, -0.3, c, ldc)
				for i := range c {
					if d := math.Abs(float64(c[i] - want[i])); d > 1e-4*math.Sqrt(float64(k))*(1+math.Abs(float64(want[i]))) {
						t.Fatalf("%v tA=%v tB=%v: element %d = %v, want %v", s, tA, tB, i, c[i], want[i])
					}
				}
			}
		}
	}
}

// TestSgemmDirectSameBits checks that reading the operands in place gives
// the same bits as packing them, for every orientation and for edge tiles.
func TestSgemmDirectSameBits(t *testing.T) {
	if !Available() {
		t.Skip("no AVX2/FMA")
	}
	r := rand.New(rand.NewPCG(5, 6))
	for _, s := range [][3]int{{1, 1, 1}, {6, 16, 1}, {7, 17, 5}, {48, 107, 128}, {16, 242, 128}, {185, 32, 48}, {100, 300, 270}, {13, 2100, 40}, {200, 128, 200}, {384, 256, 256}} {
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				m, n, k := s[0], s[1], s[2]
				lda, ldb, ldc := k+1, n+3, n
				rowsA, rowsB := m, k
				if tA {
					lda, rowsA = m+2, k
				}
				if tB {
					ldb, rowsB = k, n
				}
				a, b := make([]float32, rowsA*lda), make([]float32, rowsB*ldb)
				c := make([]float32, m*ldc)
				for _, x := range [][]float32{a, b, c} {
					for i := range x {
						x[i] = float32(r.NormFloat64())
					}
				}
				packed, direct := append([]float32(nil), c...), append([]float32(nil), c...)
				sgemm(tA, tB, m, n, k, 0.7, a, lda, b, ldb, 0.5, packed, ldc, false)
				sgemm(tA, tB, m, n, k, 0.7, a, lda, b, ldb, 0.5, direct, ldc, true)
				for i := range packed {
					if math.Float32bits(packed[i]) != math.Float32bits(direct[i]) {
						t.Fatalf("%v tA=%v tB=%v: element %d = %v in place, %v packed", s, tA, tB, i, direct[i], packed[i])
					}
				}
			}
		}
	}
}

func TestSgemmDeterministicAcrossProcs(t *testing.T) {
	if !Available() {
		t.Skip("no AVX2/FMA")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	r := rand.New(rand.NewPCG(3, 4))
	const m, n, k = 150, 300, 400
	a, b := make([]float32, m*k), make([]float32, k*n)
	for i := range a {
		a[i] = float32(r.NormFloat64())
	}
	for i := range b {
		b[i] = float32(r.NormFloat64())
	}
	var res [][]float32
	for _, p := range []int{1, 2, 3} {
		runtime.GOMAXPROCS(p)
		c := make([]float32, m*n)
		Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
		res = append(res, c)
	}
	for i := range res[0] {
		if res[0][i] != res[1][i] || res[0][i] != res[2][i] {
			t.Fatalf("element %d differs across GOMAXPROCS", i)
		}
	}
}

// BenchmarkSgemmSmall compares packed and in-place operands on shapes of
// the imitation network's training step (m×n×k, op(A)·op(B)).
func BenchmarkSgemmSmall(b *testing.B) {
	for _, s := range []struct {
		m, n, k        int
		transA, transB bool
	}{
		{48, 107, 128, false, true}, {107, 128, 48, true, false}, {48, 128, 107, false, false},
		{16, 128, 242, false, true}, {16, 242, 128, false, false}, {128, 242, 16, true, false},
		// A decoding step of the translation model: a few hypotheses
		// against its 64-wide layers, attention over a short prefix.
		{4, 64, 64, false, true}, {4, 256, 64, false, true}, {16, 9, 16, false, true},
	} {
		x, y, z := make([]float32, s.m*s.k), make([]float32, s.k*s.n), make([]float32, s.m*s.n)
		lda, ldb := s.k, s.n
		if s.transA {
			lda = s.m
		}
		if s.transB {
			ldb = s.k
		}
		for _, direct := range []bool{false, true} {
			b.Run(fmt.Sprintf("%dx%dx%d/tA=%v/tB=%v/direct=%v", s.m, s.n, s.k, s.transA, s.transB, direct), func(b *testing.B) {
				for b.Loop() {
					sgemm(s.transA, s.transB, s.m, s.n, s.k, 1, x, lda, y, ldb, 0, z, s.n, direct)
				}
				b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
			})
		}
	}
}

func BenchmarkSgemm(b *testing.B) {
	for _, s := range [][3]int{{64, 64, 64}, {256, 256, 256}, {1024, 1024, 1024}, {64, 512, 512}, {128, 2000, 1024}} {
		m, n, k := s[0], s[1], s[2]
		x, y, z := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
		b.Run("", func(b *testing.B) {
			for b.Loop() {
				Sgemm(false, false, m, n, k, 1, x, k, y, n, 0, z, n)
			}
			b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
	}
}

// TestSgemmInitSameBits checks the products that start C inside the
// kernels against the same products on a C set first: beta 0 against a
// cleared C and beta 1, SgemmRows against C's rows filled and beta 1, in
// every orientation, packed and in place, with edge tiles, several blocks
// over k and over columns, and one and two goroutines.
func TestSgemmInitSameBits(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	r := rand.New(rand.NewPCG(7, 8))
	shapes := [][3]int{{1, 1, 1}, {4, 16, 3}, {6, 16, 1}, {7, 17, 5}, {64, 784, 160}, {160, 784, 64}, {160, 64, 784}, {100, 300, 270}, {13, 2100, 40}, {0, 5, 3}, {5, 7, 0}}
	if testing.Short() || !Available() {
		shapes = [][3]int{{1, 1, 1}, {7, 17, 5}, {64, 80, 20}, {10, 20, 300}}
	}
	for _, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		for _, s := range shapes {
			for _, tA := range []bool{false, true} {
				for _, tB := range []bool{false, true} {
					for _, direct := range []bool{false, true} {
						m, n, k := s[0], s[1], s[2]
						lda, ldb, ldc, rowsA, rowsB := gemmLayout(m, n, k, tA, tB, 0)
						a, b := randSlice(r, rowsA*lda+1, false), randSlice(r, rowsB*ldb+1, false)
						for i := range a {
							a[i] = awkward(r)
						}
						c := randSlice(r, m*ldc+1, false)
						rows := make([]float32, m)
						for i := range rows {
							rows[i] = awkward(r)
						}
						name := fmt.Sprintf("%v tA=%v tB=%v direct=%v procs=%d", s, tA, tB, direct, procs)
						for _, alpha := range []float32{0.7, 0} {
							want, got := append([]float32(nil), c...), append([]float32(nil), c...)
							for i := range m {
								clear(want[i*ldc : i*ldc+n])
							}
							sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, 1, want, ldc, direct)
							sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, 0, got, ldc, direct)
							sameBits(t, name+" beta=0", got, want)

							want, got = append([]float32(nil), c...), append([]float32(nil), c...)
							setRows(m, n, rows, want, ldc)
							sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, 1, want, ldc, direct)
							gemmInit(tA, tB, m, n, k, alpha, a, lda, b, ldb, 1, rows, got, ldc, direct)
							sameBits(t, name+" rows", got, want)
						}
					}
				}
			}
		}
	}
}

// gemmLayout gives padded leading dimensions for an m×n×k product in the
// orientation tA, tB (padB pads B's leading dimension when it is
// transposed), and how many rows A and B span, so that every test
// exercises strides that differ from the operands' widths.
func gemmLayout(m, n, k int, tA, tB bool, padB int) (lda, ldb, ldc, rowsA, rowsB int) {
	lda, ldb, ldc = k+1, n+3, n+2
	rowsA, rowsB = m, k
	if tA {
		lda, rowsA = m+2, k
	}
	if tB {
		ldb, rowsB = k+padB, n
	}
	return lda, ldb, ldc, rowsA, rowsB
}
