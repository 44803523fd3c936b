package nn

import (
	"fmt"
	"slices"
)

// MatMul returns the matrix product a·b. a may have rank above two, in
// which case its leading axes are flattened into rows (so a linear layer
// applies to [batch, time, features] directly); b must be a matrix.
func (tp *Tape[T]) MatMul(a, b *Tensor[T]) *Tensor[T] {
	if len(a.Shape) < 2 || len(b.Shape) != 2 {
		panic(fmt.Sprintf("nn: MatMul: shapes %v and %v, want rank ≥ 2 and a matrix", a.Shape, b.Shape))
	}
	k := a.Shape[len(a.Shape)-1]
	m := len(a.Data) / max(k, 1)
	if k == 0 {
		m = shapeSize(a.Shape[:len(a.Shape)-1])
	}
	if b.Shape[0] != k {
		panic(fmt.Sprintf("nn: MatMul: inner dimensions differ: %v · %v", a.Shape, b.Shape))
	}
	shape := append(slices.Clone(a.Shape[:len(a.Shape)-1]), b.Shape[1])
	if !a.requiresGrad && len(a.Data) >= sparseMinSize {
		if sp, ok := toCSR(a.Data, m, k); ok {
			out := tp.newOut(shape, a, b) // zeroed: the sparse product accumulates
			tp.sparseMatMul(out, sp, b)
			return out
		}
	}
	out := tp.newOutRaw(shape, a, b)
	tp.matmul2("MatMul", out, a, b, false, false, m, b.Shape[1], k)
	return out
}

// Constant left operands of MatMul with at least sparseMinSize elements of
// which at most a fraction sparseMaxDensity are non-zero (such as binary
// fingerprint features) are multiplied as sparse matrices.
const (
	sparseMinSize    = 4096
	sparseMaxDensity = 0.2
)

// csr is a compressed-sparse-row matrix.
type csr[T Float] struct {
	rows   int
	rowPtr []int32
	cols   []int32
	vals   []T
}

// toCSR converts a dense m×k matrix if it is sparse enough.
//
// Both passes are branch-free per element (a binary input's zeros and ones
// alternate unpredictably): the count adds a 0 or 1 and checks the limit
// once a row, and the layout writes every element at the next free slot
// and advances past it only if it is non-zero.
func toCSR[T Float](a []T, m, k int) (csr[T], bool) {
	limit := int(sparseMaxDensity * float64(len(a)))
	nnz := 0
	for i := range m {
		for _, v := range a[i*k : (i+1)*k] {
			nnz += nonZero(v)
		}
		if nnz > limit {
			return csr[T]{}, false
		}
	}
	// One spare slot: the last element is written even when it is zero.
	sp := csr[T]{rows: m, rowPtr: make([]int32, m+1), cols: make([]int32, nnz+1), vals: make([]T, nnz+1)}
	n := 0
	for i := range m {
		for j, v := range a[i*k : (i+1)*k] {
			sp.cols[n], sp.vals[n] = int32(j), v
			n += nonZero(v)
		}
		sp.rowPtr[i+1] = int32(n)
	}
	sp.cols, sp.vals = sp.cols[:n], sp.vals[:n]
	return sp, true
}

// nonZero returns 1 if v ≠ 0 and 0 otherwise.
func nonZero[T Float](v T) int {
	b := 0
	if v != 0 {
		b = 1
	}
	return b
}

// sparseMatMul computes out = a·b for a sparse constant a; only b receives a
// gradient.
func (tp *Tape[T]) sparseMatMul(out *Tensor[T], a csr[T], b *Tensor[T]) {
	n := b.Shape[1]
	for i := range a.rows {
		o := out.Data[i*n : (i+1)*n]
		for p := a.rowPtr[i]; p < a.rowPtr[i+1]; p++ {
			j := int(a.cols[p])
			axpy(n, a.vals[p], b.Data[j*n:(j+1)*n], o)
		}
	}
	tp.record("MatMul", out, func() {
		gb := tp.grad(b)
		for i := range a.rows {
			g := out.Grad[i*n : (i+1)*n]
			for p := a.rowPtr[i]; p < a.rowPtr[i+1]; p++ {
				j := int(a.cols[p])
				axpy(n, a.vals[p], g, gb[j*n:(j+1)*n])
			}
		}
	}, b)
}

// MatMulT returns op(a)·op(b) for matrices, where op transposes its
// argument when the matching flag is set.
func (tp *Tape[T]) MatMulT(a, b *Tensor[T], transA, transB bool) *Tensor[T] {
	if len(a.Shape) != 2 || len(b.Shape) != 2 {
		panic(fmt.Sprintf("nn: MatMulT: shapes %v and %v, want matrices", a.Shape, b.Shape))
	}
	m, k := a.Shape[0], a.Shape[1]
	if transA {
		m, k = k, m
	}
	kb, n := b.Shape[0], b.Shape[1]
	if transB {
		kb, n = n, kb
	}
	if k != kb {
		panic(fmt.Sprintf("nn: MatMulT: inner dimensions differ: %v(T=%v) · %v(T=%v)", a.Shape, transA, b.Shape, transB))
	}
	out := tp.newOutRaw([]int{m, n}, a, b)
	tp.matmul2("MatMulT", out, a, b, transA, transB, m, n, k)
	return out
}

func (tp *Tape[T]) matmul2(name string, out, a, b *Tensor[T], tA, tB bool, m, n, k int) {
	lda, ldb := k, n
	if tA {
		lda = m
	}
	if tB {
		ldb = k
	}
	gemm(tA, tB, m, n, k, 1, a.Data, lda, b.Data, ldb, 0, out.Data, n)
	tp.record(name, out, func() {
		mmBackward(tp, out.Grad, a, b, tA, tB, m, n, k, lda, ldb)
	}, a, b)
}

// gemmWide is gemm for the products the attention layers make: C = A·Bᵀ
// with few rows (m) and a wide transposed operand B (n×k). Packing B
// transposes all of it; Cᵀ = B·Aᵀ packs only A's few rows transposed, and
// turning the m×n result round is cheap. Each element is the same sum
// over k. Other shapes go to gemm.
func (tp *Tape[T]) gemmWide(transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if transA || !transB || n < 8*m || n*k < 1<<14 {
		gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	ct := tp.arena.getRaw(n * m)
	gemm(false, true, n, m, k, alpha, b, ldb, a, lda, 0, ct, m)
	for i := range m {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			for j := range row {
				row[j] = ct[j*m+i]
			}
			continue
		}
		for j := range row {
			row[j] = beta*row[j] + ct[j*m+i]
		}
	}
}

// mmBackward accumulates the gradients of C = op(A)·op(B) given dC.
func mmBackward[T Float](tp *Tape[T], dc []T, a, b *Tensor[T], tA, tB bool, m, n, k, lda, ldb int) {
	ad, bd := a.Data, b.Data
	if a.requiresGrad {
		ga := tp.grad(a)
		if !tA {
			gemm(false, !tB, m, k, n, 1, dc, n, bd, ldb, 1, ga, lda)
		} else {
			gemm(tB, true, k, m, n, 1, bd, ldb, dc, n, 1, ga, lda)
		}
	}
	if b.requiresGrad {
		gb := tp.grad(b)
		if !tB {
			gemm(!tA, false, k, n, m, 1, ad, lda, dc, n, 1, gb, ldb)
		} else {
			gemm(true, tA, n, k, m, 1, dc, n, ad, lda, 1, gb, ldb)
		}
	}
}

// BatchMatMul returns the batched product op(a[i])·op(b[i]) for tensors of
// shape [..., rows, cols] with identical leading (batch) axes.
func (tp *Tape[T]) BatchMatMul(a, b *Tensor[T], transA, transB bool) *Tensor[T] {
	if len(b.Shape) < 2 {
		panic(fmt.Sprintf("nn: BatchMatMul: shapes %v and %v, want equal batch axes", a.Shape, b.Shape))
	}
	return tp.batchMatMul("BatchMatMul", a, b, b.Shape[len(b.Shape)-2], transA, transB)
}

// BatchMatMulRows is BatchMatMul with each of b's matrices cut to its
// first rows rows, as stored (before the transpose transB asks for): b
// has room for more rows than are filled, as a key/value cache that grows
// in place. The product is the one BatchMatMul computes on the filled rows
// copied out, bit for bit.
func (tp *Tape[T]) BatchMatMulRows(a, b *Tensor[T], rows int, transA, transB bool) *Tensor[T] {
	if len(b.Shape) < 2 || rows < 0 || rows > b.Shape[len(b.Shape)-2] {
		panic(fmt.Sprintf("nn: BatchMatMulRows: %d rows of %v", rows, b.Shape))
	}
	return tp.batchMatMul("BatchMatMulRows", a, b, rows, transA, transB)
}

// batchMatMul multiplies by the first rows rows of each of b's matrices.
func (tp *Tape[T]) batchMatMul(op string, a, b *Tensor[T], rows int, transA, transB bool) *Tensor[T] {
	ra, rb := len(a.Shape), len(b.Shape)
	if ra < 3 || ra != rb || !slices.Equal(a.Shape[:ra-2], b.Shape[:rb-2]) {
		panic(fmt.Sprintf("nn: %s: shapes %v and %v, want equal batch axes", op, a.Shape, b.Shape))
	}
	m, k := a.Shape[ra-2], a.Shape[ra-1]
	if transA {
		m, k = k, m
	}
	kb, n := rows, b.Shape[rb-1]
	if transB {
		kb, n = n, kb
	}
	if k != kb {
		panic(fmt.Sprintf("nn: %s: inner dimensions differ: %v · %d rows of %v", op, a.Shape, rows, b.Shape))
	}
	batch := shapeSize(a.Shape[:ra-2])
	shape := append(slices.Clone(a.Shape[:ra-2]), m, n)
	out := tp.newOutRaw(shape, a, b)
	lda, ldb := k, n
	if transA {
		lda = m
	}
	if transB {
		ldb = k
	}
	// b's matrices are b.Shape[rb-2] rows apart, of which the first rows count.
	sa, sb, sc, nb := m*k, b.Shape[rb-2]*b.Shape[rb-1], m*n, k*n
	for i := range batch {
		tp.gemmWide(transA, transB, m, n, k, 1, a.Data[i*sa:(i+1)*sa], lda, b.Data[i*sb:i*sb+nb], ldb, 0, out.Data[i*sc:(i+1)*sc], n)
	}
	tp.record(op, out, func() {
		var ga, gb []T
		if a.requiresGrad {
			ga = tp.grad(a)
		}
		if b.requiresGrad {
			gb = tp.grad(b)
		}
		for i := range batch {
			dc := out.Grad[i*sc : (i+1)*sc]
			ad, bd := a.Data[i*sa:(i+1)*sa], b.Data[i*sb:i*sb+nb]
			if ga != nil {
				g := ga[i*sa : (i+1)*sa]
				if !transA {
					tp.gemmWide(false, !transB, m, k, n, 1, dc, n, bd, ldb, 1, g, lda)
				} else {
					tp.gemmWide(transB, true, k, m, n, 1, bd, ldb, dc, n, 1, g, lda)
				}
			}
			if gb != nil {
				g := gb[i*sb : i*sb+nb]
				if !transB {
					gemm(!transA, false, k, n, m, 1, ad, lda, dc, n, 1, g, ldb)
				} else {
					gemm(true, transA, n, k, m, 1, dc, n, ad, lda, 1, g, ldb)
				}
			}
		}
	}, a, b)
	return out
}

// Linear returns x·w + bias for x of shape [..., in], w [in, out] and bias
// [out] (bias may be nil). It is fused: one output buffer, one tape record.
func (tp *Tape[T]) Linear(x, w, bias *Tensor[T]) *Tensor[T] {
	y := tp.MatMul(x, w)
	if bias == nil {
		return y
	}
	return tp.addBiasInPlace(y, bias)
}

// addBiasInPlace adds a row vector to y (a fresh MatMul output) in place and
// records a backward pass for the bias only; y's own backward is unchanged
// because d(y+b)/dy is the identity.
func (tp *Tape[T]) addBiasInPlace(y, bias *Tensor[T]) *Tensor[T] {
	n := y.Shape[len(y.Shape)-1]
	if len(bias.Data) != n {
		panic(fmt.Sprintf("nn: Linear: bias shape %v for output %v", bias.Shape, y.Shape))
	}
	rows := len(y.Data) / max(n, 1)
	for r := range rows {
		o := y.Data[r*n : (r+1)*n]
		for j, v := range bias.Data[:n] {
			o[j] += v
		}
	}
	if bias.requiresGrad && !tp.noGrad {
		// The bias gradient is the column sum of dy; register it as an op
		// whose output is y itself, which runs before y's MatMul backward.
		y.requiresGrad = true
		tp.record("LinearBias", y, func() {
			gb := tp.grad(bias)
			for r := range rows {
				g := y.Grad[r*n : (r+1)*n]
				for j := range gb[:n] {
					gb[j] += g[j]
				}
			}
		}, bias)
	}
	return y
}
