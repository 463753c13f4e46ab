package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestGemm4x8 checks the block against a plain sum, on both paths, for
// transposed and non-transposed A, and that both paths give the same bits.
func TestGemm4x8(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, k := range []int{0, 1, 2, 7, 50} {
		for _, trans := range []bool{false, true} {
			const ldb, ldc = 11, 9
			a := make([]float64, 4*k+8*k+4)
			for i := range a {
				a[i] = rng.NormFloat64()
			}
			ai, ap := k+1, 1 // rows of A, padded
			if trans {
				ai, ap = 1, 5
			}
			b := make([]float64, max(k, 1)*ldb)
			for i := range b {
				b[i] = rng.NormFloat64()
			}
			c0 := make([]float64, 4*ldc)
			for i := range c0 {
				c0[i] = rng.NormFloat64()
			}
			alpha := 0.75
			var results [][]float64
			for _, asm := range []bool{false, true} {
				if asm && !haveAsm {
					continue
				}
				saved := useAsm
				useAsm = asm
				c := append([]float64(nil), c0...)
				Gemm4x8(k, alpha, a, ai, ap, b, ldb, c, ldc)
				useAsm = saved
				for r := 0; r < 4; r++ {
					for j := 0; j < 8; j++ {
						var s float64
						for p := 0; p < k; p++ {
							s += a[r*ai+p*ap] * b[p*ldb+j]
						}
						want := c0[r*ldc+j] + alpha*s
						if d := math.Abs(c[r*ldc+j] - want); d > 1e-12*(1+math.Abs(want)) {
							t.Fatalf("k %d trans %v asm %v: C[%d][%d] = %g, want %g", k, trans, asm, r, j, c[r*ldc+j], want)
						}
					}
					// Columns past the block are untouched.
					if c[r*ldc+8] != c0[r*ldc+8] {
						t.Fatalf("k %d: column 8 of row %d changed", k, r)
					}
				}
				results = append(results, c)
			}
			if len(results) == 2 {
				for i := range results[0] {
					if results[0][i] != results[1][i] {
						t.Fatalf("k %d trans %v: the paths differ at %d: %v vs %v", k, trans, i, results[0][i], results[1][i])
					}
				}
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("an out-of-range B did not panic")
		}
	}()
	Gemm4x8(3, 1, make([]float64, 100), 10, 1, make([]float64, 10), 8, make([]float64, 40), 8)
}

func BenchmarkGemm4x8(b *testing.B) {
	const k = 50
	a := make([]float64, 4*k)
	bb := make([]float64, k*8)
	c := make([]float64, 32)
	for b.Loop() {
		Gemm4x8(k, 1, a, k, 1, bb, 8, c, 8)
	}
	b.ReportMetric(float64(2*32*k)*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "GFLOPS")
}

// TestGemm4x8Tiles checks the grid of blocks against Gemm4x8 called per
// block (bit for bit, on each path) and the two paths against each other.
func TestGemm4x8Tiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, sz := range [][3]int{{1, 1, 0}, {1, 1, 1}, {5, 6, 2}, {2, 3, 20}, {3, 1, 50}} {
		mt, nt, k := sz[0], sz[1], sz[2]
		ldb, ldc := 8*nt+3, 8*nt+1
		for _, trans := range []bool{false, true} {
			ai, ap := k+2, 1
			if trans {
				ai, ap = 1, 4*mt+1
			}
			a := make([]float64, (4*mt)*ai+k*ap+1)
			b := make([]float64, max(k, 1)*ldb)
			c0 := make([]float64, 4*mt*ldc)
			for _, s := range [][]float64{a, b, c0} {
				for i := range s {
					s[i] = rng.NormFloat64()
				}
			}
			var results [][]float64
			for _, asm := range []bool{false, true} {
				if asm && !haveAsm {
					continue
				}
				saved := useAsm
				useAsm = asm
				c, want := append([]float64(nil), c0...), append([]float64(nil), c0...)
				Gemm4x8Tiles(mt, nt, k, -1.25, a, ai, ap, b, ldb, c, ldc)
				for r := 0; r < mt; r++ {
					for s := 0; s < nt; s++ {
						Gemm4x8(k, -1.25, a[4*r*ai:], ai, ap, b[8*s:], ldb, want[4*r*ldc+8*s:], ldc)
					}
				}
				useAsm = saved
				for i := range c {
					if c[i] != want[i] {
						t.Fatalf("%v trans %v asm %v: element %d = %v, Gemm4x8 per block gives %v", sz, trans, asm, i, c[i], want[i])
					}
				}
				results = append(results, c)
			}
			if len(results) == 2 {
				for i := range results[0] {
					if results[0][i] != results[1][i] {
						t.Fatalf("%v trans %v: the paths differ at %d", sz, trans, i)
					}
				}
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("an out-of-range C did not panic")
		}
	}()
	Gemm4x8Tiles(2, 1, 1, 1, make([]float64, 100), 1, 1, make([]float64, 8), 8, make([]float64, 60), 8)
}

// TestDots checks Dots against a plain sum, that both paths give the same
// bits for every remainder of k, and that C outside the m×n block is kept.
func TestDots(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, k := range []int{0, 1, 3, 4, 5, 7, 8, 12, 13, 16, 50} {
		const m, n, lda, ldb, ldc = 5, 3, 53, 51, 4
		a := make([]float64, m*lda)
		b := make([]float64, n*ldb)
		c0 := make([]float64, m*ldc)
		for _, s := range [][]float64{a, b, c0} {
			for i := range s {
				s[i] = rng.NormFloat64()
			}
		}
		var results [][]float64
		for _, asm := range []bool{false, true} {
			if asm && !haveAsm {
				continue
			}
			saved := useAsm
			useAsm = asm
			c := append([]float64(nil), c0...)
			Dots(m, n, k, 0.5, a, lda, b, ldb, c, ldc)
			useAsm = saved
			for i := 0; i < m; i++ {
				for j := 0; j < ldc; j++ {
					want := c0[i*ldc+j]
					if j < n {
						var s float64
						for p := 0; p < k; p++ {
							s += a[i*lda+p] * b[j*ldb+p]
						}
						want += 0.5 * s
					}
					if d := math.Abs(c[i*ldc+j] - want); d > 1e-12*(1+math.Abs(want)) {
						t.Fatalf("k %d asm %v: C[%d][%d] = %g, want %g", k, asm, i, j, c[i*ldc+j], want)
					}
				}
			}
			results = append(results, c)
		}
		if len(results) == 2 {
			for i := range results[0] {
				if results[0][i] != results[1][i] {
					t.Fatalf("k %d: the paths differ at %d: %v vs %v", k, i, results[0][i], results[1][i])
				}
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("an out-of-range B did not panic")
		}
	}()
	Dots(2, 2, 4, 1, make([]float64, 8), 4, make([]float64, 7), 4, make([]float64, 4), 2)
}

// TestGemm2x16Tiles checks the two-row blocks against a plain sum, that
// both paths give the same bits, and that C outside the blocks is kept.
func TestGemm2x16Tiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, sz := range [][2]int{{1, 0}, {1, 1}, {3, 20}, {2, 7}} {
		nt, k := sz[0], sz[1]
		ldb, ldc := 16*nt+3, 16*nt+2
		for _, trans := range []bool{false, true} {
			ai, ap := k+1, 1
			if trans {
				ai, ap = 1, 3
			}
			a := make([]float64, 2*ai+k*ap+2)
			b := make([]float64, max(k, 1)*ldb)
			c0 := make([]float64, 2*ldc)
			for _, s := range [][]float64{a, b, c0} {
				for i := range s {
					s[i] = rng.NormFloat64()
				}
			}
			var results [][]float64
			for _, asm := range []bool{false, true} {
				if asm && !haveAsm {
					continue
				}
				saved := useAsm
				useAsm = asm
				c := append([]float64(nil), c0...)
				Gemm2x16Tiles(nt, k, 0.5, a, ai, ap, b, ldb, c, ldc)
				useAsm = saved
				for r := 0; r < 2; r++ {
					for j := 0; j < ldc; j++ {
						want := c0[r*ldc+j]
						if j < 16*nt {
							var s float64
							for p := 0; p < k; p++ {
								s += a[r*ai+p*ap] * b[p*ldb+j]
							}
							want += 0.5 * s
						}
						if d := math.Abs(c[r*ldc+j] - want); d > 1e-12*(1+math.Abs(want)) {
							t.Fatalf("%v trans %v asm %v: C[%d][%d] = %g, want %g", sz, trans, asm, r, j, c[r*ldc+j], want)
						}
					}
				}
				results = append(results, c)
			}
			if len(results) == 2 {
				for i := range results[0] {
					if results[0][i] != results[1][i] {
						t.Fatalf("%v trans %v: the paths differ at %d", sz, trans, i)
					}
				}
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("an out-of-range C did not panic")
		}
	}()
	Gemm2x16Tiles(1, 1, 1, make([]float64, 4), 1, 1, make([]float64, 16), 16, make([]float64, 20), 16)
}

// TestGemmEdges checks the masked edge blocks against a plain sum, that
// both paths give the same bits, and that nothing past the edge is
// written. B and C end exactly at the edge, so a read past it would fault
// or show.
func TestGemmEdges(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, four := range []bool{true, false} {
		maxCols := 16
		if four {
			maxCols = 8
		}
		for cols := 1; cols <= maxCols; cols++ {
			for _, k := range []int{0, 1, 3, 20} {
				rows, mt := 2, 1
				if four {
					mt = 2
					rows = 4 * mt
				}
				ldb, ldc := cols+5, cols+3
				ai, ap := 1, rows
				a := make([]float64, rows*max(k, 1))
				b := make([]float64, max(k-1, 0)*ldb+cols)
				c0 := make([]float64, (rows-1)*ldc+cols)
				for _, s := range [][]float64{a, b, c0} {
					for i := range s {
						s[i] = rng.NormFloat64()
					}
				}
				var results [][]float64
				for _, asm := range []bool{false, true} {
					if asm && !haveAsm {
						continue
					}
					saved := useAsm
					useAsm = asm
					c := append([]float64(nil), c0...)
					if four {
						Gemm4x8Edge(mt, cols, k, 1.5, a, ai, ap, b, ldb, c, ldc)
					} else {
						Gemm2x16Edge(cols, k, 1.5, a, ai, ap, b, ldb, c, ldc)
					}
					useAsm = saved
					for r := 0; r < rows; r++ {
						for j := 0; j < ldc && r*ldc+j < len(c); j++ {
							want := c0[r*ldc+j]
							if j < cols {
								var s float64
								for p := 0; p < k; p++ {
									s += a[r*ai+p*ap] * b[p*ldb+j]
								}
								want += 1.5 * s
							}
							if d := math.Abs(c[r*ldc+j] - want); d > 1e-12*(1+math.Abs(want)) {
								t.Fatalf("four %v cols %d k %d asm %v: C[%d][%d] = %g, want %g", four, cols, k, asm, r, j, c[r*ldc+j], want)
							}
						}
					}
					results = append(results, c)
				}
				if len(results) == 2 {
					for i := range results[0] {
						if results[0][i] != results[1][i] {
							t.Fatalf("four %v cols %d k %d: the paths differ at %d", four, cols, k, i)
						}
					}
				}
			}
		}
	}
}

// TestGemmTilesEmptyOperands checks that with k = 0 the blocks read
// neither A nor B, which may then be empty, on both paths: C becomes C.
func TestGemmTilesEmptyOperands(t *testing.T) {
	for _, asm := range []bool{false, true} {
		if asm && !haveAsm {
			continue
		}
		saved := useAsm
		useAsm = asm
		c := make([]float64, 2*4*16)
		for i := range c {
			c[i] = float64(i)
		}
		Gemm4x8Tiles(2, 2, 0, 1, nil, 3, 1, nil, 16, c, 16)
		Gemm2x16Tiles(1, 0, 1, nil, 3, 1, nil, 16, c, 16)
		useAsm = saved
		for i, v := range c {
			if v != float64(i) {
				t.Fatalf("asm %v: element %d changed to %v", asm, i, v)
			}
		}
	}
}

// TestLinear2 checks Linear2 on both paths, bit for bit, against its
// definition (products summed from zero by fused multiply-adds, then the
// bias), for every width up to 21 and a few heights, with and without a
// bias, with signed zeros among the inputs.
func TestLinear2(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	for _, m := range []int{1, 2, 3, 5, 20} {
		for n := 0; n <= 21; n++ {
			x, w, b := make([]float64, 2*m), make([]float64, 2*n), make([]float64, n)
			for i := range x {
				x[i] = rng.NormFloat64()
				if rng.IntN(6) == 0 {
					x[i] = math.Copysign(0, -1)
				}
			}
			for i := range w {
				w[i] = rng.NormFloat64()
			}
			for i := range b {
				b[i] = rng.NormFloat64()
				if rng.IntN(4) == 0 {
					b[i] = math.Copysign(0, float64(rng.IntN(2)*2-1))
				}
			}
			for _, bias := range [][]float64{b, nil} {
				for _, asm := range []bool{false, true} {
					if asm && !haveAsm {
						continue
					}
					saved := useAsm
					useAsm = asm
					y := make([]float64, m*n)
					Linear2(y, x, w, bias, m, n)
					useAsm = saved
					for i := 0; i < m; i++ {
						for j := 0; j < n; j++ {
							acc := math.FMA(x[2*i+1], w[2*j+1], math.FMA(x[2*i], w[2*j], 0))
							var bj float64
							if bias != nil {
								bj = bias[j]
							}
							if want := acc + bj; math.Float64bits(y[i*n+j]) != math.Float64bits(want) {
								t.Fatalf("m %d n %d bias %v asm %v: y[%d,%d] = %v, want %v", m, n, bias != nil, asm, i, j, y[i*n+j], want)
							}
						}
					}
				}
			}
		}
	}
}
