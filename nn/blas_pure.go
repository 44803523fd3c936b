//go:build !openblas || !cgo

package nn

import (
	simd "github.com/metabench/metabench/nn/internal/simd"
)

func backendName() string {
	if simd.Available() {
		return "pure Go (AVX2/FMA assembly sgemm; gonum for float64)"
	}
	return "pure Go (portable sgemm, same bits as the AVX2/FMA kernel; gonum for float64)"
}

// sgemm is the float32 matrix product of the cgo-free build: the package's
// own kernel, the same bits on every CPU (AVX2/FMA assembly where the CPU
// has it, a portable Go kernel otherwise).
func sgemm(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	simd.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// sgemmRows computes C = alpha·op(A)·op(B) + R with row i of R all
// rows[i]: the bits of sgemm on C with its rows so set and beta 1, without
// the pass that sets them.
func sgemmRows(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, rows, c []float32, ldc int) {
	simd.SgemmRows(tA, tB, m, n, k, alpha, a, lda, b, ldb, rows, c, ldc)
}

// SetBLASThreads is a no-op in the pure-Go build, whose GEMM runs on the
// calling goroutine (and splits large products over GOMAXPROCS); it
// returns 1.
func SetBLASThreads(int) int { return 1 }
