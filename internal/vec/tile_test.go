package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// tileKs are the inner dimensions the tile tests use: empty, the unrolled
// loop's remainders on both sides of its step of four, and a cache block
// of the blas package's GEMM and one past it.
var tileKs = []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 31, 256, 257}

// TestGemmTile64 checks both paths of GemmTile64 bit for bit against an
// operation-by-operation model (math.FMA in order of p, then the final
// fused multiply-add or product), for both modes, with B packed or strided
// and C inside a wider matrix whose other elements must stay untouched.
func TestGemmTile64(t *testing.T) {
	tilePaths(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(21, 22))
		for _, k := range tileKs {
			for _, accum := range []bool{false, true} {
				const ldc = TileNR64 + 3
				// Packed B (ldb = the tile width), or rows of a wider matrix.
				ldb := TileNR64
				if accum {
					ldb += 7
				}
				a, b := make([]float64, TileMR*k), make([]float64, max(0, (k-1)*ldb+TileNR64))
				for i := range a {
					a[i] = rng.NormFloat64()
				}
				for i := range b {
					b[i] = rng.NormFloat64()
				}
				c := make([]float64, TileMR*ldc)
				for i := range c {
					c[i] = rng.NormFloat64()
				}
				if !accum {
					c[0] = math.NaN() // overwritten, never read
				}
				alpha, beta := 0.75, -1.25
				want := append([]float64(nil), c...)
				for r := range TileMR {
					for j := range TileNR64 {
						var s float64
						for p := range k {
							s = math.FMA(a[TileMR*p+r], b[ldb*p+j], s)
						}
						if accum {
							want[r*ldc+j] = math.FMA(alpha, s, beta*want[r*ldc+j])
						} else {
							want[r*ldc+j] = alpha * s
						}
					}
				}
				GemmTile64(k, alpha, a, b, ldb, beta, c, ldc, accum)
				for i := range c {
					if math.Float64bits(c[i]) != math.Float64bits(want[i]) {
						t.Fatalf("k=%d accum=%v: c[%d] = %v, want %v", k, accum, i, c[i], want[i])
					}
				}
			}
		}
	})
}

// TestGemmTile32 is TestGemmTile64 in single precision: the model rounds
// every fused multiply-add once to float32 (bigFMA32), as VFMADD231PS
// does.
func TestGemmTile32(t *testing.T) {
	tilePaths(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(23, 24))
		for _, k := range tileKs {
			for _, accum := range []bool{false, true} {
				const ldc = TileNR32 + 5
				// Packed B (ldb = the tile width), or rows of a wider matrix.
				ldb := TileNR32
				if accum {
					ldb += 7
				}
				a, b := make([]float32, TileMR*k), make([]float32, max(0, (k-1)*ldb+TileNR32))
				for i := range a {
					a[i] = float32(rng.NormFloat64())
				}
				for i := range b {
					b[i] = float32(rng.NormFloat64())
				}
				c := make([]float32, TileMR*ldc)
				for i := range c {
					c[i] = float32(rng.NormFloat64())
				}
				if !accum {
					c[ldc+3] = float32(math.NaN())
				}
				alpha, beta := float32(-1.5), float32(0.375)
				want := append([]float32(nil), c...)
				for r := range TileMR {
					for j := range TileNR32 {
						var s float32
						for p := range k {
							s = bigFMA32(a[TileMR*p+r], b[ldb*p+j], s)
						}
						if accum {
							want[r*ldc+j] = bigFMA32(alpha, s, beta*want[r*ldc+j])
						} else {
							want[r*ldc+j] = alpha * s
						}
					}
				}
				GemmTile32(k, alpha, a, b, ldb, beta, c, ldc, accum)
				for i := range c {
					if math.Float32bits(c[i]) != math.Float32bits(want[i]) {
						t.Fatalf("k=%d accum=%v: c[%d] = %v, want %v", k, accum, i, c[i], want[i])
					}
				}
			}
		}
	})
}

// TestGemmTileGoExported checks that the exported Go versions give the
// dispatching functions' bits (on this machine, the assembly's).
func TestGemmTileGoExported(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	const k = 67
	a, b := make([]float64, TileMR*k), make([]float64, TileNR64*k)
	a32, b32 := make([]float32, TileMR*k), make([]float32, TileNR32*k)
	for i := range a {
		a[i] = rng.NormFloat64()
		a32[i] = float32(a[i])
	}
	for i := range b {
		b[i] = rng.NormFloat64()
	}
	for i := range b32 {
		b32[i] = float32(rng.NormFloat64())
	}
	c1, c2 := make([]float64, TileMR*TileNR64), make([]float64, TileMR*TileNR64)
	GemmTile64(k, 2, a, b, TileNR64, 0, c1, TileNR64, false)
	GemmTile64Go(k, 2, a, b, TileNR64, 0, c2, TileNR64, false)
	d1, d2 := make([]float32, TileMR*TileNR32), make([]float32, TileMR*TileNR32)
	GemmTile32(k, 2, a32, b32, TileNR32, 0, d1, TileNR32, false)
	GemmTile32Go(k, 2, a32, b32, TileNR32, 0, d2, TileNR32, false)
	for i := range c1 {
		if c1[i] != c2[i] {
			t.Fatalf("GemmTile64 and GemmTile64Go differ at %d: %v, %v", i, c1[i], c2[i])
		}
	}
	for i := range d1 {
		if d1[i] != d2[i] {
			t.Fatalf("GemmTile32 and GemmTile32Go differ at %d: %v, %v", i, d1[i], d2[i])
		}
	}
}

// TestGemmTileShortSlices checks that too-short operands panic with a
// message naming the operand.
func TestGemmTileShortSlices(t *testing.T) {
	for _, tc := range []struct {
		name   string
		f      func()
		substr string
	}{
		{"A", func() {
			GemmTile64(3, 1, make([]float64, 17), make([]float64, 24), 8, 0, make([]float64, 48), 8, false)
		}, "packed A"},
		{"B", func() {
			GemmTile32(3, 1, make([]float32, 18), make([]float32, 47), 16, 0, make([]float32, 96), 16, false)
		}, "B has 47"},
		{"C", func() {
			GemmTile32Go(1, 1, make([]float32, 6), make([]float32, 16), 16, 0, make([]float32, 95), 16, false)
		}, "C has 95"},
		{"ldc", func() {
			GemmTile64Go(1, 1, make([]float64, 6), make([]float64, 8), 8, 0, make([]float64, 48), 7, false)
		}, "ldc 7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), tc.substr) {
					t.Fatalf("panic %v, want one mentioning %q", r, tc.substr)
				}
			}()
			tc.f()
		})
	}
}

// TestGemmTiles checks GemmTiles32 and GemmTiles64, on both paths, bit for
// bit against GemmTile32 and GemmTile64 called tile by tile (alpha and beta
// 1), with C's rows wider than the tiles and the elements beside them left
// untouched; and that a C too short for the last tile panics.
func TestGemmTiles(t *testing.T) {
	tilePaths(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(41, 42))
		for _, mt := range []int{1, 2, 5} {
			for _, k := range []int{0, 1, 7, 32} {
				for _, accum := range []bool{false, true} {
					name := fmt.Sprintf("mt=%d k=%d accum=%v", mt, k, accum)
					checkGemmTiles(t, rng, "float32 "+name, mt, k, TileNR32, 5, 3, accum, GemmTile32, GemmTiles32)
					checkGemmTiles(t, rng, "float64 "+name, mt, k, TileNR64, 2, 1, accum, GemmTile64, GemmTiles64)
				}
			}
		}
	})
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "C has") {
			t.Fatalf("panic %v, want one about C", r)
		}
	}()
	GemmTiles32(2, 1, make([]float32, 12), make([]float32, 16), 16, make([]float32, 2*TileMR*16-1), 16, false)
}

// checkGemmTiles runs one case of TestGemmTiles: B's rows bpad and C's
// cpad wider than the tile.
func checkGemmTiles[T float32 | float64](t *testing.T, rng *rand.Rand, name string, mt, k, nr, bpad, cpad int, accum bool,
	tile func(k int, alpha T, a, b []T, ldb int, beta T, c []T, ldc int, accum bool),
	tiles func(mt, k int, a, b []T, ldb int, c []T, ldc int, accum bool)) {
	t.Helper()
	fill := func(n int) []T {
		v := make([]T, n)
		for i := range v {
			v[i] = T(rng.NormFloat64())
		}
		return v
	}
	ldb, ldc := nr+bpad, nr+cpad
	a, b, c := fill(mt*TileMR*k), fill(max(1, k)*ldb), fill(mt*TileMR*ldc)
	want := append([]T(nil), c...)
	for i := 0; i < mt; i++ {
		tile(k, 1, a[i*TileMR*k:], b, ldb, 1, want[i*TileMR*ldc:], ldc, accum)
	}
	tiles(mt, k, a, b, ldb, c, ldc, accum)
	for i := range c {
		if math.Float64bits(float64(c[i])) != math.Float64bits(float64(want[i])) { // exact in float64, −0 included
			t.Fatalf("%s: element %d is %v, want %v", name, i, c[i], want[i])
		}
	}
}

// TestGemmGrid32 checks GemmGrid32 on both paths against GemmTile32 tile
// by tile (alpha and beta 1), bit for bit, for grids of 1 to 5 column
// blocks and 1 to 3 panels, and that nothing of C outside the grid is
// written.
func TestGemmGrid32(t *testing.T) {
	tilePaths(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(27, 28))
		for _, k := range tileKs {
			for _, nb := range []int{1, 2, 5} {
				for _, mt := range []int{1, 3} {
					for _, accum := range []bool{false, true} {
						ldb, ldc := nb*TileNR32+3, nb*TileNR32+5
						a := make([]float32, mt*TileMR*k)
						b := make([]float32, max(0, (k-1)*ldb+nb*TileNR32))
						c := make([]float32, mt*TileMR*ldc+7)
						for _, s := range [][]float32{a, b, c} {
							for i := range s {
								s[i] = float32(rng.NormFloat64())
							}
						}
						want := append([]float32(nil), c...)
						for i := range mt {
							for j := range nb {
								bj := b
								if k > 0 {
									bj = b[j*TileNR32:]
								}
								GemmTile32(k, 1, a[i*TileMR*k:], bj, ldb, 1, want[i*TileMR*ldc+j*TileNR32:], ldc, accum)
							}
						}
						GemmGrid32(nb, mt, k, a, b, ldb, c, ldc, accum)
						for i := range c {
							if math.Float32bits(c[i]) != math.Float32bits(want[i]) {
								t.Fatalf("k=%d nb=%d mt=%d accum=%v: c[%d] = %v, want %v", k, nb, mt, accum, i, c[i], want[i])
							}
						}
					}
				}
			}
		}
	})
}
