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

// winoInputLoop emits the loop over blocks of eight tiles. Y0–Y3, Y4–Y7
// and Y8–Y11 hold columns 2t, 2t+1, 2t+2, 2t+3 of rows r, p and q; the
// even columns are at index AX, the odd ones at BX = AX + he. First half:
// a = p − r, b = q + r; second: a = q − p, b = p − r. Rows 0–3 of v get
// a0 − a2, a1 + a2, a2 − a1, a1 − a3 and rows 4–7 the same of b.
func winoInputLoop(label string, second bool) {
	Label(label)
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
	for _, reg := range []Register{RDI, R11, R12} {
		ADDQ(U8(32), reg)
	}
	ADDQ(U8(8), RBX)
	loop(8, RCX, label)
	done()
}
