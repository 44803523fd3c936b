//go:build openblas && cgo

package nn

// The netlib package declares no linker flags of its own; linking against
// Debian's libopenblas-dev (which provides the cblas symbols) is done here, so
// `go build -tags openblas` needs no CGO_LDFLAGS.

// #cgo LDFLAGS: -lopenblas
// void openblas_set_num_threads(int);
// int openblas_get_num_threads(void);
import "C"

import (
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/netlib/blas/netlib"
)

func backendName() string { return "openblas (cgo)" }

// sgemm is the float32 matrix product: OpenBLAS through gonum's interface.
func sgemm(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	blas32.Implementation().Sgemm(trans(tA), trans(tB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func init() {
	blas32.Use(netlib.Implementation{})
	blas64.Use(netlib.Implementation{})
}

// SetBLASThreads sets OpenBLAS's thread count and returns the previous one.
// The engine parallelises over goroutines (one trainer per core), so it
// runs OpenBLAS on one thread by default, whatever OPENBLAS_NUM_THREADS
// says: two trainers with two OpenBLAS threads each oversubscribe two
// cores several times over.
func SetBLASThreads(n int) int {
	prev := int(C.openblas_get_num_threads())
	C.openblas_set_num_threads(C.int(max(n, 1)))
	return prev
}

func init() { SetBLASThreads(1) }
