package blas

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// nativePaths are Native with the assembly micro-kernel (where the CPU
// has AVX2 and FMA; the Go one elsewhere) and with the Go micro-kernel
// forced, on three workers so that the threaded path runs too.
func nativePaths() []nativeImpl {
	three := func() int { return 3 }
	return []nativeImpl{{threads: three}, {threads: three, portable: true}}
}

func TestNative(t *testing.T) {
	for _, impl := range nativePaths() {
		checkImpl(t, impl)
	}
}

// refBound is refGemm with, for each element of C, a bound on the rounding
// error of any summation order in precision eps: the terms' magnitudes
// times k·eps, plus the final scaling's rounding.
func refBound(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int, eps float64) (want, bound []float64) {
	want = append([]float64(nil), c...)
	refGemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, want, ldc)
	abs := func(s []float64) []float64 {
		o := make([]float64, len(s))
		for i, v := range s {
			o[i] = math.Abs(v)
		}
		return o
	}
	mag := abs(c)
	bc := 0.0
	if beta != 0 {
		bc = 1
	}
	refGemm(tA, tB, m, n, k, math.Abs(alpha), abs(a), lda, abs(b), ldb, math.Abs(beta)*bc, mag, ldc)
	bound = make([]float64, len(c))
	for i := range bound {
		bound[i] = (float64(k)+3)*eps*mag[i] + math.SmallestNonzeroFloat64
	}
	return want, bound
}

// nativeCase is one product of the edge-case tests.
type nativeCase struct {
	tA, tB      bool
	m, n, k     int
	pad         int
	alpha, beta float64
}

// nativeCases cover the tile edges (MR = 6; NR = 8 and 16), the row
// blocks (MC = 72 and 144), the inner blocks (KC = 256), one size past a
// column block (NC = 4080), primes, every transposition, alpha and beta
// of 0, 1 and other values, and leading dimensions past the rows.
func nativeCases() []nativeCase {
	shapes := [][3]int{
		{1, 1, 1}, {2, 2, 2}, {1, 17, 5}, {5, 1, 3}, {5, 7, 9}, {6, 8, 4}, {6, 16, 4}, {7, 9, 2},
		{7, 15, 257}, {12, 17, 255}, {67, 131, 67}, {71, 8, 256}, {73, 23, 31},
		{143, 33, 3}, {145, 17, 513}, {131, 67, 257}, {257, 40, 20},
		{3, 4081, 3}, {1000, 3, 7}, {2, 1000, 2},
	}
	var cs []nativeCase
	for i, s := range shapes {
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				ab := [][2]float64{{1, 0}, {-0.7, 1}, {1.3, 0.4}, {0, 0.5}}[(i+btoi(tA)+2*btoi(tB))%4]
				cs = append(cs, nativeCase{tA, tB, s[0], s[1], s[2], (i + btoi(tB)) % 3, ab[0], ab[1]})
			}
		}
	}
	return cs
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestNativeEdges checks Native against the float64 triple loop within a
// rounding-error bound, on both micro-kernel paths, in both precisions.
// With beta = 0, C starts as NaN: it must be overwritten, never read.
func TestNativeEdges(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, impl := range nativePaths() {
		for _, tc := range nativeCases() {
			name := fmt.Sprintf("portable=%v/tA=%v,tB=%v,%dx%dx%d,pad=%d,alpha=%g,beta=%g", impl.portable, tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.pad, tc.alpha, tc.beta)
			ar, ac := dims(tc.tA, tc.m, tc.k)
			br, bc := dims(tc.tB, tc.k, tc.n)
			lda, ldb, ldc := ac+tc.pad, bc+tc.pad, tc.n+tc.pad
			a := make([]float64, (ar-1)*lda+ac)
			b := make([]float64, (br-1)*ldb+bc)
			c := make([]float64, (tc.m-1)*ldc+tc.n)
			for _, s := range [][]float64{a, b, c} {
				for i := range s {
					s[i] = float64(float32(rng.NormFloat64()))
				}
			}
			if tc.beta == 0 {
				for i := range c {
					c[i] = math.NaN()
				}
			}
			cRef := c
			if tc.beta == 0 {
				cRef = make([]float64, len(c))
			}
			want, bound := refBound(tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, cRef, ldc, 0x1p-52)
			got := append([]float64(nil), c...)
			impl.Dgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, got, ldc)
			for i := range want {
				if i%ldc >= tc.n { // padding: untouched
					if math.Float64bits(got[i]) != math.Float64bits(c[i]) {
						t.Fatalf("%s: Dgemm changed padding element %d", name, i)
					}
					continue
				}
				if !(math.Abs(got[i]-want[i]) <= bound[i]) {
					t.Fatalf("%s: Dgemm element %d = %g, want %g ± %g", name, i, got[i], want[i], bound[i])
				}
			}
			_, bound32 := refBound(tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, cRef, ldc, 0x1p-23)
			got32 := to32(c)
			impl.Sgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, float32(tc.alpha), to32(a), lda, to32(b), ldb, float32(tc.beta), got32, ldc)
			for i := range want {
				if i%ldc >= tc.n {
					if math.Float32bits(got32[i]) != math.Float32bits(float32(c[i])) {
						t.Fatalf("%s: Sgemm changed padding element %d", name, i)
					}
					continue
				}
				if !(math.Abs(float64(got32[i])-want[i]) <= bound32[i]) {
					t.Fatalf("%s: Sgemm element %d = %g, want %g ± %g", name, i, got32[i], want[i], bound32[i])
				}
			}
		}
	}
}

func to32(s []float64) []float32 {
	o := make([]float32, len(s))
	for i, v := range s {
		o[i] = float32(v)
	}
	return o
}

// TestNativeThreadsSameBits checks that 1, 2 and 3 workers give the same
// bits, on products that split over rows, over columns (few rows), and
// over several inner blocks with beta ≠ 0; and that the Go micro-kernel
// gives the assembly's bits in float64 (math.FMA is the same operation).
func TestNativeThreadsSameBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, s := range [][3]int{{300, 200, 600}, {7, 500, 300}, {150, 150, 150}, {1000, 40, 9}} {
		m, n, k := s[0], s[1], s[2]
		a, b, c := make([]float64, m*k), make([]float64, k*n), make([]float64, m*n)
		for _, x := range [][]float64{a, b, c} {
			for i := range x {
				x[i] = rng.NormFloat64()
			}
		}
		var first64 []float64
		var first32 []float32
		for _, portable := range []bool{false, true} {
			for w := 1; w <= 3; w++ {
				impl := nativeImpl{threads: func() int { return w }, portable: portable}
				got := append([]float64(nil), c...)
				impl.Dgemm(false, true, m, n, k, 0.5, a, k, b, k, 0.25, got, n)
				if first64 == nil {
					first64 = got
				} else {
					for i := range got {
						if math.Float64bits(got[i]) != math.Float64bits(first64[i]) {
							t.Fatalf("%v, portable=%v, %d workers: Dgemm element %d = %v, want %v (1 worker, assembly)", s, portable, w, i, got[i], first64[i])
						}
					}
				}
				if portable {
					continue // float32: the Go kernel may round differently in rare cases
				}
				got32 := to32(c)
				impl.Sgemm(true, false, m, n, k, 0.5, to32(a), m, to32(b), n, 0.25, got32, n)
				if first32 == nil {
					first32 = got32
				} else {
					for i := range got32 {
						if math.Float32bits(got32[i]) != math.Float32bits(first32[i]) {
							t.Fatalf("%v, %d workers: Sgemm element %d = %v, want %v (1 worker)", s, w, i, got32[i], first32[i])
						}
					}
				}
			}
		}
	}
}

// TestNativeParallelism checks that WithThreads reaches Native and leaves
// the other implementations alone.
func TestNativeParallelism(t *testing.T) {
	impl := WithThreads(Native, func() int { return 5 })
	if n, ok := impl.(nativeImpl); !ok || n.workers() != 5 {
		t.Fatalf("WithThreads(Native) = %#v, want 5 workers", impl)
	}
	if WithThreads(Gonum, func() int { return 5 }) != Gonum {
		t.Fatal("WithThreads changed Gonum")
	}
	if !Native.Parallel() {
		t.Fatal("Native.Parallel() = false")
	}
}
