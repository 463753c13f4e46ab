package vec

import (
	"fmt"
	"math"
)

// Sizes of the packed-panel micro-tiles of GemmTile32 and GemmTile64. A
// tile has TileMR rows; its columns fill two AVX2 vectors, so TileNR32 of
// float32 and TileNR64 of float64. The twelve accumulators of a tile and
// the registers for one packed row of B and two broadcasts of A use all
// sixteen ymm registers. On CPUs with AVX-512F the same tiles run with a
// row in one zmm register (see HasAVX512), with the same results.
const (
	TileMR   = 6
	TileNR32 = 16
	TileNR64 = 8
)

// GemmTile32 computes one micro-tile of a packed matrix product (the BLIS
// micro-kernel): with S(r, j) = Σ_{p<k} a[TileMR·p + r]·b[ldb·p + j] for
// r < TileMR and j < TileNR32 (A packed as a micro-panel, k columns of A by
// k rows of B; B a packed micro-panel with ldb = TileNR32, or TileNR32
// columns of a row-major matrix with row stride ldb), it sets
// C(r, j) = c[r·ldc + j] to
// alpha·S(r, j) when accum is false, without reading C, and to
// fma(alpha, S(r, j), beta·C(r, j)) when it is true. Each sum is
// accumulated in order of p by fused multiply-adds from zero, so a result
// depends only on the operands, never on where the tile lies. It panics if
// a slice is too short for k, or ldb or ldc < TileNR32.
func GemmTile32(k int, alpha float32, a, b []float32, ldb int, beta float32, c []float32, ldc int, accum bool) {
	checkTile("GemmTile32", k, len(a), len(b), ldb, TileNR32, len(c), ldc)
	if useAsm {
		if k == 0 {
			a, b = c, c // not read
		}
		if use512 {
			gemmTile32AVX512(k, &a[0], &b[0], ldb, &c[0], ldc, alpha, beta, b2i(accum))
			return
		}
		gemmTile32AVX2(k, &a[0], &b[0], ldb, &c[0], ldc, alpha, beta, b2i(accum))
		return
	}
	gemmTile32Go(k, alpha, a, b, ldb, beta, c, ldc, accum)
}

// GemmTile64 is GemmTile32 in double precision, with TileNR64 columns.
func GemmTile64(k int, alpha float64, a, b []float64, ldb int, beta float64, c []float64, ldc int, accum bool) {
	checkTile("GemmTile64", k, len(a), len(b), ldb, TileNR64, len(c), ldc)
	if useAsm {
		if k == 0 {
			a, b = c, c // not read
		}
		if use512 {
			gemmTile64AVX512(k, &a[0], &b[0], ldb, &c[0], ldc, alpha, beta, b2i(accum))
			return
		}
		gemmTile64AVX2(k, &a[0], &b[0], ldb, &c[0], ldc, alpha, beta, b2i(accum))
		return
	}
	gemmTile64Go(k, alpha, a, b, ldb, beta, c, ldc, accum)
}

// GemmTiles32 is GemmTile32 (alpha and beta 1) for mt tiles stacked
// vertically: tile i multiplies the packed micro-panel a[i·TileMR·k:] by
// the same columns of B into the rows of C from i·TileMR on. The slices
// are checked once for all of them, which saves the per-call cost of
// GemmTile32 where a tile is only a few hundred multiply-adds (the
// Winograd products of package tensor).
func GemmTiles32(mt, k int, a, b []float32, ldb int, c []float32, ldc int, accum bool) {
	gemmTiles("GemmTiles32", TileNR32, mt, k, a, b, ldb, c, ldc, accum, gemmTile32Go, tile32Asm())
}

// GemmTiles64 is GemmTiles32 in double precision (GemmTile64's tiles).
func GemmTiles64(mt, k int, a, b []float64, ldb int, c []float64, ldc int, accum bool) {
	gemmTiles("GemmTiles64", TileNR64, mt, k, a, b, ldb, c, ldc, accum, gemmTile64Go, tile64Asm())
}

// GemmGrid32 is GemmTiles32 for nb column blocks side by side: block j
// multiplies the same mt packed panels by the TileNR32 columns of B from
// j·TileNR32 on, into the same columns of C. One call covers all of them,
// which saves a call per tile where a tile is only a few hundred
// multiply-adds (at k = 32 the Go loop over the tiles cost a fifth of their
// time). The results are those of GemmTiles32 block by block.
func GemmGrid32(nb, mt, k int, a, b []float32, ldb int, c []float32, ldc int, accum bool) {
	if nb < 1 {
		panic(fmt.Sprintf("vec: GemmGrid32: %d column blocks", nb))
	}
	checkTiles("GemmGrid32", mt, k, len(a), len(b), ldb, nb*TileNR32, len(c), ldc)
	if !useAsm || k == 0 {
		for j := 0; j < nb; j++ {
			bj := b // not read when k is 0
			if k > 0 {
				bj = b[j*TileNR32:]
			}
			GemmTiles32(mt, k, a, bj, ldb, c[j*TileNR32:], ldc, accum)
		}
		return
	}
	if use512 {
		gemmGrid32AVX512(nb, mt, k, &a[0], &b[0], ldb, &c[0], ldc, b2i(accum))
		return
	}
	gemmGrid32AVX2(nb, mt, k, &a[0], &b[0], ldb, &c[0], ldc, b2i(accum))
}

// tile32Asm is the float32 micro-kernel for this CPU: AVX-512 or AVX2.
func tile32Asm() func(k int, a, b *float32, ldb int, c *float32, ldc int, alpha, beta float32, accum int) {
	if use512 {
		return gemmTile32AVX512
	}
	return gemmTile32AVX2
}

// tile64Asm is tile32Asm in double precision.
func tile64Asm() func(k int, a, b *float64, ldb int, c *float64, ldc int, alpha, beta float64, accum int) {
	if use512 {
		return gemmTile64AVX512
	}
	return gemmTile64AVX2
}

// gemmTiles is GemmTiles32 and GemmTiles64, given the tile width and the
// two paths' kernels.
func gemmTiles[T float32 | float64](name string, nr, mt, k int, a, b []T, ldb int, c []T, ldc int, accum bool,
	goTile func(k int, alpha T, a, b []T, ldb int, beta T, c []T, ldc int, accum bool),
	asmTile func(k int, a, b *T, ldb int, c *T, ldc int, alpha, beta T, accum int)) {
	checkTiles(name, mt, k, len(a), len(b), ldb, nr, len(c), ldc)
	for i := 0; i < mt; i++ {
		ai, ci := a[i*TileMR*k:], c[i*TileMR*ldc:]
		if !useAsm {
			goTile(k, 1, ai, b, ldb, 1, ci, ldc, accum)
			continue
		}
		pa, pb := &ci[0], &ci[0] // not read when k is 0
		if k > 0 {
			pa, pb = &ai[0], &b[0]
		}
		asmTile(k, pa, pb, ldb, &ci[0], ldc, 1, 1, b2i(accum))
	}
}

// checkTiles is checkTile for mt stacked tiles.
func checkTiles(name string, mt, k, na, nb, ldb, nr, nc, ldc int) {
	if mt < 1 {
		panic(fmt.Sprintf("vec: %s: %d tiles", name, mt))
	}
	checkTile(name, k, na-(mt-1)*TileMR*k, nb, ldb, nr, nc-(mt-1)*TileMR*ldc, ldc)
}

// GemmTile32Go is the portable Go version of GemmTile32, which GemmTile32
// runs on CPUs without AVX2 and FMA and under the purego tag; it is
// exported so that callers can test both paths on the same data. Each
// fused multiply-add of the sums is a float64 FMA rounded to float32,
// which equals the single-rounded float32 FMA of the assembly except in
// rare double-rounding cases (an addend more than 2⁵ times the product and
// a float64 result exactly halfway between two float32 values); the final
// fma(alpha, S, beta·C) is rounded exactly once.
func GemmTile32Go(k int, alpha float32, a, b []float32, ldb int, beta float32, c []float32, ldc int, accum bool) {
	checkTile("GemmTile32Go", k, len(a), len(b), ldb, TileNR32, len(c), ldc)
	gemmTile32Go(k, alpha, a, b, ldb, beta, c, ldc, accum)
}

// GemmTile64Go is the portable Go version of GemmTile64, exported for
// tests; its results are bit-identical to the assembly's.
func GemmTile64Go(k int, alpha float64, a, b []float64, ldb int, beta float64, c []float64, ldc int, accum bool) {
	checkTile("GemmTile64Go", k, len(a), len(b), ldb, TileNR64, len(c), ldc)
	gemmTile64Go(k, alpha, a, b, ldb, beta, c, ldc, accum)
}

func b2i(v bool) int {
	if v {
		return 1
	}
	return 0
}

func checkTile(name string, k, na, nb, ldb, nr, nc, ldc int) {
	if k < 0 || ldb < nr || ldc < nr {
		panic(fmt.Sprintf("vec: %s: k %d, ldb %d, ldc %d (at least %d)", name, k, ldb, ldc, nr))
	}
	if na < TileMR*k {
		panic(fmt.Sprintf("vec: %s: packed A has %d elements, needs %d", name, na, TileMR*k))
	}
	if k > 0 && nb < (k-1)*ldb+nr {
		panic(fmt.Sprintf("vec: %s: B has %d elements, needs %d", name, nb, (k-1)*ldb+nr))
	}
	if need := (TileMR-1)*ldc + nr; nc < need {
		panic(fmt.Sprintf("vec: %s: C has %d elements, needs %d", name, nc, need))
	}
}

// gemmTile32Go computes the tile two rows and four columns at a time, the
// eight sums in registers; the order of every sum is that of the assembly.
func gemmTile32Go(k int, alpha float32, a, b []float32, ldb int, beta float32, c []float32, ldc int, accum bool) {
	a = a[:TileMR*k]
	for r := 0; r < TileMR; r += 2 {
		for j := 0; j < TileNR32; j += 4 {
			var s0, s1, s2, s3, t0, t1, t2, t3 float32
			for p := 0; p < k; p++ {
				ap := a[TileMR*p+r : TileMR*p+r+2 : TileMR*p+r+2]
				a0, a1 := float64(ap[0]), float64(ap[1])
				bp := b[ldb*p+j : ldb*p+j+4 : ldb*p+j+4]
				b0, b1, b2, b3 := float64(bp[0]), float64(bp[1]), float64(bp[2]), float64(bp[3])
				s0 = float32(math.FMA(a0, b0, float64(s0)))
				s1 = float32(math.FMA(a0, b1, float64(s1)))
				s2 = float32(math.FMA(a0, b2, float64(s2)))
				s3 = float32(math.FMA(a0, b3, float64(s3)))
				t0 = float32(math.FMA(a1, b0, float64(t0)))
				t1 = float32(math.FMA(a1, b1, float64(t1)))
				t2 = float32(math.FMA(a1, b2, float64(t2)))
				t3 = float32(math.FMA(a1, b3, float64(t3)))
			}
			for h, sums := range [2][4]float32{{s0, s1, s2, s3}, {t0, t1, t2, t3}} {
				out := c[(r+h)*ldc+j : (r+h)*ldc+j+4 : (r+h)*ldc+j+4]
				for i, s := range sums {
					if accum {
						out[i] = fma32(alpha, s, beta*out[i])
					} else {
						out[i] = alpha * s
					}
				}
			}
		}
	}
}

// gemmTile64Go is gemmTile32Go in double precision, where math.FMA is
// exactly the assembly's fused multiply-add.
func gemmTile64Go(k int, alpha float64, a, b []float64, ldb int, beta float64, c []float64, ldc int, accum bool) {
	a = a[:TileMR*k]
	for r := 0; r < TileMR; r += 2 {
		for j := 0; j < TileNR64; j += 4 {
			var s0, s1, s2, s3, t0, t1, t2, t3 float64
			for p := 0; p < k; p++ {
				ap := a[TileMR*p+r : TileMR*p+r+2 : TileMR*p+r+2]
				a0, a1 := ap[0], ap[1]
				bp := b[ldb*p+j : ldb*p+j+4 : ldb*p+j+4]
				b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
				s0 = math.FMA(a0, b0, s0)
				s1 = math.FMA(a0, b1, s1)
				s2 = math.FMA(a0, b2, s2)
				s3 = math.FMA(a0, b3, s3)
				t0 = math.FMA(a1, b0, t0)
				t1 = math.FMA(a1, b1, t1)
				t2 = math.FMA(a1, b2, t2)
				t3 = math.FMA(a1, b3, t3)
			}
			for h, sums := range [2][4]float64{{s0, s1, s2, s3}, {t0, t1, t2, t3}} {
				out := c[(r+h)*ldc+j : (r+h)*ldc+j+4 : (r+h)*ldc+j+4]
				for i, s := range sums {
					if accum {
						out[i] = math.FMA(alpha, s, beta*out[i])
					} else {
						out[i] = alpha * s
					}
				}
			}
		}
	}
}
