//go:build !purego

#include "textflag.h"

DATA exphi<>+0(SB)/4, $0x42b0c0a5
GLOBL exphi<>(SB), RODATA|NOPTR, $4
DATA explo<>+0(SB)/4, $0xc2aeac50
GLOBL explo<>(SB), RODATA|NOPTR, $4
DATA log2e<>+0(SB)/4, $0x3fb8aa3b
GLOBL log2e<>(SB), RODATA|NOPTR, $4
DATA c1<>+0(SB)/4, $0x3f318000
GLOBL c1<>(SB), RODATA|NOPTR, $4
DATA c2<>+0(SB)/4, $0xb95e8083
GLOBL c2<>(SB), RODATA|NOPTR, $4
DATA p0<>+0(SB)/4, $0x39506967
GLOBL p0<>(SB), RODATA|NOPTR, $4
DATA p1<>+0(SB)/4, $0x3ab743ce
GLOBL p1<>(SB), RODATA|NOPTR, $4
DATA p2<>+0(SB)/4, $0x3c088908
GLOBL p2<>(SB), RODATA|NOPTR, $4
DATA p3<>+0(SB)/4, $0x3d2aa9c1
GLOBL p3<>(SB), RODATA|NOPTR, $4
DATA p4<>+0(SB)/4, $0x3e2aaaaa
GLOBL p4<>(SB), RODATA|NOPTR, $4
DATA p5<>+0(SB)/4, $0x3f000000
GLOBL p5<>(SB), RODATA|NOPTR, $4
DATA one<>+0(SB)/4, $0x3f800000
GLOBL one<>(SB), RODATA|NOPTR, $4
DATA two<>+0(SB)/4, $0x40000000
GLOBL two<>(SB), RODATA|NOPTR, $4
DATA tsmall<>+0(SB)/4, $0x3f200000
GLOBL tsmall<>(SB), RODATA|NOPTR, $4
DATA t0<>+0(SB)/4, $0xbbbaf0ea
GLOBL t0<>(SB), RODATA|NOPTR, $4
DATA t1<>+0(SB)/4, $0x3ca9134e
GLOBL t1<>(SB), RODATA|NOPTR, $4
DATA t2<>+0(SB)/4, $0xbd5c1e2d
GLOBL t2<>(SB), RODATA|NOPTR, $4
DATA t3<>+0(SB)/4, $0x3e088393
GLOBL t3<>(SB), RODATA|NOPTR, $4
DATA t4<>+0(SB)/4, $0xbeaaaa99
GLOBL t4<>(SB), RODATA|NOPTR, $4
DATA bias127<>+0(SB)/4, $127
GLOBL bias127<>(SB), RODATA|NOPTR, $4
DATA signmask<>+0(SB)/4, $0x80000000
GLOBL signmask<>(SB), RODATA|NOPTR, $4
DATA absmask<>+0(SB)/4, $0x7fffffff
GLOBL absmask<>(SB), RODATA|NOPTR, $4

DATA neghalf<>+0(SB)/4, $0xbf000000
GLOBL neghalf<>(SB), RODATA|NOPTR, $4
DATA gp<>+0(SB)/4, $0x3e6d3388
GLOBL gp<>(SB), RODATA|NOPTR, $4
DATA ga1<>+0(SB)/4, $0x3e027906
GLOBL ga1<>(SB), RODATA|NOPTR, $4
DATA ga2<>+0(SB)/4, $0xbe11a98e
GLOBL ga2<>(SB), RODATA|NOPTR, $4
DATA ga3<>+0(SB)/4, $0x3f35f0e3
GLOBL ga3<>(SB), RODATA|NOPTR, $4
DATA ga4<>+0(SB)/4, $0xbf3a00e3
GLOBL ga4<>(SB), RODATA|NOPTR, $4
DATA ga5<>+0(SB)/4, $0x3f07dc22
GLOBL ga5<>(SB), RODATA|NOPTR, $4
DATA isq2pi<>+0(SB)/4, $0x3ecc422a
GLOBL isq2pi<>(SB), RODATA|NOPTR, $4

// EXP8 replaces Y0 by exp(Y0) lane-wise (Cephes expf: clamp, n = round(x·log2 e),
// reduce by n·ln 2 in two parts, degree-6 polynomial, scale by 2^n). NaN
// propagates. Clobbers Y1-Y4 and Y7.
#define EXP8 \
	VBROADCASTSS exphi<>(SB), Y7 \
	VMINPS Y0, Y7, Y0 \
	VBROADCASTSS explo<>(SB), Y7 \
	VMAXPS Y0, Y7, Y0 \
	VBROADCASTSS log2e<>(SB), Y7 \
	VMULPS Y7, Y0, Y1 \
	VROUNDPS $0, Y1, Y1 \
	VBROADCASTSS c1<>(SB), Y7 \
	VFNMADD231PS Y7, Y1, Y0 \
	VBROADCASTSS c2<>(SB), Y7 \
	VFNMADD231PS Y7, Y1, Y0 \
	VMULPS Y0, Y0, Y2 \
	VBROADCASTSS p0<>(SB), Y3 \
	VBROADCASTSS p1<>(SB), Y7 \
	VFMADD213PS Y7, Y0, Y3 \
	VBROADCASTSS p2<>(SB), Y7 \
	VFMADD213PS Y7, Y0, Y3 \
	VBROADCASTSS p3<>(SB), Y7 \
	VFMADD213PS Y7, Y0, Y3 \
	VBROADCASTSS p4<>(SB), Y7 \
	VFMADD213PS Y7, Y0, Y3 \
	VBROADCASTSS p5<>(SB), Y7 \
	VFMADD213PS Y7, Y0, Y3 \
	VFMADD213PS Y0, Y2, Y3 \
	VBROADCASTSS one<>(SB), Y7 \
	VADDPS Y7, Y3, Y3 \
	VCVTPS2DQ Y1, Y4 \
	VPBROADCASTD bias127<>(SB), Y7 \
	VPADDD Y7, Y4, Y4 \
	VPSLLD $23, Y4, Y4 \
	VMULPS Y4, Y3, Y0

// func expAVX(dst, src []float32)   (len(src) a multiple of 8, len(dst) ≥ len(src))
TEXT ·expAVX(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ src_base+24(FP), SI
	MOVQ src_len+32(FP), CX
	SHRQ $3, CX
	JEQ expdone
exploop:
	VMOVUPS (SI), Y0
	EXP8
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNE exploop
expdone:
	VZEROUPPER
	RET

// func sigmoidAVX(dst, src []float32): dst = 1/(1+exp(-src)).
TEXT ·sigmoidAVX(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ src_base+24(FP), SI
	MOVQ src_len+32(FP), CX
	SHRQ $3, CX
	JEQ sigdone
sigloop:
	VMOVUPS (SI), Y0
	VBROADCASTSS signmask<>(SB), Y7
	VXORPS Y7, Y0, Y0
	EXP8
	VBROADCASTSS one<>(SB), Y7
	VADDPS Y7, Y0, Y0
	VDIVPS Y0, Y7, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNE sigloop
sigdone:
	VZEROUPPER
	RET

// func tanhAVX(dst, src []float32): for |x| < 0.625 a degree-9 odd
// polynomial, otherwise sign(x)·(1 - 2/(exp(2|x|)+1)).
TEXT ·tanhAVX(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ src_base+24(FP), SI
	MOVQ src_len+32(FP), CX
	SHRQ $3, CX
	JEQ tanhdone
tanhloop:
	VMOVUPS (SI), Y8
	VBROADCASTSS absmask<>(SB), Y7
	VANDPS Y7, Y8, Y9
	// large |x|: 1 - 2/(exp(2|x|)+1), then the sign of x
	VADDPS Y9, Y9, Y0
	EXP8
	VBROADCASTSS one<>(SB), Y7
	VADDPS Y7, Y0, Y0
	VBROADCASTSS two<>(SB), Y6
	VDIVPS Y0, Y6, Y0
	VSUBPS Y0, Y7, Y10
	VBROADCASTSS signmask<>(SB), Y7
	VANDPS Y7, Y8, Y11
	VORPS Y11, Y10, Y10
	// small |x|: ((((t0 z + t1) z + t2) z + t3) z + t4) z x + x
	VMULPS Y8, Y8, Y2
	VBROADCASTSS t0<>(SB), Y3
	VBROADCASTSS t1<>(SB), Y7
	VFMADD213PS Y7, Y2, Y3
	VBROADCASTSS t2<>(SB), Y7
	VFMADD213PS Y7, Y2, Y3
	VBROADCASTSS t3<>(SB), Y7
	VFMADD213PS Y7, Y2, Y3
	VBROADCASTSS t4<>(SB), Y7
	VFMADD213PS Y7, Y2, Y3
	VMULPS Y2, Y3, Y3
	VFMADD213PS Y8, Y8, Y3
	// select: |x| < 0.625 ? small : large
	VBROADCASTSS tsmall<>(SB), Y7
	VCMPPS $1, Y7, Y9, Y12
	VBLENDVPS Y12, Y3, Y10, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNE tanhloop
tanhdone:
	VZEROUPPER
	RET

// NORMCDF8 sets Y13 = Φ(Y8) and Y0 = exp(−Y8²/2) lane-wise (Abramowitz &
// Stegun 7.1.26, see GELU in vmath.go). Clobbers Y1-Y4, Y7 and Y9-Y12.
#define NORMCDF8 \
	VMULPS Y8, Y8, Y0 \
	VBROADCASTSS neghalf<>(SB), Y7 \
	VMULPS Y7, Y0, Y0 \
	EXP8 \
	VBROADCASTSS absmask<>(SB), Y7 \
	VANDPS Y7, Y8, Y9 \
	VBROADCASTSS gp<>(SB), Y7 \
	VBROADCASTSS one<>(SB), Y10 \
	VFMADD213PS Y10, Y7, Y9 \
	VDIVPS Y9, Y10, Y9 \
	VBROADCASTSS ga5<>(SB), Y11 \
	VBROADCASTSS ga4<>(SB), Y7 \
	VFMADD213PS Y7, Y9, Y11 \
	VBROADCASTSS ga3<>(SB), Y7 \
	VFMADD213PS Y7, Y9, Y11 \
	VBROADCASTSS ga2<>(SB), Y7 \
	VFMADD213PS Y7, Y9, Y11 \
	VBROADCASTSS ga1<>(SB), Y7 \
	VFMADD213PS Y7, Y9, Y11 \
	VMULPS Y9, Y11, Y11 \
	VMULPS Y0, Y11, Y11 \
	VSUBPS Y11, Y10, Y12 \
	VBLENDVPS Y8, Y11, Y12, Y13

// func geluAVX(dst, src []float32): dst = src·Φ(src).
TEXT ·geluAVX(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ src_base+24(FP), SI
	MOVQ src_len+32(FP), CX
	SHRQ $3, CX
	JEQ geludone
geluloop:
	VMOVUPS (SI), Y8
	NORMCDF8
	VMULPS Y13, Y8, Y13
	VMOVUPS Y13, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNE geluloop
geludone:
	VZEROUPPER
	RET

// func geluGradAVX(ga, g, x []float32): ga += g·(Φ(x) + x·φ(x)).
TEXT ·geluGradAVX(SB), NOSPLIT, $0-72
	MOVQ ga_base+0(FP), DI
	MOVQ g_base+24(FP), DX
	MOVQ x_base+48(FP), SI
	MOVQ x_len+56(FP), CX
	SHRQ $3, CX
	JEQ gelugraddone
gelugradloop:
	VMOVUPS (SI), Y8
	NORMCDF8
	VBROADCASTSS isq2pi<>(SB), Y7
	VMULPS Y7, Y0, Y0
	VFMADD213PS Y13, Y8, Y0
	VMOVUPS (DX), Y1
	VMOVUPS (DI), Y2
	VFMADD231PS Y0, Y1, Y2
	VMOVUPS Y2, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	DECQ CX
	JNE gelugradloop
gelugraddone:
	VZEROUPPER
	RET
