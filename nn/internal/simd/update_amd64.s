//go:build !purego

#include "textflag.h"

// The update kernels run with the caller's MXCSR (Go's default: round to
// nearest, no flush), as the scalar Go code does, and use no fused
// multiply-add: each vector instruction is the scalar operation on 8
// elements.

// func axpyAVX(alpha float32, x, y []float32)
//
// y[i] += alpha·x[i] for len(x) (a multiple of 8) elements.
TEXT ·axpyAVX(SB), NOSPLIT, $0-56
	VBROADCASTSS alpha+0(FP), Y0
	MOVQ x_base+8(FP), SI
	MOVQ x_len+16(FP), CX
	MOVQ y_base+32(FP), DI
	XORQ AX, AX
	CMPQ CX, $32
	JLT axpyOne
axpyFour:
	VMULPS (SI)(AX*4), Y0, Y1
	VMULPS 32(SI)(AX*4), Y0, Y2
	VMULPS 64(SI)(AX*4), Y0, Y3
	VMULPS 96(SI)(AX*4), Y0, Y4
	VADDPS (DI)(AX*4), Y1, Y1
	VADDPS 32(DI)(AX*4), Y2, Y2
	VADDPS 64(DI)(AX*4), Y3, Y3
	VADDPS 96(DI)(AX*4), Y4, Y4
	VMOVUPS Y1, (DI)(AX*4)
	VMOVUPS Y2, 32(DI)(AX*4)
	VMOVUPS Y3, 64(DI)(AX*4)
	VMOVUPS Y4, 96(DI)(AX*4)
	ADDQ $32, AX
	LEAQ 32(AX), DX
	CMPQ DX, CX
	JLE axpyFour
axpyOne:
	CMPQ AX, CX
	JGE axpyDone
	VMULPS (SI)(AX*4), Y0, Y1
	VADDPS (DI)(AX*4), Y1, Y1
	VMOVUPS Y1, (DI)(AX*4)
	ADDQ $8, AX
	JMP axpyOne
axpyDone:
	VZEROUPPER
	RET

// func adamAVX(p, g, m, v []float32, c *AdamConsts)
//
// Adam's update (see Adam) for len(p) (a multiple of 8) elements.
TEXT ·adamAVX(SB), NOSPLIT, $0-104
	MOVQ p_base+0(FP), DI
	MOVQ p_len+8(FP), CX
	MOVQ g_base+24(FP), SI
	MOVQ m_base+48(FP), R8
	MOVQ v_base+72(FP), R9
	MOVQ c+96(FP), AX
	VBROADCASTSS 0(AX), Y8   // β1
	VBROADCASTSS 4(AX), Y9   // 1−β1
	VBROADCASTSS 8(AX), Y10  // β2
	VBROADCASTSS 12(AX), Y11 // 1−β2
	VBROADCASTSS 16(AX), Y12 // step size
	VBROADCASTSS 20(AX), Y13 // inv
	VBROADCASTSS 24(AX), Y14 // ε
	XORQ AX, AX
adamLoop:
	CMPQ AX, CX
	JGE adamDone
	VMOVUPS (SI)(AX*4), Y0        // g
	VMULPS (R8)(AX*4), Y8, Y1     // β1·m
	VMULPS Y0, Y9, Y2             // (1−β1)·g
	VADDPS Y2, Y1, Y1             // m
	VMOVUPS Y1, (R8)(AX*4)
	VMULPS (R9)(AX*4), Y10, Y3    // β2·v
	VMULPS Y0, Y11, Y4            // (1−β2)·g
	VMULPS Y0, Y4, Y4             // ·g
	VADDPS Y4, Y3, Y3             // v
	VMOVUPS Y3, (R9)(AX*4)
	VSQRTPS Y3, Y3
	VMULPS Y13, Y3, Y3            // √v·inv
	VADDPS Y14, Y3, Y3            // + ε
	VMULPS Y1, Y12, Y1            // step size·m
	VDIVPS Y3, Y1, Y1             // / (√v·inv + ε)
	VMOVUPS (DI)(AX*4), Y5
	VSUBPS Y1, Y5, Y5             // p − …
	VMOVUPS Y5, (DI)(AX*4)
	ADDQ $8, AX
	JMP adamLoop
adamDone:
	VZEROUPPER
	RET

// func addRowsAVX(dst *float32, dstStride int, src *float32, srcStride, rows, width int)
//
// dst[r·dstStride+q] += src[r·srcStride+q] for r < rows, q < width (both
// positive): 8 elements at a time, then one at a time (VADDSS, the scalar
// add Go uses).
TEXT ·addRowsAVX(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ dstStride+8(FP), R8
	SHLQ $2, R8
	MOVQ src+16(FP), SI
	MOVQ srcStride+24(FP), R9
	SHLQ $2, R9
	MOVQ rows+32(FP), BX
	MOVQ width+40(FP), CX
addRow:
	XORQ AX, AX
	LEAQ 8(AX), DX
	CMPQ DX, CX
	JGT addTail
addEight:
	VMOVUPS (DI)(AX*4), Y0
	VADDPS (SI)(AX*4), Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ $8, AX
	LEAQ 8(AX), DX
	CMPQ DX, CX
	JLE addEight
addTail:
	CMPQ AX, CX
	JGE addNext
	VMOVSS (DI)(AX*4), X0
	VADDSS (SI)(AX*4), X0, X0
	VMOVSS X0, (DI)(AX*4)
	INCQ AX
	JMP addTail
addNext:
	ADDQ R8, DI
	ADDQ R9, SI
	DECQ BX
	JNE addRow
	VZEROUPPER
	RET

// func gatedGradAVX(da, db, g, t, s []float32, add int)
//
// GatedGrad for len(g) (a multiple of 8) elements; add ≠ 0 adds into da
// and db.
TEXT ·gatedGradAVX(SB), NOSPLIT, $0-128
	MOVQ da_base+0(FP), DI
	MOVQ db_base+24(FP), R8
	MOVQ g_base+48(FP), SI
	MOVQ g_len+56(FP), CX
	MOVQ t_base+72(FP), R9
	MOVQ s_base+96(FP), R10
	MOVQ add+120(FP), R11
	MOVL $0x3f800000, AX
	MOVQ AX, X7
	VBROADCASTSS X7, Y7 // 1
	XORQ AX, AX
gatedLoop:
	CMPQ AX, CX
	JGE gatedDone
	VMOVUPS (SI)(AX*4), Y0  // g
	VMOVUPS (R9)(AX*4), Y1  // t
	VMOVUPS (R10)(AX*4), Y2 // s
	VMULPS Y2, Y0, Y3       // g·s
	VMULPS Y1, Y1, Y4       // t·t
	VSUBPS Y4, Y7, Y4      // 1 − t·t
	VMULPS Y4, Y3, Y3       // da
	VMULPS Y1, Y0, Y5       // g·t
	VMULPS Y2, Y5, Y5       // ·s
	VSUBPS Y2, Y7, Y6      // 1 − s
	VMULPS Y6, Y5, Y5       // db
	TESTQ R11, R11
	JEQ gatedStore
	VADDPS (DI)(AX*4), Y3, Y3
	VADDPS (R8)(AX*4), Y5, Y5
gatedStore:
	VMOVUPS Y3, (DI)(AX*4)
	VMOVUPS Y5, (R8)(AX*4)
	ADDQ $8, AX
	JMP gatedLoop
gatedDone:
	VZEROUPPER
	RET

// func allFiniteAVX(x []float32) bool
//
// Whether no element of x (its length a multiple of 32) has an exponent
// field of all ones: the largest exponent field, as an unsigned integer,
// is below 0x7f800000. No branch per element.
TEXT ·allFiniteAVX(SB), NOSPLIT, $0-25
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	MOVL $0x7f800000, AX
	MOVQ AX, X0
	VPBROADCASTD X0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	VPXOR Y4, Y4, Y4
	XORQ AX, AX
finiteLoop:
	CMPQ AX, CX
	JGE finiteReduce
	VPAND (SI)(AX*4), Y0, Y5
	VPAND 32(SI)(AX*4), Y0, Y6
	VPAND 64(SI)(AX*4), Y0, Y7
	VPAND 96(SI)(AX*4), Y0, Y8
	VPMAXUD Y5, Y1, Y1
	VPMAXUD Y6, Y2, Y2
	VPMAXUD Y7, Y3, Y3
	VPMAXUD Y8, Y4, Y4
	ADDQ $32, AX
	JMP finiteLoop
finiteReduce:
	VPMAXUD Y2, Y1, Y1
	VPMAXUD Y4, Y3, Y3
	VPMAXUD Y3, Y1, Y1
	VPCMPEQD Y0, Y1, Y1
	VPTEST Y1, Y1
	SETEQ ret+24(FP)
	VZEROUPPER
	RET

// func copyRowsAVX(dst *float32, dstStride int, src *float32, srcStride, rows, width int)
//
// dst[r·dstStride+q] = src[r·srcStride+q] for r < rows, q < width (both
// positive): 8 elements at a time, then one at a time.
TEXT ·copyRowsAVX(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ dstStride+8(FP), R8
	SHLQ $2, R8
	MOVQ src+16(FP), SI
	MOVQ srcStride+24(FP), R9
	SHLQ $2, R9
	MOVQ rows+32(FP), BX
	MOVQ width+40(FP), CX
copyRow:
	XORQ AX, AX
	LEAQ 8(AX), DX
	CMPQ DX, CX
	JGT copyTail
copyEight:
	VMOVUPS (SI)(AX*4), Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ $8, AX
	LEAQ 8(AX), DX
	CMPQ DX, CX
	JLE copyEight
copyTail:
	CMPQ AX, CX
	JGE copyNext
	MOVL (SI)(AX*4), DX
	MOVL DX, (DI)(AX*4)
	INCQ AX
	JMP copyTail
copyNext:
	ADDQ R8, DI
	ADDQ R9, SI
	DECQ BX
	JNE copyRow
	VZEROUPPER
	RET

// func reluAVX(dst, src []float32)
//
// ReLU for len(src) (a multiple of 8) elements: each element ANDed with
// the mask of a signed-integer comparison of its bits with zero, as
// positiveMask does in Go.
TEXT ·reluAVX(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ src_base+24(FP), SI
	MOVQ src_len+32(FP), CX
	VPXOR Y7, Y7, Y7
	XORQ AX, AX
reluLoop:
	CMPQ AX, CX
	JGE reluDone
	VMOVDQU (SI)(AX*4), Y0
	VPCMPGTD Y7, Y0, Y1 // bits > 0 as int32
	VPAND Y0, Y1, Y1
	VMOVDQU Y1, (DI)(AX*4)
	ADDQ $8, AX
	JMP reluLoop
reluDone:
	VZEROUPPER
	RET

// func reluGradAVX(ga, g, x []float32, add int)
//
// ReLUGrad for len(x) (a multiple of 8) elements: g masked by x's sign
// test; add ≠ 0 adds it to ga (ga the first operand, as Go's ga += …).
TEXT ·reluGradAVX(SB), NOSPLIT, $0-80
	MOVQ ga_base+0(FP), DI
	MOVQ g_base+24(FP), SI
	MOVQ x_base+48(FP), R9
	MOVQ x_len+56(FP), CX
	MOVQ add+72(FP), R11
	VPXOR Y7, Y7, Y7
	XORQ AX, AX
reluGradLoop:
	CMPQ AX, CX
	JGE reluGradDone
	VMOVDQU (R9)(AX*4), Y0
	VPCMPGTD Y7, Y0, Y1 // x's bits > 0 as int32
	VPAND (SI)(AX*4), Y1, Y1
	TESTQ R11, R11
	JEQ reluGradStore
	VMOVUPS (DI)(AX*4), Y2
	VADDPS Y1, Y2, Y1 // ga + masked g
reluGradStore:
	VMOVUPS Y1, (DI)(AX*4)
	ADDQ $8, AX
	JMP reluGradLoop
reluGradDone:
	VZEROUPPER
	RET

// func sumRowsAVX(dst, x []float32, n int)
//
// SumRows for len(dst) a multiple of 4: four rows at a time, each in one
// XMM register whose lanes are the four partial sums (lane i takes the
// elements at i, i+4, …), the leftover elements added into lane 0 one at
// a time, then (s0 + s1) + (s2 + s3) added to dst[j]. Four independent
// chains of additions where one row's partial sums in scalar registers
// took the latency of each.
TEXT ·sumRowsAVX(SB), NOSPLIT, $0-56
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), BX
	MOVQ x_base+24(FP), SI
	MOVQ n+48(FP), CX
	MOVQ CX, R8
	SHLQ $2, R8  // a row in bytes
	MOVQ CX, R9
	ANDQ $-4, R9 // elements taken four at a time
sumGroup:
	LEAQ (SI)(R8*1), R10
	LEAQ (R10)(R8*1), R11
	LEAQ (R11)(R8*1), R12
	VXORPS X0, X0, X0
	VXORPS X1, X1, X1
	VXORPS X2, X2, X2
	VXORPS X3, X3, X3
	XORQ AX, AX
sumFour:
	CMPQ AX, R9
	JGE sumTail
	VADDPS (SI)(AX*4), X0, X0
	VADDPS (R10)(AX*4), X1, X1
	VADDPS (R11)(AX*4), X2, X2
	VADDPS (R12)(AX*4), X3, X3
	ADDQ $4, AX
	JMP sumFour
sumTail:
	CMPQ AX, CX
	JGE sumReduce
	VADDSS (SI)(AX*4), X0, X0
	VADDSS (R10)(AX*4), X1, X1
	VADDSS (R11)(AX*4), X2, X2
	VADDSS (R12)(AX*4), X3, X3
	INCQ AX
	JMP sumTail
sumReduce:
	VMOVSHDUP X0, X4
	VADDPS X4, X0, X0     // lanes 0, 2: s0 + s1, s2 + s3
	VMOVHLPS X0, X0, X4   // lane 0: s2 + s3
	VADDSS X4, X0, X0     // (s0 + s1) + (s2 + s3)
	VMOVSS (DI), X5
	VADDSS X0, X5, X5     // dst + sum
	VMOVSS X5, (DI)
	VMOVSHDUP X1, X4
	VADDPS X4, X1, X1
	VMOVHLPS X1, X1, X4
	VADDSS X4, X1, X1
	VMOVSS 4(DI), X5
	VADDSS X1, X5, X5
	VMOVSS X5, 4(DI)
	VMOVSHDUP X2, X4
	VADDPS X4, X2, X2
	VMOVHLPS X2, X2, X4
	VADDSS X4, X2, X2
	VMOVSS 8(DI), X5
	VADDSS X2, X5, X5
	VMOVSS X5, 8(DI)
	VMOVSHDUP X3, X4
	VADDPS X4, X3, X3
	VMOVHLPS X3, X3, X4
	VADDSS X4, X3, X3
	VMOVSS 12(DI), X5
	VADDSS X3, X5, X5
	VMOVSS X5, 12(DI)
	ADDQ $16, DI
	LEAQ (R12)(R8*1), SI
	SUBQ $4, BX
	JNE sumGroup
	RET

// func addAVX(dst, a, b []float32)
//
// dst[i] = a[i] + b[i] for len(a) (a multiple of 8) elements, a the
// first operand as in Go's expression.
TEXT ·addAVX(SB), NOSPLIT, $0-72
	MOVQ dst_base+0(FP), DI
	MOVQ a_base+24(FP), SI
	MOVQ a_len+32(FP), CX
	MOVQ b_base+48(FP), R9
	XORQ AX, AX
addLoop:
	CMPQ AX, CX
	JGE addDone
	VMOVUPS (SI)(AX*4), Y0
	VADDPS (R9)(AX*4), Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ $8, AX
	JMP addLoop
addDone:
	VZEROUPPER
	RET

// func mulAVX(dst, a, b []float32)
//
// dst[i] = a[i] · b[i] for len(a) (a multiple of 8) elements, a the
// first operand as in Go's expression.
TEXT ·mulAVX(SB), NOSPLIT, $0-72
	MOVQ dst_base+0(FP), DI
	MOVQ a_base+24(FP), SI
	MOVQ a_len+32(FP), CX
	MOVQ b_base+48(FP), R9
	XORQ AX, AX
mulLoop:
	CMPQ AX, CX
	JGE mulDone
	VMOVUPS (SI)(AX*4), Y0
	VMULPS (R9)(AX*4), Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ $8, AX
	JMP mulLoop
mulDone:
	VZEROUPPER
	RET

// func addScalarAVX(dst, a []float32, v float32)
//
// dst[i] = a[i] + v for len(a) (a multiple of 8) elements, a the first
// operand as in Go's expression.
TEXT ·addScalarAVX(SB), NOSPLIT, $0-52
	MOVQ dst_base+0(FP), DI
	MOVQ a_base+24(FP), SI
	MOVQ a_len+32(FP), CX
	VBROADCASTSS v+48(FP), Y1
	XORQ AX, AX
addScalarLoop:
	CMPQ AX, CX
	JGE addScalarDone
	VMOVUPS (SI)(AX*4), Y0
	VADDPS Y1, Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ $8, AX
	JMP addScalarLoop
addScalarDone:
	VZEROUPPER
	RET

// func mulScalarAVX(dst, a []float32, v float32)
//
// dst[i] = a[i] · v for len(a) (a multiple of 8) elements, a the first
// operand as in Go's expression.
TEXT ·mulScalarAVX(SB), NOSPLIT, $0-52
	MOVQ dst_base+0(FP), DI
	MOVQ a_base+24(FP), SI
	MOVQ a_len+32(FP), CX
	VBROADCASTSS v+48(FP), Y1
	XORQ AX, AX
mulScalarLoop:
	CMPQ AX, CX
	JGE mulScalarDone
	VMOVUPS (SI)(AX*4), Y0
	VMULPS Y1, Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ $8, AX
	JMP mulScalarLoop
mulScalarDone:
	VZEROUPPER
	RET
