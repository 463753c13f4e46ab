package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// tileKind describes one precision of the packed-panel micro-kernel: its
// element size and the instructions that load, broadcast, multiply and
// fuse on vector registers of that element type (ymm for the AVX2 kernels
// of tileKinds, zmm for the AVX-512 ones of tile512Kinds).
type tileKind struct {
	name  string // function name
	typ   string // Go element type
	size  int    // bytes per element
	bcast func(m Mem, y VecPhysical)
	load  func(m Mem, y VecPhysical)
	store func(y VecPhysical, m Mem)
	fma   func(b, a, acc VecPhysical)           // acc += a·b
	mul   func(src Op, factor, dst VecPhysical) // dst = src·factor
	fmab  func(m Mem, b, acc VecPhysical)       // acc += broadcast(m)·b (AVX-512 only)
}

// tileMR is the number of rows of a micro-tile; in the AVX2 kernels each
// row takes two ymm accumulators, so a tile is 6 rows by 16 float32 or 8
// float64 columns and uses 12 of the 16 ymm registers for its sums,
// leaving two for the row of B and two for broadcasts of A (the AVX-512
// kernels keep a row in one zmm register, see tile512.go).
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

// tileLayout is where a micro-kernel keeps a tile: sums emits the loop
// that leaves the sums in registers, and parts(r) lists row r's
// accumulators with the byte offset of each within the row of C.
type tileLayout struct {
	sums  func(t tileKind)
	parts func(r int) []tilePart
}

// tilePart is one accumulator of a row of the tile and its offset in bytes.
type tilePart struct {
	acc  VecPhysical
	disp int
}

// ymmTile is the AVX2 layout: two ymm accumulators per row.
var ymmTile = tileLayout{
	sums: tileSums,
	parts: func(r int) []tilePart {
		return []tilePart{{tileAccs[2*r], 0}, {tileAccs[2*r+1], tileVec}}
	},
}

// tileUnroll is how many steps of p one pass of the main loop takes.
const tileUnroll = 4

// gemmTiles declares the packed-panel micro-kernels of both precisions,
// and the float32 grid of them.
func gemmTiles() {
	for _, t := range tileKinds {
		gemmTile(t, ymmTile, "C(r, j) = alpha·S(r, j) (+ beta·C(r, j) when accum ≠ 0) for the 6-row tile",
			"of C at c (row stride ldc elements), S(r, j) = Σ_{p<k} a[6p+r]·b[ldb·p+j]",
			"for j below the tile width (two vectors): A packed as a BLIS micro-panel,",
			"B a micro-panel (ldb = the width) or rows of a matrix. Each accumulator",
			"takes one fused multiply-add per p, in order of p; the result is",
			"alpha·S rounded once, or fma(alpha, S, beta·C).")
	}
	gemmGrid(tileKinds[0], "gemmGrid32AVX2", ymmTile,
		"The tiles of nb column blocks (two vectors wide) by mt packed panels of A:",
		"C(r, j) = S(r, j), or C(r, j) + S(r, j) when accum ≠ 0, for the tiles of",
		"C at c + 6i·ldc + j·width (row stride ldc elements), S as gemmTile sums",
		"it from a[6ik:] and b + j·width; nb, mt > 0.")
}

// gemmTile emits one micro-kernel: C (6 rows at stride ldc, 64 bytes
// per row) = alpha·Σ_p A_p ⊗ B_p (+ beta·C when accum is nonzero), A
// packed as k groups of six row values and B as k rows of 64 bytes, with
// the sums kept as layout says; doc describes it.
func gemmTile(t tileKind, layout tileLayout, doc ...string) {
	text(t.name, "func(k int, a, b *"+t.typ+", ldb int, c *"+t.typ+", ldc int, alpha, beta "+t.typ+", accum int)", doc...)
	Load(Param("k"), RCX)
	Load(Param("a"), RSI)
	Load(Param("b"), RDI)
	tileStrides(t)
	Load(Param("c"), RDX)
	layout.sums(t)
	alpha, beta := tileScalars(layout)
	t.bcast(arg("alpha"), alpha)
	Load(Param("accum"), RAX)
	TESTQ(RAX, RAX)
	JNZ(LabelRef("accum"))
	for r, m := range tileRows() {
		for _, pt := range layout.parts(r) {
			mm := m
			mm.Disp += pt.disp
			t.mul(pt.acc, alpha, pt.acc)
			t.store(pt.acc, mm)
		}
	}
	done()

	Label("accum")
	t.bcast(arg("beta"), beta)
	for r, m := range tileRows() {
		for h, pt := range layout.parts(r) {
			mm := m
			mm.Disp += pt.disp
			y := tileTemps(layout)[h]
			t.mul(mm, beta, y)
			t.fma(pt.acc, alpha, y)
			t.store(y, mm)
		}
	}
	done()
}

// tileScalars are the registers that hold alpha and beta broadcast: Y14
// and Y15, or Z14 and Z15 for a layout on zmm registers.
func tileScalars(layout tileLayout) (alpha, beta VecPhysical) {
	if layout.parts(0)[0].acc.Size() == 64 {
		return Z14, Z15
	}
	return Y14, Y15
}

// tileTemps are the registers for C's rows in the final fused
// multiply-adds, one per part of a row.
func tileTemps(layout tileLayout) []VecPhysical {
	if layout.parts(0)[0].acc.Size() == 64 {
		return []VecPhysical{Z12}
	}
	return []VecPhysical{Y12, Y13}
}

// tileVec is the bytes of one vector, half a row of a tile.
const tileVec = 32

// tileStrides loads ldb and ldc as bytes: ldb in R12 and 3·ldb in R13,
// ldc in R8, 3·ldc in R9 and 5·ldc in R10.
func tileStrides(t tileKind) {
	shift := uint8(map[int]int{4: 2, 8: 3}[t.size])
	Load(Param("ldb"), R12)
	SHLQ(U8(shift), R12)
	LEAQ(at(R12, R12, 2, 0), R13) // 3·ldb
	Load(Param("ldc"), R8)
	SHLQ(U8(shift), R8)
	LEAQ(at(R8, R8, 2, 0), R9)  // 3·ldc
	LEAQ(at(R8, R8, 4, 0), R10) // 5·ldc
}

// tileRows are the six rows of the tile of C at DX (strides from
// tileStrides).
func tileRows() []Mem {
	return []Mem{off(RDX, 0), at(RDX, R8, 1, 0), at(RDX, R8, 2, 0), at(RDX, R9, 1, 0), at(RDX, R8, 4, 0), at(RDX, R10, 1, 0)}
}

// tileSums emits the sums of one tile into the accumulators: k (CX) steps
// of p over A at SI and B at DI (rows R12 bytes apart), both advanced past
// what they read, so that SI ends at the next packed panel. It prefetches
// the tile of C at DX first, and falls through to label "store".
func tileSums(t tileKind) {
	tilePrefetch()
	zero(tileAccs...)

	step := func(p int) {
		t.load(tileBRow(p, 0), Y12)
		t.load(tileBRow(p, tileVec), Y13)
		for r := range tileMR {
			a := []VecPhysical{Y14, Y15}[r%2]
			t.bcast(off(RSI, (p*tileMR+r)*t.size), a)
			t.fma(Y12, a, tileAccs[2*r])
			t.fma(Y13, a, tileAccs[2*r+1])
		}
	}
	tileLoop(t, step)
}

// tilePrefetch asks for the lines of the tile of C at DX: it is read or
// written once at the end of a kernel.
func tilePrefetch() {
	for _, r := range tileRows() {
		PREFETCHT0(r)
		r.Disp += 2*tileVec - 1
		PREFETCHT0(r)
	}
}

// tileBRow is row p < 4 of B from DI, plus disp bytes: DI, DI+ldb,
// DI+2·ldb, DI+3·ldb (strides from tileStrides).
func tileBRow(p, disp int) Mem {
	switch p {
	case 0:
		return off(RDI, disp)
	case 3:
		return at(RDI, R13, 1, disp)
	}
	return at(RDI, R12, uint8(p), disp)
}

// tileLoop emits the loop over p of a tile's sums, step(p) emitting one
// step of p < tileUnroll from SI and DI: CX steps in passes of
// tileUnroll, then the rest one at a time, SI and DI advanced past what
// they read. It falls through to label "store".
func tileLoop(t tileKind, step func(p int)) {
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
}

// gemmGrid emits the tiles of nb column blocks side by side, mt panels of
// A down each, in one call (the Go loop over them cost a fifth of the
// tiles' time in the Winograd products, whose tiles are only a few
// hundred multiply-adds): block j covers the columns from j·width of B
// and C, panel i the packed panel a[i·6k:] and the rows of C from 6i on.
// Alpha and beta are 1: C = S, or C + S rounded once. The sums are kept
// as layout says; doc describes the kernel.
func gemmGrid(t tileKind, name string, layout tileLayout, doc ...string) {
	text(name, "func(nb, mt, k int, a, b *"+t.typ+", ldb int, c *"+t.typ+", ldc int, accum int)", doc...)
	bblk, cblk, left := AllocLocal(8), AllocLocal(8), AllocLocal(8)
	tileStrides(t)
	Load(Param("b"), RAX)
	MOVQ(RAX, bblk)
	Load(Param("c"), RAX)
	MOVQ(RAX, cblk)
	Load(Param("nb"), RAX)
	MOVQ(RAX, left)

	Label("block")
	Load(Param("a"), RSI)
	Load(Param("mt"), RBX)
	MOVQ(cblk, RDX)
	Label("panel")
	MOVQ(bblk, RDI)
	Load(Param("k"), RCX)
	layout.sums(t)
	Load(Param("accum"), RAX)
	TESTQ(RAX, RAX)
	JNZ(LabelRef("accum"))
	for r, m := range tileRows() {
		for _, pt := range layout.parts(r) {
			mm := m
			mm.Disp += pt.disp
			t.store(pt.acc, mm)
		}
	}
	JMP(LabelRef("next"))
	Label("accum")
	for r, m := range tileRows() {
		for _, pt := range layout.parts(r) {
			mm := m
			mm.Disp += pt.disp
			VADDPS(mm, pt.acc, pt.acc)
			t.store(pt.acc, mm)
		}
	}
	Label("next")
	LEAQ(at(RDX, R9, 2, 0), RDX) // six rows down
	count(RBX, "panel")
	ADDQ(U8(2*tileVec), bblk)
	ADDQ(U8(2*tileVec), cblk)
	count(left, "block")
	done()
}
