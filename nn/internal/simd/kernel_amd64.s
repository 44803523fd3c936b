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

// The kernels run with flush-to-zero and denormals-are-zero (MXCSR bits 15
// and 6): subnormal operands count as zero and subnormal results become
// zero. On Intel cores every FMA that touches a subnormal takes a
// microcode assist of tens to hundreds of cycles; AMD cores mostly do not,
// so without the flush the engine's speed would depend on the vendor. The
// flush is IEEE-defined behaviour, the same bits on every x86-64 CPU. MXCSR
// belongs to the thread, and an assembly function is never preempted, so
// each kernel sets it on entry and restores the caller's on return: Go
// code never runs with it changed.

// FLUSHON saves MXCSR at saved-… and sets FTZ and DAZ; FLUSHOFF restores it.
#define FLUSHON(saved, tmp) \
	VSTMXCSR saved; \
	MOVL saved, AX; \
	ORL $0x8040, AX; \
	MOVL AX, tmp; \
	VLDMXCSR tmp

#define FLUSHOFF(saved) VLDMXCSR saved

// TILESTART loads k into CX, sets SI and R9 to rows 0 and 3 of the A
// strip at AX and DI to the B strip at R12, and clears the accumulators;
// the caller then runs STEP CX times.
#define TILESTART(kArg) \
	MOVQ kArg, CX; \
	MOVQ AX, SI; \
	LEAQ (SI)(R8*2), R9; ADDQ R8, R9; \
	MOVQ R12, DI; \
	ZERO

// ADDROW adds alpha (Y0) times accumulators lo, hi into the C row at DX.
#define ADDROW(lo, hi) \
	VMOVUPS (DX), Y1; VMOVUPS 32(DX), Y2; \
	VFMADD231PS lo, Y0, Y1; VFMADD231PS hi, Y0, Y2; \
	VMOVUPS Y1, (DX); VMOVUPS Y2, 32(DX)

// func kernelBlockAVX(rows, cols, k int, a *float32, aRow, aStep, aNext int, b *float32, bStep, bNext int, c *float32, ldc, cNext int, alpha float32)
//
// Adds alpha times rows×cols full 6×16 tiles into C: tile (i, j) multiplies
// the A strip at a+i·aNext by the B strip at b+j·bNext (strides as above)
// and goes to c+i·cNext+16·j, rows 16 floats wide at stride ldc; every
// tile lies inside C. One call covers a whole block, so that setting MXCSR
// costs once per block and not once per tile.
TEXT ·kernelBlockAVX(SB), NOSPLIT, $24-108
	CMPQ rows+0(FP), $0
	JLE done
	CMPQ cols+8(FP), $0
	JLE done
	FLUSHON(saved-24(SP), flush-20(SP))
	MOVQ aRow+32(FP), R8; SHLQ $2, R8
	MOVQ aStep+40(FP), R10; SHLQ $2, R10
	MOVQ bStep+64(FP), R11; SHLQ $2, R11
	MOVQ ldc+88(FP), BX; SHLQ $2, BX
	MOVQ b+56(FP), R12
	MOVQ c+80(FP), R13
	MOVQ cols+8(FP), DX
	MOVQ DX, colsLeft-8(SP)
col:
	MOVQ a+24(FP), AX
	MOVQ R13, R14
	MOVQ rows+0(FP), DX
	MOVQ DX, rowsLeft-16(SP)
row:
	TILESTART(k+16(FP))
	TESTQ CX, CX
	JEQ rowStore
rowStep:
	STEP
	DECQ CX
	JNE rowStep
rowStore:
	MOVQ R14, DX
	VBROADCASTSS alpha+104(FP), Y0
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
	MOVQ aNext+48(FP), DX; SHLQ $2, DX; ADDQ DX, AX
	MOVQ cNext+96(FP), DX; SHLQ $2, DX; ADDQ DX, R14
	DECQ rowsLeft-16(SP)
	JNE row
	MOVQ bNext+72(FP), DX; SHLQ $2, DX; ADDQ DX, R12
	ADDQ $64, R13
	DECQ colsLeft-8(SP)
	JNE col
	FLUSHOFF(saved-24(SP))
	VZEROUPPER
done:
	RET

// mask holds 16 all-ones words then 16 zeros: the 16 words from 16-n on
// select the first n columns of a tile.
DATA mask<>+0(SB)/8, $-1
DATA mask<>+8(SB)/8, $-1
DATA mask<>+16(SB)/8, $-1
DATA mask<>+24(SB)/8, $-1
DATA mask<>+32(SB)/8, $-1
DATA mask<>+40(SB)/8, $-1
DATA mask<>+48(SB)/8, $-1
DATA mask<>+56(SB)/8, $-1
DATA mask<>+64(SB)/8, $0
DATA mask<>+72(SB)/8, $0
DATA mask<>+80(SB)/8, $0
DATA mask<>+88(SB)/8, $0
DATA mask<>+96(SB)/8, $0
DATA mask<>+104(SB)/8, $0
DATA mask<>+112(SB)/8, $0
DATA mask<>+120(SB)/8, $0
GLOBL mask<>(SB), RODATA|NOPTR, $128

// func kernelEdgeAVX(rows, cols, k int, a *float32, aRow, aStep int, b *float32, bStep int, tile, c *float32, ldc int, alpha float32)
//
// Adds alpha times the top-left rows×cols (1..6 × 1..16) of one 6×16 tile
// into C, for the edges of C: the whole tile is computed into tile[0:96]
// (A and B strips zero-padded where C ends), then each of the first rows
// rows is added to C through a column mask, which never touches memory
// past the cols-th column. The arithmetic is that of kernelBlock.
TEXT ·kernelEdgeAVX(SB), NOSPLIT, $8-92
	FLUSHON(saved-8(SP), flush-4(SP))
	MOVQ aRow+32(FP), R8; SHLQ $2, R8
	MOVQ aStep+40(FP), R10; SHLQ $2, R10
	MOVQ bStep+56(FP), R11; SHLQ $2, R11
	MOVQ a+24(FP), AX
	MOVQ b+48(FP), R12
	TILESTART(k+16(FP))
	TESTQ CX, CX
	JEQ edgeStore
edgeStep:
	STEP
	DECQ CX
	JNE edgeStep
edgeStore:
	MOVQ tile+64(FP), DX
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
	// Y6, Y7: the column masks; Y0: alpha.
	MOVQ $16, CX
	SUBQ cols+8(FP), CX
	LEAQ mask<>(SB), SI
	LEAQ (SI)(CX*4), SI
	VMOVUPS (SI), Y6
	VMOVUPS 32(SI), Y7
	VBROADCASTSS alpha+88(FP), Y0
	MOVQ c+72(FP), DI
	MOVQ ldc+80(FP), BX; SHLQ $2, BX
	MOVQ rows+0(FP), CX
edgeRow:
	VMASKMOVPS (DI), Y6, Y1
	VMASKMOVPS 32(DI), Y7, Y2
	VFMADD231PS (DX), Y0, Y1
	VFMADD231PS 32(DX), Y0, Y2
	VMASKMOVPS Y1, Y6, (DI)
	VMASKMOVPS Y2, Y7, 32(DI)
	ADDQ $64, DX
	ADDQ BX, DI
	DECQ CX
	JNE edgeRow
	FLUSHOFF(saved-8(SP))
	VZEROUPPER
	RET

// func transpose8x8AVX(dst *float32, ldd int, src *float32, lds int)
//
// dst[p*ldd+j] = src[j*lds+p] for j, p in 0..7: eight rows loaded, the
// usual unpack/shuffle/permute transpose, eight rows stored.
TEXT ·transpose8x8AVX(SB), NOSPLIT, $0-32
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
