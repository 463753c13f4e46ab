package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The AVX-512 packed-panel micro-kernels: the tiles of gemmTile and
// gemmGrid (same arguments, same packing, same 6 rows by 64 bytes), with a
// row of the tile in one zmm register instead of two ymm ones and each
// element of A broadcast from memory inside its fused multiply-add. Every
// element of C still takes one fused multiply-add per p, in order of p,
// from zero, and the same final rounding, so the results are bit for bit
// those of the AVX2 kernels; what changes is the instruction count (a step
// of p is one load and six multiply-adds, against two loads, six
// broadcasts and twelve multiply-adds), which matters on cores that issue
// 512-bit operations at full width.

// tile512Kinds are the two precisions on zmm registers; fmab is
// acc += broadcast(m)·b.
var tile512Kinds = []tileKind{
	{
		name: "gemmTile32AVX512", typ: "float32", size: 4,
		bcast: func(m Mem, z VecPhysical) { VBROADCASTSS(m, z) },
		load:  func(m Mem, z VecPhysical) { VMOVUPS(m, z) },
		store: func(z VecPhysical, m Mem) { VMOVUPS(z, m) },
		fma:   func(b, a, acc VecPhysical) { VFMADD231PS(b, a, acc) },
		mul:   func(src Op, f, dst VecPhysical) { VMULPS(src, f, dst) },
		fmab:  func(m Mem, b, acc VecPhysical) { VFMADD231PS_BCST(m, b, acc) },
	},
	{
		name: "gemmTile64AVX512", typ: "float64", size: 8,
		bcast: func(m Mem, z VecPhysical) { VBROADCASTSD(m, z) },
		load:  func(m Mem, z VecPhysical) { VMOVUPD(m, z) },
		store: func(z VecPhysical, m Mem) { VMOVUPD(z, m) },
		fma:   func(b, a, acc VecPhysical) { VFMADD231PD(b, a, acc) },
		mul:   func(src Op, f, dst VecPhysical) { VMULPD(src, f, dst) },
		fmab:  func(m Mem, b, acc VecPhysical) { VFMADD231PD_BCST(m, b, acc) },
	},
}

// tile512Accs are the six accumulators, row r in tile512Accs[r].
var tile512Accs = []VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5}

// zmmTile is the AVX-512 layout: one zmm accumulator per row.
var zmmTile = tileLayout{
	sums:  tileSums512,
	parts: func(r int) []tilePart { return []tilePart{{tile512Accs[r], 0}} },
}

// gemmTiles512 declares the AVX-512 micro-kernels of both precisions and
// the float32 grid of them.
func gemmTiles512() {
	for _, t := range tile512Kinds {
		gemmTile(t, zmmTile, "gemmTile with a row of the tile in one zmm register (AVX-512F):",
			"the same sums in the same order, so the same results.")
	}
	gemmGrid(tile512Kinds[0], "gemmGrid32AVX512", zmmTile,
		"gemmGrid with the AVX-512 tiles of gemmTile32AVX512: the same results.")
}

// tileSums512 is tileSums on zmm registers: the sums of one tile into
// tile512Accs, SI and DI advanced as tileSums leaves them; it falls
// through to label "store".
func tileSums512(t tileKind) {
	tilePrefetch()
	for _, z := range tile512Accs {
		VPXORD(z, z, z)
	}
	tileLoop(t, func(p int) {
		b := []VecPhysical{Z6, Z7}[p%2]
		t.load(tileBRow(p, 0), b)
		for r := range tileMR {
			t.fmab(off(RSI, (p*tileMR+r)*t.size), b, tile512Accs[r])
		}
	})
}
