package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// tileKind describes one precision of the packed-panel micro-kernel: its
// element size and the instructions that load, broadcast, multiply and
// fuse on ymm registers of that element type.
type tileKind struct {
	name  string // function name
	typ   string // Go element type
	size  int    // bytes per element
	bcast func(m Mem, y VecPhysical)
	load  func(m Mem, y VecPhysical)
	store func(y VecPhysical, m Mem)
	fma   func(b, a, acc VecPhysical)           // acc += a·b
	mul   func(src Op, factor, dst VecPhysical) // dst = src·factor
}

// tileMR is the number of rows of a micro-tile; each row takes two ymm
// accumulators, so a tile is 6 rows by 16 float32 or 8 float64 columns
// and uses 12 of the 16 ymm registers for its sums, leaving two for the
// row of B and two for broadcasts of A.
const tileMR = 6

var tileKinds = []tileKind{
	{
		name: "gemmTile32AVX2", typ: "float32", size: 4,
		bcast: func(m Mem, y VecPhysical) { VBROADCASTSS(m, y) },
		load:  func(m Mem, y VecPhysical) { VMOVUPS(m, y) },
		store: func(y VecPhysical, m Mem) { VMOVUPS(y, m) },
		fma:   func(b, a, acc VecPhysical) { VFMADD231PS(b, a, acc) },
		mul:   func(src Op, f, dst VecPhysical) { VMULPS(src, f, dst) },
	},
	{
		name: "gemmTile64AVX2", typ: "float64", size: 8,
		bcast: func(m Mem, y VecPhysical) { VBROADCASTSD(m, y) },
		load:  func(m Mem, y VecPhysical) { VMOVUPD(m, y) },
		store: func(y VecPhysical, m Mem) { VMOVUPD(y, m) },
		fma:   func(b, a, acc VecPhysical) { VFMADD231PD(b, a, acc) },
		mul:   func(src Op, f, dst VecPhysical) { VMULPD(src, f, dst) },
	},
}

// tileAccs are the twelve accumulators: row r in tileAccs[2r] (first
// eight columns for float32, four for float64) and tileAccs[2r+1].
var tileAccs = []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11}

// tileUnroll is how many steps of p one pass of the main loop takes.
const tileUnroll = 4

// gemmTiles declares the packed-panel micro-kernels of both precisions.
func gemmTiles() {
	for _, t := range tileKinds {
		gemmTile(t)
	}
}

// gemmTile emits one micro-kernel: C (6 rows at stride ldc, two vectors
// per row) = alpha·Σ_p A_p ⊗ B_p (+ beta·C when accum is nonzero), A
// packed as k groups of six row values and B as k rows of two vectors.
func gemmTile(t tileKind) {
	vecBytes := 32
	rowBytes := 2 * vecBytes // one row of the tile
	shift := uint8(map[int]int{4: 2, 8: 3}[t.size])
	text(t.name, "func(k int, a, b *"+t.typ+", ldb int, c *"+t.typ+", ldc int, alpha, beta "+t.typ+", accum int)",
		"C(r, j) = alpha·S(r, j) (+ beta·C(r, j) when accum ≠ 0) for the 6-row tile",
		"of C at c (row stride ldc elements), S(r, j) = Σ_{p<k} a[6p+r]·b[ldb·p+j]",
		"for j below the tile width (two vectors): A packed as a BLIS micro-panel,",
		"B a micro-panel (ldb = the width) or rows of a matrix. Each accumulator",
		"takes one fused multiply-add per p, in order of p; the result is",
		"alpha·S rounded once, or fma(alpha, S, beta·C).")
	Load(Param("k"), RCX)
	Load(Param("a"), RSI)
	Load(Param("b"), RDI)
	Load(Param("ldb"), R12)
	SHLQ(U8(shift), R12)
	LEAQ(at(R12, R12, 2, 0), R13) // 3·ldb
	Load(Param("c"), RDX)
	Load(Param("ldc"), R8)
	SHLQ(U8(shift), R8)
	LEAQ(at(R8, R8, 2, 0), R9)  // 3·ldc
	LEAQ(at(R8, R8, 4, 0), R10) // 5·ldc
	rows := []Mem{off(RDX, 0), at(RDX, R8, 1, 0), at(RDX, R8, 2, 0), at(RDX, R9, 1, 0), at(RDX, R8, 4, 0), at(RDX, R10, 1, 0)}
	// The tile of C is read or written once at the end: ask for its lines now.
	for _, r := range rows {
		PREFETCHT0(r)
		r.Disp += rowBytes - 1
		PREFETCHT0(r)
	}
	zero(tileAccs...)

	// Row p < 4 of B from DI: DI, DI+ldb, DI+2·ldb, DI+3·ldb.
	brow := func(p, disp int) Mem {
		switch p {
		case 0:
			return off(RDI, disp)
		case 3:
			return at(RDI, R13, 1, disp)
		}
		return at(RDI, R12, uint8(p), disp)
	}
	step := func(p int) {
		t.load(brow(p, 0), Y12)
		t.load(brow(p, vecBytes), Y13)
		for r := range tileMR {
			a := []VecPhysical{Y14, Y15}[r%2]
			t.bcast(off(RSI, (p*tileMR+r)*t.size), a)
			t.fma(Y12, a, tileAccs[2*r])
			t.fma(Y13, a, tileAccs[2*r+1])
		}
	}
	MOVQ(RCX, R11)
	SHRQ(U8(2), R11)
	JZ(LabelRef("tail"))
	Label("loop")
	for p := range tileUnroll {
		step(p)
	}
	ADDQ(U32(tileUnroll*tileMR*t.size), RSI)
	LEAQ(at(RDI, R12, 4, 0), RDI)
	count(R11, "loop")

	Label("tail")
	ANDQ(U8(tileUnroll-1), RCX)
	JZ(LabelRef("store"))
	Label("tail_loop")
	step(0)
	ADDQ(U8(tileMR*t.size), RSI)
	ADDQ(R12, RDI)
	count(RCX, "tail_loop")

	Label("store")
	t.bcast(arg("alpha"), Y14)
	Load(Param("accum"), RAX)
	TESTQ(RAX, RAX)
	JNZ(LabelRef("accum"))
	for r, m := range rows {
		for h := range 2 {
			acc := tileAccs[2*r+h]
			mm := m
			mm.Disp += h * vecBytes
			t.mul(acc, Y14, acc)
			t.store(acc, mm)
		}
	}
	done()

	Label("accum")
	t.bcast(arg("beta"), Y15)
	for r, m := range rows {
		for h := range 2 {
			acc := tileAccs[2*r+h]
			mm := m
			mm.Disp += h * vecBytes
			y := []VecPhysical{Y12, Y13}[h]
			t.mul(mm, Y15, y)
			t.fma(acc, Y14, y)
			t.store(y, mm)
		}
	}
	done()
}
