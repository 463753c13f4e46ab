package tensor

import "github.com/acaode/aca/internal/vec"

// The Winograd path's products on internal/vec's micro-tiles.
//
// The 16 products of a chunk are small (O×C by C×T with T ≤ winoCap tiles:
// 32×32 by 32×196 in the image ODE block) and a BLAS spends much of their
// time around its kernel: OpenBLAS, on AMD EPYC (Zen 3), spent 39 % of a
// conv ODE block's training step in sgemm, of which a third was packing
// and clearing C (sgemm_beta, sgemm_*copy), not multiplying. The forward
// product and the input gradient's multiply in place instead: the
// transformed tiles are already row-major with contiguous tiles, the
// layout in which the micro-kernel reads B, so only the small weight
// operand is packed (once per convolution), and C is written without being
// cleared first. On that machine this took the forward pass of the image
// ODE block (batch 32, 32→32 channels, 28×28) from 8.5 to 7.0 ms on one
// thread and from 6.2 to 4.0 ms on two (BenchmarkWinogradTiles, medians of
// 3), and its backward pass from 15.1 to 14.6 and 8.3 to 8.2 ms (medians
// of 5), before the transforms were vectorised. The weight gradient's
// products, whose inner dimension is the tiles, are dot products in place
// instead (winoWeightDots): packing both of their operands for the tiles
// made the backward pass 25 % slower than OpenBLAS.
//
// Each sum of the tiles is accumulated by fused multiply-adds in order of
// the inner index, and the weight gradient's dot products in a fixed order
// of their own (vec.WinoDots32), so results depend on the shape only,
// never on the thread count.
// The path needs the AVX2/FMA micro-kernels; elsewhere (other CPUs, the
// purego tag) the products go to the BLAS as before.

// winoTiles reports whether the Winograd products run on the micro-tiles
// (a variable so that tests can compare both paths).
var winoTiles = vec.HasAVX2()

// tileNR is the micro-tile's width in columns for T.
func tileNR[T float]() int {
	var z T
	if _, ok := any(z).(float32); ok {
		return vec.TileNR32
	}
	return vec.TileNR64
}

// tileKernel runs mt micro-tiles stacked vertically (vec.GemmTiles32):
// C(r, j) = S(r, j) (accum false) or S(r, j) + C(r, j) rounded once (accum
// true) for r < mt·vec.TileMR and j < tileNR, with
// S = Σ_p A(r, p)·b[ldb·p + j], A packed by packPanels.
func tileKernel[T float](mt, k int, a, b []T, ldb int, c []T, ldc int, accum bool) {
	switch a := any(a).(type) {
	case []float32:
		vec.GemmTiles32(mt, k, a, any(b).([]float32), ldb, any(c).([]float32), ldc, accum)
	case []float64:
		vec.GemmTiles64(mt, k, a, any(b).([]float64), ldb, any(c).([]float64), ldc, accum)
	}
}

// tilePanels is the number of TileMR-row panels of an m-row matrix.
func tilePanels(m int) int { return (m + vec.TileMR - 1) / vec.TileMR }

// packPanels writes the m×k matrix A(r, p) = a[r·rs + p·ps] as TileMR-row
// panels, panel i at dst[i·TileMR·k:], A(i·TileMR + r, p) at
// [TileMR·p + r], with zero rows beyond m. dst needs tilePanels(m)·TileMR·k
// values.
func packPanels[T float](dst, a []T, m, k, rs, ps int) {
	const mr = vec.TileMR
	for i0 := 0; i0 < m; i0 += mr {
		d := dst[i0*k : (i0+mr)*k]
		rows := min(mr, m-i0)
		for p := 0; p < k; p++ {
			dp := d[mr*p : mr*p+mr]
			for r := 0; r < rows; r++ {
				dp[r] = a[(i0+r)*rs+p*ps]
			}
			clear(dp[rows:])
		}
	}
}

// tileMul sets C = A·B (accum false) or adds A·B to C (accum true) for the
// m×n result C(i, j) = c[i·ldc + j], A packed by packPanels (m×k) and B
// row-major, B(p, j) = b[p·ldb + j]: the kernel reads tileNR columns of
// every block of them, also of the last one when n is not a multiple of
// tileNR, so b must hold them (their values only reach columns of C that
// are not stored). Partial tiles at the
// bottom and right edges go through tmp (TileMR·nr values). Column blocks
// are the outer loop, so that a block of B stays in the L1 cache while
// every panel of A passes over it. (The Winograd passes call winoMul,
// which in float32 runs the whole grid in one call instead.)
func tileMul[T float](m, n, k int, ap, b []T, ldb int, c []T, ldc int, accum bool, tmp []T) {
	const mr = vec.TileMR
	nr := tileNR[T]()
	full := m / mr // panels without padding rows
	for j0 := 0; j0 < n; j0 += nr {
		bj := b[j0:]
		cols := min(nr, n-j0)
		i0 := 0
		if cols == nr && full > 0 {
			tileKernel(full, k, ap, bj, ldb, c[j0:], ldc, accum)
			i0 = full * mr
		}
		for ; i0 < m; i0 += mr {
			a := ap[i0*k : (i0+mr)*k]
			rows := min(mr, m-i0)
			if accum {
				for r := 0; r < rows; r++ {
					copy(tmp[r*nr:r*nr+cols], c[(i0+r)*ldc+j0:])
				}
			}
			tileKernel(1, k, a, bj, ldb, tmp, nr, accum)
			for r := 0; r < rows; r++ {
				copy(c[(i0+r)*ldc+j0:(i0+r)*ldc+j0+cols], tmp[r*nr:])
			}
		}
	}
}

// winoMul sets C = A·B for a Winograd product on the micro-tiles (A packed
// by packPanels, m×k; B and C with row stride ld). In float32 it runs every
// tile of the grid, the padding rows of A's last panel and the columns of
// the last block beyond n included, in one call (vec.GemmGrid32), straight
// into C: c must have room for tilePanels(m)·TileMR rows and n rounded up to
// TileNR32 columns (see newWinoScratch), and b must hold those columns. What
// lands in the padding is never read. Against tileMul, which runs the edge
// tiles one by one through tmp, this took the forward pass of 32→32
// channels on 28×28 (batch 32, OpenBLAS build, AMD EPYC Zen 3, medians of
// five alternated runs) from 6.60 to 6.00 ms on one thread and from 4.19
// to 3.65 on two. In float64 it is tileMul.
func winoMul[T float](m, n, k int, ap, b []T, ld int, c, tmp []T) {
	if a32, ok := any(ap).([]float32); ok {
		nb := (n + vec.TileNR32 - 1) / vec.TileNR32
		vec.GemmGrid32(nb, tilePanels(m), k, a32, any(b).([]float32), ld, any(c).([]float32), ld, false)
		return
	}
	tileMul(m, n, k, ap, b, ld, c, ld, false, tmp)
}
