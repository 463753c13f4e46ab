//go:build amd64 && !purego

#include "textflag.h"

// func gemm4x8AVX2(k int, alpha float64, a *float64, ai, ap int, b *float64, ldb int, c *float64, ldc int)
//
// C[r][0..7] += alpha · Σ_{p<k} A(r, p) · B[p][0..7] for r < 4, with
// A(r, p) = a[r·ai + p·ap] and B[p][j] = b[p·ldb + j], C[r][j] = c[r·ldc + j]
// (strides in elements). Eight accumulators (four rows of two 4-lane
// vectors) each take one fused multiply-add per p, in order of p.
TEXT ·gemm4x8AVX2(SB), NOSPLIT, $0-72
	MOVQ k+0(FP), CX
	MOVQ a+16(FP), SI
	MOVQ ai+24(FP), R8
	SHLQ $3, R8
	MOVQ ap+32(FP), R9
	SHLQ $3, R9
	MOVQ b+40(FP), DI
	MOVQ ldb+48(FP), R10
	SHLQ $3, R10
	LEAQ (SI)(R8*1), R11
	LEAQ (R11)(R8*1), R12
	LEAQ (R12)(R8*1), R13
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	TESTQ CX, CX
	JE    store

loop:
	VMOVUPD      (DI), Y8
	VMOVUPD      32(DI), Y9
	VBROADCASTSD (SI), Y10
	VFMADD231PD  Y8, Y10, Y0
	VFMADD231PD  Y9, Y10, Y1
	VBROADCASTSD (R11), Y11
	VFMADD231PD  Y8, Y11, Y2
	VFMADD231PD  Y9, Y11, Y3
	VBROADCASTSD (R12), Y12
	VFMADD231PD  Y8, Y12, Y4
	VFMADD231PD  Y9, Y12, Y5
	VBROADCASTSD (R13), Y13
	VFMADD231PD  Y8, Y13, Y6
	VFMADD231PD  Y9, Y13, Y7
	ADDQ         R9, SI
	ADDQ         R9, R11
	ADDQ         R9, R12
	ADDQ         R9, R13
	ADDQ         R10, DI
	DECQ         CX
	JNZ          loop

store:
	VBROADCASTSD alpha+8(FP), Y14
	MOVQ         c+56(FP), DX
	MOVQ         ldc+64(FP), R14
	SHLQ         $3, R14
	VMOVUPD      (DX), Y8
	VMOVUPD      32(DX), Y9
	VFMADD231PD  Y0, Y14, Y8
	VFMADD231PD  Y1, Y14, Y9
	VMOVUPD      Y8, (DX)
	VMOVUPD      Y9, 32(DX)
	ADDQ         R14, DX
	VMOVUPD      (DX), Y8
	VMOVUPD      32(DX), Y9
	VFMADD231PD  Y2, Y14, Y8
	VFMADD231PD  Y3, Y14, Y9
	VMOVUPD      Y8, (DX)
	VMOVUPD      Y9, 32(DX)
	ADDQ         R14, DX
	VMOVUPD      (DX), Y8
	VMOVUPD      32(DX), Y9
	VFMADD231PD  Y4, Y14, Y8
	VFMADD231PD  Y5, Y14, Y9
	VMOVUPD      Y8, (DX)
	VMOVUPD      Y9, 32(DX)
	ADDQ         R14, DX
	VMOVUPD      (DX), Y8
	VMOVUPD      32(DX), Y9
	VFMADD231PD  Y6, Y14, Y8
	VFMADD231PD  Y7, Y14, Y9
	VMOVUPD      Y8, (DX)
	VMOVUPD      Y9, 32(DX)
	VZEROUPPER
	RET

// func gemm4x8LoopAVX2(mt, nt, k int, alpha float64, a *float64, ai, ap int, b *float64, ldb int, c *float64, ldc int)
//
// The 4×8 block of gemm4x8AVX2 over a grid of mt×nt blocks (mt, nt > 0):
// block (r, s) covers rows 4r… of A and C and columns 8s… of B and C, with
// the arithmetic of gemm4x8AVX2 for each. Rows of A are addressed as
// (SI), (SI)(ai), (SI)(2ai), (SI)(3ai), which frees registers for the loops.
TEXT ·gemm4x8LoopAVX2(SB), NOSPLIT, $0-88
	MOVQ         ai+40(FP), R8
	SHLQ         $3, R8
	LEAQ         (R8)(R8*2), R13
	MOVQ         ap+48(FP), R9
	SHLQ         $3, R9
	MOVQ         ldb+64(FP), R10
	SHLQ         $3, R10
	MOVQ         ldc+80(FP), R14
	SHLQ         $3, R14
	VBROADCASTSD alpha+24(FP), Y14
	MOVQ         a+32(FP), AX
	MOVQ         c+72(FP), BX

loop_rows:
	MOVQ nt+8(FP), DX
	MOVQ b+56(FP), R11
	MOVQ BX, R12

loop_cols:
	MOVQ   AX, SI
	MOVQ   R11, DI
	MOVQ   k+16(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	TESTQ  CX, CX
	JE     loop_store

loop_k:
	VMOVUPD      (DI), Y8
	VMOVUPD      32(DI), Y9
	VBROADCASTSD (SI), Y10
	VFMADD231PD  Y8, Y10, Y0
	VFMADD231PD  Y9, Y10, Y1
	VBROADCASTSD (SI)(R8*1), Y11
	VFMADD231PD  Y8, Y11, Y2
	VFMADD231PD  Y9, Y11, Y3
	VBROADCASTSD (SI)(R8*2), Y12
	VFMADD231PD  Y8, Y12, Y4
	VFMADD231PD  Y9, Y12, Y5
	VBROADCASTSD (SI)(R13*1), Y13
	VFMADD231PD  Y8, Y13, Y6
	VFMADD231PD  Y9, Y13, Y7
	ADDQ         R9, SI
	ADDQ         R10, DI
	DECQ         CX
	JNZ          loop_k

loop_store:
	MOVQ        R12, DI
	VMOVUPD     (DI), Y8
	VMOVUPD     32(DI), Y9
	VFMADD231PD Y0, Y14, Y8
	VFMADD231PD Y1, Y14, Y9
	VMOVUPD     Y8, (DI)
	VMOVUPD     Y9, 32(DI)
	ADDQ        R14, DI
	VMOVUPD     (DI), Y8
	VMOVUPD     32(DI), Y9
	VFMADD231PD Y2, Y14, Y8
	VFMADD231PD Y3, Y14, Y9
	VMOVUPD     Y8, (DI)
	VMOVUPD     Y9, 32(DI)
	ADDQ        R14, DI
	VMOVUPD     (DI), Y8
	VMOVUPD     32(DI), Y9
	VFMADD231PD Y4, Y14, Y8
	VFMADD231PD Y5, Y14, Y9
	VMOVUPD     Y8, (DI)
	VMOVUPD     Y9, 32(DI)
	ADDQ        R14, DI
	VMOVUPD     (DI), Y8
	VMOVUPD     32(DI), Y9
	VFMADD231PD Y6, Y14, Y8
	VFMADD231PD Y7, Y14, Y9
	VMOVUPD     Y8, (DI)
	VMOVUPD     Y9, 32(DI)
	ADDQ        $64, R11
	ADDQ        $64, R12
	DECQ        DX
	JNZ         loop_cols
	LEAQ        (AX)(R8*4), AX
	LEAQ        (BX)(R14*4), BX
	DECQ        mt+0(FP)
	JNZ         loop_rows
	VZEROUPPER
	RET

// DOTOUT adds alpha (X14) times the horizontal sum (v0 + v2) + (v1 + v3)
// of accumulator Y (X its low half) to the float64 at OFF(DI).
#define DOTOUT(Y, X, OFF) \
	VEXTRACTF128 $1, Y, X10; \
	VADDPD       X10, X, X; \
	VUNPCKHPD    X, X, X11; \
	VADDSD       X11, X, X; \
	VMOVSD       OFF(DI), X12; \
	VFMADD231SD  X14, X, X12; \
	VMOVSD       X12, OFF(DI)

// func dotsAVX2(m, n, k int, alpha float64, a *float64, lda int, b *float64, ldb int, c *float64, ldc int, mask *int64)
//
// C[i][j] = alpha·⟨A[i], B[j]⟩ + C[i][j] (one fused multiply-add) for
// i < m, j < n (m, n, k > 0), rows of A and B contiguous with strides lda
// and ldb, C with stride ldc, one dot product at a time, in the order
// documented on Dots: element p in lane p%4 of one accumulator, the last
// k%4 elements as a block masked by mask (the masked lanes add 0·0), then
// (v0 + v2) + (v1 + v3).
TEXT ·dotsAVX2(SB), NOSPLIT, $0-88
	MOVQ         k+16(FP), R9
	MOVQ         lda+40(FP), R8
	SHLQ         $3, R8
	MOVQ         ldb+56(FP), R10
	SHLQ         $3, R10
	MOVQ         ldc+72(FP), R14
	SHLQ         $3, R14
	MOVQ         mask+80(FP), R13
	VMOVDQU      (R13), Y15
	VBROADCASTSD alpha+24(FP), Y14
	MOVQ         a+32(FP), AX
	MOVQ         c+64(FP), BX

dots_rows:
	MOVQ n+8(FP), DX
	MOVQ b+48(FP), R11
	MOVQ BX, R12

dots_cols:
	MOVQ   AX, SI
	MOVQ   R11, DI
	VXORPD Y0, Y0, Y0
	MOVQ   R9, CX
	SHRQ   $2, CX
	JZ     dots_rem

dots_loop4:
	VMOVUPD     (SI), Y4
	VFMADD231PD (DI), Y4, Y0
	ADDQ        $32, SI
	ADDQ        $32, DI
	DECQ        CX
	JNZ         dots_loop4

dots_rem:
	TESTQ       $3, R9
	JZ          dots_sum
	VMASKMOVPD  (SI), Y15, Y4
	VMASKMOVPD  (DI), Y15, Y5
	VFMADD231PD Y5, Y4, Y0

dots_sum:
	MOVQ   R12, DI
	DOTOUT(Y0, X0, 0)
	ADDQ   R10, R11
	ADDQ   $8, R12
	DECQ   DX
	JNZ    dots_cols
	ADDQ   R8, AX
	ADDQ   R14, BX
	DECQ   m+0(FP)
	JNZ    dots_rows
	VZEROUPPER
	RET

// func dots4x2AVX2(mb, nb, k int, alpha float64, a *float64, lda int, b *float64, ldb int, c *float64, ldc int, mask *int64)
//
// dotsAVX2 over mb groups of 4 rows of A by nb groups of 2 rows of B
// (mb, nb, k > 0), with the same order for every dot product: eight
// accumulators, each block of four elements of A loaded once for two rows
// of B.
TEXT ·dots4x2AVX2(SB), NOSPLIT, $0-88
	MOVQ         k+16(FP), R9
	MOVQ         lda+40(FP), R8
	SHLQ         $3, R8
	LEAQ         (R8)(R8*2), R13
	MOVQ         ldb+56(FP), R10
	SHLQ         $3, R10
	MOVQ         ldc+72(FP), R14
	SHLQ         $3, R14
	MOVQ         mask+80(FP), DI
	VMOVDQU      (DI), Y15
	VBROADCASTSD alpha+24(FP), Y14
	MOVQ         a+32(FP), AX
	MOVQ         c+64(FP), BX

d42_rows:
	MOVQ nb+8(FP), DX
	MOVQ b+48(FP), R11
	MOVQ BX, R12

d42_cols:
	MOVQ   AX, SI
	MOVQ   R11, DI
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	MOVQ   R9, CX
	SHRQ   $2, CX
	JZ     d42_rem

d42_loop4:
	VMOVUPD     (DI), Y12
	VMOVUPD     (DI)(R10*1), Y13
	VMOVUPD     (SI), Y8
	VFMADD231PD Y12, Y8, Y0
	VFMADD231PD Y13, Y8, Y4
	VMOVUPD     (SI)(R8*1), Y9
	VFMADD231PD Y12, Y9, Y1
	VFMADD231PD Y13, Y9, Y5
	VMOVUPD     (SI)(R8*2), Y10
	VFMADD231PD Y12, Y10, Y2
	VFMADD231PD Y13, Y10, Y6
	VMOVUPD     (SI)(R13*1), Y11
	VFMADD231PD Y12, Y11, Y3
	VFMADD231PD Y13, Y11, Y7
	ADDQ        $32, SI
	ADDQ        $32, DI
	DECQ        CX
	JNZ         d42_loop4

d42_rem:
	TESTQ       $3, R9
	JZ          d42_sum
	VMASKMOVPD  (DI), Y15, Y12
	LEAQ        (DI)(R10*1), CX
	VMASKMOVPD  (CX), Y15, Y13
	VMASKMOVPD  (SI), Y15, Y8
	VFMADD231PD Y12, Y8, Y0
	VFMADD231PD Y13, Y8, Y4
	LEAQ        (SI)(R8*1), CX
	VMASKMOVPD  (CX), Y15, Y9
	VFMADD231PD Y12, Y9, Y1
	VFMADD231PD Y13, Y9, Y5
	LEAQ        (SI)(R8*2), CX
	VMASKMOVPD  (CX), Y15, Y10
	VFMADD231PD Y12, Y10, Y2
	VFMADD231PD Y13, Y10, Y6
	LEAQ        (SI)(R13*1), CX
	VMASKMOVPD  (CX), Y15, Y11
	VFMADD231PD Y12, Y11, Y3
	VFMADD231PD Y13, Y11, Y7

d42_sum:
	MOVQ    R12, DI
	DOTOUT(Y0, X0, 0)
	DOTOUT(Y4, X4, 8)
	ADDQ    R14, DI
	DOTOUT(Y1, X1, 0)
	DOTOUT(Y5, X5, 8)
	ADDQ    R14, DI
	DOTOUT(Y2, X2, 0)
	DOTOUT(Y6, X6, 8)
	ADDQ    R14, DI
	DOTOUT(Y3, X3, 0)
	DOTOUT(Y7, X7, 8)
	LEAQ    (R11)(R10*2), R11
	ADDQ    $16, R12
	DECQ    DX
	JNZ     d42_cols
	LEAQ    (AX)(R8*4), AX
	LEAQ    (BX)(R14*4), BX
	DECQ    mb+0(FP)
	JNZ     d42_rows
	VZEROUPPER
	RET

// func gemm2x16LoopAVX2(nt, k int, alpha float64, a *float64, ai, ap int, b *float64, ldb int, c *float64, ldc int)
//
// Two rows against nt blocks of 16 columns (nt > 0): block s adds
// alpha·Σ_{p<k} A(r, p)·B[p][16s+j] to C[r][16s+j] for r < 2, j < 16, each
// element accumulated in order of p by fused multiply-adds and then added
// to C with one more, as gemm4x8AVX2 does. Eight accumulators take four
// loads of B and two broadcasts of A per p: the shape of a weight gradient
// (few output rows, a batch as the inner dimension).
TEXT ·gemm2x16LoopAVX2(SB), NOSPLIT, $0-80
	MOVQ         ai+32(FP), R8
	SHLQ         $3, R8
	MOVQ         ap+40(FP), R9
	SHLQ         $3, R9
	MOVQ         ldb+56(FP), R10
	SHLQ         $3, R10
	MOVQ         ldc+72(FP), R14
	SHLQ         $3, R14
	VBROADCASTSD alpha+16(FP), Y14
	MOVQ         b+48(FP), R11
	MOVQ         c+64(FP), R12
	MOVQ         nt+0(FP), DX

g2_cols:
	MOVQ   a+24(FP), SI
	MOVQ   R11, DI
	MOVQ   k+8(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	TESTQ  CX, CX
	JE     g2_store

g2_k:
	VMOVUPD      (DI), Y8
	VMOVUPD      32(DI), Y9
	VMOVUPD      64(DI), Y10
	VMOVUPD      96(DI), Y11
	VBROADCASTSD (SI), Y12
	VBROADCASTSD (SI)(R8*1), Y13
	VFMADD231PD  Y8, Y12, Y0
	VFMADD231PD  Y9, Y12, Y1
	VFMADD231PD  Y10, Y12, Y2
	VFMADD231PD  Y11, Y12, Y3
	VFMADD231PD  Y8, Y13, Y4
	VFMADD231PD  Y9, Y13, Y5
	VFMADD231PD  Y10, Y13, Y6
	VFMADD231PD  Y11, Y13, Y7
	ADDQ         R9, SI
	ADDQ         R10, DI
	DECQ         CX
	JNZ          g2_k

g2_store:
	MOVQ        R12, DI
	VMOVUPD     (DI), Y8
	VMOVUPD     32(DI), Y9
	VMOVUPD     64(DI), Y10
	VMOVUPD     96(DI), Y11
	VFMADD231PD Y0, Y14, Y8
	VFMADD231PD Y1, Y14, Y9
	VFMADD231PD Y2, Y14, Y10
	VFMADD231PD Y3, Y14, Y11
	VMOVUPD     Y8, (DI)
	VMOVUPD     Y9, 32(DI)
	VMOVUPD     Y10, 64(DI)
	VMOVUPD     Y11, 96(DI)
	ADDQ        R14, DI
	VMOVUPD     (DI), Y8
	VMOVUPD     32(DI), Y9
	VMOVUPD     64(DI), Y10
	VMOVUPD     96(DI), Y11
	VFMADD231PD Y4, Y14, Y8
	VFMADD231PD Y5, Y14, Y9
	VFMADD231PD Y6, Y14, Y10
	VFMADD231PD Y7, Y14, Y11
	VMOVUPD     Y8, (DI)
	VMOVUPD     Y9, 32(DI)
	VMOVUPD     Y10, 64(DI)
	VMOVUPD     Y11, 96(DI)
	ADDQ        $128, R11
	ADDQ        $128, R12
	DECQ        DX
	JNZ         g2_cols
	VZEROUPPER
	RET

// func gemm4x8MaskAVX2(mt, k int, alpha float64, a *float64, ai, ap int, b *float64, ldb int, c *float64, ldc int, mask *int64)
//
// gemm4x8LoopAVX2 over mt row blocks of one column block whose lanes are
// masked: mask[j] (j < 8) is −1 for the columns that exist, 0 for those
// past the end, which are neither read from B nor written to C. mt > 0.
TEXT ·gemm4x8MaskAVX2(SB), NOSPLIT, $0-88
	MOVQ         ai+32(FP), R8
	SHLQ         $3, R8
	LEAQ         (R8)(R8*2), R13
	MOVQ         ap+40(FP), R9
	SHLQ         $3, R9
	MOVQ         ldb+56(FP), R10
	SHLQ         $3, R10
	MOVQ         ldc+72(FP), R14
	SHLQ         $3, R14
	MOVQ         mask+80(FP), R11
	VMOVDQU      (R11), Y14
	VMOVDQU      32(R11), Y15
	MOVQ         a+24(FP), AX
	MOVQ         c+64(FP), BX
	MOVQ         mt+0(FP), DX

m4_rows:
	MOVQ   AX, SI
	MOVQ   b+48(FP), DI
	MOVQ   k+8(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	TESTQ  CX, CX
	JE     m4_store

m4_k:
	VMASKMOVPD   (DI), Y14, Y8
	VMASKMOVPD   32(DI), Y15, Y9
	VBROADCASTSD (SI), Y10
	VFMADD231PD  Y8, Y10, Y0
	VFMADD231PD  Y9, Y10, Y1
	VBROADCASTSD (SI)(R8*1), Y11
	VFMADD231PD  Y8, Y11, Y2
	VFMADD231PD  Y9, Y11, Y3
	VBROADCASTSD (SI)(R8*2), Y12
	VFMADD231PD  Y8, Y12, Y4
	VFMADD231PD  Y9, Y12, Y5
	VBROADCASTSD (SI)(R13*1), Y13
	VFMADD231PD  Y8, Y13, Y6
	VFMADD231PD  Y9, Y13, Y7
	ADDQ         R9, SI
	ADDQ         R10, DI
	DECQ         CX
	JNZ          m4_k

m4_store:
	VBROADCASTSD alpha+16(FP), Y13
	MOVQ         BX, DI
	VMASKMOVPD   (DI), Y14, Y8
	VMASKMOVPD   32(DI), Y15, Y9
	VFMADD231PD  Y0, Y13, Y8
	VFMADD231PD  Y1, Y13, Y9
	VMASKMOVPD   Y8, Y14, (DI)
	VMASKMOVPD   Y9, Y15, 32(DI)
	ADDQ         R14, DI
	VMASKMOVPD   (DI), Y14, Y8
	VMASKMOVPD   32(DI), Y15, Y9
	VFMADD231PD  Y2, Y13, Y8
	VFMADD231PD  Y3, Y13, Y9
	VMASKMOVPD   Y8, Y14, (DI)
	VMASKMOVPD   Y9, Y15, 32(DI)
	ADDQ         R14, DI
	VMASKMOVPD   (DI), Y14, Y8
	VMASKMOVPD   32(DI), Y15, Y9
	VFMADD231PD  Y4, Y13, Y8
	VFMADD231PD  Y5, Y13, Y9
	VMASKMOVPD   Y8, Y14, (DI)
	VMASKMOVPD   Y9, Y15, 32(DI)
	ADDQ         R14, DI
	VMASKMOVPD   (DI), Y14, Y8
	VMASKMOVPD   32(DI), Y15, Y9
	VFMADD231PD  Y6, Y13, Y8
	VFMADD231PD  Y7, Y13, Y9
	VMASKMOVPD   Y8, Y14, (DI)
	VMASKMOVPD   Y9, Y15, 32(DI)
	LEAQ         (AX)(R8*4), AX
	LEAQ         (BX)(R14*4), BX
	DECQ         DX
	JNZ          m4_rows
	VZEROUPPER
	RET

// func gemm2x16MaskAVX2(k int, alpha float64, a *float64, ai, ap int, b *float64, ldb int, c *float64, ldc int, mask *int64)
//
// One block of gemm2x16LoopAVX2 whose lanes are masked: mask[j] (j < 16)
// is −1 for the columns that exist, 0 for those past the end, which are
// neither read from B nor written to C.
TEXT ·gemm2x16MaskAVX2(SB), NOSPLIT, $0-80
	MOVQ         ai+24(FP), R8
	SHLQ         $3, R8
	MOVQ         ap+32(FP), R9
	SHLQ         $3, R9
	MOVQ         ldb+48(FP), R10
	SHLQ         $3, R10
	MOVQ         ldc+64(FP), R14
	SHLQ         $3, R14
	MOVQ         mask+72(FP), R11
	VMOVDQU      (R11), Y9
	VMOVDQU      32(R11), Y10
	VMOVDQU      64(R11), Y11
	VMOVDQU      96(R11), Y14
	VBROADCASTSD alpha+8(FP), Y15
	MOVQ         a+16(FP), SI
	MOVQ         b+40(FP), DI
	MOVQ         k+0(FP), CX
	VXORPD       Y0, Y0, Y0
	VXORPD       Y1, Y1, Y1
	VXORPD       Y2, Y2, Y2
	VXORPD       Y3, Y3, Y3
	VXORPD       Y4, Y4, Y4
	VXORPD       Y5, Y5, Y5
	VXORPD       Y6, Y6, Y6
	VXORPD       Y7, Y7, Y7
	TESTQ        CX, CX
	JE           m2_store

m2_k:
	VBROADCASTSD (SI), Y12
	VBROADCASTSD (SI)(R8*1), Y13
	VMASKMOVPD   (DI), Y9, Y8
	VFMADD231PD  Y8, Y12, Y0
	VFMADD231PD  Y8, Y13, Y4
	VMASKMOVPD   32(DI), Y10, Y8
	VFMADD231PD  Y8, Y12, Y1
	VFMADD231PD  Y8, Y13, Y5
	VMASKMOVPD   64(DI), Y11, Y8
	VFMADD231PD  Y8, Y12, Y2
	VFMADD231PD  Y8, Y13, Y6
	VMASKMOVPD   96(DI), Y14, Y8
	VFMADD231PD  Y8, Y12, Y3
	VFMADD231PD  Y8, Y13, Y7
	ADDQ         R9, SI
	ADDQ         R10, DI
	DECQ         CX
	JNZ          m2_k

m2_store:
	MOVQ        c+56(FP), DI
	VMASKMOVPD  (DI), Y9, Y8
	VFMADD231PD Y0, Y15, Y8
	VMASKMOVPD  Y8, Y9, (DI)
	VMASKMOVPD  32(DI), Y10, Y8
	VFMADD231PD Y1, Y15, Y8
	VMASKMOVPD  Y8, Y10, 32(DI)
	VMASKMOVPD  64(DI), Y11, Y8
	VFMADD231PD Y2, Y15, Y8
	VMASKMOVPD  Y8, Y11, 64(DI)
	VMASKMOVPD  96(DI), Y14, Y8
	VFMADD231PD Y3, Y15, Y8
	VMASKMOVPD  Y8, Y14, 96(DI)
	ADDQ        R14, DI
	VMASKMOVPD  (DI), Y9, Y8
	VFMADD231PD Y4, Y15, Y8
	VMASKMOVPD  Y8, Y9, (DI)
	VMASKMOVPD  32(DI), Y10, Y8
	VFMADD231PD Y5, Y15, Y8
	VMASKMOVPD  Y8, Y10, 32(DI)
	VMASKMOVPD  64(DI), Y11, Y8
	VFMADD231PD Y6, Y15, Y8
	VMASKMOVPD  Y8, Y11, 64(DI)
	VMASKMOVPD  96(DI), Y14, Y8
	VFMADD231PD Y7, Y15, Y8
	VMASKMOVPD  Y8, Y14, 96(DI)
	VZEROUPPER
	RET

// LIN2W(off, W0, W1): the weights of four columns, w rows at DX+off,
// deinterleaved: W0 their first inputs', W1 their second. Clobbers Y0, Y1.
#define LIN2W(off, W0, W1) \
	VMOVUPD   off(DX), Y0; \
	VMOVUPD   off+32(DX), Y1; \
	VUNPCKLPD Y1, Y0, W0; \
	VUNPCKHPD Y1, Y0, W1; \
	VPERMPD   $0xd8, W0, W0; \
	VPERMPD   $0xd8, W1, W1

// func linear2AVX2(y, x, w, b *float64, m, n, n4 int)
//
// Linear2 for the columns [0, n4), n4 > 0 a multiple of 4 and m > 0; b may
// be nil (zeros). Columns in blocks of eight (then one of four), outer,
// keep their two weights (deinterleaved from w) and bias in registers;
// each row then costs two broadcasts and, per four columns, two fused
// multiply-adds from zero, an add and a store.
TEXT ·linear2AVX2(SB), NOSPLIT, $0-56
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ w+16(FP), DX
	MOVQ b+24(FP), R8
	MOVQ m+32(FP), CX
	MOVQ n+40(FP), R9
	SHLQ $3, R9
	MOVQ n4+48(FP), BX
	MOVQ BX, R13
	ANDQ $-8, R13
	XORQ AX, AX
	CMPQ AX, R13
	JGE  lin2_four

lin2_cols8:
	LIN2W(0, Y2, Y3)
	LIN2W(64, Y8, Y9)
	ADDQ      $128, DX
	VXORPD    Y4, Y4, Y4
	VXORPD    Y10, Y10, Y10
	TESTQ     R8, R8
	JZ        lin2_nobias8
	VMOVUPD   (R8)(AX*8), Y4
	VMOVUPD   32(R8)(AX*8), Y10

lin2_nobias8:
	LEAQ (DI)(AX*8), R11
	MOVQ SI, R12
	MOVQ CX, R10

lin2_rows8:
	VBROADCASTSD (R12), Y5
	VBROADCASTSD 8(R12), Y6
	VXORPD       Y7, Y7, Y7
	VXORPD       Y11, Y11, Y11
	VFMADD231PD  Y2, Y5, Y7
	VFMADD231PD  Y8, Y5, Y11
	VFMADD231PD  Y3, Y6, Y7
	VFMADD231PD  Y9, Y6, Y11
	VADDPD       Y4, Y7, Y7
	VADDPD       Y10, Y11, Y11
	VMOVUPD      Y7, (R11)
	VMOVUPD      Y11, 32(R11)
	ADDQ         $16, R12
	ADDQ         R9, R11
	DECQ         R10
	JNZ          lin2_rows8

	ADDQ $8, AX
	CMPQ AX, R13
	JLT  lin2_cols8

lin2_four:
	CMPQ AX, BX
	JGE  lin2_done
	LIN2W(0, Y2, Y3)
	VXORPD    Y4, Y4, Y4
	TESTQ     R8, R8
	JZ        lin2_nobias
	VMOVUPD   (R8)(AX*8), Y4

lin2_nobias:
	LEAQ (DI)(AX*8), R11
	MOVQ SI, R12
	MOVQ CX, R10

lin2_rows:
	VBROADCASTSD (R12), Y5
	VBROADCASTSD 8(R12), Y6
	VXORPD       Y7, Y7, Y7
	VFMADD231PD  Y2, Y5, Y7
	VFMADD231PD  Y3, Y6, Y7
	VADDPD       Y4, Y7, Y7
	VMOVUPD      Y7, (R11)
	ADDQ         $16, R12
	ADDQ         R9, R11
	DECQ         R10
	JNZ          lin2_rows

lin2_done:
	VZEROUPPER
	RET

// func linear2TailAVX2(y, x, w, b *float64, m, n int, mw0, mw1, mb *int64)
//
// Linear2's last rem < 4 columns: y, w and b point at the first of them;
// mw0 and mw1 enable the 2·rem weights in two vectors, mb the rem output
// lanes. b may be nil (zeros). The arithmetic is linear2AVX2's.
TEXT ·linear2TailAVX2(SB), NOSPLIT, $0-72
	MOVQ       y+0(FP), DI
	MOVQ       x+8(FP), SI
	MOVQ       w+16(FP), DX
	MOVQ       b+24(FP), R8
	MOVQ       m+32(FP), CX
	MOVQ       n+40(FP), R9
	SHLQ       $3, R9
	MOVQ       mw0+48(FP), AX
	VMOVDQU    (AX), Y12
	MOVQ       mw1+56(FP), AX
	VMOVDQU    (AX), Y13
	MOVQ       mb+64(FP), AX
	VMOVDQU    (AX), Y14
	VMASKMOVPD (DX), Y12, Y0
	VMASKMOVPD 32(DX), Y13, Y1
	VUNPCKLPD  Y1, Y0, Y2
	VUNPCKHPD  Y1, Y0, Y3
	VPERMPD    $0xd8, Y2, Y2
	VPERMPD    $0xd8, Y3, Y3
	VXORPD     Y4, Y4, Y4
	TESTQ      R8, R8
	JZ         lin2t_rows
	VMASKMOVPD (R8), Y14, Y4

lin2t_rows:
	VBROADCASTSD (SI), Y5
	VBROADCASTSD 8(SI), Y6
	VXORPD       Y7, Y7, Y7
	VFMADD231PD  Y2, Y5, Y7
	VFMADD231PD  Y3, Y6, Y7
	VADDPD       Y4, Y7, Y7
	VMASKMOVPD   Y7, Y14, (DI)
	ADDQ         $16, SI
	ADDQ         R9, DI
	DECQ         CX
	JNZ          lin2t_rows
	VZEROUPPER
	RET
