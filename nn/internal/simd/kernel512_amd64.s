//go:build !purego

#include "textflag.h"

// The AVX-512 block kernel: kernelBlockAVX (kernel_amd64.s) with tiles of
// 6×32, two adjacent 16-column B strips at once in 512-bit registers. Each
// element of C still takes one chain of fused multiply-adds over k from
// +0 and is then added to C as alpha·sum + C, fused: the same operations in
// the same order as the 6×16 kernel and the portable kernel, so the same
// bits. The wider registers double the multiply-adds per instruction on
// cores with 512-bit units (Zen 5, Intel server cores).

// ZERO512 clears the twelve accumulators Z4..Z15.
#define ZERO512 \
	VPXORD Z4, Z4, Z4; VPXORD Z5, Z5, Z5; VPXORD Z6, Z6, Z6; VPXORD Z7, Z7, Z7; \
	VPXORD Z8, Z8, Z8; VPXORD Z9, Z9, Z9; VPXORD Z10, Z10, Z10; VPXORD Z11, Z11, Z11; \
	VPXORD Z12, Z12, Z12; VPXORD Z13, Z13, Z13; VPXORD Z14, Z14, Z14; VPXORD Z15, Z15, Z15

// STEP512 accumulates one rank-1 update: rows 0-2 of A at SI, SI+R8,
// SI+2·R8, rows 3-5 at R9, R9+R8, R9+2·R8; the row of the first B strip at
// DI, of the second at DI+DX. Then it advances A by R10 bytes and B by R11.
#define STEP512 \
	VMOVUPS (DI), Z0; VMOVUPS (DI)(DX*1), Z1; \
	VBROADCASTSS (SI), Z2; VFMADD231PS Z0, Z2, Z4; VFMADD231PS Z1, Z2, Z5; \
	VBROADCASTSS (SI)(R8*1), Z3; VFMADD231PS Z0, Z3, Z6; VFMADD231PS Z1, Z3, Z7; \
	VBROADCASTSS (SI)(R8*2), Z2; VFMADD231PS Z0, Z2, Z8; VFMADD231PS Z1, Z2, Z9; \
	VBROADCASTSS (R9), Z3; VFMADD231PS Z0, Z3, Z10; VFMADD231PS Z1, Z3, Z11; \
	VBROADCASTSS (R9)(R8*1), Z2; VFMADD231PS Z0, Z2, Z12; VFMADD231PS Z1, Z2, Z13; \
	VBROADCASTSS (R9)(R8*2), Z3; VFMADD231PS Z0, Z3, Z14; VFMADD231PS Z1, Z3, Z15; \
	ADDQ R10, SI; ADDQ R10, R9; ADDQ R11, DI

// ADDROW512 adds alpha (Z0) times accumulators lo, hi into the C row at DX
// (32 floats).
#define ADDROW512(lo, hi) \
	VMOVUPS (DX), Z1; VMOVUPS 64(DX), Z2; \
	VFMADD231PS lo, Z0, Z1; VFMADD231PS hi, Z0, Z2; \
	VMOVUPS Z1, (DX); VMOVUPS Z2, 64(DX)

// INITROW512 is ADDROW512 with the row's old value replaced by the float
// at SI: the same fused multiply-add, without reading C.
#define INITROW512(lo, hi) \
	VBROADCASTSS (SI), Z1; VBROADCASTSS (SI), Z2; \
	VFMADD231PS lo, Z0, Z1; VFMADD231PS hi, Z0, Z2; \
	VMOVUPS Z1, (DX); VMOVUPS Z2, 64(DX)

// func kernelBlockAVX512(rows, pairs, k int, a *float32, aRow, aStep, aNext int, b *float32, bStep, bNext int, c *float32, ldc, cNext int, alpha float32, init *float32, initStep int)
//
// Adds alpha times rows×pairs full 6×32 tiles into C: tile (i, j)
// multiplies the A strip at a+i·aNext by the B strips at b+2j·bNext and
// b+(2j+1)·bNext (strides as in kernelBlockAVX) and goes to
// c+i·cNext+32·j; every tile lies inside C. MXCSR is set as in
// kernelBlockAVX (flush to zero, denormals are zero) for the whole call.
// With init non-nil, C is written without being read, as if row r of the
// tiles had held init[r·initStep] (initStep 0: one value for all rows).
TEXT ·kernelBlockAVX512(SB), NOSPLIT, $32-128
	CMPQ rows+0(FP), $0
	JLE done
	CMPQ pairs+8(FP), $0
	JLE done
	VSTMXCSR saved-24(SP)
	MOVL saved-24(SP), AX
	ORL $0x8040, AX
	MOVL AX, flush-20(SP)
	VLDMXCSR flush-20(SP)
	MOVQ aRow+32(FP), R8; SHLQ $2, R8
	MOVQ aStep+40(FP), R10; SHLQ $2, R10
	MOVQ bStep+64(FP), R11; SHLQ $2, R11
	MOVQ ldc+88(FP), BX; SHLQ $2, BX
	MOVQ b+56(FP), R12
	MOVQ c+80(FP), R13
	MOVQ pairs+8(FP), DX
	MOVQ DX, colsLeft-8(SP)
col:
	MOVQ a+24(FP), AX
	MOVQ R13, R14
	MOVQ rows+0(FP), DX
	MOVQ DX, rowsLeft-16(SP)
	MOVQ init+112(FP), DX
	MOVQ DX, initCur-32(SP)
row:
	MOVQ k+16(FP), CX
	MOVQ AX, SI
	LEAQ (SI)(R8*2), R9; ADDQ R8, R9
	MOVQ R12, DI
	MOVQ bNext+72(FP), DX; SHLQ $2, DX
	ZERO512
	TESTQ CX, CX
	JEQ rowStore
rowStep:
	STEP512
	DECQ CX
	JNE rowStep
rowStore:
	MOVQ R14, DX
	VBROADCASTSS alpha+104(FP), Z0
	MOVQ initCur-32(SP), SI
	TESTQ SI, SI
	JNE rowInit
	ADDROW512(Z4, Z5)
	ADDQ BX, DX
	ADDROW512(Z6, Z7)
	ADDQ BX, DX
	ADDROW512(Z8, Z9)
	ADDQ BX, DX
	ADDROW512(Z10, Z11)
	ADDQ BX, DX
	ADDROW512(Z12, Z13)
	ADDQ BX, DX
	ADDROW512(Z14, Z15)
	JMP rowNext
rowInit:
	MOVQ initStep+120(FP), DI; SHLQ $2, DI
	INITROW512(Z4, Z5)
	ADDQ BX, DX; ADDQ DI, SI
	INITROW512(Z6, Z7)
	ADDQ BX, DX; ADDQ DI, SI
	INITROW512(Z8, Z9)
	ADDQ BX, DX; ADDQ DI, SI
	INITROW512(Z10, Z11)
	ADDQ BX, DX; ADDQ DI, SI
	INITROW512(Z12, Z13)
	ADDQ BX, DX; ADDQ DI, SI
	INITROW512(Z14, Z15)
	ADDQ DI, SI
	MOVQ SI, initCur-32(SP)
rowNext:
	MOVQ aNext+48(FP), DX; SHLQ $2, DX; ADDQ DX, AX
	MOVQ cNext+96(FP), DX; SHLQ $2, DX; ADDQ DX, R14
	DECQ rowsLeft-16(SP)
	JNE row
	MOVQ bNext+72(FP), DX; SHLQ $3, DX; ADDQ DX, R12
	ADDQ $128, R13
	DECQ colsLeft-8(SP)
	JNE col
	VLDMXCSR saved-24(SP)
	VZEROUPPER
done:
	RET

// STEP16 accumulates one rank-1 update of a 6×16 tile into Z4..Z9: A as
// in STEP512, the B row (16 floats) at DI.
#define STEP16 \
	VMOVUPS (DI), Z0; \
	VBROADCASTSS (SI), Z2; VFMADD231PS Z0, Z2, Z4; \
	VBROADCASTSS (SI)(R8*1), Z3; VFMADD231PS Z0, Z3, Z5; \
	VBROADCASTSS (SI)(R8*2), Z2; VFMADD231PS Z0, Z2, Z6; \
	VBROADCASTSS (R9), Z3; VFMADD231PS Z0, Z3, Z7; \
	VBROADCASTSS (R9)(R8*1), Z2; VFMADD231PS Z0, Z2, Z8; \
	VBROADCASTSS (R9)(R8*2), Z3; VFMADD231PS Z0, Z3, Z9; \
	ADDQ R10, SI; ADDQ R10, R9; ADDQ R11, DI

// ADDROW16 adds alpha (Z1) times acc into the C row at DX, in the columns
// that K1 selects (the others are neither read nor written).
#define ADDROW16(acc) \
	VMOVUPS.Z (DX), K1, Z2; \
	VFMADD231PS acc, Z1, Z2; \
	VMOVUPS Z2, K1, (DX)

// INITROW16 is ADDROW16 with the row's old value replaced by the float at
// SI, without reading C.
#define INITROW16(acc) \
	VBROADCASTSS (SI), Z2; \
	VFMADD231PS acc, Z1, Z2; \
	VMOVUPS Z2, K1, (DX)

// func kernel16AVX512(rows, cols, k int, a *float32, aRow, aStep, aNext int, b *float32, bStep, bNext int, c *float32, ldc, cNext int, alpha float32, mrows, ncols int, init *float32, initStep int)
//
// Adds alpha times rows×cols 6×16 tiles into C, laid out as for
// kernelBlockAVX, but of each tile only the first mrows rows (1..6) and
// ncols columns (1..16) reach C, through a column mask: the odd strip
// after kernelBlockAVX512's pairs, and the edges of C. Each element is the
// same chain of operations as in the other kernels. init and initStep
// are as for kernelBlockAVX512.
TEXT ·kernel16AVX512(SB), NOSPLIT, $32-144
	CMPQ rows+0(FP), $0
	JLE done16
	CMPQ cols+8(FP), $0
	JLE done16
	VSTMXCSR saved-24(SP)
	MOVL saved-24(SP), AX
	ORL $0x8040, AX
	MOVL AX, flush-20(SP)
	VLDMXCSR flush-20(SP)
	// K1 selects the first ncols columns.
	MOVQ ncols+120(FP), CX
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K1
	MOVQ aRow+32(FP), R8; SHLQ $2, R8
	MOVQ aStep+40(FP), R10; SHLQ $2, R10
	MOVQ bStep+64(FP), R11; SHLQ $2, R11
	MOVQ ldc+88(FP), BX; SHLQ $2, BX
	MOVQ b+56(FP), R12
	MOVQ c+80(FP), R13
	MOVQ cols+8(FP), DX
	MOVQ DX, colsLeft-8(SP)
col16:
	MOVQ a+24(FP), AX
	MOVQ R13, R14
	MOVQ rows+0(FP), DX
	MOVQ DX, rowsLeft-16(SP)
	MOVQ init+128(FP), DX
	MOVQ DX, initCur-32(SP)
row16:
	MOVQ k+16(FP), CX
	MOVQ AX, SI
	LEAQ (SI)(R8*2), R9; ADDQ R8, R9
	MOVQ R12, DI
	VPXORD Z4, Z4, Z4; VPXORD Z5, Z5, Z5; VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7; VPXORD Z8, Z8, Z8; VPXORD Z9, Z9, Z9
	TESTQ CX, CX
	JEQ store16
step16:
	STEP16
	DECQ CX
	JNE step16
store16:
	VBROADCASTSS alpha+104(FP), Z1
	MOVQ R14, DX
	MOVQ mrows+112(FP), CX
	MOVQ initCur-32(SP), SI
	TESTQ SI, SI
	JNE init16
	ADDROW16(Z4)
	DECQ CX
	JEQ stored16
	ADDQ BX, DX
	ADDROW16(Z5)
	DECQ CX
	JEQ stored16
	ADDQ BX, DX
	ADDROW16(Z6)
	DECQ CX
	JEQ stored16
	ADDQ BX, DX
	ADDROW16(Z7)
	DECQ CX
	JEQ stored16
	ADDQ BX, DX
	ADDROW16(Z8)
	DECQ CX
	JEQ stored16
	ADDQ BX, DX
	ADDROW16(Z9)
	JMP stored16
init16:
	MOVQ initStep+136(FP), DI; SHLQ $2, DI
	INITROW16(Z4)
	DECQ CX
	JEQ initDone16
	ADDQ BX, DX; ADDQ DI, SI
	INITROW16(Z5)
	DECQ CX
	JEQ initDone16
	ADDQ BX, DX; ADDQ DI, SI
	INITROW16(Z6)
	DECQ CX
	JEQ initDone16
	ADDQ BX, DX; ADDQ DI, SI
	INITROW16(Z7)
	DECQ CX
	JEQ initDone16
	ADDQ BX, DX; ADDQ DI, SI
	INITROW16(Z8)
	DECQ CX
	JEQ initDone16
	ADDQ BX, DX; ADDQ DI, SI
	INITROW16(Z9)
initDone16:
	// The next tile's rows start 6 rows on.
	LEAQ (DI)(DI*2), DI; SHLQ $1, DI
	ADDQ DI, initCur-32(SP)
stored16:
	MOVQ aNext+48(FP), DX; SHLQ $2, DX; ADDQ DX, AX
	MOVQ cNext+96(FP), DX; SHLQ $2, DX; ADDQ DX, R14
	DECQ rowsLeft-16(SP)
	JNE row16
	MOVQ bNext+72(FP), DX; SHLQ $2, DX; ADDQ DX, R12
	ADDQ $64, R13
	DECQ colsLeft-8(SP)
	JNE col16
	VLDMXCSR saved-24(SP)
	VZEROUPPER
done16:
	RET

// STEP4 accumulates one rank-1 update of a 4×64 tile into Z4..Z19: rows
// 0-2 of A at SI, SI+R8, SI+2·R8 and row 3 at R9; the rows of the four B
// strips at DI, DI+DX, DI+2·DX and R13. Four B loads and four broadcasts
// feed sixteen independent multiply-adds, enough to keep both FMA units
// busy, where a 6×16 tile of a 4-row strip had six chains and a third of
// its work thrown away.
#define STEP4 \
	VMOVUPS (DI), Z0; VMOVUPS (DI)(DX*1), Z1; VMOVUPS (DI)(DX*2), Z2; VMOVUPS (R13), Z3; \
	VBROADCASTSS (SI), Z20; \
	VFMADD231PS Z0, Z20, Z4; VFMADD231PS Z1, Z20, Z5; VFMADD231PS Z2, Z20, Z6; VFMADD231PS Z3, Z20, Z7; \
	VBROADCASTSS (SI)(R8*1), Z21; \
	VFMADD231PS Z0, Z21, Z8; VFMADD231PS Z1, Z21, Z9; VFMADD231PS Z2, Z21, Z10; VFMADD231PS Z3, Z21, Z11; \
	VBROADCASTSS (SI)(R8*2), Z20; \
	VFMADD231PS Z0, Z20, Z12; VFMADD231PS Z1, Z20, Z13; VFMADD231PS Z2, Z20, Z14; VFMADD231PS Z3, Z20, Z15; \
	VBROADCASTSS (R9), Z21; \
	VFMADD231PS Z0, Z21, Z16; VFMADD231PS Z1, Z21, Z17; VFMADD231PS Z2, Z21, Z18; VFMADD231PS Z3, Z21, Z19; \
	ADDQ R10, SI; ADDQ R10, R9; ADDQ R11, DI; ADDQ R11, R13

// ADDROW4 adds alpha (Z0) times accumulators a0..a3 into the C row at DI
// (64 floats).
#define ADDROW4(a0, a1, a2, a3) \
	VMOVUPS (DI), Z1; VMOVUPS 64(DI), Z2; VMOVUPS 128(DI), Z3; VMOVUPS 192(DI), Z20; \
	VFMADD231PS a0, Z0, Z1; VFMADD231PS a1, Z0, Z2; VFMADD231PS a2, Z0, Z3; VFMADD231PS a3, Z0, Z20; \
	VMOVUPS Z1, (DI); VMOVUPS Z2, 64(DI); VMOVUPS Z3, 128(DI); VMOVUPS Z20, 192(DI)

// INITROW4 is ADDROW4 with the row's old value replaced by the float at
// SI, without reading C.
#define INITROW4(a0, a1, a2, a3) \
	VBROADCASTSS (SI), Z1; VBROADCASTSS (SI), Z2; VBROADCASTSS (SI), Z3; VBROADCASTSS (SI), Z20; \
	VFMADD231PS a0, Z0, Z1; VFMADD231PS a1, Z0, Z2; VFMADD231PS a2, Z0, Z3; VFMADD231PS a3, Z0, Z20; \
	VMOVUPS Z1, (DI); VMOVUPS Z2, 64(DI); VMOVUPS Z3, 128(DI); VMOVUPS Z20, 192(DI)

// func kernel4AVX512(quads, k int, a *float32, aRow, aStep int, b *float32, bStep, bNext int, c *float32, ldc int, alpha float32, mrows int, init *float32, initStep int)
//
// Adds alpha times quads 4×64 tiles of one A strip (rows 0-3 at a+i·aRow,
// stepping aStep over k) into C: tile q multiplies the A strip by the four
// full B strips at b+(4q+s)·bNext and goes to c+64·q, of which only the
// first mrows rows (1..4) reach C. It serves the partial last row strip
// of a product whose rows leave 1 to 4 over a multiple of 6 (64 = 10·6+4
// output channels, 160 = 26·6+4 column rows). Each element is the same
// chain of operations as in the other kernels, so the same bits. init and
// initStep are as for kernelBlockAVX512.
TEXT ·kernel4AVX512(SB), NOSPLIT, $16-112
	CMPQ quads+0(FP), $0
	JLE done4
	VSTMXCSR saved-16(SP)
	MOVL saved-16(SP), AX
	ORL $0x8040, AX
	MOVL AX, flush-12(SP)
	VLDMXCSR flush-12(SP)
	MOVQ aRow+24(FP), R8; SHLQ $2, R8
	MOVQ aStep+32(FP), R10; SHLQ $2, R10
	MOVQ bStep+48(FP), R11; SHLQ $2, R11
	MOVQ bNext+56(FP), DX; SHLQ $2, DX
	MOVQ ldc+72(FP), BX; SHLQ $2, BX
	MOVQ b+40(FP), R12
	MOVQ c+64(FP), R14
	MOVQ quads+0(FP), AX
	MOVQ AX, quadsLeft-8(SP)
quad4:
	MOVQ k+8(FP), CX
	MOVQ a+16(FP), SI
	LEAQ (SI)(R8*2), R9; ADDQ R8, R9
	MOVQ R12, DI
	LEAQ (DI)(DX*2), R13; ADDQ DX, R13
	VPXORD Z4, Z4, Z4; VPXORD Z5, Z5, Z5; VPXORD Z6, Z6, Z6; VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8; VPXORD Z9, Z9, Z9; VPXORD Z10, Z10, Z10; VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12; VPXORD Z13, Z13, Z13; VPXORD Z14, Z14, Z14; VPXORD Z15, Z15, Z15
	VPXORD Z16, Z16, Z16; VPXORD Z17, Z17, Z17; VPXORD Z18, Z18, Z18; VPXORD Z19, Z19, Z19
	TESTQ CX, CX
	JEQ store4
step4:
	STEP4
	DECQ CX
	JNE step4
store4:
	VBROADCASTSS alpha+80(FP), Z0
	MOVQ R14, DI
	MOVQ mrows+88(FP), CX
	MOVQ init+96(FP), SI
	TESTQ SI, SI
	JNE init4
	ADDROW4(Z4, Z5, Z6, Z7)
	DECQ CX
	JEQ stored4
	ADDQ BX, DI
	ADDROW4(Z8, Z9, Z10, Z11)
	DECQ CX
	JEQ stored4
	ADDQ BX, DI
	ADDROW4(Z12, Z13, Z14, Z15)
	DECQ CX
	JEQ stored4
	ADDQ BX, DI
	ADDROW4(Z16, Z17, Z18, Z19)
	JMP stored4
init4:
	MOVQ initStep+104(FP), R9; SHLQ $2, R9
	INITROW4(Z4, Z5, Z6, Z7)
	DECQ CX
	JEQ stored4
	ADDQ BX, DI; ADDQ R9, SI
	INITROW4(Z8, Z9, Z10, Z11)
	DECQ CX
	JEQ stored4
	ADDQ BX, DI; ADDQ R9, SI
	INITROW4(Z12, Z13, Z14, Z15)
	DECQ CX
	JEQ stored4
	ADDQ BX, DI; ADDQ R9, SI
	INITROW4(Z16, Z17, Z18, Z19)
stored4:
	LEAQ (R12)(DX*4), R12
	ADDQ $256, R14
	DECQ quadsLeft-8(SP)
	JNE quad4
	VLDMXCSR saved-16(SP)
	VZEROUPPER
done4:
	RET
