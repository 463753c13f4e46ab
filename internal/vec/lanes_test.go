package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Bᵀ and Aᵀ of Winograd F(2×2, 3×3), for the references below.
var (
	winoBT = [4][4]float64{{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}}
	winoAT = [2][4]float64{{1, 1, 1, 0}, {0, 1, -1, -1}}
)

var laneShapes = [][2]int{{1, 1}, {2, 2}, {4, 4}, {1, 3}, {3, 1}, {2, 5}, {7, 7}}

// TestWinoInputLanes32 checks WinoInputLanes32 on both paths against
// Bᵀ d B computed in float64 from its definition, that the two paths give
// the same bits, and that nothing beside the transformed values is written.
func TestWinoInputLanes32(t *testing.T) {
	results := map[bool][][]float32{}
	paths(t, func(t *testing.T) {
		asm := useAsm
		rng := rand.New(rand.NewPCG(95, 96))
		for _, sh := range laneShapes {
			for _, ldt := range []int{8, 24} {
				th, tw := sh[0], sh[1]
				wq := 2*tw + 2 + ldt/24 // a wider plane row for some cases
				ldv := th*tw*ldt + 5
				p := make([]float32, 8*wq*(2*th+2))
				fillLanes(rng, p)
				v := make([]float32, 15*ldv+(th*tw-1)*ldt+8)
				for i := range v {
					v[i] = 1234.5
				}
				WinoInputLanes32(p, wq, th, tw, v, ldv, ldt)
				results[asm] = append(results[asm], v)
				written := make([]bool, len(v))
				for ty := 0; ty < th; ty++ {
					for tx := 0; tx < tw; tx++ {
						for s := 0; s < 8; s++ {
							var d [4][4]float64
							for i := range d {
								for j := range d[i] {
									d[i][j] = float64(p[((2*ty+i)*wq+2*tx+j)*8+s])
								}
							}
							for a := 0; a < 4; a++ {
								for b := 0; b < 4; b++ {
									var want, mag float64
									for i := 0; i < 4; i++ {
										for j := 0; j < 4; j++ {
											x := winoBT[a][i] * d[i][j] * winoBT[b][j]
											want, mag = want+x, mag+math.Abs(x)
										}
									}
									k := (4*a+b)*ldv + (ty*tw+tx)*ldt + s
									written[k] = true
									if got := float64(v[k]); math.Abs(got-want) > 1e-6*(mag+1) {
										t.Fatalf("%d×%d tiles, ldt %d: tile (%d, %d) lane %d ξ %d = %v, want %v", th, tw, ldt, ty, tx, s, 4*a+b, got, want)
									}
								}
							}
						}
					}
				}
				for k, w := range written {
					if !w && v[k] != 1234.5 {
						t.Fatalf("%d×%d tiles, ldt %d: wrote v[%d] beside the tiles", th, tw, ldt, k)
					}
				}
			}
		}
	})
	sameResults(t, results)
}

// TestWinoOutputLanes32 checks WinoOutputLanes32 on both paths against
// Aᵀ M A + bias computed in float64, and that the two paths give the same
// bits.
func TestWinoOutputLanes32(t *testing.T) {
	results := map[bool][][]float32{}
	paths(t, func(t *testing.T) {
		asm := useAsm
		rng := rand.New(rand.NewPCG(97, 98))
		for _, sh := range laneShapes {
			for _, ldt := range []int{8, 16} {
				th, tw := sh[0], sh[1]
				ldm := th*tw*ldt + 3
				m := make([]float32, 15*ldm+(th*tw-1)*ldt+8)
				fillLanes(rng, m)
				y := make([]float32, 32*th*tw)
				bias := float32(0.25)
				WinoOutputLanes32(m, ldm, ldt, y, th, tw, bias)
				results[asm] = append(results[asm], y)
				for ty := 0; ty < th; ty++ {
					for tx := 0; tx < tw; tx++ {
						for s := 0; s < 8; s++ {
							for a := 0; a < 2; a++ {
								for b := 0; b < 2; b++ {
									want, mag := float64(bias), float64(bias)
									for i := 0; i < 4; i++ {
										for j := 0; j < 4; j++ {
											x := winoAT[a][i] * float64(m[(4*i+j)*ldm+(ty*tw+tx)*ldt+s]) * winoAT[b][j]
											want, mag = want+x, mag+math.Abs(x)
										}
									}
									got := float64(y[((2*ty+a)*2*tw+2*tx+b)*8+s])
									if math.Abs(got-want) > 1e-6*(mag+1) {
										t.Fatalf("%d×%d tiles, ldt %d: tile (%d, %d) lane %d output (%d, %d) = %v, want %v", th, tw, ldt, ty, tx, s, a, b, got, want)
									}
								}
							}
						}
					}
				}
			}
		}
	})
	sameResults(t, results)
	for _, f := range []func(){
		func() { WinoOutputLanes32(make([]float32, 200), 8, 8, make([]float32, 31), 1, 1, 0) },
		func() { WinoInputLanes32(make([]float32, 8*4*4-1), 4, 1, 1, make([]float32, 200), 8, 8) },
		func() { WinoInputLanes32(make([]float32, 8*4*4), 3, 1, 1, make([]float32, 200), 8, 8) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("a short slice or a narrow plane row did not panic")
				}
			}()
			f()
		}()
	}
}

// fillLanes fills v with normal values, every seventh +0 and every
// eleventh −0, so that the two paths' handling of signed zeros (negation by
// the sign bit, as Go negates) is compared too.
func fillLanes(rng *rand.Rand, v []float32) {
	for i := range v {
		switch {
		case i%7 == 3:
			v[i] = 0
		case i%11 == 5:
			v[i] = float32(math.Copysign(0, -1))
		default:
			v[i] = float32(rng.NormFloat64())
		}
	}
}

// sameResults fails unless the assembly's results (if it ran) are the
// portable path's bits.
func sameResults(t *testing.T, results map[bool][][]float32) {
	t.Helper()
	g, a := results[false], results[true]
	for r := range a {
		for i := range a[r] {
			if math.Float32bits(g[r][i]) != math.Float32bits(a[r][i]) {
				t.Fatalf("case %d element %d: portable %v, assembly %v", r, i, g[r][i], a[r][i])
			}
		}
	}
}

// TestWinoGradOutputLanes32 checks WinoGradOutputLanes32 on both paths
// against A g Aᵀ in float64 and that the two paths give the same bits.
func TestWinoGradOutputLanes32(t *testing.T) {
	results := map[bool][][]float32{}
	paths(t, func(t *testing.T) {
		asm := useAsm
		rng := rand.New(rand.NewPCG(99, 100))
		for _, sh := range laneShapes {
			for _, ldt := range []int{8, 16} {
				th, tw := sh[0], sh[1]
				ldv := th*tw*ldt + 7
				g := make([]float32, 32*th*tw)
				fillLanes(rng, g)
				v := make([]float32, 15*ldv+(th*tw-1)*ldt+8)
				WinoGradOutputLanes32(g, th, tw, v, ldv, ldt)
				results[asm] = append(results[asm], v)
				for ty := 0; ty < th; ty++ {
					for tx := 0; tx < tw; tx++ {
						for s := 0; s < 8; s++ {
							for a := 0; a < 4; a++ {
								for b := 0; b < 4; b++ {
									var want float64
									for i := 0; i < 2; i++ {
										for j := 0; j < 2; j++ {
											want += winoAT[i][a] * float64(g[((2*ty+i)*2*tw+2*tx+j)*8+s]) * winoAT[j][b]
										}
									}
									got := float64(v[(4*a+b)*ldv+(ty*tw+tx)*ldt+s])
									if math.Abs(got-want) > 1e-5 {
										t.Fatalf("%d×%d tiles: tile (%d, %d) lane %d ξ %d = %v, want %v", th, tw, ty, tx, s, 4*a+b, got, want)
									}
								}
							}
						}
					}
				}
			}
		}
	})
	sameResults(t, results)
}

// TestWinoGradInputLanes32 checks WinoGradInputLanes32 on both paths
// against Σ over tiles of B P Bᵀ in float64 (rows 0 and 1 of the plane
// start at zero; every row from 2 on is overwritten before anything is added
// to it), and that the two paths give the same bits.
func TestWinoGradInputLanes32(t *testing.T) {
	results := map[bool][][]float32{}
	paths(t, func(t *testing.T) {
		asm := useAsm
		rng := rand.New(rand.NewPCG(101, 102))
		for _, sh := range laneShapes {
			for _, ldt := range []int{8, 24} {
				th, tw := sh[0], sh[1]
				wq := 2*tw + 2 + ldt/24
				ldp := th*tw*ldt + 1
				p := make([]float32, 15*ldp+(th*tw-1)*ldt+8)
				fillLanes(rng, p)
				q := make([]float32, 8*wq*(2*th+2))
				for i := 16 * wq; i < len(q); i++ {
					q[i] = 99 // overwritten: every row from 2 on is set before it is added to
				}
				want := make([]float64, len(q))
				for ty := 0; ty < th; ty++ {
					for tx := 0; tx < tw; tx++ {
						for s := 0; s < 8; s++ {
							for a := 0; a < 4; a++ {
								for b := 0; b < 4; b++ {
									for i := 0; i < 4; i++ {
										for j := 0; j < 4; j++ {
											want[((2*ty+a)*wq+2*tx+b)*8+s] += winoBT[i][a] * float64(p[(4*i+j)*ldp+(ty*tw+tx)*ldt+s]) * winoBT[j][b]
										}
									}
								}
							}
						}
					}
				}
				WinoGradInputLanes32(p, ldp, ldt, q, wq, th, tw)
				results[asm] = append(results[asm], q)
				for r := 0; r < 2*th+2; r++ {
					for col := 0; col < wq; col++ {
						for s := 0; s < 8; s++ {
							k := (r*wq+col)*8 + s
							w := want[k]
							if col >= 2*tw+2 {
								w = float64(q[k]) // beyond the tiles: untouched (checked below)
								if r >= 2 && q[k] != 99 {
									t.Fatalf("%d×%d tiles: wrote column %d beyond the tiles", th, tw, col)
								}
							}
							if math.Abs(float64(q[k])-w) > 1e-4 {
								t.Fatalf("%d×%d tiles, ldt %d: q(%d, %d) lane %d = %v, want %v", th, tw, ldt, r, col, s, q[k], w)
							}
						}
					}
				}
			}
		}
	})
	sameResults(t, results)
	for _, f := range []func(){
		func() { WinoGradOutputLanes32(make([]float32, 31), 1, 1, make([]float32, 200), 8, 8) },
		func() { WinoGradInputLanes32(make([]float32, 200), 8, 8, make([]float32, 8*4*4-1), 4, 1, 1) },
		func() { WinoGradInputLanes32(make([]float32, 200), 8, 8, make([]float32, 8*4*4), 3, 1, 1) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("a short slice or a narrow plane row did not panic")
				}
			}()
			f()
		}()
	}
}

// TestInterleave8x32 checks Interleave8x32 and Deinterleave8x32 on both
// paths for n = 0 … 27 (whole blocks and every tail), strides wider than
// n: the transposes against their definition, nothing written beside them,
// and the round trip.
func TestInterleave8x32(t *testing.T) {
	paths(t, func(t *testing.T) {
		for n := 0; n <= 27; n++ {
			lds := n + 3
			src := make([]float32, 7*lds+n)
			for i := range src {
				src[i] = float32(i) + 0.5
			}
			dst := make([]float32, 8*n+5)
			for i := range dst {
				dst[i] = -1
			}
			Interleave8x32(dst, src, lds, n)
			for i, v := range dst {
				want := float32(-1)
				if i < 8*n {
					want = src[(i%8)*lds+i/8]
				}
				if v != want {
					t.Fatalf("n %d: interleaved[%d] = %v, want %v", n, i, v, want)
				}
			}
			back := make([]float32, 7*lds+n+2)
			for i := range back {
				back[i] = -2
			}
			Deinterleave8x32(back, lds, dst, n)
			for i, v := range back {
				want := float32(-2)
				if i < 7*lds+n && i%lds < n {
					want = src[i]
				}
				if v != want {
					t.Fatalf("n %d: deinterleaved[%d] = %v, want %v", n, i, v, want)
				}
			}
		}
	})
}

// TestLaneWrapperChecks checks that the lane transforms and the 8-row
// transposes panic on a slice one value short of what they touch and on
// strides so large that the sizes they imply overflow, instead of letting
// the kernels run off the slices.
func TestLaneWrapperChecks(t *testing.T) {
	const huge = 1 << 61
	f := func(n int) []float32 { return make([]float32, n) }
	for _, tc := range []struct {
		name string
		call func()
	}{
		{"input: v short", func() { WinoInputLanes32(f(8*6*6), 6, 2, 2, f(15*40+3*8+8-1), 40, 8) }},
		{"input: p short", func() { WinoInputLanes32(f(8*6*6-1), 6, 2, 2, f(15*40+3*8+8), 40, 8) }},
		{"input: huge th", func() { WinoInputLanes32(f(64), 4, huge, 1, f(128), 8, 8) }},
		{"input: huge ldt", func() { WinoInputLanes32(f(8*6*6), 6, 2, 2, f(1000), 8, huge) }},
		{"output: m short", func() { WinoOutputLanes32(f(15*40+3*8+8-1), 40, 8, f(32*4), 2, 2, 0) }},
		{"output: y short", func() { WinoOutputLanes32(f(15*40+3*8+8), 40, 8, f(32*4-1), 2, 2, 0) }},
		{"output: huge tw", func() { WinoOutputLanes32(f(1000), 8, 8, f(64), 1, huge, 0) }},
		{"grad output: v short", func() { WinoGradOutputLanes32(f(32*4), 2, 2, f(15*40+3*8+8-1), 40, 8) }},
		{"grad output: huge ldv", func() { WinoGradOutputLanes32(f(32*4), 2, 2, f(1000), huge, 8) }},
		{"grad input: p short", func() { WinoGradInputLanes32(f(15*40+3*8+8-1), 40, 8, f(8*6*6), 6, 2, 2) }},
		{"grad input: q short", func() { WinoGradInputLanes32(f(15*40+3*8+8), 40, 8, f(8*6*6-1), 6, 2, 2) }},
		{"grad input: huge wq", func() { WinoGradInputLanes32(f(1000), 8, 8, f(1000), huge, 1, 1) }},
		{"interleave: src short", func() { Interleave8x32(f(80), f(7*12+10-1), 12, 10) }},
		{"interleave: dst short", func() { Interleave8x32(f(79), f(7*12+10), 12, 10) }},
		{"interleave: huge lds", func() { Interleave8x32(f(8), f(8), huge, 1) }},
		{"deinterleave: dst short", func() { Deinterleave8x32(f(7*12+10-1), 12, f(80), 10) }},
		{"deinterleave: src short", func() { Deinterleave8x32(f(7*12+10), 12, f(79), 10) }},
		{"deinterleave: huge ldd", func() { Deinterleave8x32(f(8), huge, f(8), 1) }},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", tc.name)
				}
			}()
			tc.call()
		}()
	}
	// Exactly long enough: no panic.
	WinoInputLanes32(f(8*6*6), 6, 2, 2, f(15*40+3*8+8), 40, 8)
	WinoOutputLanes32(f(15*40+3*8+8), 40, 8, f(32*4), 2, 2, 0)
	WinoGradOutputLanes32(f(32*4), 2, 2, f(15*40+3*8+8), 40, 8)
	WinoGradInputLanes32(f(15*40+3*8+8), 40, 8, f(8*6*6), 6, 2, 2)
	Interleave8x32(f(80), f(7*12+10), 12, 10)
	Deinterleave8x32(f(7*12+10), 12, f(80), 10)
}
