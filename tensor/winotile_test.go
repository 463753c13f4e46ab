package tensor

import (
	"fmt"
	"math"
	"testing"

	"github.com/acaode/aca/internal/scratch"
	"github.com/acaode/aca/internal/vec"
)

// withWinoTiles runs f with the Winograd products on the micro-tiles (on)
// or on the BLAS, and restores the default.
func withWinoTiles(on bool, f func()) {
	defer func(old bool) { winoTiles = old }(winoTiles)
	winoTiles = on
	f()
}

// tileSettings are the product paths this machine can run.
func tileSettings() []bool {
	if vec.HasAVX2() {
		return []bool{false, true}
	}
	return []bool{false}
}

// TestTileMul checks tileMul against a plain float64 sum on sizes with
// partial panels and partial column blocks at every edge, m and n below a
// tile, k = 0 and 1, setting and adding, in both dtypes; and that it writes
// nothing outside the m×n result (guard values around and between rows).
func TestTileMul(t *testing.T) {
	if !vec.HasAVX2() {
		t.Skip("the tile path needs AVX2 and FMA (the products take the BLAS here; TestConv2dWinograd covers them)")
	}
	t.Run("float32", func(t *testing.T) { testTileMul[float32](t, 2e-6) })
	t.Run("float64", func(t *testing.T) { testTileMul[float64](t, 1e-14) })
}

func testTileMul[T float](t *testing.T, tol float64) {
	rng := testRNG(7)
	nr := tileNR[T]()
	for _, sz := range [][3]int{{1, 1, 1}, {6, 16, 32}, {5, 3, 7}, {7, 17, 0}, {13, 33, 1}, {32, 196, 32}, {12, 8, 9}, {19, 41, 64}} {
		m, n, k := sz[0], sz[1], sz[2]
		for _, accum := range []bool{false, true} {
			name := fmt.Sprintf("m=%d n=%d k=%d accum=%v", m, n, k, accum)
			// A is m×k at an odd row stride; B is k×n at row stride ldb,
			// with the columns up to the next block readable (garbage).
			lda, ldb, ldc := k+3, (n+nr-1)/nr*nr+5, n+4
			a := make([]T, m*lda)
			b := make([]T, max(1, k)*ldb)
			for i := range a {
				a[i] = T(rng.Float64()*2 - 1)
			}
			for i := range b {
				b[i] = T(rng.Float64()*2 - 1)
			}
			const guard = -7.25
			c := make([]T, (m+1)*ldc)
			for i := range c {
				c[i] = guard
			}
			for i := 0; i < m; i++ {
				for j := 0; j < n; j++ {
					c[i*ldc+j] = T(rng.Float64()*2 - 1)
				}
			}
			want := make([]float64, m*n)
			for i := 0; i < m; i++ {
				for j := 0; j < n; j++ {
					s := 0.0
					for p := 0; p < k; p++ {
						s += float64(a[i*lda+p]) * float64(b[p*ldb+j])
					}
					if accum {
						s += float64(c[i*ldc+j])
					}
					want[i*n+j] = s
				}
			}
			ap := make([]T, tilePanels(m)*vec.TileMR*k)
			packPanels(ap, a, m, k, lda, 1)
			var tmp [vec.TileMR * vec.TileNR32]T
			tileMul(m, n, k, ap, b, ldb, c, ldc, accum, tmp[:])
			for i := 0; i <= m; i++ {
				for j := 0; j < ldc; j++ {
					got := float64(c[i*ldc+j])
					if i == m || j >= n {
						if got != guard {
							t.Fatalf("%s: wrote C(%d, %d) = %g outside the result", name, i, j, got)
						}
						continue
					}
					w := want[i*n+j]
					if d := math.Abs(got - w); d > tol*(1+float64(k)) {
						t.Fatalf("%s: C(%d, %d) = %g, want %g (|diff| %g)", name, i, j, got, w, d)
					}
				}
			}
		}
	}
}

// TestPackPanels checks the panel layout, the zero rows of the last panel
// and transposed reads (rs 1).
func TestPackPanels(t *testing.T) {
	const m, k = 8, 3
	a := make([]float64, m*k)
	for i := range a {
		a[i] = float64(i + 1)
	}
	dst := make([]float64, tilePanels(m)*vec.TileMR*m) // room for both packings
	for i := range dst {
		dst[i] = math.NaN()
	}
	packPanels(dst, a, m, k, k, 1) // row-major
	for i := 0; i < tilePanels(m)*vec.TileMR; i++ {
		for p := 0; p < k; p++ {
			got := dst[i/vec.TileMR*vec.TileMR*k+vec.TileMR*p+i%vec.TileMR]
			want := 0.0
			if i < m {
				want = a[i*k+p]
			}
			if got != want {
				t.Fatalf("row-major: A(%d, %d) packed as %g, want %g", i, p, got, want)
			}
		}
	}
	packPanels(dst, a, k, m, 1, k) // the transpose: A(i, p) = a[p·k + i]
	for i := 0; i < k; i++ {
		for p := 0; p < m; p++ {
			if got, want := dst[vec.TileMR*p+i], a[p*k+i]; got != want {
				t.Fatalf("transposed: A(%d, %d) packed as %g, want %g", i, p, got, want)
			}
		}
	}
	for p := 0; p < m; p++ {
		for r := k; r < vec.TileMR; r++ {
			if dst[vec.TileMR*p+r] != 0 {
				t.Fatalf("transposed: padding row %d at column %d is %g, want 0", r, p, dst[vec.TileMR*p+r])
			}
		}
	}
}

// TestConvGroupNormWriteEveryElement runs Conv2d (every forward path:
// Winograd on both product paths, im2col, the wide lowering; with and
// without bias), Conv2dBackward and GroupNorm on recycled storage filled
// with NaN: their outputs (the Winograd path's gradients) take storage
// without clearing it, so an element a path does not write would come out
// NaN.
func TestConvGroupNormWriteEveryElement(t *testing.T) {
	DebugPoisonRecycled(true)
	defer DebugPoisonRecycled(false)
	pad1 := Conv2dParams{PadH: 1, PadW: 1}
	cases := []convCase{
		{2, 3, 7, 9, 4, 3, 3, pad1},
		{3, 16, 9, 10, 16, 3, 3, pad1},
		{2, 3, 8, 8, 5, 3, 3, Conv2dParams{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}},
		{1, 2, 40, 40, 3, 5, 5, Conv2dParams{PadH: 2, PadW: 2}},
		// im2col with a product large enough for the BLAS, straight into
		// the output (beta 0 without bias).
		{2, 32, 16, 16, 32, 3, 3, Conv2dParams{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}},
	}
	for _, tiles := range tileSettings() {
		for _, policy := range []int{winoAuto, winoOff, winoAlways} {
			withWinoTiles(tiles, func() {
				withWinoPolicy(policy, func() {
					for i, c := range cases {
						for _, dt := range dtypes {
							rng := testRNG(uint64(90 + i))
							x := randT(rng, dt, -1, 1, c.n, c.c, c.h, c.w)
							w := randT(rng, dt, -1, 1, c.o, c.c, c.kh, c.kw)
							for _, b := range []*Tensor{nil, randT(rng, dt, -1, 1, c.o)} {
								y := Conv2d(x, w, b, c.p)
								Recycle(Conv2d(x, w, b, c.p)) // poisoned storage of y's size
								y2 := Conv2d(x, w, b, c.p)
								if !AllFinite(y2) || !SameBits(y, y2) {
									t.Fatalf("%v %v tiles %v policy %d bias %v: Conv2d on recycled storage differs (max |diff| %g)", c, dt, tiles, policy, b != nil, MaxAbsDiff(y, y2))
								}
								gx, gw, gb := Conv2dBackward(y, x, w, c.p, true, true, true)
								rx, rw, _ := Conv2dBackward(y, x, w, c.p, true, true, false)
								Recycle(rx) // poisoned storage of the gradients' sizes
								Recycle(rw)
								gx2, gw2, gb2 := Conv2dBackward(y, x, w, c.p, true, true, true)
								for j, pair := range [][2]*Tensor{{gx, gx2}, {gw, gw2}, {gb, gb2}} {
									if !AllFinite(pair[1]) || !SameBits(pair[0], pair[1]) {
										t.Fatalf("%v %v tiles %v policy %d bias %v: Conv2dBackward's gradient %d on recycled storage differs (max |diff| %g)", c, dt, tiles, policy, b != nil, j, MaxAbsDiff(pair[0], pair[1]))
									}
								}
								g, _, _ := GroupNorm(y, nil, nil, 2-c.o%2, 1e-5)
								Recycle(y2)
								g2, _, _ := GroupNorm(y, nil, nil, 2-c.o%2, 1e-5)
								if !AllFinite(g2) || !SameBits(g, g2) {
									t.Fatalf("%v %v: GroupNorm on recycled storage differs", c, dt)
								}
							}
						}
					}
				})
			})
		}
	}
}

// TestWinogradPoisonedScratch runs the Winograd path, both passes and all
// three gradients, with the package's idle scratch buffers filled with NaN
// (scratch storage comes back with whatever it held): every result must be
// the bits of a run on fresh buffers, so that no read of a buffer's stale
// part (the tiles past a chunk's end, the padding of a strip) reaches one.
func TestWinogradPoisonedScratch(t *testing.T) {
	for _, c := range []convCase{
		{3, 16, 14, 13, 24, 3, 3, Conv2dParams{PadH: 1, PadW: 1}},
		laneCases[2], laneCases[len(laneCases)-1], // a lane per sample, short last groups
	} {
		testPoisonedScratch(t, c)
	}
}

func testPoisonedScratch(t *testing.T, c convCase) {
	for _, tiles := range tileSettings() {
		withWinoTiles(tiles, func() {
			withWinoPolicy(winoAlways, func() {
				for _, dt := range dtypes {
					rng := testRNG(77)
					x := randT(rng, dt, -1, 1, c.n, c.c, c.h, c.w)
					w := randT(rng, dt, -1, 1, c.o, c.c, c.kh, c.kw)
					b := randT(rng, dt, -1, 1, c.o)
					run := func() []*Tensor {
						y := Conv2d(x, w, b, c.p)
						gx, gw, gb := Conv2dBackward(y, x, w, c.p, true, true, true)
						return []*Tensor{y, gx, gw, gb}
					}
					drainScratch()
					fresh := run()
					poisonScratch(dt)
					poisoned := run()
					drainScratch()
					for i, name := range []string{"y", "gx", "gw", "gb"} {
						if !SameBits(fresh[i], poisoned[i]) {
							t.Errorf("%v %v tiles %v: %s differs on NaN-filled scratch (max |diff| %g)", c, dt, tiles, name, MaxAbsDiff(fresh[i], poisoned[i]))
						}
					}
				}
			})
		})
	}
}

// drainScratch empties the idle scratch lists.
func drainScratch() {
	for listFor[float32]().Idle() > 0 {
		listFor[float32]().Get(0)
	}
	for listFor[float64]().Idle() > 0 {
		listFor[float64]().Get(0)
	}
}

// poisonScratch fills the idle list of dt with NaN buffers, large enough
// for any buffer a small convolution asks for.
func poisonScratch(dt DType) {
	for i := 0; i < scratch.MaxIdle; i++ {
		switch dt {
		case Float32:
			b := make([]float32, 1<<20)
			for j := range b {
				b[j] = float32(math.NaN())
			}
			putScratch(b)
		case Float64:
			b := make([]float64, 1<<20)
			for j := range b {
				b[j] = math.NaN()
			}
			putScratch(b)
		}
	}
}
