//go:build !purego

#include "textflag.h"

// The micro-kernels read op(A) and op(B) through strides, so that they work
// on packed panels and, for small problems, straight from the operands:
// element (i, p) of the 6-row A strip is at a + 4·(i·aRow + p·aStep) and row
// p of the 16-column B strip at b + 4·p·bStep. Packed panels have aRow 1,
// aStep 6, bStep 16. The FMAs run in the same order either way, so the
// results are the same bits.

// ZERO clears the twelve accumulators Y4..Y15.
#define ZERO \
	VXORPS Y4, Y4, Y4; VXORPS Y5, Y5, Y5; VXORPS Y6, Y6, Y6; VXORPS Y7, Y7, Y7; \
	VXORPS Y8, Y8, Y8; VXORPS Y9, Y9, Y9; VXORPS Y10, Y10, Y10; VXORPS Y11, Y11, Y11; \
	VXORPS Y12, Y12, Y12; VXORPS Y13, Y13, Y13; VXORPS Y14, Y14, Y14; VXORPS Y15, Y15, Y15

// STEP accumulates one rank-1 update: rows 0-2 of A are at SI, SI+R8,
// SI+2·R8, rows 3-5 at R9, R9+R8, R9+2·R8; the B row at DI. Then it
// advances A by R10 bytes and B by R11 bytes.
#define STEP \
	VMOVUPS (DI), Y0; VMOVUPS 32(DI), Y1; \
	VBROADCASTSS (SI), Y2; VFMADD231PS Y0, Y2, Y4; VFMADD231PS Y1, Y2, Y5; \
	VBROADCASTSS (SI)(R8*1), Y3; VFMADD231PS Y0, Y3, Y6; VFMADD231PS Y1, Y3, Y7; \
	VBROADCASTSS (SI)(R8*2), Y2; VFMADD231PS Y0, Y2, Y8; VFMADD231PS Y1, Y2, Y9; \
	VBROADCASTSS (R9), Y3; VFMADD231PS Y0, Y3, Y10; VFMADD231PS Y1, Y3, Y11; \
	VBROADCASTSS (R9)(R8*1), Y2; VFMADD231PS Y0, Y2, Y12; VFMADD231PS Y1, Y2, Y13; \
	VBROADCASTSS (R9)(R8*2), Y3; VFMADD231PS Y0, Y3, Y14; VFMADD231PS Y1, Y3, Y15; \
	ADDQ R10, SI; ADDQ R10, R9; ADDQ R11, DI

// LOADSTRIDES loads k, the A and B pointers and strides (in bytes).
#define LOADSTRIDES \
	MOVQ k+0(FP), CX; \
	MOVQ a+8(FP), SI; \
	MOVQ aRow+16(FP), R8; SHLQ $2, R8; \
	MOVQ aStep+24(FP), R10; SHLQ $2, R10; \
	MOVQ b+32(FP), DI; \
	MOVQ bStep+40(FP), R11; SHLQ $2, R11; \
	LEAQ (SI)(R8*2), R9; ADDQ R8, R9

// func kernel6x16(k int, a *float32, aRow, aStep int, b *float32, bStep int, c *float32)
//
// c[0:96] = Σ_p A[:, p] ⊗ B[p, :] (row-major 6×16 tile) with AVX2 and FMA:
// twelve YMM accumulators, two B vectors and a broadcast register.
TEXT ·kernel6x16(SB), NOSPLIT, $0-56
	LOADSTRIDES
	MOVQ c+48(FP), DX
	ZERO
	TESTQ CX, CX
	JEQ done
loop:
	STEP
	DECQ CX
	JNE loop
done:
	VMOVUPS Y4, (DX)
	VMOVUPS Y5, 32(DX)
	VMOVUPS Y6, 64(DX)
	VMOVUPS Y7, 96(DX)
	VMOVUPS Y8, 128(DX)
	VMOVUPS Y9, 160(DX)
	VMOVUPS Y10, 192(DX)
	VMOVUPS Y11, 224(DX)
	VMOVUPS Y12, 256(DX)
	VMOVUPS Y13, 288(DX)
	VMOVUPS Y14, 320(DX)
	VMOVUPS Y15, 352(DX)
	VZEROUPPER
	RET

// ADDROW adds alpha (Y0) times accumulators lo, hi into the C row at DX.
#define ADDROW(lo, hi) \
	VMOVUPS (DX), Y1; VMOVUPS 32(DX), Y2; \
	VFMADD231PS lo, Y0, Y1; VFMADD231PS hi, Y0, Y2; \
	VMOVUPS Y1, (DX); VMOVUPS Y2, 32(DX)

// func kernel6x16C(k int, a *float32, aRow, aStep int, b *float32, bStep int, c *float32, ldc int, alpha float32)
//
// Like kernel6x16, but adds alpha times the tile into c directly: row r of
// the tile goes to c[r*ldc : r*ldc+16].
TEXT ·kernel6x16C(SB), NOSPLIT, $0-68
	LOADSTRIDES
	MOVQ c+48(FP), DX
	MOVQ ldc+56(FP), BX
	SHLQ $2, BX
	ZERO
	TESTQ CX, CX
	JEQ store
loopc:
	STEP
	DECQ CX
	JNE loopc
store:
	VBROADCASTSS alpha+64(FP), Y0
	ADDROW(Y4, Y5)
	ADDQ BX, DX
	ADDROW(Y6, Y7)
	ADDQ BX, DX
	ADDROW(Y8, Y9)
	ADDQ BX, DX
	ADDROW(Y10, Y11)
	ADDQ BX, DX
	ADDROW(Y12, Y13)
	ADDQ BX, DX
	ADDROW(Y14, Y15)
	VZEROUPPER
	RET

// func transpose8x8(dst *float32, ldd int, src *float32, lds int)
//
// dst[p*ldd+j] = src[j*lds+p] for j, p in 0..7: eight rows loaded, the
// usual unpack/shuffle/permute transpose, eight rows stored.
TEXT ·transpose8x8(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ ldd+8(FP), DX
	SHLQ $2, DX
	MOVQ src+16(FP), SI
	MOVQ lds+24(FP), BX
	SHLQ $2, BX
	VMOVUPS (SI), Y0
	ADDQ BX, SI
	VMOVUPS (SI), Y1
	ADDQ BX, SI
	VMOVUPS (SI), Y2
	ADDQ BX, SI
	VMOVUPS (SI), Y3
	ADDQ BX, SI
	VMOVUPS (SI), Y4
	ADDQ BX, SI
	VMOVUPS (SI), Y5
	ADDQ BX, SI
	VMOVUPS (SI), Y6
	ADDQ BX, SI
	VMOVUPS (SI), Y7
	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15
	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x31, Y7, Y3, Y15
	VMOVUPS Y8, (DI)
	ADDQ DX, DI
	VMOVUPS Y9, (DI)
	ADDQ DX, DI
	VMOVUPS Y10, (DI)
	ADDQ DX, DI
	VMOVUPS Y11, (DI)
	ADDQ DX, DI
	VMOVUPS Y12, (DI)
	ADDQ DX, DI
	VMOVUPS Y13, (DI)
	ADDQ DX, DI
	VMOVUPS Y14, (DI)
	ADDQ DX, DI
	VMOVUPS Y15, (DI)
	VZEROUPPER
	RET
