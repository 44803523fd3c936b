package nn

import (
	simd "github.com/metabench/metabench/nn/internal/simd"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// Backend names the implementation float32 matrix products use: by default
// the package's own AVX2/FMA assembly kernel on CPUs that have it (a
// portable Go kernel of the same bits otherwise, or with the purego tag),
// and OpenBLAS when built with the openblas tag (and cgo). It names the
// target as well when the compiler fused multiply-adds (FusesMultiplyAdd).
func Backend() string {
	if FusesMultiplyAdd() {
		return backendName() + "; compiled for " + Target() + ", which fuses multiply-adds: not the amd64 v1 build's bits"
	}
	return backendName()
}

func trans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

// gemm computes C = alpha*op(A)*op(B) + beta*C for row-major matrices, where
// op(A) is m×k and op(B) is k×n.
func gemm[T Float](tA, tB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	switch a := any(a).(type) {
	case []float32:
		sgemm(tA, tB, m, n, k, float32(alpha), a, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	case []float64:
		blas64.Implementation().Dgemm(trans(tA), trans(tB), m, n, k,
			float64(alpha), a, lda, any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	}
}

// gemmRows computes C = alpha·op(A)·op(B) + R, where every element of row
// i of R is rows[i]: the bits of gemm with beta 1 on a C whose rows hold
// rows (a bias per output row, added by the product).
func gemmRows[T Float](tA, tB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, rows, c []T, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if a32, ok := any(a).([]float32); ok {
		sgemmRows(tA, tB, m, n, k, float32(alpha), a32, lda, any(b).([]float32), ldb, any(rows).([]float32), any(c).([]float32), ldc)
		return
	}
	for i := range m {
		fill(c[i*ldc:i*ldc+n], rows[i])
	}
	gemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, 1, c, ldc)
}

// Gemm computes C = alpha·op(A)·op(B) + beta·C for row-major matrices with
// leading dimensions lda, ldb and ldc, where op(A) is m×k and op(B) is k×n,
// using the active BLAS backend.
func Gemm[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// axpy computes y += alpha·x for contiguous vectors of length n.
func axpy[T Float](n int, alpha T, x, y []T) {
	switch x := any(x).(type) {
	case []float32:
		// simd.Axpy rounds the product and the sum as gonum's Saxpy does,
		// with wider vectors.
		simd.Axpy(float32(alpha), x[:n], any(y).([]float32)[:n])
	case []float64:
		blas64.Implementation().Daxpy(n, float64(alpha), x, 1, any(y).([]float64), 1)
	}
}

// SetThreads bounds the goroutines that execute the engine's kernels at
// once, across the process (n ≤ 0: GOMAXPROCS, the default), and returns
// the previous bound. A large product splits over as many goroutines as
// the bound leaves free, so a program running N workers with a bound of N
// never runs more than N kernel goroutines. The OpenBLAS build keeps
// OpenBLAS at one thread per calling goroutine (SetBLASThreads).
func SetThreads(n int) int { return simd.SetThreads(n) }

// KernelPeak returns the largest number of goroutines that executed the
// engine's matrix kernels at once since the previous call.
func KernelPeak() int { return simd.KernelPeak() }
