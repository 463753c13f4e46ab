package blas

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// refGemm is the textbook triple loop in float64.
func refGemm(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	at := func(i, p int) float64 {
		if tA {
			return a[p*lda+i]
		}
		return a[i*lda+p]
	}
	bt := func(p, j int) float64 {
		if tB {
			return b[j*ldb+p]
		}
		return b[p*ldb+j]
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			s := 0.0
			for p := 0; p < k; p++ {
				s += at(i, p) * bt(p, j)
			}
			if beta == 0 {
				c[i*ldc+j] = alpha * s
			} else {
				c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
			}
		}
	}
}

type gemmCase struct {
	tA, tB      bool
	m, n, k     int
	pad         int // extra columns in every leading dimension
	alpha, beta float64
}

func gemmCases() []gemmCase {
	var cs []gemmCase
	for _, tA := range []bool{false, true} {
		for _, tB := range []bool{false, true} {
			cs = append(cs,
				gemmCase{tA, tB, 1, 1, 1, 0, 1, 0},
				gemmCase{tA, tB, 7, 5, 3, 0, 1, 0},
				gemmCase{tA, tB, 33, 17, 65, 3, -0.5, 2},
				gemmCase{tA, tB, 130, 70, 90, 1, 1.5, 1},
				gemmCase{tA, tB, 4, 6, 0, 0, 1, 0.5}, // k = 0: C = beta·C
				gemmCase{tA, tB, 0, 3, 2, 0, 1, 0},
			)
		}
	}
	return cs
}

func dims(t bool, r, c int) (int, int) {
	if t {
		return c, r
	}
	return r, c
}

// checkImpl compares impl with the reference in both precisions.
func checkImpl(t *testing.T, impl Impl) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range gemmCases() {
		name := fmt.Sprintf("%s/tA=%v,tB=%v,%dx%dx%d,pad=%d", impl.Name(), tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.pad)
		t.Run(name, func(t *testing.T) {
			ar, ac := dims(tc.tA, tc.m, tc.k)
			br, bc := dims(tc.tB, tc.k, tc.n)
			lda, ldb, ldc := max(ac+tc.pad, 1), max(bc+tc.pad, 1), max(tc.n+tc.pad, 1)
			a := make([]float64, ar*lda)
			b := make([]float64, br*ldb)
			c := make([]float64, tc.m*ldc)
			for _, s := range [][]float64{a, b, c} {
				for i := range s {
					s[i] = rng.NormFloat64()
				}
			}
			want := append([]float64(nil), c...)
			refGemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, want, ldc)

			got := append([]float64(nil), c...)
			impl.Dgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, got, ldc)
			for i := range want {
				if math.Abs(got[i]-want[i]) > 1e-12*(1+math.Abs(want[i]))*float64(tc.k+1) {
					t.Fatalf("Dgemm element %d = %g, want %g", i, got[i], want[i])
				}
			}

			f := func(s []float64) []float32 {
				o := make([]float32, len(s))
				for i, v := range s {
					o[i] = float32(v)
				}
				return o
			}
			got32 := f(c)
			impl.Sgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, float32(tc.alpha), f(a), lda, f(b), ldb, float32(tc.beta), got32, ldc)
			for i := range want {
				if math.Abs(float64(got32[i])-want[i]) > 1e-5*(1+math.Abs(want[i]))*math.Sqrt(float64(tc.k+1))*4 {
					t.Fatalf("Sgemm element %d = %g, want %g", i, got32[i], want[i])
				}
			}
		})
	}
}

func TestGonum(t *testing.T) { checkImpl(t, Gonum) }

// TestDefault checks whatever this build selected (OpenBLAS under the
// openblas tag) against the reference, and against Gonum.
func TestDefault(t *testing.T) {
	checkImpl(t, Default())
	rng := rand.New(rand.NewPCG(3, 4))
	const m, n, k = 96, 80, 112
	a, b := make([]float32, m*k), make([]float32, k*n)
	for i := range a {
		a[i] = float32(rng.NormFloat64())
	}
	for i := range b {
		b[i] = float32(rng.NormFloat64())
	}
	c1, c2 := make([]float32, m*n), make([]float32, m*n)
	Default().Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c1, n)
	Gonum.Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c2, n)
	for i := range c1 {
		if d := math.Abs(float64(c1[i] - c2[i])); d > 1e-4 {
			t.Fatalf("%s and gonum differ at %d: %g vs %g", Default().Name(), i, c1[i], c2[i])
		}
	}
}

func TestCheckDims(t *testing.T) {
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(fmt.Sprint(r), "needs 12 elements, has 11") {
			t.Fatalf("short A: panic %v", r)
		}
	}()
	checkDims(false, false, 3, 2, 4, 11, 4, 8, 2, 6, 2)
}
