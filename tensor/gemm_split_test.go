package tensor

import (
	"fmt"
	"testing"
)

// TestGemmParallelIndependentOfThreads runs products large enough to be cut
// into blocks, in every transpose combination, on 1, 2 and 3 workers, and
// requires the same bits every time; it also checks the result against the
// triple loop.
func TestGemmParallelIndependentOfThreads(t *testing.T) {
	defer SetThreads(0)
	rng := NewRNG(11)
	for _, dims := range [][3]int{{40, 1000, 30}, {1000, 40, 30}, {300, 290, 20}} {
		m, n, k := dims[0], dims[1], dims[2]
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			t.Run(fmt.Sprintf("%dx%dx%d/tA=%v/tB=%v", m, n, k, tr[0], tr[1]), func(t *testing.T) {
				ar, ac := m, k
				if tr[0] {
					ar, ac = k, m
				}
				br, bc := k, n
				if tr[1] {
					br, bc = n, k
				}
				for _, dt := range []DType{Float32, Float64} {
					a := RandN(rng, dt, 0, 1, ar, ac)
					b := RandN(rng, dt, 0, 1, br, bc)
					c0 := RandN(rng, dt, 0, 1, m, n)
					run := func(threads int) *Tensor {
						SetThreads(threads)
						c := c0.Clone()
						if dt == Float32 {
							gemmParallel(tr[0], tr[1], m, n, k, 1.5, a.f32, ac, b.f32, bc, 0.5, c.f32, n)
						} else {
							gemmParallel(tr[0], tr[1], m, n, k, 1.5, a.f64, ac, b.f64, bc, 0.5, c.f64, n)
						}
						return c
					}
					want := run(1)
					for _, th := range []int{2, 3} {
						if got := run(th); MaxAbsDiff(got, want) != 0 {
							t.Fatalf("%v, %d threads: differs from 1 thread by %g", dt, th, MaxAbsDiff(got, want))
						}
					}
					// Against the definition.
					av, bv, cv, gv := a.Values(), b.Values(), c0.Values(), want.Values()
					for i := 0; i < m; i += 7 {
						for j := 0; j < n; j += 5 {
							s := 0.0
							for p := 0; p < k; p++ {
								var x, y float64
								if tr[0] {
									x = av[p*ac+i]
								} else {
									x = av[i*ac+p]
								}
								if tr[1] {
									y = bv[j*bc+p]
								} else {
									y = bv[p*bc+j]
								}
								s += x * y
							}
							ref := 1.5*s + 0.5*cv[i*n+j]
							if d := gv[i*n+j] - ref; d > 1e-4 || d < -1e-4 {
								t.Fatalf("%v: C[%d,%d] = %g, want %g", dt, i, j, gv[i*n+j], ref)
							}
						}
					}
				}
			})
		}
	}
}
