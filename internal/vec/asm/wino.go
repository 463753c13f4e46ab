package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// winoInput32 declares the Winograd F(2×2, 3×3) input transform of package
// tensor over eight tiles at a time (see vec.WinoInputRows32).
func winoInput32() {
	text("winoInputRows32AVX2", "func(p, q, r *float32, he int, v *float32, ldv int, n int, second int)",
		"Half of the input transform Bᵀ d B of tiles t < n, eight at a time (see",
		"WinoInputRows32): rows p, q, r hold their even columns at [0, he) and",
		"their odd ones at [he, 2he); v's eight rows are ldv apart. n > 0 is a",
		"multiple of 8.")
	loadArgs([]string{"p", "q", "r", "he"}, RSI, RDX, R8, RBX)
	loadArgs([]string{"v", "ldv", "n"}, RDI, R10, RCX)
	SHLQ(U8(2), R10) // ldv in bytes
	LEAQ(at(R10, R10, 2, 0), R11)
	ADDQ(RDI, R11) // row 3
	LEAQ(at(R11, R10, 2, 0), R12)
	ADDQ(R10, R12) // row 6
	XORQ(RAX, RAX)
	Load(Param("second"), R9)
	TESTQ(R9, R9)
	JNZ(LabelRef("wino_in_second"))
	winoInputLoop("wino_in_first", false)
	Label("wino_in_second")
	winoInputLoop("wino_in_second_loop", true)
}

// winoInputPlane32 declares WinoInputRows32's two halves for every tile
// row of a strip in one call (see vec.WinoInputPlane32).
func winoInputPlane32() {
	text("winoInputPlane32AVX2", "func(strip *float32, he int, v *float32, ldv int, n int, trows int, tw int)",
		"The input transform of trows tile rows of a strip (rows 2he apart, split",
		"as WinoInputRows32 reads them): tile row i is both halves of",
		"winoInputRows32AVX2 on strip rows 2i … 2i+3, into v + i·tw, in order of",
		"i. n > 0 is a multiple of 8.")
	rowp, vp, left := planeLocals("strip", "v", "trows")
	Load(Param("ldv"), R10)
	SHLQ(U8(2), R10) // ldv in bytes
	Load(Param("he"), R13)
	SHLQ(U8(3), R13) // a strip row (2he values) in bytes
	Label("plane_row")
	for half, second := range []bool{false, true} {
		MOVQ(rowp, RSI)
		if second {
			ADDQ(R13, RSI)
		}
		LEAQ(at(RSI, R13, 1, 0), RDX)
		LEAQ(at(RDX, R13, 1, 0), R8)
		MOVQ(vp, RDI)
		if second {
			LEAQ(at(RDI, R10, 8, 0), RDI) // v's row 8
		}
		LEAQ(at(R10, R10, 2, 0), R11)
		LEAQ(at(R11, R11, 1, 0), R12)
		ADDQ(RDI, R12) // row 6
		ADDQ(RDI, R11) // row 3
		Load(Param("he"), RBX)
		XORQ(RAX, RAX)
		Load(Param("n"), RCX)
		label := []string{"plane_first", "plane_second"}[half]
		Label(label)
		winoInputBody(second)
		loop(8, RCX, label)
	}
	LEAQ(at(R13, R13, 1, 0), RAX)
	ADDQ(RAX, rowp) // two strip rows on
	Load(Param("tw"), RAX)
	SHLQ(U8(2), RAX)
	ADDQ(RAX, vp)
	count(left, "plane_row")
	done()
}

// winoInputLoop emits the loop over blocks of eight tiles (winoInputBody),
// ending the function.
func winoInputLoop(label string, second bool) {
	Label(label)
	winoInputBody(second)
	loop(8, RCX, label)
	done()
}

// winoInputBody emits one block of eight tiles. Y0–Y3, Y4–Y7
// and Y8–Y11 hold columns 2t, 2t+1, 2t+2, 2t+3 of rows r, p and q; the
// even columns are at index AX, the odd ones at BX = AX + he. First half:
// a = p − r, b = q + r; second: a = q − p, b = p − r. Rows 0–3 of v get
// a0 − a2, a1 + a2, a2 − a1, a1 − a3 and rows 4–7 the same of b. The rows
// p, q, r are at SI, DX and R8; v's rows 0, 3 and 6 at DI, R11 and R12,
// ldv bytes (R10) apart. It advances the v pointers and BX; the caller's
// loop advances AX.
func winoInputBody(second bool) {
	for i, base := range []Register{R8, RSI, RDX} {
		y := []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11}[4*i:]
		VMOVUPS(ps(base, 0), y[0])
		VMOVUPS(at(base, RBX, 4, 0), y[1])
		VMOVUPS(ps(base, 4), y[2])
		VMOVUPS(at(base, RBX, 4, 4), y[3])
	}
	r := []VecPhysical{Y0, Y1, Y2, Y3}
	p := []VecPhysical{Y4, Y5, Y6, Y7}
	q := []VecPhysical{Y8, Y9, Y10, Y11}
	var a, b []VecPhysical
	if !second {
		for i := range p {
			VSUBPS(r[i], p[i], p[i]) // p − r
			VADDPS(r[i], q[i], q[i]) // q + r
		}
		a, b = p, q
	} else {
		for i := range p {
			VSUBPS(p[i], q[i], q[i]) // q − p
			VSUBPS(r[i], p[i], p[i]) // p − r
		}
		a, b = q, p
	}
	rows := []Mem{off(RDI, 0), at(RDI, R10, 1, 0), at(RDI, R10, 2, 0), off(R11, 0),
		at(R11, R10, 1, 0), at(R11, R10, 2, 0), off(R12, 0), at(R12, R10, 1, 0)}
	for h, s := range [][]VecPhysical{a, b} {
		VSUBPS(s[2], s[0], Y12) // s0 − s2
		VADDPS(s[2], s[1], Y13) // s1 + s2
		VSUBPS(s[1], s[2], Y14) // s2 − s1
		VSUBPS(s[3], s[1], Y15) // s1 − s3
		for i, y := range []VecPhysical{Y12, Y13, Y14, Y15} {
			VMOVUPS(y, rows[4*h+i])
		}
	}
	advance(32, RDI, R11, R12)
	ADDQ(U8(8), RBX)
}

// advance adds by bytes to each of the pointer registers.
func advance(by uint8, regs ...Register) {
	for _, reg := range regs {
		ADDQ(U8(by), reg)
	}
}

// winoOutput32 declares the Winograd output transform of package tensor
// over eight tiles at a time (see vec.WinoOutputRow32).
func winoOutput32() {
	text("winoOutputRow32AVX2", "func(m *float32, ldm int, y *float32, n int, bias float32, second int)",
		"One output row of the transform Aᵀ M A + bias of tiles t < n, eight at a",
		"time (see WinoOutputRow32): m's twelve rows (0–11, the caller's rows",
		"4–15 for the second output row) are ldm apart; y gets 2n values. n > 0",
		"is a multiple of 8.")
	loadArgs([]string{"m", "ldm", "y", "n"}, R8, R10, RDI, RCX)
	SHLQ(U8(2), R10) // ldm in bytes
	LEAQ(at(R10, R10, 2, 0), R11)
	LEAQ(at(R8, R11, 1, 0), R9)   // row 3
	LEAQ(at(R9, R11, 1, 0), R12)  // row 6
	LEAQ(at(R12, R11, 1, 0), R13) // row 9
	VBROADCASTSS(arg("bias"), Y15)
	XORQ(RAX, RAX)
	Load(Param("second"), RDX)
	TESTQ(RDX, RDX)
	JNZ(LabelRef("wino_out_second"))
	winoOutputLoop("wino_out_first", false)
	Label("wino_out_second")
	winoOutputLoop("wino_out_second_loop", true)
}

// winoOutputLoop emits the loop over blocks of eight tiles
// (winoOutputBody), ending the function.
func winoOutputLoop(label string, second bool) {
	Label(label)
	winoOutputBody(second)
	VMOVUPS(Y12, off(RDI, 0))
	VMOVUPS(Y13, off(RDI, 32))
	advance(32, R8, R9, R12, R13)
	advance(64, RDI)
	loop(8, RCX, label)
	done()
}

// winoOutputBody emits one block of eight tiles: Y0–Y11 hold rows 0–11 of
// m (rows 0, 3, 6 and 9 at R8, R9, R12 and R13, ldm bytes (R10) apart);
// the column sums s_j = (r_j ± r_{4+j}) ± r_{8+j} (+ for the first output
// row, − for the second) give the even outputs ((s0 + s1) + s2) + bias
// and the odd ones ((s1 − s2) − s3) + bias (Y15 holds the bias), which
// are interleaved into Y12 (outputs 0–7) and Y13 (8–15).
func winoOutputBody(second bool) {
	ys := []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11}
	for i, base := range []Register{R8, R9, R12, R13} {
		VMOVUPS(off(base, 0), ys[3*i])
		VMOVUPS(at(base, R10, 1, 0), ys[3*i+1])
		VMOVUPS(at(base, R10, 2, 0), ys[3*i+2])
	}
	for j := 0; j < 4; j++ {
		if second {
			VSUBPS(ys[4+j], ys[j], ys[j])
			VSUBPS(ys[8+j], ys[j], ys[j])
		} else {
			VADDPS(ys[4+j], ys[j], ys[j])
			VADDPS(ys[8+j], ys[j], ys[j])
		}
	}
	VADDPS(Y1, Y0, Y12)  // s0 + s1
	VADDPS(Y2, Y12, Y12) // + s2
	VADDPS(Y15, Y12, Y12)
	VSUBPS(Y2, Y1, Y13)  // s1 − s2
	VSUBPS(Y3, Y13, Y13) // − s3
	VADDPS(Y15, Y13, Y13)
	VUNPCKLPS(Y13, Y12, Y14) // e0 o0 e1 o1 | e4 o4 e5 o5
	VUNPCKHPS(Y13, Y12, Y13) // e2 o2 e3 o3 | e6 o6 e7 o7
	VPERM2F128(U8(0x20), Y13, Y14, Y12)
	VPERM2F128(U8(0x31), Y13, Y14, Y13)
}

// winoOutputPlane32 declares both output rows of the output transform for
// every tile row of a plane in one call (see vec.WinoOutputPlane32).
func winoOutputPlane32() {
	text("winoOutputPlane32AVX2", "func(m *float32, ldm int, y *float32, ldy int, n int, trows int, tw int, bias float32, mask *int32)",
		"winoOutputRow32AVX2's two output rows for tile rows i < trows (m + i·tw,",
		"output rows 2i and 2i+1 of y, ldy apart) and tiles t < n (n > 0): the",
		"blocks of eight, then the last n mod 8 tiles through the lane masks",
		"mask[0:8] (outputs 0–7 of the block) and mask[8:16] (8–15).")
	mrow, yrow, left := planeLocals("m", "y", "trows")
	Load(Param("ldm"), R10)
	SHLQ(U8(2), R10) // ldm in bytes
	LEAQ(at(R10, R10, 2, 0), R11)
	VBROADCASTSS(arg("bias"), Y15)
	Label("oplane_row")
	for half, second := range []bool{false, true} {
		prefix := []string{"oplane_first", "oplane_second"}[half]
		MOVQ(mrow, R8)
		if second {
			LEAQ(at(R8, R10, 4, 0), R8) // rows 4–15
		}
		LEAQ(at(R8, R11, 1, 0), R9)   // row 3
		LEAQ(at(R9, R11, 1, 0), R12)  // row 6
		LEAQ(at(R12, R11, 1, 0), R13) // row 9
		MOVQ(yrow, RDI)
		if second {
			Load(Param("ldy"), RAX)
			LEAQ(at(RDI, RAX, 4, 0), RDI)
		}
		XORQ(RAX, RAX)
		Load(Param("n"), RCX)
		ANDQ(I8(-8), RCX)
		JZ(LabelRef(prefix + "_tail"))
		Label(prefix)
		winoOutputBody(second)
		VMOVUPS(Y12, off(RDI, 0))
		VMOVUPS(Y13, off(RDI, 32))
		advance(32, R8, R9, R12, R13)
		advance(64, RDI)
		loop(8, RCX, prefix)
		Label(prefix + "_tail")
		Load(Param("n"), RAX)
		TESTQ(U32(7), RAX)
		JZ(LabelRef(prefix + "_done"))
		winoOutputBody(second)
		Load(Param("mask"), RAX)
		VMOVUPS(off(RAX, 0), Y0)
		VMOVUPS(off(RAX, 32), Y1)
		VMASKMOVPS(Y12, Y0, off(RDI, 0))
		VMASKMOVPS(Y13, Y1, off(RDI, 32))
		Label(prefix + "_done")
	}
	Load(Param("tw"), RAX)
	SHLQ(U8(2), RAX)
	ADDQ(RAX, mrow)
	Load(Param("ldy"), RAX)
	SHLQ(U8(3), RAX) // two output rows
	ADDQ(RAX, yrow)
	count(left, "oplane_row")
	done()
}

// winoDotsBlock emits the dot products of one block of two rows of A (at
// SI and R12) by four of B (DI, R13, BX, R8) over k (CX) elements, into
// Y1: row 0's four sums in the low half, row 1's in the high one. It
// clobbers AX.
func winoDotsBlock(prefix string) {
	acc := []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7}
	zero(acc...)
	XORQ(RAX, RAX)
	Label(prefix + "_loop")
	VMOVUPS(ps(RSI, 0), Y8)
	VMOVUPS(ps(R12, 0), Y9)
	bs := []VecPhysical{Y10, Y11, Y12, Y13}
	for j, base := range []Register{RDI, R13, RBX, R8} {
		VMOVUPS(ps(base, 0), bs[j])
	}
	for i, av := range []VecPhysical{Y8, Y9} {
		for j, bv := range bs {
			VFMADD231PS(bv, av, acc[4*i+j])
		}
	}
	loop(8, RCX, prefix+"_loop")
	winoDotsPairSums()
}

// winoDotsPairSums reduces the accumulators Y0–Y3 (row 0, columns 0–3) and
// Y4–Y7 (row 1) to Y1: row 0's four sums in the low half, row 1's in the
// high one; each sum adds its lanes as ((l0+l1)+(l2+l3))+((l4+l5)+(l6+l7)).
func winoDotsPairSums() {
	// Pairwise sums: Y0 = [s0 s1 s2 s3] of each 128-bit half for row 0,
	// Y4 for row 1; then the halves added.
	VHADDPS(Y1, Y0, Y0)
	VHADDPS(Y3, Y2, Y2)
	VHADDPS(Y5, Y4, Y4)
	VHADDPS(Y7, Y6, Y6)
	VHADDPS(Y2, Y0, Y0)
	VHADDPS(Y6, Y4, Y4)
	VPERM2F128(U8(0x20), Y4, Y0, Y1)
	VPERM2F128(U8(0x31), Y4, Y0, Y3)
	VADDPS(Y3, Y1, Y1) // row 0 in the low half, row 1 in the high one
}

// winoDotsStore stores Y1 as two rows of four at DX, ldc (bytes) apart,
// added to what is there when accum is nonzero.
func winoDotsStore(prefix string, accum, ldc Register) {
	TESTQ(accum, accum)
	JZ(LabelRef(prefix + "_store"))
	VMOVUPS(off(RDX, 0), X2)
	VINSERTF128(U8(1), at(RDX, ldc, 1, 0), Y2, Y2)
	VADDPS(Y2, Y1, Y1)
	Label(prefix + "_store")
	VMOVUPS(X1, off(RDX, 0))
	VEXTRACTF128(U8(1), Y1, at(RDX, ldc, 1, 0))
}

// winoDotsGrid32 declares the dot-product blocks of the Winograd weight
// gradient (see vec.WinoDots32), mb·2 rows by nb·4 columns in one call (a
// Go loop over blocks of only a few hundred multiply-adds each cost a tenth
// of their time).
func winoDotsGrid32() {
	text("winoDotsGrid32AVX2", "func(mb, nb int, a *float32, lda int, b *float32, ldb int, k int, c *float32, ldc int, accum int)",
		"The blocks of rows 2i, 2i+1 (i < mb) by columns 4j … 4j+3 (j < nb):",
		"C(i, j) = S(i, j) (+ C(i, j) when accum ≠ 0), S(i, j) = Σ_{p<k}",
		"a[i·lda+p]·b[j·ldb+p]: lane l of an accumulator sums the p ≡ l (mod 8)",
		"by fused multiply-adds in order of p, and the lanes add as",
		"((l0+l1)+(l2+l3))+((l4+l5)+(l6+l7)). mb, nb > 0; k > 0 is a multiple of 8.")
	crow := AllocLocal(8)
	Load(Param("c"), RAX)
	MOVQ(RAX, crow)
	Load(Param("a"), RSI)
	Load(Param("lda"), R12)
	SHLQ(U8(2), R12)
	ADDQ(RSI, R12) // a row 1
	Load(Param("ldb"), R9)
	SHLQ(U8(2), R9)
	Load(Param("mb"), R11)
	dotsRowStart("grid", crow)
	winoDotsBlock("grid_dots")
	Load(Param("ldc"), RCX)
	SHLQ(U8(2), RCX)
	Load(Param("accum"), RAX)
	winoDotsStore("grid_dots", RAX, RCX)
	dotsColsOn("grid")
	Load(Param("ldc"), RAX)
	SHLQ(U8(3), RAX) // two rows of C
	ADDQ(RAX, crow)
	MOVQ(R12, RAX)
	SUBQ(RSI, RAX) // lda in bytes
	LEAQ(at(R12, RAX, 1, 0), RSI)
	LEAQ(at(RSI, RAX, 1, 0), R12) // two rows of A on
	count(R11, "grid_rows")
	done()
}

// dotsRowStart emits the head of a dot-product grid's row of blocks and of
// its loop over columns (labels prefix_rows, prefix_cols): B's four rows
// at DI, R13, BX and R8 (ldb bytes in R9), C's block at DX (the row's C in
// crow), the column count in R10, k in CX.
func dotsRowStart(prefix string, crow Mem) {
	Label(prefix + "_rows")
	Load(Param("b"), RDI)
	LEAQ(at(RDI, R9, 1, 0), R13) // b row 1
	LEAQ(at(RDI, R9, 2, 0), RBX) // b row 2
	LEAQ(at(R13, R9, 2, 0), R8)  // b row 3
	MOVQ(crow, RDX)
	Load(Param("nb"), R10)
	Label(prefix + "_cols")
	Load(Param("k"), RCX)
}

// dotsColsOn emits the tail of dotsRowStart's column loop: C's block and
// B's rows four columns on.
func dotsColsOn(prefix string) {
	ADDQ(U8(16), RDX) // four columns on
	for _, r := range []Register{RDI, R13, RBX, R8} {
		LEAQ(at(r, R9, 4, 0), r) // four rows of B on
	}
	count(R10, prefix+"_cols")
}

// winoDotsGrid3x4 declares the three-row version of winoDotsGrid32AVX2:
// twelve accumulators (Y0–Y11, row i's columns in Y(4i)…Y(4i+3)), the three
// rows of A held in Y12–Y14 and each row of B loaded once into Y15, so that
// a step of eight products takes seven loads for twelve fused multiply-adds
// (the 2×4 blocks take six for eight). Each sum takes the same lanes in the
// same order as in winoDotsGrid32AVX2, so the results are the same bits.
func winoDotsGrid3x4() {
	text("winoDotsGrid3x4AVX2", "func(mb, nb int, a *float32, lda int, b *float32, ldb int, k int, c *float32, ldc int, accum int)",
		"The blocks of rows 3i … 3i+2 (i < mb) by columns 4j … 4j+3 (j < nb):",
		"C(i, j) = S(i, j) (+ C(i, j) when accum ≠ 0), S(i, j) = Σ_{p<k}",
		"a[i·lda+p]·b[j·ldb+p], each sum as in winoDotsGrid32AVX2.",
		"mb, nb > 0; k > 0 is a multiple of 8.")
	crow := AllocLocal(8)
	Load(Param("c"), RAX)
	MOVQ(RAX, crow)
	Load(Param("a"), RSI)
	Load(Param("lda"), RAX)
	SHLQ(U8(2), RAX)
	LEAQ(at(RSI, RAX, 1, 0), R12) // a row 1
	LEAQ(at(R12, RAX, 1, 0), R14) // a row 2
	Load(Param("ldb"), R9)
	SHLQ(U8(2), R9)
	Load(Param("mb"), R11)
	dotsRowStart("grid3", crow)
	acc := []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11}
	zero(acc...)
	XORQ(RAX, RAX)
	Label("grid3_loop")
	as := []VecPhysical{Y12, Y13, Y14}
	for i, base := range []Register{RSI, R12, R14} {
		VMOVUPS(ps(base, 0), as[i])
	}
	for j, base := range []Register{RDI, R13, RBX, R8} {
		VMOVUPS(ps(base, 0), Y15)
		for i, av := range as {
			VFMADD231PS(Y15, av, acc[4*i+j])
		}
	}
	loop(8, RCX, "grid3_loop")
	// Row 2 first (Y8–Y11 to X8), then rows 0 and 1 (to Y1), as in the
	// 2×4 blocks.
	VHADDPS(Y9, Y8, Y8)
	VHADDPS(Y11, Y10, Y10)
	VHADDPS(Y10, Y8, Y8)
	VEXTRACTF128(U8(1), Y8, X9)
	VADDPS(X9, X8, X8)
	winoDotsPairSums()
	Load(Param("ldc"), RCX)
	SHLQ(U8(2), RCX)
	Load(Param("accum"), RAX)
	TESTQ(RAX, RAX)
	JZ(LabelRef("grid3_store"))
	VADDPS(at(RDX, RCX, 2, 0), X8, X8)
	Label("grid3_store")
	VMOVUPS(X8, at(RDX, RCX, 2, 0))
	winoDotsStore("grid3_dots", RAX, RCX)
	dotsColsOn("grid3")
	Load(Param("ldc"), RAX)
	LEAQ(at(RAX, RAX, 2, 0), RAX)
	SHLQ(U8(2), RAX) // three rows of C
	ADDQ(RAX, crow)
	MOVQ(R12, RAX)
	SUBQ(RSI, RAX) // lda in bytes
	LEAQ(at(R14, RAX, 1, 0), RSI)
	LEAQ(at(RSI, RAX, 1, 0), R12)
	LEAQ(at(R12, RAX, 1, 0), R14) // three rows of A on
	count(R11, "grid3_rows")
	done()
}

// winoGradOutput32 declares the Winograd output-gradient transform of
// package tensor over eight tiles at a time (see vec.WinoGradOutputRows32).
func winoGradOutput32() {
	text("winoGradOutputRows32AVX2", "func(g0, g1 *float32, v *float32, ldv int, n int)",
		"The transform A g Aᵀ of tiles t < n of one tile row, eight at a time",
		"(see WinoGradOutputRows32): rows g0 and g1 hold the tiles' two output",
		"gradient rows (tile t at columns 2t, 2t+1); v's sixteen rows are ldv",
		"apart. n > 0 is a multiple of 8.")
	loadArgs([]string{"g0", "g1", "v", "ldv", "n"}, RSI, R8, RDI, R10, RCX)
	SHLQ(U8(2), R10) // ldv in bytes
	LEAQ(at(R10, R10, 2, 0), R11)
	winoGradOutputVRows()
	// Y15 = the sign bit of every lane: x XOR Y15 is −x, as Go negates.
	VPCMPEQD(Y15, Y15, Y15)
	VPSLLD(U8(31), Y15, Y15)
	Label("wino_gout_loop")
	winoGradOutputBody(false)
	advance(64, RSI, R8)
	advance(32, RDI, R12, R13, R9, RDX)
	SUBQ(U8(8), RCX)
	JNZ(LabelRef("wino_gout_loop"))
	done()
}

// winoGradOutputVRows points R12, R13, R9 and DX at rows 3, 6, 9 and 12 of
// v (row 0 at DI; ldv bytes in R10, 3·ldv in R11).
func winoGradOutputVRows() {
	LEAQ(at(RDI, R11, 1, 0), R12) // row 3
	LEAQ(at(R12, R11, 1, 0), R13) // row 6
	LEAQ(at(R13, R11, 1, 0), R9)  // row 9
	LEAQ(at(R9, R11, 1, 0), RDX)  // row 12
}

// winoGradOutputBody emits one block of eight tiles: the two gradient rows
// at SI and R8, v's rows 0, 3, 6, 9 and 12 at DI, R12, R13, R9 and DX,
// ldv bytes (R10) apart, 3·ldv in R11; Y15 holds the sign bits. Masked, it
// reads the gradient rows through the lane masks of the argument mask.
func winoGradOutputBody(masked bool) {
	if masked {
		Load(Param("mask"), RAX)
		VMOVUPS(off(RAX, 0), Y2)
		VMOVUPS(off(RAX, 32), Y3)
	}
	// Columns 2t (even) and 2t+1 (odd) of the two rows, in tile order.
	for i, base := range []Register{RSI, R8} {
		if masked {
			VMASKMOVPS(off(base, 0), Y2, Y0)
			VMASKMOVPS(off(base, 32), Y3, Y1)
		} else {
			VMOVUPS(off(base, 0), Y0)
			VMOVUPS(off(base, 32), Y1)
		}
		even, odd := []VecPhysical{Y4, Y6}[i], []VecPhysical{Y5, Y7}[i]
		VSHUFPS(U8(0x88), Y1, Y0, even) // e0 e1 e4 e5 | e2 e3 e6 e7
		VSHUFPS(U8(0xDD), Y1, Y0, odd)
		VPERMPD(U8(0xD8), even, even) // e0 … e7
		VPERMPD(U8(0xD8), odd, odd)
	}
	// a = row 0; b = row 0 + row 1; c = row 0 − row 1; d = −row 1.
	VADDPS(Y6, Y4, Y8)
	VADDPS(Y7, Y5, Y9)
	VSUBPS(Y6, Y4, Y10)
	VSUBPS(Y7, Y5, Y11)
	VXORPS(Y15, Y6, Y12)
	VXORPS(Y15, Y7, Y13)
	rows := []Mem{off(RDI, 0), at(RDI, R10, 1, 0), at(RDI, R10, 2, 0),
		off(R12, 0), at(R12, R10, 1, 0), at(R12, R10, 2, 0),
		off(R13, 0), at(R13, R10, 1, 0), at(R13, R10, 2, 0),
		off(R9, 0), at(R9, R10, 1, 0), at(R9, R10, 2, 0),
		off(RDX, 0), at(RDX, R10, 1, 0), at(RDX, R10, 2, 0), at(RDX, R11, 1, 0)}
	// Rows 4h … 4h+3 of v: x0, x0 + x1, x0 − x1, −x1.
	for h, x := range [][2]VecPhysical{{Y4, Y5}, {Y8, Y9}, {Y10, Y11}, {Y12, Y13}} {
		VMOVUPS(x[0], rows[4*h])
		VADDPS(x[1], x[0], Y14)
		VMOVUPS(Y14, rows[4*h+1])
		VSUBPS(x[1], x[0], Y14)
		VMOVUPS(Y14, rows[4*h+2])
		VXORPS(Y15, x[1], Y14)
		VMOVUPS(Y14, rows[4*h+3])
	}
}

// winoGradOutputPlane32 declares WinoGradOutputRows32 for every tile row of
// a plane in one call (see vec.WinoGradOutputPlane32).
func winoGradOutputPlane32() {
	text("winoGradOutputPlane32AVX2", "func(gy *float32, ldg int, v *float32, ldv int, n int, trows int, tw int, mask *int32)",
		"winoGradOutputRows32AVX2 for tile rows i < trows, whose gradient rows are",
		"2i and 2i+1 of g (ldg apart), into v + i·tw: the blocks of eight tiles,",
		"then, when n is not a multiple of 8, the last eight tiles again. For",
		"n < 8 one block, its 2n gradient values per row read through the lane",
		"masks mask[0:8] and mask[8:16], writes eight tiles.")
	grow, vrow, left := planeLocals("gy", "v", "trows")
	Load(Param("ldv"), R10)
	SHLQ(U8(2), R10) // ldv in bytes
	LEAQ(at(R10, R10, 2, 0), R11)
	VPCMPEQD(Y15, Y15, Y15)
	VPSLLD(U8(31), Y15, Y15)
	Label("gplane_row")
	MOVQ(grow, RSI)
	Load(Param("ldg"), RBX)
	LEAQ(at(RSI, RBX, 4, 0), R8)
	MOVQ(vrow, RDI)
	winoGradOutputVRows()
	Load(Param("n"), RCX)
	CMPQ(RCX, U8(8))
	JL(LabelRef("gplane_short"))
	ANDQ(I8(-8), RCX)
	Label("gplane_block")
	winoGradOutputBody(false)
	advance(64, RSI, R8)
	advance(32, RDI, R12, R13, R9, RDX)
	SUBQ(U8(8), RCX)
	JNZ(LabelRef("gplane_block"))
	Load(Param("n"), RAX)
	TESTQ(U32(7), RAX)
	JZ(LabelRef("gplane_next"))
	SUBQ(U8(8), RAX) // the last eight tiles
	MOVQ(grow, RSI)
	LEAQ(at(RSI, RAX, 8, 0), RSI)
	LEAQ(at(RSI, RBX, 4, 0), R8)
	MOVQ(vrow, RDI)
	LEAQ(at(RDI, RAX, 4, 0), RDI)
	winoGradOutputVRows()
	winoGradOutputBody(false)
	JMP(LabelRef("gplane_next"))
	Label("gplane_short")
	winoGradOutputBody(true)
	Label("gplane_next")
	Load(Param("ldg"), RAX)
	SHLQ(U8(3), RAX) // two gradient rows
	ADDQ(RAX, grow)
	Load(Param("tw"), RAX)
	SHLQ(U8(2), RAX)
	ADDQ(RAX, vrow)
	count(left, "gplane_row")
	done()
}

// winoGradInput32 declares the Winograd input-gradient transform of package
// tensor over eight tiles at a time (see vec.WinoGradInputRows32).
func winoGradInput32() {
	text("winoGradInputRows32AVX2", "func(p *float32, ldp int, q *float32, ldq int, carry *float32, rot *int32, n int)",
		"The transform B P Bᵀ of tiles t < n of one tile row, eight at a time (see",
		"WinoGradInputRows32): P's sixteen rows are ldp apart; the four padded",
		"gradient rows q, ldq apart, get tile t at columns 2t, 2t+1 (added into",
		"rows 0 and 1, set in rows 2 and 3) plus the carry of tile t−1; carry",
		"holds the carries (two per row) into the first tile and gets those out",
		"of the last; rot permutes the lanes to hand the carries on (vec.laneRots). n > 0 is a",
		"multiple of 8.")
	loadArgs([]string{"p", "ldp", "q", "ldq", "carry", "n"}, RSI, R10, RDI, RBX, RAX, RCX)
	SHLQ(U8(2), R10) // ldp in bytes
	SHLQ(U8(2), RBX) // ldq in bytes
	LEAQ(at(R10, R10, 2, 0), R11)
	LEAQ(at(RSI, R11, 1, 0), R12) // P row 3
	LEAQ(at(R12, R11, 1, 0), R13) // P row 6
	LEAQ(at(R13, R11, 1, 0), R9)  // P row 9
	LEAQ(at(R9, R11, 1, 0), RDX)  // P row 12
	LEAQ(at(RBX, RBX, 2, 0), R8)
	ADDQ(RDI, R8) // q row 3
	Load(Param("rot"), R11)
	VMOVDQU(off(R11, 0), Y15)
	LEAQ(at(R10, R10, 2, 0), R11) // 3·ldp again
	VPCMPEQD(Y14, Y14, Y14)
	VPSLLD(U8(31), Y14, Y14) // the sign bit: x XOR Y14 is −x, as Go negates
	prow := []Mem{off(RSI, 0), at(RSI, R10, 1, 0), at(RSI, R10, 2, 0),
		off(R12, 0), at(R12, R10, 1, 0), at(R12, R10, 2, 0),
		off(R13, 0), at(R13, R10, 1, 0), at(R13, R10, 2, 0),
		off(R9, 0), at(R9, R10, 1, 0), at(R9, R10, 2, 0),
		off(RDX, 0), at(RDX, R10, 1, 0), at(RDX, R10, 2, 0), at(RDX, R11, 1, 0)}
	qrow := []Register{RDI, RDI, RDI, R8}
	r := []VecPhysical{Y0, Y1, Y2, Y3}
	Label("wino_gin_loop")
	for row := 0; row < 4; row++ {
		// r_j of this row: P rows j (row 0), (4+j − 8+j) + 12+j (row 1),
		// (4+j + 8+j) − j (row 2), 12+j (row 3).
		for j := 0; j < 4; j++ {
			switch row {
			case 0:
				VMOVUPS(prow[j], r[j])
			case 1:
				VMOVUPS(prow[4+j], r[j])
				VSUBPS(prow[8+j], r[j], r[j])
				VADDPS(prow[12+j], r[j], r[j])
			case 2:
				VMOVUPS(prow[4+j], r[j])
				VADDPS(prow[8+j], r[j], r[j])
				VSUBPS(prow[j], r[j], r[j])
			case 3:
				VMOVUPS(prow[12+j], r[j])
			}
		}
		VSUBPS(Y2, Y1, Y5) // r1 − r2
		VADDPS(Y3, Y5, Y5) // + r3
		if row < 3 {
			VADDPS(Y2, Y1, Y6)  // r1 + r2
			VSUBPS(Y0, Y6, Y6)  // − r0: the carry into column 2(t+1)
			VXORPS(Y14, Y3, Y7) // −r3: into column 2(t+1)+1
		} else {
			VSUBPS(Y1, Y0, Y6) // r0 − r1
			VSUBPS(Y2, Y6, Y6) // − r2
			VMOVAPS(Y3, Y7)
		}
		// The carries each tile takes: its left neighbour's, and for the
		// first lane the carry in; the last lane's go out.
		for h, c := range []VecPhysical{Y6, Y7} {
			cm := off(RAX, 4*(2*row+h))
			VPERMPS(c, Y15, Y8)
			VMOVSS(cm, X9)
			VMOVSS(X8, cm)
			VBLENDPS(U8(1), Y9, Y8, []VecPhysical{Y12, Y13}[h])
		}
		if row < 3 {
			VADDPS(Y0, Y12, Y12) // even columns: carry + r0
			VADDPS(Y5, Y13, Y13) // odd: carry + ((r1 − r2) + r3)
		} else {
			VSUBPS(Y0, Y12, Y12) // carry − r0
			VSUBPS(Y5, Y13, Y13) // carry − ((r1 − r2) + r3)
		}
		VUNPCKLPS(Y13, Y12, Y8) // e0 o0 e1 o1 | e4 o4 e5 o5
		VUNPCKHPS(Y13, Y12, Y9) // e2 o2 e3 o3 | e6 o6 e7 o7
		VPERM2F128(U8(0x20), Y9, Y8, Y10)
		VPERM2F128(U8(0x31), Y9, Y8, Y11)
		var lo, hi Mem
		switch row {
		case 0, 3:
			lo, hi = off(qrow[row], 0), off(qrow[row], 32)
		case 1:
			lo, hi = at(RDI, RBX, 1, 0), at(RDI, RBX, 1, 32)
		case 2:
			lo, hi = at(RDI, RBX, 2, 0), at(RDI, RBX, 2, 32)
		}
		if row < 2 { // rows 0 and 1 add into what the tile row above left
			VADDPS(lo, Y10, Y10)
			VADDPS(hi, Y11, Y11)
		}
		VMOVUPS(Y10, lo)
		VMOVUPS(Y11, hi)
	}
	advance(32, RSI, R12, R13, R9, RDX)
	advance(64, RDI, R8)
	SUBQ(U8(8), RCX)
	JNZ(LabelRef("wino_gin_loop"))
	done()
}

// planeLocals allocates the locals of a loop over tile rows, the current
// positions of two pointer arguments and the tile rows left, and loads
// them from the named arguments (clobbering AX).
func planeLocals(a, b, rows string) (pa, pb, left Mem) {
	pa, pb, left = AllocLocal(8), AllocLocal(8), AllocLocal(8)
	for i, name := range []string{a, b, rows} {
		Load(Param(name), RAX)
		MOVQ(RAX, []Mem{pa, pb, left}[i])
	}
	return pa, pb, left
}

// winoInputLanes32 declares the Winograd input transform of package
// tensor with a lane per sample (see vec.WinoInputLanes32): eight samples'
// padded planes interleaved, each tile's sixteen values one vector load
// apiece, no lane idle however narrow the plane.
func winoInputLanes32() {
	text("winoInputLanes32AVX2", "func(p *float32, wq int, th int, tw int, v *float32, ldv int, ldt int)",
		"Bᵀ d B of the th×tw tiles of eight interleaved padded planes: d_ij of",
		"tile (ty, tx) is the vector p[((2ty+i)·wq + 2tx+j)·8 …+8]; position ξ",
		"of tile ty·tw+tx goes to v[ξ·ldv + (ty·tw+tx)·ldt …+8], the operations",
		"in vec.WinoInputLanes32's order. th, tw > 0.")
	Load(Param("p"), RBX) // the tile row's first tile
	Load(Param("wq"), R8)
	SHLQ(U8(5), R8) // a plane row in bytes
	LEAQ(at(R8, R8, 2, 0), R9)
	Load(Param("v"), RDI)
	Load(Param("ldv"), R10)
	SHLQ(U8(2), R10)
	Load(Param("ldt"), R14)
	SHLQ(U8(2), R14)
	Load(Param("th"), R13)
	Label("lanes_in_row")
	MOVQ(RBX, RSI)
	Load(Param("tw"), R12)
	Label("lanes_in_tile")
	row := func(i, j int) Mem { return rowAt(RSI, R8, R9, i, 32*j) }
	MOVQ(RDI, RDX)
	// The rows of Bᵀ d (0−2, 1+2, 2−1, 1−3), column by column, then each
	// one's columns the same way.
	for _, h := range [][3]int{{0, 2, -1}, {1, 2, 1}, {2, 1, -1}, {1, 3, -1}} {
		s := []VecPhysical{Y0, Y1, Y2, Y3}
		for j := range s {
			VMOVUPS(row(h[0], j), s[j])
			if h[2] > 0 {
				VADDPS(row(h[1], j), s[j], s[j])
			} else {
				VSUBPS(row(h[1], j), s[j], s[j])
			}
		}
		VSUBPS(Y2, Y0, Y4) // s0 − s2
		VADDPS(Y2, Y1, Y5) // s1 + s2
		VSUBPS(Y1, Y2, Y6) // s2 − s1
		VSUBPS(Y3, Y1, Y7) // s1 − s3
		for _, y := range []VecPhysical{Y4, Y5, Y6, Y7} {
			VMOVUPS(y, off(RDX, 0))
			ADDQ(R10, RDX)
		}
	}
	ADDQ(U8(64), RSI) // two columns on
	ADDQ(R14, RDI)    // the next tile's position
	count(R12, "lanes_in_tile")
	LEAQ(at(RBX, R8, 2, 0), RBX) // two rows on
	count(R13, "lanes_in_row")
	done()
}

// winoOutputLanes32 declares the Winograd output transform with a lane
// per sample (see vec.WinoOutputLanes32).
func winoOutputLanes32() {
	text("winoOutputLanes32AVX2", "func(m *float32, ldm int, ldt int, y *float32, th int, tw int, bias float32)",
		"Aᵀ M A + bias of th×tw tiles of eight interleaved samples: M_ξ of tile",
		"ty·tw+tx is m[ξ·ldm + (ty·tw+tx)·ldt …+8]; output (i, j) of the tile",
		"goes to y[((2ty+i)·2tw + 2tx+j)·8 …+8], the operations in",
		"vec.WinoOutputLanes32's order. th, tw > 0.")
	Load(Param("m"), RSI)
	Load(Param("ldm"), R10)
	SHLQ(U8(2), R10)
	LEAQ(at(R10, R10, 2, 0), R11) // 3·ldm
	Load(Param("ldt"), R14)
	SHLQ(U8(2), R14)
	Load(Param("y"), RDI)
	Load(Param("tw"), R13)
	SHLQ(U8(6), R13) // an output row (2tw vectors) in bytes
	VBROADCASTSS(arg("bias"), Y15)
	Load(Param("th"), RBX)
	Label("lanes_out_row")
	Load(Param("tw"), R12)
	Label("lanes_out_tile")
	xiBases()
	xi := func(base Register, j int) Mem { return rowAt(base, R10, R11, j, 0) }
	for half, bases := range [][3]Register{{RSI, RDX, R8}, {RDX, R8, R9}} {
		// p_j = (s_j + s_4+j) + s_8+j; q_j = (s_4+j − s_8+j) − s_12+j.
		s := []VecPhysical{Y0, Y1, Y2, Y3}
		for j := range s {
			VMOVUPS(xi(bases[0], j), s[j])
			if half == 0 {
				VADDPS(xi(bases[1], j), s[j], s[j])
				VADDPS(xi(bases[2], j), s[j], s[j])
			} else {
				VSUBPS(xi(bases[1], j), s[j], s[j])
				VSUBPS(xi(bases[2], j), s[j], s[j])
			}
		}
		VADDPS(Y1, Y0, Y4) // ((p0 + p1) + p2) + bias
		VADDPS(Y2, Y4, Y4)
		VADDPS(Y15, Y4, Y4)
		VSUBPS(Y2, Y1, Y5) // ((p1 − p2) − p3) + bias
		VSUBPS(Y3, Y5, Y5)
		VADDPS(Y15, Y5, Y5)
		if half == 0 {
			VMOVUPS(Y4, off(RDI, 0))
			VMOVUPS(Y5, off(RDI, 32))
		} else {
			VMOVUPS(Y4, at(RDI, R13, 1, 0))
			VMOVUPS(Y5, at(RDI, R13, 1, 32))
		}
	}
	ADDQ(R14, RSI)    // the next tile's position
	ADDQ(U8(64), RDI) // two outputs on
	count(R12, "lanes_out_tile")
	ADDQ(R13, RDI) // past the tile row's second output row
	count(RBX, "lanes_out_row")
	done()
}

// winoGradOutputLanes32 declares the Winograd output-gradient transform
// with a lane per sample (see vec.WinoGradOutputLanes32).
func winoGradOutputLanes32() {
	text("winoGradOutputLanes32AVX2", "func(gy *float32, th int, tw int, v *float32, ldv int, ldt int)",
		"A g Aᵀ of th×tw tiles of eight interleaved output-gradient planes: g_ij",
		"of tile (ty, tx) is gy[((2ty+i)·2tw + 2tx+j)·8 …+8]; position ξ of tile",
		"ty·tw+tx goes to v[ξ·ldv + (ty·tw+tx)·ldt …+8], the operations in",
		"vec.WinoGradOutputLanes32's order. th, tw > 0.")
	Load(Param("gy"), RSI)
	Load(Param("tw"), R13)
	SHLQ(U8(6), R13) // a gradient row (2tw vectors) in bytes
	Load(Param("v"), RDI)
	Load(Param("ldv"), R10)
	SHLQ(U8(2), R10)
	Load(Param("ldt"), R14)
	SHLQ(U8(2), R14)
	// Y15 = the sign bit of every lane: x XOR Y15 is −x, as Go negates.
	VPCMPEQD(Y15, Y15, Y15)
	VPSLLD(U8(31), Y15, Y15)
	Load(Param("th"), RBX)
	Label("lanes_gout_row")
	Load(Param("tw"), R12)
	Label("lanes_gout_tile")
	VMOVUPS(off(RSI, 0), Y0)         // g00
	VMOVUPS(off(RSI, 32), Y1)        // g01
	VMOVUPS(at(RSI, R13, 1, 0), Y2)  // g10
	VMOVUPS(at(RSI, R13, 1, 32), Y3) // g11
	VADDPS(Y2, Y0, Y4)               // b0 = g00 + g10
	VADDPS(Y3, Y1, Y5)               // b1 = g01 + g11
	VSUBPS(Y2, Y0, Y6)               // c0 = g00 − g10
	VSUBPS(Y3, Y1, Y7)               // c1 = g01 − g11
	VXORPS(Y15, Y2, Y2)              // d0 = −g10
	VXORPS(Y15, Y3, Y3)              // d1 = −g11
	MOVQ(RDI, RDX)
	for _, x := range [][2]VecPhysical{{Y0, Y1}, {Y4, Y5}, {Y6, Y7}, {Y2, Y3}} {
		VADDPS(x[1], x[0], Y8) // x0 + x1
		VSUBPS(x[1], x[0], Y9) // x0 − x1
		VXORPS(Y15, x[1], Y10) // −x1
		for _, y := range []VecPhysical{x[0], Y8, Y9, Y10} {
			VMOVUPS(y, off(RDX, 0))
			ADDQ(R10, RDX)
		}
	}
	ADDQ(U8(64), RSI) // two columns on
	ADDQ(R14, RDI)    // the next tile's position
	count(R12, "lanes_gout_tile")
	ADDQ(R13, RSI) // past the tile row's second gradient row
	count(RBX, "lanes_gout_row")
	done()
}

// winoGradInputLanes32 declares the Winograd input-gradient transform with
// a lane per sample (see vec.WinoGradInputLanes32). The carries into the
// next tile (two columns of each of the four rows) live in eight vectors
// on the stack.
func winoGradInputLanes32() {
	text("winoGradInputLanes32AVX2", "func(p *float32, ldp int, ldt int, q *float32, wq int, th int, tw int)",
		"B P Bᵀ of th×tw tiles of eight interleaved samples, added into the",
		"interleaved padded plane q (element (r, c) at q[(r·wq + c)·8 …+8]) as",
		"vec.WinoGradInputLanes32 describes, P_ξ of tile ty·tw+tx being",
		"p[ξ·ldp + (ty·tw+tx)·ldt …+8]. th, tw > 0.")
	carry := AllocLocal(8 * 32)
	c := func(i int) Mem { return carry.Offset(32 * i) }
	Load(Param("p"), RSI)
	Load(Param("ldp"), R10)
	SHLQ(U8(2), R10)
	LEAQ(at(R10, R10, 2, 0), R11) // 3·ldp
	Load(Param("ldt"), R14)
	SHLQ(U8(2), R14)
	Load(Param("q"), RBX) // the tile row's first row of q
	Load(Param("wq"), R13)
	SHLQ(U8(5), R13) // a row of q in bytes
	LEAQ(at(R13, R13, 2, 0), R12)
	VPCMPEQD(Y15, Y15, Y15)
	VPSLLD(U8(31), Y15, Y15)
	Load(Param("th"), RAX)
	Label("lanes_gin_row")
	VXORPS(Y0, Y0, Y0)
	for i := 0; i < 8; i++ {
		VMOVUPS(Y0, c(i))
	}
	MOVQ(RBX, RDI)
	Load(Param("tw"), RCX)
	Label("lanes_gin_tile")
	xiBases()
	xi := func(base Register, j int) Mem { return rowAt(base, R10, R11, j, 0) }
	qrow := func(i, disp int) Mem { return rowAt(RDI, R13, R12, i, disp) }
	r := []VecPhysical{Y0, Y1, Y2, Y3}
	for i := 0; i < 4; i++ {
		// The rows of B P: P_j; (P_4+j − P_8+j) + P_12+j;
		// (P_4+j + P_8+j) − P_j; P_12+j.
		for j := range r {
			switch i {
			case 0:
				VMOVUPS(xi(RSI, j), r[j])
			case 1:
				VMOVUPS(xi(RDX, j), r[j])
				VSUBPS(xi(R8, j), r[j], r[j])
				VADDPS(xi(R9, j), r[j], r[j])
			case 2:
				VMOVUPS(xi(RDX, j), r[j])
				VADDPS(xi(R8, j), r[j], r[j])
				VSUBPS(xi(RSI, j), r[j], r[j])
			case 3:
				VMOVUPS(xi(R9, j), r[j])
			}
		}
		VSUBPS(Y2, Y1, Y5) // (r1 − r2) + r3
		VADDPS(Y3, Y5, Y5)
		if i < 3 {
			VADDPS(c(2*i), Y0, Y4)   // c_i0 + r0
			VADDPS(c(2*i+1), Y5, Y5) // c_i1 + ((r1 − r2) + r3)
			if i < 2 {
				VADDPS(qrow(i, 0), Y4, Y4)
				VADDPS(qrow(i, 32), Y5, Y5)
			}
			VADDPS(Y2, Y1, Y6) // carries: (r1 + r2) − r0, −r3
			VSUBPS(Y0, Y6, Y6)
			VXORPS(Y15, Y3, Y7)
		} else {
			VMOVUPS(c(6), Y4)
			VSUBPS(Y0, Y4, Y4) // c30 − r0
			VMOVUPS(c(7), Y7)
			VSUBPS(Y5, Y7, Y5) // c31 − ((r1 − r2) + r3)
			VSUBPS(Y1, Y0, Y6) // carries: (r0 − r1) − r2, r3
			VSUBPS(Y2, Y6, Y6)
			VMOVUPS(Y3, Y7)
		}
		VMOVUPS(Y4, qrow(i, 0))
		VMOVUPS(Y5, qrow(i, 32))
		VMOVUPS(Y6, c(2*i))
		VMOVUPS(Y7, c(2*i+1))
	}
	ADDQ(R14, RSI)    // the next tile's position
	ADDQ(U8(64), RDI) // two columns on
	count(RCX, "lanes_gin_tile")
	// The last tile's carries: added into rows 0 and 1, set in rows 2, 3.
	for i := 0; i < 4; i++ {
		VMOVUPS(c(2*i), Y4)
		VMOVUPS(c(2*i+1), Y5)
		if i < 2 {
			VADDPS(qrow(i, 0), Y4, Y4)
			VADDPS(qrow(i, 32), Y5, Y5)
		}
		VMOVUPS(Y4, qrow(i, 0))
		VMOVUPS(Y5, qrow(i, 32))
	}
	LEAQ(at(RBX, R13, 2, 0), RBX) // two rows on
	DECQ(RAX)
	JNZ(LabelRef("lanes_gin_row"))
	done()
}

// transpose8 transposes the 8×8 block of floats in Y0–Y7 (row i in Yi)
// into Y8–Y15 (column j in Y(8+j)), with Y0–Y7 as scratch.
func transpose8() {
	r := []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7}
	t := []VecPhysical{Y8, Y9, Y10, Y11, Y12, Y13, Y14, Y15}
	for i := 0; i < 4; i++ {
		VUNPCKLPS(r[2*i+1], r[2*i], t[2*i])   // a0 b0 a1 b1 | a4 b4 a5 b5
		VUNPCKHPS(r[2*i+1], r[2*i], t[2*i+1]) // a2 b2 a3 b3 | a6 b6 a7 b7
	}
	for h := 0; h < 2; h++ { // rows 0–3, then 4–7
		a, b, c, d := t[4*h], t[4*h+1], t[4*h+2], t[4*h+3]
		VSHUFPS(U8(0x44), c, a, r[4*h])   // column 0 (and 4) of the four rows
		VSHUFPS(U8(0xEE), c, a, r[4*h+1]) // column 1 (and 5)
		VSHUFPS(U8(0x44), d, b, r[4*h+2]) // column 2 (and 6)
		VSHUFPS(U8(0xEE), d, b, r[4*h+3]) // column 3 (and 7)
	}
	for j := 0; j < 4; j++ {
		VPERM2F128(U8(0x20), r[4+j], r[j], t[j])   // column j: low halves
		VPERM2F128(U8(0x31), r[4+j], r[j], t[4+j]) // column 4+j: high halves
	}
}

// eightRows loads the pointer argument ptr into base and the row stride
// ld (in values) into R8 as bytes, with R9 = 3·R8 and DX = row 4, and
// returns the operand of row s < 8: rows 0–3 from base, 4–7 from DX.
func eightRows(ptr, ld string, base Register) func(s int) Mem {
	Load(Param(ptr), base)
	Load(Param(ld), R8)
	SHLQ(U8(2), R8)
	LEAQ(at(R8, R8, 2, 0), R9)
	LEAQ(at(base, R8, 4, 0), RDX) // row 4
	return func(s int) Mem {
		if s >= 4 {
			return rowAt(RDX, R8, R9, s-4, 0)
		}
		return rowAt(base, R8, R9, s, 0)
	}
}

// rowAt returns the operand base + j·ld + disp for j < 4, with ld and 3·ld
// (ld3) in registers: the rows of a block a kernel reaches from one base.
func rowAt(base, ld, ld3 Register, j, disp int) Mem {
	switch j {
	case 0:
		return off(base, disp)
	case 1:
		return at(base, ld, 1, disp)
	case 2:
		return at(base, ld, 2, disp)
	}
	return at(base, ld3, 1, disp)
}

// xiBases points DX, R8 and R9 at positions 4, 8 and 12 of a tile's
// transformed values (position 0 at SI, ld bytes in R10).
func xiBases() {
	LEAQ(at(RSI, R10, 4, 0), RDX) // ξ = 4
	LEAQ(at(RSI, R10, 8, 0), R8)  // ξ = 8
	LEAQ(at(RDX, R10, 8, 0), R9)  // ξ = 12
}

// interleave8x32 declares vec.Interleave8x32's kernel.
func interleave8x32() {
	text("interleave8x32AVX2", "func(dst *float32, src *float32, lds int, n int, mask *int32)",
		"dst[p·8 + s] = src[s·lds + p] for s < 8, p < n: blocks of eight p",
		"transposed in registers; the last n mod 8 through the lane mask (mask[l]",
		"= −1 for l < n mod 8) and as many stores.")
	Load(Param("dst"), RDI)
	row := eightRows("src", "lds", RSI)
	Load(Param("n"), RCX)
	rs := []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7}
	ts := []VecPhysical{Y8, Y9, Y10, Y11, Y12, Y13, Y14, Y15}
	CMPQ(RCX, U8(8))
	JLT(LabelRef("il_tail"))
	Label("il_block")
	for s, y := range rs {
		VMOVUPS(row(s), y)
	}
	transpose8()
	for j, y := range ts {
		VMOVUPS(y, off(RDI, 32*j))
	}
	ADDQ(U32(256), RDI)
	ADDQ(U8(32), RSI)
	ADDQ(U8(32), RDX)
	SUBQ(U8(8), RCX)
	CMPQ(RCX, U8(8))
	JGE(LabelRef("il_block"))
	Label("il_tail")
	TESTQ(RCX, RCX)
	JZ(LabelRef("il_done"))
	Load(Param("mask"), RAX)
	VMOVDQU(off(RAX, 0), Y15)
	for s, y := range rs {
		VMASKMOVPS(row(s), Y15, y)
	}
	transpose8()
	for j, y := range ts[:7] {
		VMOVUPS(y, off(RDI, 32*j))
		CMPQ(RCX, U8(j+1))
		JE(LabelRef("il_done"))
	}
	Label("il_done")
	done()
}

// deinterleave8x32 declares vec.Deinterleave8x32's kernel.
func deinterleave8x32() {
	text("deinterleave8x32AVX2", "func(dst *float32, ldd int, src *float32, n int, mask *int32)",
		"dst[s·ldd + p] = src[p·8 + s] for s < 8, p < n: blocks of eight p",
		"transposed in registers; the last n mod 8 loaded one by one (the rest",
		"zero) and stored through the lane mask (mask[l] = −1 for l < n mod 8).")
	Load(Param("src"), RSI)
	row := eightRows("dst", "ldd", RDI)
	Load(Param("n"), RCX)
	rs := []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7}
	ts := []VecPhysical{Y8, Y9, Y10, Y11, Y12, Y13, Y14, Y15}
	CMPQ(RCX, U8(8))
	JLT(LabelRef("dl_tail"))
	Label("dl_block")
	for j, y := range rs {
		VMOVUPS(off(RSI, 32*j), y)
	}
	transpose8()
	for s, y := range ts {
		VMOVUPS(y, row(s))
	}
	ADDQ(U32(256), RSI)
	ADDQ(U8(32), RDI)
	ADDQ(U8(32), RDX)
	SUBQ(U8(8), RCX)
	CMPQ(RCX, U8(8))
	JGE(LabelRef("dl_block"))
	Label("dl_tail")
	TESTQ(RCX, RCX)
	JZ(LabelRef("dl_done"))
	for _, y := range rs[1:] {
		VXORPS(y, y, y)
	}
	for j, y := range rs[:7] {
		VMOVUPS(off(RSI, 32*j), y)
		CMPQ(RCX, U8(j+1))
		JE(LabelRef("dl_loaded"))
	}
	Label("dl_loaded")
	transpose8()
	Load(Param("mask"), RAX)
	VMOVDQU(off(RAX, 0), Y0)
	for s, y := range ts {
		VMASKMOVPS(y, Y0, row(s))
	}
	Label("dl_done")
	done()
}
