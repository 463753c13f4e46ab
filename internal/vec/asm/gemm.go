package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// gemm declares gemm_amd64.s: the float64 matrix-product micro-kernels
// (4×8 and 2×16 blocks of fused multiply-adds, dot products), the
// two-input linear layer, and the packed-panel tiles of both precisions
// that tensor/blas's GEMM is built on (tile.go).
func gemm() {
	gemm4x8()
	gemm4x8Loop()
	dots()
	dots4x2()
	gemm2x16Loop()
	gemm4x8Mask()
	gemm2x16Mask()
	linear2()
	linear2Tail()
	gemmTiles()
	gemmTiles512()
}

// accs are the eight accumulators of every block kernel here.
var accs = []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7}

// zero clears each register.
func zero(rs ...VecPhysical) {
	for _, r := range rs {
		VXORPD(r, r, r)
	}
}

// clearAccs zeroes the accumulators and jumps to store if k (CX) is zero.
func clearAccs(store string) {
	zero(accs...)
	TESTQ(RCX, RCX)
	JE(LabelRef(store))
}

// stride loads the named element stride into r as a byte stride.
func stride(name string, r Register) {
	Load(Param(name), r)
	SHLQ(U8(3), r)
}

// count closes a loop counted down in r: DECQ r, and back to label while
// it is not zero.
func count(r Op, label string) {
	DECQ(r)
	JNZ(LabelRef(label))
}

// fma4x8 emits one p of a 4×8 block: rows of A broadcast from rows[i] into
// Y10+i, B's eight columns in Y8, Y9 (loaded with load), two fused
// multiply-adds per row into Y(2i), Y(2i+1).
func fma4x8(load func(disp int, dst VecPhysical), rows []Mem) {
	load(0, Y8)
	load(32, Y9)
	for i, r := range rows {
		a := []VecPhysical{Y10, Y11, Y12, Y13}[i]
		VBROADCASTSD(r, a)
		VFMADD231PD(Y8, a, accs[2*i])
		VFMADD231PD(Y9, a, accs[2*i+1])
	}
}

// store4x8 adds alpha times the four rows of a 4×8 block to C from DI
// (stride R14), one fused multiply-add per element, loading and storing C
// with load and put.
func store4x8(alpha VecPhysical, load func(m Mem, dst VecPhysical, half int), put func(src VecPhysical, m Mem, half int)) {
	for r := range 4 {
		if r > 0 {
			ADDQ(R14, RDI)
		}
		load(off(RDI, 0), Y8, 0)
		load(off(RDI, 32), Y9, 1)
		VFMADD231PD(accs[2*r], alpha, Y8)
		VFMADD231PD(accs[2*r+1], alpha, Y9)
		put(Y8, off(RDI, 0), 0)
		put(Y9, off(RDI, 32), 1)
	}
}

func plainLoad(m Mem, dst VecPhysical, _ int) { VMOVUPD(m, dst) }
func plainPut(src VecPhysical, m Mem, _ int)  { VMOVUPD(src, m) }

func gemm4x8() {
	text("gemm4x8AVX2", "func(k int, alpha float64, a *float64, ai, ap int, b *float64, ldb int, c *float64, ldc int)",
		"C[r][0..7] += alpha · Σ_{p<k} A(r, p) · B[p][0..7] for r < 4, with",
		"A(r, p) = a[r·ai + p·ap] and B[p][j] = b[p·ldb + j], C[r][j] = c[r·ldc + j]",
		"(strides in elements). Eight accumulators (four rows of two 4-lane",
		"vectors) each take one fused multiply-add per p, in order of p.")
	Load(Param("k"), RCX)
	Load(Param("a"), RSI)
	stride("ai", R8)
	stride("ap", R9)
	Load(Param("b"), RDI)
	stride("ldb", R10)
	LEAQ(at(RSI, R8, 1, 0), R11)
	LEAQ(at(R11, R8, 1, 0), R12)
	LEAQ(at(R12, R8, 1, 0), R13)
	clearAccs("store")

	Label("loop")
	fma4x8(func(d int, y VecPhysical) { VMOVUPD(off(RDI, d), y) },
		[]Mem{off(RSI, 0), off(R11, 0), off(R12, 0), off(R13, 0)})
	for _, r := range []Register{RSI, R11, R12, R13} {
		ADDQ(R9, r)
	}
	ADDQ(R10, RDI)
	count(RCX, "loop")

	Label("store")
	VBROADCASTSD(arg("alpha"), Y14)
	Load(Param("c"), RDX)
	stride("ldc", R14)
	for r := range 4 {
		if r > 0 {
			ADDQ(R14, RDX)
		}
		VMOVUPD(off(RDX, 0), Y8)
		VMOVUPD(off(RDX, 32), Y9)
		VFMADD231PD(accs[2*r], Y14, Y8)
		VFMADD231PD(accs[2*r+1], Y14, Y9)
		VMOVUPD(Y8, off(RDX, 0))
		VMOVUPD(Y9, off(RDX, 32))
	}
	done()
}

// rowsSI are the four rows of A from SI at stride R8: (SI), (SI)(R8),
// (SI)(2·R8), (SI)(R13) with R13 = 3·R8.
var rowsSI = []Mem{off(RSI, 0), at(RSI, R8, 1, 0), at(RSI, R8, 2, 0), at(RSI, R13, 1, 0)}

func gemm4x8Loop() {
	text("gemm4x8LoopAVX2", "func(mt, nt, k int, alpha float64, a *float64, ai, ap int, b *float64, ldb int, c *float64, ldc int)",
		"The 4×8 block of gemm4x8AVX2 over a grid of mt×nt blocks (mt, nt > 0):",
		"block (r, s) covers rows 4r… of A and C and columns 8s… of B and C, with",
		"the arithmetic of gemm4x8AVX2 for each. Rows of A are addressed as",
		"(SI), (SI)(ai), (SI)(2ai), (SI)(3ai), which frees registers for the loops.")
	stride("ai", R8)
	LEAQ(at(R8, R8, 2, 0), R13)
	stride("ap", R9)
	stride("ldb", R10)
	stride("ldc", R14)
	VBROADCASTSD(arg("alpha"), Y14)
	Load(Param("a"), RAX)
	Load(Param("c"), RBX)

	Label("loop_rows")
	Load(Param("nt"), RDX)
	Load(Param("b"), R11)
	MOVQ(RBX, R12)

	Label("loop_cols")
	MOVQ(RAX, RSI)
	MOVQ(R11, RDI)
	Load(Param("k"), RCX)
	clearAccs("loop_store")

	Label("loop_k")
	fma4x8(func(d int, y VecPhysical) { VMOVUPD(off(RDI, d), y) }, rowsSI)
	ADDQ(R9, RSI)
	ADDQ(R10, RDI)
	count(RCX, "loop_k")

	Label("loop_store")
	MOVQ(R12, RDI)
	store4x8(Y14, plainLoad, plainPut)
	ADDQ(U8(64), R11)
	ADDQ(U8(64), R12)
	count(RDX, "loop_cols")
	LEAQ(at(RAX, R8, 4, 0), RAX)
	LEAQ(at(RBX, R14, 4, 0), RBX)
	count(arg("mt"), "loop_rows")
	done()
}

// dotOut adds alpha (X14) times the horizontal sum (v0 + v2) + (v1 + v3)
// of accumulator y to the float64 at disp(DI).
func dotOut(y VecPhysical, disp int) {
	x := y.AsX()
	VEXTRACTF128(U8(1), y, X10)
	VADDPD(X10, x, x)
	VUNPCKHPD(x, x, X11)
	VADDSD(X11, x, x)
	VMOVSD(off(RDI, disp), X12)
	VFMADD231SD(X14, x, X12)
	VMOVSD(X12, off(RDI, disp))
}

// dotsHead loads the arguments shared by dotsAVX2 and dots4x2AVX2: k in
// R9, the byte strides of A, B and C in R8, R10 and R14 (and 3·lda in R13
// if three), the mask in Y15 (loaded through maskReg), alpha in Y14, a in
// AX and c in BX.
func dotsHead(three bool, maskReg Register) {
	Load(Param("k"), R9)
	stride("lda", R8)
	if three {
		LEAQ(at(R8, R8, 2, 0), R13)
	}
	stride("ldb", R10)
	stride("ldc", R14)
	Load(Param("mask"), maskReg)
	VMOVDQU(off(maskReg, 0), Y15)
	VBROADCASTSD(arg("alpha"), Y14)
	Load(Param("a"), RAX)
	Load(Param("c"), RBX)
}

// dotsCols starts a row of dot-product blocks: DX counts the blocks of B
// (argument cols), R11 points at B's block and R12 at C's.
func dotsCols(rows, cols string) {
	Label(rows)
	Load(Param(cols), RDX)
	Load(Param("b"), R11)
	MOVQ(RBX, R12)
}

// blocks4 sets CX to k/4 (R9 holds k), jumping to rem if it is zero.
func blocks4(rem string) {
	MOVQ(R9, RCX)
	SHRQ(U8(2), RCX)
	JZ(LabelRef(rem))
}

// remainder jumps to sum if k (R9) is a multiple of four.
func remainder(rem, sum string) {
	Label(rem)
	TESTQ(U32(3), R9)
	JZ(LabelRef(sum))
}

func dots() {
	text("dotsAVX2", "func(m, n, k int, alpha float64, a *float64, lda int, b *float64, ldb int, c *float64, ldc int, mask *int64)",
		"C[i][j] = alpha·⟨A[i], B[j]⟩ + C[i][j] (one fused multiply-add) for",
		"i < m, j < n (m, n, k > 0), rows of A and B contiguous with strides lda",
		"and ldb, C with stride ldc, one dot product at a time, in the order",
		"documented on Dots: element p in lane p%4 of one accumulator, the last",
		"k%4 elements as a block masked by mask (the masked lanes add 0·0), then",
		"(v0 + v2) + (v1 + v3).")
	dotsHead(false, R13)
	dotsCols("dots_rows", "n")

	Label("dots_cols")
	MOVQ(RAX, RSI)
	MOVQ(R11, RDI)
	zero(Y0)
	blocks4("dots_rem")

	Label("dots_loop4")
	VMOVUPD(off(RSI, 0), Y4)
	VFMADD231PD(off(RDI, 0), Y4, Y0)
	ADDQ(U8(32), RSI)
	ADDQ(U8(32), RDI)
	count(RCX, "dots_loop4")

	remainder("dots_rem", "dots_sum")
	VMASKMOVPD(off(RSI, 0), Y15, Y4)
	VMASKMOVPD(off(RDI, 0), Y15, Y5)
	VFMADD231PD(Y5, Y4, Y0)

	Label("dots_sum")
	MOVQ(R12, RDI)
	dotOut(Y0, 0)
	ADDQ(R10, R11)
	ADDQ(U8(8), R12)
	count(RDX, "dots_cols")
	ADDQ(R8, RAX)
	ADDQ(R14, RBX)
	count(arg("m"), "dots_rows")
	done()
}

func dots4x2() {
	text("dots4x2AVX2", "func(mb, nb, k int, alpha float64, a *float64, lda int, b *float64, ldb int, c *float64, ldc int, mask *int64)",
		"dotsAVX2 over mb groups of 4 rows of A by nb groups of 2 rows of B",
		"(mb, nb, k > 0), with the same order for every dot product: eight",
		"accumulators, each block of four elements of A loaded once for two rows",
		"of B.")
	dotsHead(true, RDI)
	dotsCols("d42_rows", "nb")

	Label("d42_cols")
	MOVQ(RAX, RSI)
	MOVQ(R11, RDI)
	zero(accs...)
	blocks4("d42_rem")

	// Row i of A (in Y8+i) against the two rows of B in Y12, Y13: into
	// accumulators i and 4+i.
	fma := func(i int) {
		VFMADD231PD(Y12, []VecPhysical{Y8, Y9, Y10, Y11}[i], accs[i])
		VFMADD231PD(Y13, []VecPhysical{Y8, Y9, Y10, Y11}[i], accs[4+i])
	}
	Label("d42_loop4")
	VMOVUPD(off(RDI, 0), Y12)
	VMOVUPD(at(RDI, R10, 1, 0), Y13)
	for i, r := range rowsSI {
		VMOVUPD(r, []VecPhysical{Y8, Y9, Y10, Y11}[i])
		fma(i)
	}
	ADDQ(U8(32), RSI)
	ADDQ(U8(32), RDI)
	count(RCX, "d42_loop4")

	remainder("d42_rem", "d42_sum")
	VMASKMOVPD(off(RDI, 0), Y15, Y12)
	LEAQ(at(RDI, R10, 1, 0), RCX)
	VMASKMOVPD(off(RCX, 0), Y15, Y13)
	for i, r := range rowsSI {
		src := r
		if i > 0 {
			LEAQ(r, RCX)
			src = off(RCX, 0)
		}
		VMASKMOVPD(src, Y15, []VecPhysical{Y8, Y9, Y10, Y11}[i])
		fma(i)
	}

	Label("d42_sum")
	MOVQ(R12, RDI)
	for i := range 4 {
		if i > 0 {
			ADDQ(R14, RDI)
		}
		dotOut(accs[i], 0)
		dotOut(accs[4+i], 8)
	}
	LEAQ(at(R11, R10, 2, 0), R11)
	ADDQ(U8(16), R12)
	count(RDX, "d42_cols")
	LEAQ(at(RAX, R8, 4, 0), RAX)
	LEAQ(at(RBX, R14, 4, 0), RBX)
	count(arg("mb"), "d42_rows")
	done()
}

// fma2x16 emits one p of a 2×16 block: the two rows of A broadcast in
// Y12, Y13, each of B's four vectors (Y8+j) into accumulators j and 4+j.
func fma2x16() {
	bs := []VecPhysical{Y8, Y9, Y10, Y11}
	for j, b := range bs {
		VMOVUPD(off(RDI, 32*j), b)
	}
	VBROADCASTSD(off(RSI, 0), Y12)
	VBROADCASTSD(at(RSI, R8, 1, 0), Y13)
	for r, a := range []VecPhysical{Y12, Y13} {
		for j, b := range bs {
			VFMADD231PD(b, a, accs[4*r+j])
		}
	}
}

func gemm2x16Loop() {
	text("gemm2x16LoopAVX2", "func(nt, k int, alpha float64, a *float64, ai, ap int, b *float64, ldb int, c *float64, ldc int)",
		"Two rows against nt blocks of 16 columns (nt > 0): block s adds",
		"alpha·Σ_{p<k} A(r, p)·B[p][16s+j] to C[r][16s+j] for r < 2, j < 16, each",
		"element accumulated in order of p by fused multiply-adds and then added",
		"to C with one more, as gemm4x8AVX2 does. Eight accumulators take four",
		"loads of B and two broadcasts of A per p: the shape of a weight gradient",
		"(few output rows, a batch as the inner dimension).")
	stride("ai", R8)
	stride("ap", R9)
	stride("ldb", R10)
	stride("ldc", R14)
	VBROADCASTSD(arg("alpha"), Y14)
	Load(Param("b"), R11)
	Load(Param("c"), R12)
	Load(Param("nt"), RDX)

	Label("g2_cols")
	Load(Param("a"), RSI)
	MOVQ(R11, RDI)
	Load(Param("k"), RCX)
	clearAccs("g2_store")

	Label("g2_k")
	fma2x16()
	ADDQ(R9, RSI)
	ADDQ(R10, RDI)
	count(RCX, "g2_k")

	Label("g2_store")
	MOVQ(R12, RDI)
	bs := []VecPhysical{Y8, Y9, Y10, Y11}
	for r := range 2 {
		if r > 0 {
			ADDQ(R14, RDI)
		}
		for j, b := range bs {
			VMOVUPD(off(RDI, 32*j), b)
		}
		for j, b := range bs {
			VFMADD231PD(accs[4*r+j], Y14, b)
		}
		for j, b := range bs {
			VMOVUPD(b, off(RDI, 32*j))
		}
	}
	ADDQ(U32(128), R11)
	ADDQ(U32(128), R12)
	count(RDX, "g2_cols")
	done()
}

func gemm4x8Mask() {
	text("gemm4x8MaskAVX2", "func(mt, k int, alpha float64, a *float64, ai, ap int, b *float64, ldb int, c *float64, ldc int, mask *int64)",
		"gemm4x8LoopAVX2 over mt row blocks of one column block whose lanes are",
		"masked: mask[j] (j < 8) is −1 for the columns that exist, 0 for those",
		"past the end, which are neither read from B nor written to C. mt > 0.")
	stride("ai", R8)
	LEAQ(at(R8, R8, 2, 0), R13)
	stride("ap", R9)
	stride("ldb", R10)
	stride("ldc", R14)
	Load(Param("mask"), R11)
	VMOVDQU(off(R11, 0), Y14)
	VMOVDQU(off(R11, 32), Y15)
	Load(Param("a"), RAX)
	Load(Param("c"), RBX)
	Load(Param("mt"), RDX)
	masks := []VecPhysical{Y14, Y15}

	Label("m4_rows")
	MOVQ(RAX, RSI)
	Load(Param("b"), RDI)
	Load(Param("k"), RCX)
	clearAccs("m4_store")

	Label("m4_k")
	fma4x8(func(d int, y VecPhysical) { VMASKMOVPD(off(RDI, d), masks[d/32], y) }, rowsSI)
	ADDQ(R9, RSI)
	ADDQ(R10, RDI)
	count(RCX, "m4_k")

	Label("m4_store")
	VBROADCASTSD(arg("alpha"), Y13)
	MOVQ(RBX, RDI)
	store4x8(Y13,
		func(m Mem, dst VecPhysical, half int) { VMASKMOVPD(m, masks[half], dst) },
		func(src VecPhysical, m Mem, half int) { VMASKMOVPD(src, masks[half], m) })
	LEAQ(at(RAX, R8, 4, 0), RAX)
	LEAQ(at(RBX, R14, 4, 0), RBX)
	count(RDX, "m4_rows")
	done()
}

func gemm2x16Mask() {
	text("gemm2x16MaskAVX2", "func(k int, alpha float64, a *float64, ai, ap int, b *float64, ldb int, c *float64, ldc int, mask *int64)",
		"One block of gemm2x16LoopAVX2 whose lanes are masked: mask[j] (j < 16)",
		"is −1 for the columns that exist, 0 for those past the end, which are",
		"neither read from B nor written to C.")
	stride("ai", R8)
	stride("ap", R9)
	stride("ldb", R10)
	stride("ldc", R14)
	Load(Param("mask"), R11)
	masks := []VecPhysical{Y9, Y10, Y11, Y14}
	for j, m := range masks {
		VMOVDQU(off(R11, 32*j), m)
	}
	VBROADCASTSD(arg("alpha"), Y15)
	Load(Param("a"), RSI)
	Load(Param("b"), RDI)
	Load(Param("k"), RCX)
	clearAccs("m2_store")

	Label("m2_k")
	VBROADCASTSD(off(RSI, 0), Y12)
	VBROADCASTSD(at(RSI, R8, 1, 0), Y13)
	for j, m := range masks {
		VMASKMOVPD(off(RDI, 32*j), m, Y8)
		VFMADD231PD(Y8, Y12, accs[j])
		VFMADD231PD(Y8, Y13, accs[4+j])
	}
	ADDQ(R9, RSI)
	ADDQ(R10, RDI)
	count(RCX, "m2_k")

	Label("m2_store")
	Load(Param("c"), RDI)
	for r := range 2 {
		if r > 0 {
			ADDQ(R14, RDI)
		}
		for j, m := range masks {
			VMASKMOVPD(off(RDI, 32*j), m, Y8)
			VFMADD231PD(accs[4*r+j], Y15, Y8)
			VMASKMOVPD(Y8, m, off(RDI, 32*j))
		}
	}
	done()
}

// lin2w loads the weights of four columns, w rows at disp(DX),
// deinterleaved: w0 their first inputs', w1 their second. Clobbers Y0, Y1.
func lin2w(disp int, w0, w1 VecPhysical) {
	VMOVUPD(off(RDX, disp), Y0)
	VMOVUPD(off(RDX, disp+32), Y1)
	deinterleave(w0, w1)
}

// deinterleave splits the pairs in Y0, Y1 into w0 (first elements) and w1
// (second), in order.
func deinterleave(w0, w1 VecPhysical) {
	VUNPCKLPD(Y1, Y0, w0)
	VUNPCKHPD(Y1, Y0, w1)
	VPERMPD(U8(0xd8), w0, w0)
	VPERMPD(U8(0xd8), w1, w1)
}

// lin2Row emits one row of a linear2 block: x's two inputs (at base)
// broadcast in Y5, Y6; per group g of four columns, out[g] = (w0[g]·x0 +
// w1[g]·x1 from zero) + bias[g], stored with put.
func lin2Row(base Register, w0, w1, bias, out []VecPhysical, put func(g int, v VecPhysical)) {
	VBROADCASTSD(off(base, 0), Y5)
	VBROADCASTSD(off(base, 8), Y6)
	zero(out...)
	for g := range out {
		VFMADD231PD(w0[g], Y5, out[g])
	}
	for g := range out {
		VFMADD231PD(w1[g], Y6, out[g])
	}
	for g := range out {
		VADDPD(bias[g], out[g], out[g])
	}
	for g, o := range out {
		put(g, o)
	}
}

func linear2() {
	text("linear2AVX2", "func(y, x, w, b *float64, m, n, n4 int)",
		"Linear2 for the columns [0, n4), n4 > 0 a multiple of 4 and m > 0; b may",
		"be nil (zeros). Columns in blocks of eight (then one of four), outer,",
		"keep their two weights (deinterleaved from w) and bias in registers;",
		"each row then costs two broadcasts and, per four columns, two fused",
		"multiply-adds from zero, an add and a store.")
	loadArgs([]string{"y", "x", "w", "b", "m"}, RDI, RSI, RDX, R8, RCX)
	stride("n", R9)
	Load(Param("n4"), RBX)
	MOVQ(RBX, R13)
	ANDQ(I8(-8), R13)
	XORQ(RAX, RAX)
	CMPQ(RAX, R13)
	JGE(LabelRef("lin2_four"))

	// A block of len(w0) groups of four columns from column AX.
	block := func(suffix string, w0, w1, bias, out []VecPhysical) {
		zero(bias...)
		TESTQ(R8, R8)
		JZ(LabelRef("lin2_nobias" + suffix))
		for g, b := range bias {
			VMOVUPD(pd(R8, 32*g), b)
		}
		Label("lin2_nobias" + suffix)
		LEAQ(pd(RDI, 0), R11)
		MOVQ(RSI, R12)
		MOVQ(RCX, R10)
		Label("lin2_rows" + suffix)
		lin2Row(R12, w0, w1, bias, out, func(g int, v VecPhysical) { VMOVUPD(v, off(R11, 32*g)) })
		ADDQ(U8(16), R12)
		ADDQ(R9, R11)
		count(R10, "lin2_rows"+suffix)
	}

	Label("lin2_cols8")
	lin2w(0, Y2, Y3)
	lin2w(64, Y8, Y9)
	ADDQ(U32(128), RDX)
	block("8", []VecPhysical{Y2, Y8}, []VecPhysical{Y3, Y9}, []VecPhysical{Y4, Y10}, []VecPhysical{Y7, Y11})
	loop(8, R13, "lin2_cols8")

	Label("lin2_four")
	CMPQ(RAX, RBX)
	JGE(LabelRef("lin2_done"))
	lin2w(0, Y2, Y3)
	block("", []VecPhysical{Y2}, []VecPhysical{Y3}, []VecPhysical{Y4}, []VecPhysical{Y7})
	Label("lin2_done")
	done()
}

func linear2Tail() {
	text("linear2TailAVX2", "func(y, x, w, b *float64, m, n int, mw0, mw1, mb *int64)",
		"Linear2's last rem < 4 columns: y, w and b point at the first of them;",
		"mw0 and mw1 enable the 2·rem weights in two vectors, mb the rem output",
		"lanes. b may be nil (zeros). The arithmetic is linear2AVX2's.")
	loadArgs([]string{"y", "x", "w", "b", "m"}, RDI, RSI, RDX, R8, RCX)
	stride("n", R9)
	for i, name := range []string{"mw0", "mw1", "mb"} {
		Load(Param(name), RAX)
		VMOVDQU(off(RAX, 0), []VecPhysical{Y12, Y13, Y14}[i])
	}
	VMASKMOVPD(off(RDX, 0), Y12, Y0)
	VMASKMOVPD(off(RDX, 32), Y13, Y1)
	deinterleave(Y2, Y3)
	zero(Y4)
	TESTQ(R8, R8)
	JZ(LabelRef("lin2t_rows"))
	VMASKMOVPD(off(R8, 0), Y14, Y4)

	Label("lin2t_rows")
	lin2Row(RSI, []VecPhysical{Y2}, []VecPhysical{Y3}, []VecPhysical{Y4}, []VecPhysical{Y7},
		func(_ int, v VecPhysical) { VMASKMOVPD(v, Y14, off(RDI, 0)) })
	ADDQ(U8(16), RSI)
	ADDQ(R9, RDI)
	count(RCX, "lin2t_rows")
	done()
}
