package tensor

import (
	"fmt"
	"testing"
)

// TestGemmParallelSplits forces gemmParallel's column and row splits (shapes
// above parGemmFlops, several workers) in every transpose combination and
// compares with one unsplit product. The split must not change a single bit:
// each element is still one call's dot product over the whole k.
func TestGemmParallelSplits(t *testing.T) {
	SetThreads(3)
	defer SetThreads(0)
	rng := NewRNG(11)
	for _, dims := range [][3]int{{40, 1000, 30}, {1000, 40, 30}, {129, 131, 70}} {
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
				a := RandN(rng, Float64, 0, 1, ar, ac).f64
				b := RandN(rng, Float64, 0, 1, br, bc).f64
				c0 := RandN(rng, Float64, 0, 1, m, n).f64
				want := append([]float64(nil), c0...)
				gemm(tr[0], tr[1], m, n, k, 1.5, a, ac, b, bc, 0.5, want, n)
				got := append([]float64(nil), c0...)
				gemmParallel(tr[0], tr[1], m, n, k, 1.5, a, ac, b, bc, 0.5, got, n)
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("element %d: split %v, whole %v", i, got[i], want[i])
					}
				}
			})
		}
	}
}
