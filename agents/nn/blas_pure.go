//go:build !openblas || !cgo

package nn

import (
	"gonum.org/v1/gonum/blas/blas32"

	simd "github.com/metabench/metabench/agents/nn/internal/simd"
)

func backendName() string {
	if simd.Available() {
		return "pure Go (AVX2/FMA assembly sgemm; gonum for float64)"
	}
	return "gonum (pure Go)"
}

// sgemm is the float32 matrix product of the cgo-free build: the package's
// own AVX2/FMA kernel when the CPU has it, gonum's otherwise.
func sgemm(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if simd.Available() {
		simd.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	blas32.Implementation().Sgemm(trans(tA), trans(tB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// SetBLASThreads is a no-op in the pure-Go build, whose GEMM runs on the
// calling goroutine (and splits large products over GOMAXPROCS); it
// returns 1.
func SetBLASThreads(int) int { return 1 }
