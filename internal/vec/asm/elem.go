package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// elem declares elem_amd64.s: element-wise kernels of the backward pass,
// the solver's stage combinations and error norm, and the float32
// normalisation statistics.
func elem() {
	one := GLOBL("elemOne", RODATA|NOPTR)
	DATA(0, U64(0x3ff0000000000000))

	tanhGrad64(one)
	sigmoidGrad64(one)
	sumRows64()
	fillRows64()
	lin32()
	reluMask32()
	errSq32()
	scale64()
	scale32()
	deinterleave64()
	interleaveAdd64()
	addProduct64()
	addProduct32()
	affine32()
	normGrad32()
	sum32()
	sqDev32()
	dotDev32()
	allFinite32()
	maxAbsDiff32()
	winoInput32()
	winoInputPlane32()
	deinterleaveRows32()
	winoOutput32()
	winoOutputPlane32()
	winoDotsGrid32()
	winoDotsGrid3x4()
	winoGradOutput32()
	winoGradOutputPlane32()
	winoGradInput32()
	winoInputLanes32()
	winoOutputLanes32()
	winoGradOutputLanes32()
	winoGradInputLanes32()
	interleave8x32()
	deinterleave8x32()
}

// pd returns the float64 element operand disp(base)(AX*8); ps the float32
// one, disp(base)(AX*4).
func pd(base Register, disp int) Mem { return at(base, RAX, 8, disp) }
func ps(base Register, disp int) Mem { return at(base, RAX, 4, disp) }

// blocked emits the head of a loop over blocks of w elements: BX = CX
// rounded down to a multiple of w, and a jump to tail if it is zero.
func blocked(w int, tail string) {
	XORQ(RAX, RAX)
	MOVQ(RCX, RBX)
	ANDQ(I8(int8(-w)), RBX)
	JZ(LabelRef(tail))
}

// scalarTail emits the one-at-a-time loop after the blocks, from label
// tail to label end, with body computing one element.
func scalarTail(prefix string, body func()) {
	Label(prefix + "_tail")
	CMPQ(RAX, RCX)
	JGE(LabelRef(prefix + "_done"))
	Label(prefix + "_loop1")
	body()
	INCQ(RAX)
	CMPQ(RAX, RCX)
	JLT(LabelRef(prefix + "_loop1"))
	Label(prefix + "_done")
	done()
}

func tanhGrad64(one Mem) {
	text("tanhGrad64AVX2", "func(dst, gy, y *float64, n int)",
		"dst[i] = g[i]·(1 − y[i]·y[i]), each operation rounded on its own (a",
		"multiply, a subtract, a multiply: no fused multiply-add), as Go computes",
		"the expression. n > 0.")
	loadArgs([]string{"dst", "gy", "y", "n"}, RDI, RSI, RDX, RCX)
	VBROADCASTSD(one, Y15)
	blocked(8, "tg_tail")
	Label("tg_loop8")
	ys := []VecPhysical{Y0, Y1}
	for i, y := range ys {
		VMOVUPD(pd(RDX, 32*i), y)
	}
	for _, y := range ys {
		VMULPD(y, y, y)
	}
	for _, y := range ys {
		VSUBPD(y, Y15, y)
	}
	for i, y := range ys {
		VMULPD(pd(RSI, 32*i), y, y)
	}
	for i, y := range ys {
		VMOVUPD(y, pd(RDI, 32*i))
	}
	loop(8, RBX, "tg_loop8")
	scalarTail("tg", func() {
		VMOVSD(pd(RDX, 0), X0)
		VMULSD(X0, X0, X0)
		VSUBSD(X0, X15, X0)
		VMULSD(pd(RSI, 0), X0, X0)
		VMOVSD(X0, pd(RDI, 0))
	})
}

func sigmoidGrad64(one Mem) {
	text("sigmoidGrad64AVX2", "func(dst, gy, y *float64, n int)",
		"dst[i] = (g[i]·y[i])·(1 − y[i]), each operation rounded on its own, as Go",
		"computes g*y*(1-y). n > 0.")
	loadArgs([]string{"dst", "gy", "y", "n"}, RDI, RSI, RDX, RCX)
	VBROADCASTSD(one, Y15)
	blocked(4, "sg_tail")
	Label("sg_loop4")
	VMOVUPD(pd(RDX, 0), Y0)
	VMULPD(pd(RSI, 0), Y0, Y1)
	VSUBPD(Y0, Y15, Y2)
	VMULPD(Y2, Y1, Y1)
	VMOVUPD(Y1, pd(RDI, 0))
	loop(4, RBX, "sg_loop4")
	scalarTail("sg", func() {
		VMOVSD(pd(RDX, 0), X0)
		VMULSD(pd(RSI, 0), X0, X1)
		VSUBSD(X0, X15, X2)
		VMULSD(X2, X1, X1)
		VMOVSD(X1, pd(RDI, 0))
	})
}

func sumRows64() {
	text("sumRows64AVX2", "func(dst, x *float64, rows, n int)",
		"dst[j] = ((0 + x[j]) + x[n+j]) + … over the rows, in order: columns in",
		"blocks of 16, then of 4, then one at a time. rows, n > 0.")
	loadArgs([]string{"dst", "x", "rows", "n"}, RDI, RSI, R9, RCX)
	MOVQ(RCX, R10)
	SHLQ(U8(3), R10) // row stride in bytes
	XORQ(RAX, RAX)   // column
	MOVQ(RCX, RBX)
	ANDQ(I8(-16), RBX)

	// A block of columns: one accumulator per four, summed down the rows
	// from DX.
	block := func(name, rows, next string, accs []VecPhysical, step int) {
		Label(name)
		CMPQ(RAX, RBX)
		JGE(LabelRef(next))
		LEAQ(pd(RSI, 0), RDX)
		MOVQ(R9, R8)
		for _, a := range accs {
			VXORPD(a, a, a)
		}
		Label(rows)
		for i, a := range accs {
			VADDPD(off(RDX, 32*i), a, a)
		}
		ADDQ(R10, RDX)
		DECQ(R8)
		JNZ(LabelRef(rows))
		for i, a := range accs {
			VMOVUPD(a, pd(RDI, 32*i))
		}
		ADDQ(U8(step), RAX)
		JMP(LabelRef(name))
	}
	block("sr_block16", "sr_rows16", "sr_block4", []VecPhysical{Y0, Y1, Y2, Y3}, 16)

	Label("sr_block4")
	MOVQ(RCX, RBX)
	ANDQ(I8(-4), RBX)
	block("sr_b4", "sr_rows4", "sr_block1", []VecPhysical{Y0}, 4)

	Label("sr_block1")
	CMPQ(RAX, RCX)
	JGE(LabelRef("sr_done"))
	LEAQ(pd(RSI, 0), RDX)
	MOVQ(R9, R8)
	VXORPD(X0, X0, X0)
	Label("sr_rows1")
	VADDSD(off(RDX, 0), X0, X0)
	ADDQ(R10, RDX)
	DECQ(R8)
	JNZ(LabelRef("sr_rows1"))
	VMOVSD(X0, pd(RDI, 0))
	INCQ(RAX)
	JMP(LabelRef("sr_block1"))
	Label("sr_done")
	done()
}

func fillRows64() {
	text("fillRows64AVX2", "func(dst, row *float64, rows, n int, mask *int64)",
		"Copies the n elements of row into each of rows consecutive rows of dst",
		"(stride n): blocks of four, then one masked block for the last n%4",
		"(mask enables those lanes). rows, n > 0.")
	loadArgs([]string{"dst", "row", "rows", "n", "mask"}, RDI, RSI, R9, RCX, R8)
	VMOVDQU(off(R8, 0), Y15)
	MOVQ(RCX, RBX)
	ANDQ(I8(-4), RBX)
	MOVQ(RCX, RDX)
	ANDQ(I8(-16), RDX)
	MOVQ(RCX, R10)
	SHLQ(U8(3), R10)

	Label("fr_rows")
	XORQ(RAX, RAX)
	CMPQ(RAX, RDX)
	JGE(LabelRef("fr_4"))
	Label("fr_loop16")
	ys := []VecPhysical{Y0, Y1, Y2, Y3}
	for i, y := range ys {
		VMOVUPD(pd(RSI, 32*i), y)
	}
	for i, y := range ys {
		VMOVUPD(y, pd(RDI, 32*i))
	}
	loop(16, RDX, "fr_loop16")

	Label("fr_4")
	CMPQ(RAX, RBX)
	JGE(LabelRef("fr_tail"))
	Label("fr_loop4")
	VMOVUPD(pd(RSI, 0), Y0)
	VMOVUPD(Y0, pd(RDI, 0))
	loop(4, RBX, "fr_loop4")

	Label("fr_tail")
	CMPQ(RAX, RCX)
	JGE(LabelRef("fr_next"))
	VMASKMOVPD(pd(RSI, 0), Y15, Y0)
	VMASKMOVPD(Y0, Y15, pd(RDI, 0))

	Label("fr_next")
	ADDQ(R10, RDI)
	DECQ(R9)
	JNZ(LabelRef("fr_rows"))
	done()
}

// stageSum emits the inner loop of lin32 and errSq32: for each of the nk
// terms (DX from 0 to R10), accs[i] += coefs[DX]·float64(ks[DX][AX+4i…]).
func stageSum(label string, accs []VecPhysical) {
	for _, a := range accs {
		VXORPD(a, a, a)
	}
	XORQ(RDX, RDX)
	Label(label)
	MOVQ(at(R9, RDX, 8, 0), R11)
	VBROADCASTSD(at(R8, RDX, 8, 0), Y4)
	tmp := []VecPhysical{Y2, Y3}
	for i := range accs {
		VCVTPS2PD(at(R11, RAX, 4, 16*i), tmp[i])
	}
	for i := range accs {
		VMULPD(Y4, tmp[i], tmp[i])
	}
	for i, a := range accs {
		VADDPD(tmp[i], a, a)
	}
	INCQ(RDX)
	CMPQ(RDX, R10)
	JLT(LabelRef(label))
}

func lin32() {
	text("lin32AVX2", "func(out, y *float32, n int, h float64, coefs *float64, ks **float32, nk int)",
		"out[i] = float32(y[i] + h·Σ_j coefs[j]·ks[j][i]) in double precision,",
		"each product and sum rounded on its own, the sum from zero in term order",
		"(see Lin32). n > 0 is a multiple of 8; nk > 0. The loads of a block come",
		"before its store, so out may be y or a term.")
	loadArgs([]string{"out", "y", "n"}, RDI, RSI, RCX)
	VBROADCASTSD(arg("h"), Y15)
	loadArgs([]string{"coefs", "ks", "nk"}, R8, R9, R10)
	XORQ(RAX, RAX)

	Label("lin32_loop8")
	stageSum("lin32_terms", []VecPhysical{Y0, Y1})
	acc, tmp, half := []VecPhysical{Y0, Y1}, []VecPhysical{Y2, Y3}, []VecPhysical{X0, X1}
	for _, a := range acc {
		VMULPD(Y15, a, a)
	}
	for i := range acc {
		VCVTPS2PD(ps(RSI, 16*i), tmp[i])
	}
	for i, a := range acc {
		VADDPD(a, tmp[i], a)
	}
	for i, a := range acc {
		VCVTPD2PSY(a, half[i])
	}
	for i := range acc {
		VMOVUPS(half[i], ps(RDI, 16*i))
	}
	loop(8, RCX, "lin32_loop8")
	done()
}

func reluMask32() {
	text("reluMask32AVX2", "func(dst, v, x *float32, n int)",
		"dst[i] = v[i] where x[i] > 0 (an ordered compare: NaN is not), +0",
		"elsewhere. n > 0 is a multiple of 16; the loads of a block come before",
		"its stores.")
	loadArgs([]string{"dst", "v", "x", "n"}, RDI, RSI, RDX, RCX)
	VXORPS(Y15, Y15, Y15)
	XORQ(RAX, RAX)
	Label("relu32_loop16")
	ys := []VecPhysical{Y0, Y1}
	for i, y := range ys {
		VMOVUPS(ps(RDX, 32*i), y)
	}
	for _, y := range ys {
		VCMPPS(U8(0x1e), Y15, y, y) // greater than, ordered, quiet
	}
	for i, y := range ys {
		VANDPS(ps(RSI, 32*i), y, y)
	}
	for i, y := range ys {
		VMOVUPS(y, ps(RDI, 32*i))
	}
	loop(16, RCX, "relu32_loop16")
	done()
}

func errSq32() {
	inf := GLOBL("errInf", RODATA|NOPTR)
	DATA(0, U64(0x7ff0000000000000))
	abs := GLOBL("errAbs", RODATA|NOPTR)
	DATA(0, U64(0x7fffffffffffffff))

	text("errSq32AVX2", "func(h float64, coefs *float64, ks **float32, nk int, y0, y1 *float32, n int, rtol, atol float64) float64",
		"ErrSquares32 over n elements (n > 0 a multiple of 4, nk > 0): four",
		"elements at a time in double precision, each operation rounded on its",
		"own, and the squares added to the sum one by one in element order.",
		"max(|y0|, |y1|) follows math.Max: +Inf if either is +Inf, else NaN if",
		"either is NaN.")
	sq := AllocLocal(32)
	VBROADCASTSD(arg("h"), Y15)
	loadArgs([]string{"coefs", "ks", "nk", "y0", "y1", "n"}, R8, R9, R10, RSI, RDI, RCX)
	VBROADCASTSD(arg("rtol"), Y14)
	VBROADCASTSD(arg("atol"), Y13)
	VBROADCASTSD(inf, Y12)
	VBROADCASTSD(abs, Y11)
	VXORPD(Y10, Y10, Y10)
	VXORPD(X9, X9, X9)
	XORQ(RAX, RAX)

	Label("errsq_loop4")
	stageSum("errsq_terms", []VecPhysical{Y0})
	VMULPD(Y15, Y0, Y0)
	VCVTPS2PD(ps(RSI, 0), Y1)
	VCVTPS2PD(ps(RDI, 0), Y2)
	VANDPD(Y11, Y1, Y1)
	VANDPD(Y11, Y2, Y2)
	VMAXPD(Y2, Y1, Y3)
	VCMPPD(U8(3), Y1, Y1, Y4) // |y0| is NaN: take it
	VBLENDVPD(Y4, Y1, Y3, Y3)
	VCMPPD(U8(0), Y12, Y1, Y4) // either is +Inf: +Inf
	VCMPPD(U8(0), Y12, Y2, Y5)
	VORPD(Y5, Y4, Y4)
	VBLENDVPD(Y4, Y12, Y3, Y3)
	VMULPD(Y14, Y3, Y3)
	VADDPD(Y13, Y3, Y3)
	VCMPPD(U8(4), Y10, Y0, Y4) // a zero error adds zero, even over a zero scale
	VDIVPD(Y3, Y0, Y0)
	VMULPD(Y0, Y0, Y0)
	VANDPD(Y4, Y0, Y0)
	VMOVUPD(Y0, sq)
	for i := range 4 {
		VADDSD(sq.Offset(8*i), X9, X9)
	}
	loop(4, RCX, "errsq_loop4")
	VMOVSD(X9, ret(0))
	done()
}

// mulAdd64 emits the body of scale64 and addProduct64: two blocks of four
// products a·x (Y15 holds a), added to y when add is set, stored at DI.
func mulAdd64(add bool) {
	ys := []VecPhysical{Y0, Y1}
	for i, y := range ys {
		VMULPD(pd(RSI, 32*i), Y15, y)
	}
	if add {
		for i, y := range ys {
			VADDPD(pd(RDI, 32*i), y, y)
		}
	}
	for i, y := range ys {
		VMOVUPD(y, pd(RDI, 32*i))
	}
}

func scale64() {
	text("scale64AVX2", "func(dst *float64, a float64, x *float64, n int)",
		"dst[i] = a·x[i]; n > 0 is a multiple of 8.")
	Load(Param("dst"), RDI)
	VBROADCASTSD(arg("a"), Y15)
	loadArgs([]string{"x", "n"}, RSI, RCX)
	XORQ(RAX, RAX)
	Label("scale64_loop8")
	mulAdd64(false)
	loop(8, RCX, "scale64_loop8")
	done()
}

func deinterleave64() {
	text("deinterleave64AVX2", "func(d0, d1, src *float64, n int)",
		"d0[r] = src[2r], d1[r] = src[2r+1]; n > 0 is a multiple of 4.")
	loadArgs([]string{"d0", "d1", "src", "n"}, RDI, RDX, RSI, RCX)
	XORQ(RAX, RAX)
	Label("deint_loop4")
	VMOVUPD(off(RSI, 0), Y0)
	VMOVUPD(off(RSI, 32), Y1)
	ADDQ(U8(64), RSI)
	VUNPCKLPD(Y1, Y0, Y2)
	VUNPCKHPD(Y1, Y0, Y3)
	VPERMPD(U8(0xd8), Y2, Y2)
	VPERMPD(U8(0xd8), Y3, Y3)
	VMOVUPD(Y2, pd(RDI, 0))
	VMOVUPD(Y3, pd(RDX, 0))
	loop(4, RCX, "deint_loop4")
	done()
}

// mulAdd32 emits the body of scale32 and addProduct32: two vectors of
// products a·x (Y15 holds a), added to y when add is set, stored at DI.
func mulAdd32(add bool) {
	ys := []VecPhysical{Y0, Y1}
	for i, y := range ys {
		VMULPS(ps(RSI, 32*i), Y15, y)
	}
	if add {
		for i, y := range ys {
			VADDPS(ps(RDI, 32*i), y, y)
		}
	}
	for i, y := range ys {
		VMOVUPS(y, ps(RDI, 32*i))
	}
}

func scale32() {
	text("scale32AVX2", "func(dst, x *float32, a float32, n int)",
		"dst[i] = a·x[i] in float32; n > 0 is a multiple of 16.")
	loadArgs([]string{"dst", "x"}, RDI, RSI)
	VBROADCASTSS(arg("a"), Y15)
	Load(Param("n"), RCX)
	XORQ(RAX, RAX)
	Label("scale32_loop16")
	mulAdd32(false)
	loop(16, RCX, "scale32_loop16")
	done()
}

// deinterleaveRows32 splits rows of n pairs, eight pairs at a time
// (deinterleave8), all of them in one call. A row of n ≥ 8 pairs that is not a multiple of 8 ends with its
// last eight pairs again (a copy may repeat); rows of fewer go as one
// block through lane masks, which neither read nor write beyond the row.
func deinterleaveRows32() {
	text("deinterleaveRows32AVX2", "func(d0, d1 *float32, ldd int, src *float32, lds int, rows int, n int, mask *int32)",
		"d0[i·ldd + r] = src[i·lds + 2r], d1[i·ldd + r] = src[i·lds + 2r + 1] for",
		"r < n and i < rows; rows > 0, n > 0. For n < 8, mask[0:8] and mask[8:16]",
		"are the lanes of the 2n source values, mask[16:24] those of the n pairs.")
	loadArgs([]string{"d0", "d1", "ldd", "src", "lds", "rows", "n"}, RDI, RDX, R8, RSI, R9, R10, RCX)
	SHLQ(U8(2), R8)
	SHLQ(U8(2), R9)
	CMPQ(RCX, U8(8))
	JL(LabelRef("drows_short"))
	LEAQ(off(RCX, -8), R11) // the last block's first pair
	Label("drows_row")
	XORQ(RAX, RAX)
	Label("drows_block")
	VMOVUPS(at(RSI, RAX, 8, 0), Y0)
	VMOVUPS(at(RSI, RAX, 8, 32), Y1)
	deinterleave8()
	VMOVUPS(Y2, ps(RDI, 0))
	VMOVUPS(Y3, ps(RDX, 0))
	ADDQ(U8(8), RAX)
	CMPQ(RAX, R11)
	JLE(LabelRef("drows_block"))
	CMPQ(RAX, RCX)
	JGE(LabelRef("drows_next"))
	MOVQ(R11, RAX) // the last eight pairs
	JMP(LabelRef("drows_block"))
	Label("drows_next")
	ADDQ(R8, RDI)
	ADDQ(R8, RDX)
	ADDQ(R9, RSI)
	count(R10, "drows_row")
	done()

	Label("drows_short")
	Load(Param("mask"), RAX)
	VMOVUPS(off(RAX, 0), Y4)
	VMOVUPS(off(RAX, 32), Y5)
	VMOVUPS(off(RAX, 64), Y6)
	Label("drows_short_row")
	VMASKMOVPS(off(RSI, 0), Y4, Y0)
	VMASKMOVPS(off(RSI, 32), Y5, Y1)
	deinterleave8()
	VMASKMOVPS(Y2, Y6, off(RDI, 0))
	VMASKMOVPS(Y3, Y6, off(RDX, 0))
	ADDQ(R8, RDI)
	ADDQ(R8, RDX)
	ADDQ(R9, RSI)
	count(R10, "drows_short_row")
	done()
}

// deinterleave8 splits the eight pairs in Y0 and Y1 into their first
// elements (Y2) and second ones (Y3): VSHUFPS picks them within each
// 128-bit lane, as a0 a2 b0 b2 | a4 a6 b4 b6, and VPERMPD puts the 64-bit
// pairs in order.
func deinterleave8() {
	VSHUFPS(U8(0x88), Y1, Y0, Y2)
	VSHUFPS(U8(0xdd), Y1, Y0, Y3)
	VPERMPD(U8(0xd8), Y2, Y2)
	VPERMPD(U8(0xd8), Y3, Y3)
}

func interleaveAdd64() {
	text("interleaveAdd64AVX2", "func(c, d0, d1 *float64, n int)",
		"c[2r] += d0[r], c[2r+1] += d1[r]; n > 0 is a multiple of 4.")
	loadArgs([]string{"c", "d0", "d1", "n"}, RDI, RSI, RDX, RCX)
	XORQ(RAX, RAX)
	Label("ileave_loop4")
	VMOVUPD(pd(RSI, 0), Y0)
	VMOVUPD(pd(RDX, 0), Y1)
	VPERMPD(U8(0xd8), Y0, Y0)
	VPERMPD(U8(0xd8), Y1, Y1)
	VUNPCKLPD(Y1, Y0, Y2)
	VUNPCKHPD(Y1, Y0, Y3)
	VADDPD(off(RDI, 0), Y2, Y2)
	VADDPD(off(RDI, 32), Y3, Y3)
	VMOVUPD(Y2, off(RDI, 0))
	VMOVUPD(Y3, off(RDI, 32))
	ADDQ(U8(64), RDI)
	loop(4, RCX, "ileave_loop4")
	done()
}

func addProduct64() {
	text("addProduct64AVX2", "func(y *float64, a float64, x *float64, n int)",
		"y[i] += a·x[i], multiply and add rounded on their own; n > 0 is a",
		"multiple of 8.")
	Load(Param("y"), RDI)
	VBROADCASTSD(arg("a"), Y15)
	loadArgs([]string{"x", "n"}, RSI, RCX)
	XORQ(RAX, RAX)
	Label("addp64_loop8")
	mulAdd64(true)
	loop(8, RCX, "addp64_loop8")
	done()
}

func addProduct32() {
	text("addProduct32AVX2", "func(y *float32, a float32, x *float32, n int)",
		"y[i] += a·x[i] in float32, multiply and add rounded on their own; n > 0",
		"is a multiple of 16.")
	Load(Param("y"), RDI)
	VBROADCASTSS(arg("a"), Y15)
	loadArgs([]string{"x", "n"}, RSI, RCX)
	XORQ(RAX, RAX)
	Label("addp32_loop16")
	mulAdd32(true)
	loop(16, RCX, "addp32_loop16")
	done()
}

func affine32() {
	text("affine32AVX2", "func(dst, x *float32, a, b float32, n int)",
		"dst[i] = x[i]·a + b in float32, multiply and add rounded on their own;",
		"n > 0 is a multiple of 16.")
	loadArgs([]string{"dst", "x"}, RDI, RSI)
	VBROADCASTSS(arg("a"), Y14)
	VBROADCASTSS(arg("b"), Y15)
	Load(Param("n"), RCX)
	XORQ(RAX, RAX)
	Label("aff32_loop16")
	ys := []VecPhysical{Y0, Y1}
	for i, y := range ys {
		VMULPS(ps(RSI, 32*i), Y14, y)
	}
	for _, y := range ys {
		VADDPS(Y15, y, y)
	}
	for i, y := range ys {
		VMOVUPS(y, ps(RDI, 32*i))
	}
	loop(16, RCX, "aff32_loop16")
	done()
}

func normGrad32() {
	text("normGrad32AVX2", "func(d, gy, x *float32, n int, k, mu, inv, c1, c2 float64)",
		"d[i] = float32((k·g[i] − c1) − ((x[i] − mu)·inv)·c2) in float64, each",
		"operation rounded on its own; n > 0 is a multiple of 8.")
	loadArgs([]string{"d", "gy", "x", "n"}, RDI, RSI, RDX, RCX)
	for i, name := range []string{"k", "mu", "inv", "c1", "c2"} {
		VBROADCASTSD(arg(name), []VecPhysical{Y11, Y12, Y13, Y14, Y15}[i])
	}
	XORQ(RAX, RAX)
	Label("ng32_loop8")
	g, x, half := []VecPhysical{Y0, Y1}, []VecPhysical{Y2, Y3}, []VecPhysical{X0, X1}
	for i := range g {
		VCVTPS2PD(ps(RSI, 16*i), g[i])
	}
	for i := range x {
		VCVTPS2PD(ps(RDX, 16*i), x[i])
	}
	pairs := []struct {
		op   func(...Op)
		c    VecPhysical
		regs []VecPhysical
	}{
		{VMULPD, Y11, g}, {VSUBPD, Y14, g}, {VSUBPD, Y12, x}, {VMULPD, Y13, x}, {VMULPD, Y15, x},
	}
	for _, p := range pairs {
		for _, r := range p.regs {
			p.op(p.c, r, r)
		}
	}
	for i := range g {
		VSUBPD(x[i], g[i], g[i])
	}
	for i := range g {
		VCVTPD2PSY(g[i], half[i])
	}
	for i := range g {
		VMOVUPS(half[i], ps(RDI, 16*i))
	}
	loop(8, RCX, "ng32_loop8")
	done()
}

// red8 leaves in X0's low lane ((l0+l4) + (l2+l6)) + ((l1+l5) + (l3+l7))
// for the eight lane sums in Y0 (lanes 0-3) and Y1 (4-7). Clobbers X1.
func red8() {
	VADDPD(Y1, Y0, Y0)
	VEXTRACTF128(U8(1), Y0, X1)
	VADDPD(X1, X0, X0)
	VUNPCKHPD(X0, X0, X1)
	VADDSD(X1, X0, X0)
}

// widen converts the eight float32 at base from element AX to float64 in
// lo and hi.
func widen(base Register, lo, hi VecPhysical) {
	VCVTPS2PD(ps(base, 0), lo)
	VCVTPS2PD(ps(base, 16), hi)
}

func sum32() {
	text("sum32AVX2", "func(x *float32, n int) float64",
		"Sum32's lane sums over n > 0 elements, a multiple of 8, combined.")
	loadArgs([]string{"x", "n"}, RSI, RCX)
	VXORPD(Y0, Y0, Y0)
	VXORPD(Y1, Y1, Y1)
	XORQ(RAX, RAX)
	Label("sum32_loop8")
	widen(RSI, Y2, Y3)
	VADDPD(Y2, Y0, Y0)
	VADDPD(Y3, Y1, Y1)
	loop(8, RCX, "sum32_loop8")
	red8()
	VMOVSD(X0, ret(0))
	done()
}

func sqDev32() {
	text("sqDev32AVX2", "func(x *float32, n int, mu float64) float64")
	loadArgs([]string{"x", "n"}, RSI, RCX)
	VBROADCASTSD(arg("mu"), Y15)
	VXORPD(Y0, Y0, Y0)
	VXORPD(Y1, Y1, Y1)
	XORQ(RAX, RAX)
	Label("sqdev32_loop8")
	widen(RSI, Y2, Y3)
	VSUBPD(Y15, Y2, Y2)
	VSUBPD(Y15, Y3, Y3)
	VMULPD(Y2, Y2, Y2)
	VMULPD(Y3, Y3, Y3)
	VADDPD(Y2, Y0, Y0)
	VADDPD(Y3, Y1, Y1)
	loop(8, RCX, "sqdev32_loop8")
	red8()
	VMOVSD(X0, ret(0))
	done()
}

func dotDev32() {
	text("dotDev32AVX2", "func(gy, x *float32, n int, mu float64) (float64, float64)")
	loadArgs([]string{"gy", "x", "n"}, RSI, RDX, RCX)
	VBROADCASTSD(arg("mu"), Y15)
	for _, y := range []VecPhysical{Y0, Y1, Y4, Y5} {
		VXORPD(y, y, y)
	}
	XORQ(RAX, RAX)
	Label("dotdev32_loop8")
	widen(RSI, Y2, Y3)
	widen(RDX, Y6, Y7)
	VADDPD(Y2, Y0, Y0)
	VADDPD(Y3, Y1, Y1)
	VSUBPD(Y15, Y6, Y6)
	VSUBPD(Y15, Y7, Y7)
	VMULPD(Y6, Y2, Y6)
	VMULPD(Y7, Y3, Y7)
	VADDPD(Y6, Y4, Y4)
	VADDPD(Y7, Y5, Y5)
	loop(8, RCX, "dotdev32_loop8")
	red8()
	VMOVSD(X0, ret(0))
	VMOVAPD(Y4, Y0)
	VMOVAPD(Y5, Y1)
	red8()
	VMOVSD(X0, ret(1))
	done()
}

func allFinite32() {
	exp := GLOBL("finExp32", RODATA|NOPTR)
	DATA(0, U32(0x7f800000))

	text("allFinite32AVX2", "func(x *float32, n int) bool",
		"Whether no element has all exponent bits set (±Inf, NaN); n > 0 is a",
		"multiple of 16. It stops at the first block of 256 elements with one.")
	loadArgs([]string{"x", "n"}, RSI, RCX)
	VBROADCASTSS(exp, Y15)
	VXORPS(Y2, Y2, Y2)
	XORQ(RAX, RAX)
	Label("fin32_loop16")
	ys := []VecPhysical{Y0, Y1}
	for i, y := range ys {
		VANDPS(ps(RSI, 32*i), Y15, y)
	}
	for _, y := range ys {
		VPCMPEQD(Y15, y, y)
	}
	VPOR(Y1, Y0, Y0)
	VPOR(Y0, Y2, Y2)
	ADDQ(U8(16), RAX)
	TESTQ(U32(255), RAX)
	JNZ(LabelRef("fin32_next"))
	VPTEST(Y2, Y2)
	JNZ(LabelRef("fin32_no"))
	Label("fin32_next")
	CMPQ(RAX, RCX)
	JLT(LabelRef("fin32_loop16"))
	VPTEST(Y2, Y2)
	JNZ(LabelRef("fin32_no"))
	MOVB(U8(1), ret(0))
	done()
	Label("fin32_no")
	MOVB(U8(0), ret(0))
	done()
}

// maxAbsDiff32 declares the element-wise comparison of two float32 slices
// in float64 (see vec.MaxAbsDiff32).
func maxAbsDiff32() {
	abs := GLOBL("absMask64", RODATA|NOPTR)
	DATA(0, U64(0x7fffffffffffffff))

	text("maxAbsDiff32AVX2", "func(a, b *float32, n int, out *float64)",
		"Four lanes each of max |float64(a[i]) − float64(b[i])| (out[0:4]), of",
		"max |float64(b[i])| (out[4:8]), both skipping NaN, and a nonzero out[8]",
		"if a difference was NaN; n > 0 is a multiple of 8.")
	loadArgs([]string{"a", "b", "n"}, RSI, RDI, RCX)
	VBROADCASTSD(abs, Y15)
	zero(Y10, Y11, Y12)
	XORQ(RAX, RAX)
	Label("mad32_loop8")
	for h := 0; h < 2; h++ {
		a, b := []VecPhysical{Y0, Y1}[h], []VecPhysical{Y2, Y3}[h]
		VCVTPS2PD(ps(RSI, 16*h), a)
		VCVTPS2PD(ps(RDI, 16*h), b)
		VSUBPD(b, a, a)         // a − b
		VANDPD(Y15, a, a)       // |a − b|
		VANDPD(Y15, b, b)       // |b|
		VCMPPD(U8(3), a, a, Y4) // unordered: a NaN difference
		VORPD(Y4, Y12, Y12)
		VMAXPD(Y10, a, Y10) // the accumulator kept where a is NaN
		VMAXPD(Y11, b, Y11)
	}
	loop(8, RCX, "mad32_loop8")
	Load(Param("out"), RAX)
	VMOVUPD(Y10, off(RAX, 0))
	VMOVUPD(Y11, off(RAX, 32))
	VMOVMSKPD(Y12, ECX)
	MOVQ(RCX, off(RAX, 64))
	done()
}
