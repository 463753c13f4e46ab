//go:build amd64 && !purego

#include "textflag.h"

DATA elemOne<>+0(SB)/8, $0x3ff0000000000000
GLOBL elemOne<>(SB), RODATA|NOPTR, $8

// func tanhGrad64AVX2(dst, gy, y *float64, n int)
//
// dst[i] = g[i]·(1 − y[i]·y[i]), each operation rounded on its own (a
// multiply, a subtract, a multiply: no fused multiply-add), as Go computes
// the expression. n > 0.
TEXT ·tanhGrad64AVX2(SB), NOSPLIT, $0-32
	MOVQ         dst+0(FP), DI
	MOVQ         gy+8(FP), SI
	MOVQ         y+16(FP), DX
	MOVQ         n+24(FP), CX
	VBROADCASTSD elemOne<>(SB), Y15
	XORQ         AX, AX
	MOVQ         CX, BX
	ANDQ         $-8, BX
	JZ           tg_tail

tg_loop8:
	VMOVUPD (DX)(AX*8), Y0
	VMOVUPD 32(DX)(AX*8), Y1
	VMULPD  Y0, Y0, Y0
	VMULPD  Y1, Y1, Y1
	VSUBPD  Y0, Y15, Y0
	VSUBPD  Y1, Y15, Y1
	VMULPD  (SI)(AX*8), Y0, Y0
	VMULPD  32(SI)(AX*8), Y1, Y1
	VMOVUPD Y0, (DI)(AX*8)
	VMOVUPD Y1, 32(DI)(AX*8)
	ADDQ    $8, AX
	CMPQ    AX, BX
	JLT     tg_loop8

tg_tail:
	CMPQ AX, CX
	JGE  tg_done

tg_loop1:
	VMOVSD (DX)(AX*8), X0
	VMULSD X0, X0, X0
	VSUBSD X0, X15, X0
	VMULSD (SI)(AX*8), X0, X0
	VMOVSD X0, (DI)(AX*8)
	INCQ   AX
	CMPQ   AX, CX
	JLT    tg_loop1

tg_done:
	VZEROUPPER
	RET

// func sigmoidGrad64AVX2(dst, gy, y *float64, n int)
//
// dst[i] = (g[i]·y[i])·(1 − y[i]), each operation rounded on its own, as Go
// computes g*y*(1-y). n > 0.
TEXT ·sigmoidGrad64AVX2(SB), NOSPLIT, $0-32
	MOVQ         dst+0(FP), DI
	MOVQ         gy+8(FP), SI
	MOVQ         y+16(FP), DX
	MOVQ         n+24(FP), CX
	VBROADCASTSD elemOne<>(SB), Y15
	XORQ         AX, AX
	MOVQ         CX, BX
	ANDQ         $-4, BX
	JZ           sg_tail

sg_loop4:
	VMOVUPD (DX)(AX*8), Y0
	VMULPD  (SI)(AX*8), Y0, Y1
	VSUBPD  Y0, Y15, Y2
	VMULPD  Y2, Y1, Y1
	VMOVUPD Y1, (DI)(AX*8)
	ADDQ    $4, AX
	CMPQ    AX, BX
	JLT     sg_loop4

sg_tail:
	CMPQ AX, CX
	JGE  sg_done

sg_loop1:
	VMOVSD (DX)(AX*8), X0
	VMULSD (SI)(AX*8), X0, X1
	VSUBSD X0, X15, X2
	VMULSD X2, X1, X1
	VMOVSD X1, (DI)(AX*8)
	INCQ   AX
	CMPQ   AX, CX
	JLT    sg_loop1

sg_done:
	VZEROUPPER
	RET

// func sumRows64AVX2(dst, x *float64, rows, n int)
//
// dst[j] = ((0 + x[j]) + x[n+j]) + … over the rows, in order: columns in
// blocks of 16, then of 4, then one at a time. rows, n > 0.
TEXT ·sumRows64AVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ rows+16(FP), R9
	MOVQ n+24(FP), CX
	MOVQ CX, R10
	SHLQ $3, R10         // row stride in bytes
	XORQ AX, AX          // column
	MOVQ CX, BX
	ANDQ $-16, BX

sr_block16:
	CMPQ   AX, BX
	JGE    sr_block4
	LEAQ   (SI)(AX*8), DX
	MOVQ   R9, R8
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3

sr_rows16:
	VADDPD (DX), Y0, Y0
	VADDPD 32(DX), Y1, Y1
	VADDPD 64(DX), Y2, Y2
	VADDPD 96(DX), Y3, Y3
	ADDQ   R10, DX
	DECQ   R8
	JNZ    sr_rows16
	VMOVUPD Y0, (DI)(AX*8)
	VMOVUPD Y1, 32(DI)(AX*8)
	VMOVUPD Y2, 64(DI)(AX*8)
	VMOVUPD Y3, 96(DI)(AX*8)
	ADDQ    $16, AX
	JMP     sr_block16

sr_block4:
	MOVQ CX, BX
	ANDQ $-4, BX

sr_b4:
	CMPQ   AX, BX
	JGE    sr_block1
	LEAQ   (SI)(AX*8), DX
	MOVQ   R9, R8
	VXORPD Y0, Y0, Y0

sr_rows4:
	VADDPD (DX), Y0, Y0
	ADDQ   R10, DX
	DECQ   R8
	JNZ    sr_rows4
	VMOVUPD Y0, (DI)(AX*8)
	ADDQ    $4, AX
	JMP     sr_b4

sr_block1:
	CMPQ   AX, CX
	JGE    sr_done
	LEAQ   (SI)(AX*8), DX
	MOVQ   R9, R8
	VXORPD X0, X0, X0

sr_rows1:
	VADDSD (DX), X0, X0
	ADDQ   R10, DX
	DECQ   R8
	JNZ    sr_rows1
	VMOVSD X0, (DI)(AX*8)
	INCQ   AX
	JMP    sr_block1

sr_done:
	VZEROUPPER
	RET

// func fillRows64AVX2(dst, row *float64, rows, n int, mask *int64)
//
// Copies the n elements of row into each of rows consecutive rows of dst
// (stride n): blocks of four, then one masked block for the last n%4
// (mask enables those lanes). rows, n > 0.
TEXT ·fillRows64AVX2(SB), NOSPLIT, $0-40
	MOVQ    dst+0(FP), DI
	MOVQ    row+8(FP), SI
	MOVQ    rows+16(FP), R9
	MOVQ    n+24(FP), CX
	MOVQ    mask+32(FP), R8
	VMOVDQU (R8), Y15
	MOVQ    CX, BX
	ANDQ    $-4, BX
	MOVQ    CX, DX
	ANDQ    $-16, DX
	MOVQ    CX, R10
	SHLQ    $3, R10

fr_rows:
	XORQ AX, AX
	CMPQ AX, DX
	JGE  fr_4

fr_loop16:
	VMOVUPD (SI)(AX*8), Y0
	VMOVUPD 32(SI)(AX*8), Y1
	VMOVUPD 64(SI)(AX*8), Y2
	VMOVUPD 96(SI)(AX*8), Y3
	VMOVUPD Y0, (DI)(AX*8)
	VMOVUPD Y1, 32(DI)(AX*8)
	VMOVUPD Y2, 64(DI)(AX*8)
	VMOVUPD Y3, 96(DI)(AX*8)
	ADDQ    $16, AX
	CMPQ    AX, DX
	JLT     fr_loop16

fr_4:
	CMPQ AX, BX
	JGE  fr_tail

fr_loop4:
	VMOVUPD (SI)(AX*8), Y0
	VMOVUPD Y0, (DI)(AX*8)
	ADDQ    $4, AX
	CMPQ    AX, BX
	JLT     fr_loop4

fr_tail:
	CMPQ       AX, CX
	JGE        fr_next
	VMASKMOVPD (SI)(AX*8), Y15, Y0
	VMASKMOVPD Y0, Y15, (DI)(AX*8)

fr_next:
	ADDQ R10, DI
	DECQ R9
	JNZ  fr_rows
	VZEROUPPER
	RET

// func lin32AVX2(out, y *float32, n int, h float64, coefs *float64, ks **float32, nk int)
//
// out[i] = float32(y[i] + h·Σ_j coefs[j]·ks[j][i]) in double precision,
// each product and sum rounded on its own, the sum from zero in term order
// (see Lin32). n > 0 is a multiple of 8; nk > 0. The loads of a block come
// before its store, so out may be y or a term.
TEXT ·lin32AVX2(SB), NOSPLIT, $0-56
	MOVQ         out+0(FP), DI
	MOVQ         y+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSD h+24(FP), Y15
	MOVQ         coefs+32(FP), R8
	MOVQ         ks+40(FP), R9
	MOVQ         nk+48(FP), R10
	XORQ         AX, AX

lin32_loop8:
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	XORQ   DX, DX

lin32_terms:
	MOVQ         (R9)(DX*8), R11
	VBROADCASTSD (R8)(DX*8), Y4
	VCVTPS2PD    (R11)(AX*4), Y2
	VCVTPS2PD    16(R11)(AX*4), Y3
	VMULPD       Y4, Y2, Y2
	VMULPD       Y4, Y3, Y3
	VADDPD       Y2, Y0, Y0
	VADDPD       Y3, Y1, Y1
	INCQ         DX
	CMPQ         DX, R10
	JLT          lin32_terms

	VMULPD     Y15, Y0, Y0
	VMULPD     Y15, Y1, Y1
	VCVTPS2PD  (SI)(AX*4), Y2
	VCVTPS2PD  16(SI)(AX*4), Y3
	VADDPD     Y0, Y2, Y0
	VADDPD     Y1, Y3, Y1
	VCVTPD2PSY Y0, X0
	VCVTPD2PSY Y1, X1
	VMOVUPS    X0, (DI)(AX*4)
	VMOVUPS    X1, 16(DI)(AX*4)
	ADDQ       $8, AX
	CMPQ       AX, CX
	JLT        lin32_loop8
	VZEROUPPER
	RET

// func reluMask32AVX2(dst, v, x *float32, n int)
//
// dst[i] = v[i] where x[i] > 0 (an ordered compare: NaN is not), +0
// elsewhere. n > 0 is a multiple of 16; the loads of a block come before
// its stores.
TEXT ·reluMask32AVX2(SB), NOSPLIT, $0-32
	MOVQ   dst+0(FP), DI
	MOVQ   v+8(FP), SI
	MOVQ   x+16(FP), DX
	MOVQ   n+24(FP), CX
	VXORPS Y15, Y15, Y15
	XORQ   AX, AX

relu32_loop16:
	VMOVUPS (DX)(AX*4), Y0
	VMOVUPS 32(DX)(AX*4), Y1
	VCMPPS  $0x1e, Y15, Y0, Y0
	VCMPPS  $0x1e, Y15, Y1, Y1
	VANDPS  (SI)(AX*4), Y0, Y0
	VANDPS  32(SI)(AX*4), Y1, Y1
	VMOVUPS Y0, (DI)(AX*4)
	VMOVUPS Y1, 32(DI)(AX*4)
	ADDQ    $16, AX
	CMPQ    AX, CX
	JLT     relu32_loop16
	VZEROUPPER
	RET

DATA errInf<>+0(SB)/8, $0x7ff0000000000000
GLOBL errInf<>(SB), RODATA|NOPTR, $8
DATA errAbs<>+0(SB)/8, $0x7fffffffffffffff
GLOBL errAbs<>(SB), RODATA|NOPTR, $8

// func errSq32AVX2(h float64, coefs *float64, ks **float32, nk int, y0, y1 *float32, n int, rtol, atol float64) float64
//
// ErrSquares32 over n elements (n > 0 a multiple of 4, nk > 0): four
// elements at a time in double precision, each operation rounded on its
// own, and the squares added to the sum one by one in element order.
// max(|y0|, |y1|) follows math.Max: +Inf if either is +Inf, else NaN if
// either is NaN.
TEXT ·errSq32AVX2(SB), NOSPLIT, $32-80
	VBROADCASTSD h+0(FP), Y15
	MOVQ         coefs+8(FP), R8
	MOVQ         ks+16(FP), R9
	MOVQ         nk+24(FP), R10
	MOVQ         y0+32(FP), SI
	MOVQ         y1+40(FP), DI
	MOVQ         n+48(FP), CX
	VBROADCASTSD rtol+56(FP), Y14
	VBROADCASTSD atol+64(FP), Y13
	VBROADCASTSD errInf<>(SB), Y12
	VBROADCASTSD errAbs<>(SB), Y11
	VXORPD       Y10, Y10, Y10
	VXORPD       X9, X9, X9
	XORQ         AX, AX

errsq_loop4:
	VXORPD Y0, Y0, Y0
	XORQ   DX, DX

errsq_terms:
	MOVQ         (R9)(DX*8), R11
	VBROADCASTSD (R8)(DX*8), Y4
	VCVTPS2PD    (R11)(AX*4), Y2
	VMULPD       Y4, Y2, Y2
	VADDPD       Y2, Y0, Y0
	INCQ         DX
	CMPQ         DX, R10
	JLT          errsq_terms

	VMULPD    Y15, Y0, Y0
	VCVTPS2PD (SI)(AX*4), Y1
	VCVTPS2PD (DI)(AX*4), Y2
	VANDPD    Y11, Y1, Y1
	VANDPD    Y11, Y2, Y2
	VMAXPD    Y2, Y1, Y3
	VCMPPD    $3, Y1, Y1, Y4
	VBLENDVPD Y4, Y1, Y3, Y3
	VCMPPD    $0, Y12, Y1, Y4
	VCMPPD    $0, Y12, Y2, Y5
	VORPD     Y5, Y4, Y4
	VBLENDVPD Y4, Y12, Y3, Y3
	VMULPD    Y14, Y3, Y3
	VADDPD    Y13, Y3, Y3
	VCMPPD    $4, Y10, Y0, Y4
	VDIVPD    Y3, Y0, Y0
	VMULPD    Y0, Y0, Y0
	VANDPD    Y4, Y0, Y0
	VMOVUPD   Y0, 0(SP)
	VADDSD    0(SP), X9, X9
	VADDSD    8(SP), X9, X9
	VADDSD    16(SP), X9, X9
	VADDSD    24(SP), X9, X9
	ADDQ      $4, AX
	CMPQ      AX, CX
	JLT       errsq_loop4
	VMOVSD    X9, ret+72(FP)
	VZEROUPPER
	RET

// func scale64AVX2(dst *float64, a float64, x *float64, n int)
//
// dst[i] = a·x[i]; n > 0 is a multiple of 8.
TEXT ·scale64AVX2(SB), NOSPLIT, $0-32
	MOVQ         dst+0(FP), DI
	VBROADCASTSD a+8(FP), Y15
	MOVQ         x+16(FP), SI
	MOVQ         n+24(FP), CX
	XORQ         AX, AX

scale64_loop8:
	VMULPD  (SI)(AX*8), Y15, Y0
	VMULPD  32(SI)(AX*8), Y15, Y1
	VMOVUPD Y0, (DI)(AX*8)
	VMOVUPD Y1, 32(DI)(AX*8)
	ADDQ    $8, AX
	CMPQ    AX, CX
	JLT     scale64_loop8
	VZEROUPPER
	RET

// func deinterleave64AVX2(d0, d1, src *float64, n int)
//
// d0[r] = src[2r], d1[r] = src[2r+1]; n > 0 is a multiple of 4.
TEXT ·deinterleave64AVX2(SB), NOSPLIT, $0-32
	MOVQ d0+0(FP), DI
	MOVQ d1+8(FP), DX
	MOVQ src+16(FP), SI
	MOVQ n+24(FP), CX
	XORQ AX, AX

deint_loop4:
	VMOVUPD    (SI), Y0
	VMOVUPD    32(SI), Y1
	ADDQ       $64, SI
	VUNPCKLPD  Y1, Y0, Y2
	VUNPCKHPD  Y1, Y0, Y3
	VPERMPD    $0xd8, Y2, Y2
	VPERMPD    $0xd8, Y3, Y3
	VMOVUPD    Y2, (DI)(AX*8)
	VMOVUPD    Y3, (DX)(AX*8)
	ADDQ       $4, AX
	CMPQ       AX, CX
	JLT        deint_loop4
	VZEROUPPER
	RET

// func interleaveAdd64AVX2(c, d0, d1 *float64, n int)
//
// c[2r] += d0[r], c[2r+1] += d1[r]; n > 0 is a multiple of 4.
TEXT ·interleaveAdd64AVX2(SB), NOSPLIT, $0-32
	MOVQ c+0(FP), DI
	MOVQ d0+8(FP), SI
	MOVQ d1+16(FP), DX
	MOVQ n+24(FP), CX
	XORQ AX, AX

ileave_loop4:
	VMOVUPD   (SI)(AX*8), Y0
	VMOVUPD   (DX)(AX*8), Y1
	VPERMPD   $0xd8, Y0, Y0
	VPERMPD   $0xd8, Y1, Y1
	VUNPCKLPD Y1, Y0, Y2
	VUNPCKHPD Y1, Y0, Y3
	VADDPD    (DI), Y2, Y2
	VADDPD    32(DI), Y3, Y3
	VMOVUPD   Y2, (DI)
	VMOVUPD   Y3, 32(DI)
	ADDQ      $64, DI
	ADDQ      $4, AX
	CMPQ      AX, CX
	JLT       ileave_loop4
	VZEROUPPER
	RET

// func addProduct64AVX2(y *float64, a float64, x *float64, n int)
//
// y[i] += a·x[i], multiply and add rounded on their own; n > 0 is a
// multiple of 8.
TEXT ·addProduct64AVX2(SB), NOSPLIT, $0-32
	MOVQ         y+0(FP), DI
	VBROADCASTSD a+8(FP), Y15
	MOVQ         x+16(FP), SI
	MOVQ         n+24(FP), CX
	XORQ         AX, AX

addp64_loop8:
	VMULPD  (SI)(AX*8), Y15, Y0
	VMULPD  32(SI)(AX*8), Y15, Y1
	VADDPD  (DI)(AX*8), Y0, Y0
	VADDPD  32(DI)(AX*8), Y1, Y1
	VMOVUPD Y0, (DI)(AX*8)
	VMOVUPD Y1, 32(DI)(AX*8)
	ADDQ    $8, AX
	CMPQ    AX, CX
	JLT     addp64_loop8
	VZEROUPPER
	RET

// func addProduct32AVX2(y *float32, a float32, x *float32, n int)
//
// y[i] += a·x[i] in float32, multiply and add rounded on their own; n > 0
// is a multiple of 16.
TEXT ·addProduct32AVX2(SB), NOSPLIT, $0-32
	MOVQ         y+0(FP), DI
	VBROADCASTSS a+8(FP), Y15
	MOVQ         x+16(FP), SI
	MOVQ         n+24(FP), CX
	XORQ         AX, AX

addp32_loop16:
	VMULPS  (SI)(AX*4), Y15, Y0
	VMULPS  32(SI)(AX*4), Y15, Y1
	VADDPS  (DI)(AX*4), Y0, Y0
	VADDPS  32(DI)(AX*4), Y1, Y1
	VMOVUPS Y0, (DI)(AX*4)
	VMOVUPS Y1, 32(DI)(AX*4)
	ADDQ    $16, AX
	CMPQ    AX, CX
	JLT     addp32_loop16
	VZEROUPPER
	RET

// func affine32AVX2(dst, x *float32, a, b float32, n int)
//
// dst[i] = x[i]·a + b in float32, multiply and add rounded on their own;
// n > 0 is a multiple of 16.
TEXT ·affine32AVX2(SB), NOSPLIT, $0-32
	MOVQ         dst+0(FP), DI
	MOVQ         x+8(FP), SI
	VBROADCASTSS a+16(FP), Y14
	VBROADCASTSS b+20(FP), Y15
	MOVQ         n+24(FP), CX
	XORQ         AX, AX

aff32_loop16:
	VMULPS  (SI)(AX*4), Y14, Y0
	VMULPS  32(SI)(AX*4), Y14, Y1
	VADDPS  Y15, Y0, Y0
	VADDPS  Y15, Y1, Y1
	VMOVUPS Y0, (DI)(AX*4)
	VMOVUPS Y1, 32(DI)(AX*4)
	ADDQ    $16, AX
	CMPQ    AX, CX
	JLT     aff32_loop16
	VZEROUPPER
	RET

// func normGrad32AVX2(d, gy, x *float32, n int, k, mu, inv, c1, c2 float64)
//
// d[i] = float32((k·g[i] − c1) − ((x[i] − mu)·inv)·c2) in float64, each
// operation rounded on its own; n > 0 is a multiple of 8.
TEXT ·normGrad32AVX2(SB), NOSPLIT, $0-72
	MOVQ         d+0(FP), DI
	MOVQ         gy+8(FP), SI
	MOVQ         x+16(FP), DX
	MOVQ         n+24(FP), CX
	VBROADCASTSD k+32(FP), Y11
	VBROADCASTSD mu+40(FP), Y12
	VBROADCASTSD inv+48(FP), Y13
	VBROADCASTSD c1+56(FP), Y14
	VBROADCASTSD c2+64(FP), Y15
	XORQ         AX, AX

ng32_loop8:
	VCVTPS2PD  (SI)(AX*4), Y0
	VCVTPS2PD  16(SI)(AX*4), Y1
	VCVTPS2PD  (DX)(AX*4), Y2
	VCVTPS2PD  16(DX)(AX*4), Y3
	VMULPD     Y11, Y0, Y0
	VMULPD     Y11, Y1, Y1
	VSUBPD     Y14, Y0, Y0
	VSUBPD     Y14, Y1, Y1
	VSUBPD     Y12, Y2, Y2
	VSUBPD     Y12, Y3, Y3
	VMULPD     Y13, Y2, Y2
	VMULPD     Y13, Y3, Y3
	VMULPD     Y15, Y2, Y2
	VMULPD     Y15, Y3, Y3
	VSUBPD     Y2, Y0, Y0
	VSUBPD     Y3, Y1, Y1
	VCVTPD2PSY Y0, X0
	VCVTPD2PSY Y1, X1
	VMOVUPS    X0, (DI)(AX*4)
	VMOVUPS    X1, 16(DI)(AX*4)
	ADDQ       $8, AX
	CMPQ       AX, CX
	JLT        ng32_loop8
	VZEROUPPER
	RET

// RED8(Y0, Y1) leaves in X0's low lane ((l0+l4) + (l2+l6)) + ((l1+l5) +
// (l3+l7)) for the eight lane sums in Y0 (lanes 0-3) and Y1 (4-7).
// Clobbers X1.
#define RED8 \
	VADDPD       Y1, Y0, Y0; \
	VEXTRACTF128 $1, Y0, X1; \
	VADDPD       X1, X0, X0; \
	VUNPCKHPD    X0, X0, X1; \
	VADDSD       X1, X0, X0

// func sum32AVX2(x *float32, n int) float64
//
// Sum32's lane sums over n > 0 elements, a multiple of 8, combined.
TEXT ·sum32AVX2(SB), NOSPLIT, $0-24
	MOVQ   x+0(FP), SI
	MOVQ   n+8(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	XORQ   AX, AX

sum32_loop8:
	VCVTPS2PD (SI)(AX*4), Y2
	VCVTPS2PD 16(SI)(AX*4), Y3
	VADDPD    Y2, Y0, Y0
	VADDPD    Y3, Y1, Y1
	ADDQ      $8, AX
	CMPQ      AX, CX
	JLT       sum32_loop8
	RED8
	VMOVSD    X0, ret+16(FP)
	VZEROUPPER
	RET

// func sqDev32AVX2(x *float32, n int, mu float64) float64
TEXT ·sqDev32AVX2(SB), NOSPLIT, $0-32
	MOVQ         x+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSD mu+16(FP), Y15
	VXORPD       Y0, Y0, Y0
	VXORPD       Y1, Y1, Y1
	XORQ         AX, AX

sqdev32_loop8:
	VCVTPS2PD (SI)(AX*4), Y2
	VCVTPS2PD 16(SI)(AX*4), Y3
	VSUBPD    Y15, Y2, Y2
	VSUBPD    Y15, Y3, Y3
	VMULPD    Y2, Y2, Y2
	VMULPD    Y3, Y3, Y3
	VADDPD    Y2, Y0, Y0
	VADDPD    Y3, Y1, Y1
	ADDQ      $8, AX
	CMPQ      AX, CX
	JLT       sqdev32_loop8
	RED8
	VMOVSD    X0, ret+24(FP)
	VZEROUPPER
	RET

// func dotDev32AVX2(gy, x *float32, n int, mu float64) (float64, float64)
TEXT ·dotDev32AVX2(SB), NOSPLIT, $0-48
	MOVQ         gy+0(FP), SI
	MOVQ         x+8(FP), DX
	MOVQ         n+16(FP), CX
	VBROADCASTSD mu+24(FP), Y15
	VXORPD       Y0, Y0, Y0
	VXORPD       Y1, Y1, Y1
	VXORPD       Y4, Y4, Y4
	VXORPD       Y5, Y5, Y5
	XORQ         AX, AX

dotdev32_loop8:
	VCVTPS2PD (SI)(AX*4), Y2
	VCVTPS2PD 16(SI)(AX*4), Y3
	VCVTPS2PD (DX)(AX*4), Y6
	VCVTPS2PD 16(DX)(AX*4), Y7
	VADDPD    Y2, Y0, Y0
	VADDPD    Y3, Y1, Y1
	VSUBPD    Y15, Y6, Y6
	VSUBPD    Y15, Y7, Y7
	VMULPD    Y6, Y2, Y6
	VMULPD    Y7, Y3, Y7
	VADDPD    Y6, Y4, Y4
	VADDPD    Y7, Y5, Y5
	ADDQ      $8, AX
	CMPQ      AX, CX
	JLT       dotdev32_loop8
	RED8
	VMOVSD    X0, ret+32(FP)
	VMOVAPD   Y4, Y0
	VMOVAPD   Y5, Y1
	RED8
	VMOVSD    X0, ret1+40(FP)
	VZEROUPPER
	RET

DATA finExp32<>+0(SB)/4, $0x7f800000
GLOBL finExp32<>(SB), RODATA|NOPTR, $4

// func allFinite32AVX2(x *float32, n int) bool
//
// Whether no element has all exponent bits set (±Inf, NaN); n > 0 is a
// multiple of 16. It stops at the first block of 256 elements with one.
TEXT ·allFinite32AVX2(SB), NOSPLIT, $0-17
	MOVQ         x+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSS finExp32<>(SB), Y15
	VXORPS       Y2, Y2, Y2
	XORQ         AX, AX

fin32_loop16:
	VANDPS  (SI)(AX*4), Y15, Y0
	VANDPS  32(SI)(AX*4), Y15, Y1
	VPCMPEQD Y15, Y0, Y0
	VPCMPEQD Y15, Y1, Y1
	VPOR    Y1, Y0, Y0
	VPOR    Y0, Y2, Y2
	ADDQ    $16, AX
	TESTQ   $255, AX
	JNZ     fin32_next
	VPTEST  Y2, Y2
	JNZ     fin32_no

fin32_next:
	CMPQ AX, CX
	JLT  fin32_loop16
	VPTEST Y2, Y2
	JNZ    fin32_no
	MOVB   $1, ret+16(FP)
	VZEROUPPER
	RET

fin32_no:
	MOVB $0, ret+16(FP)
	VZEROUPPER
	RET
