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
