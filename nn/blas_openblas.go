//go:build openblas && cgo

package nn

// The netlib package declares no linker flags of its own; linking against
// Debian's libopenblas-dev (which provides the cblas symbols) is done here, so
// `go build -tags openblas` needs no CGO_LDFLAGS.

/*
#cgo LDFLAGS: -lopenblas
#include <cblas.h>
#include <xmmintrin.h>

// mb_sgemm runs OpenBLAS's sgemm with flush-to-zero and denormals-are-zero
// set, as the pure-Go kernels run: subnormals count as zero. The cgo call
// holds its thread, and OpenBLAS runs on the calling thread (one OpenBLAS
// thread), so the mode covers exactly this product.
static void mb_sgemm(int ta, int tb, int m, int n, int k, float alpha,
		const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc) {
	unsigned int saved = _mm_getcsr();
	_mm_setcsr(saved | 0x8040);
	cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
		m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
	_mm_setcsr(saved);
}
*/
import "C"

import (
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/netlib/blas/netlib"
)

func backendName() string { return "openblas (cgo)" }

// sgemm is the float32 matrix product: OpenBLAS's, with subnormals flushed
// (mb_sgemm). Its bits depend on the CPU: OpenBLAS picks its kernels and
// blocking by CPU model.
func sgemm(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	C.mb_sgemm(cbool(tA), cbool(tB), C.int(m), C.int(n), C.int(k), C.float(alpha),
		cptr(a), C.int(lda), cptr(b), C.int(ldb), C.float(beta), cptr(c), C.int(ldc))
}

// sgemmRows is sgemm on C with row i set to rows[i] and beta 1.
func sgemmRows(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, rows, c []float32, ldc int) {
	for i := range m {
		fill(c[i*ldc:i*ldc+n], rows[i])
	}
	sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, 1, c, ldc)
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

// cptr returns the address of s's first element, or nil for an empty s
// (a product with k = 0 reads nothing).
func cptr(s []float32) *C.float {
	if len(s) == 0 {
		return nil
	}
	return (*C.float)(&s[0])
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
