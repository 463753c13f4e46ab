package blas

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkSgemm and BenchmarkDgemm time square products C = A·B with the
// build's implementation, called once per product on one goroutine, and
// report GFLOPS (2n³ flops per product). That is one thread for OpenBLAS
// (package tensor adds the parallelism: see its BenchmarkMatMul) and
// GOMAXPROCS goroutines for Gonum, so run with -cpu 1.
func BenchmarkSgemm(b *testing.B) { benchGemm(b, false) }

// BenchmarkDgemm is BenchmarkSgemm in double precision.
func BenchmarkDgemm(b *testing.B) { benchGemm(b, true) }

func benchGemm(b *testing.B, double bool) {
	impl := Default()
	for _, n := range []int{256, 512, 1024} {
		b.Run(fmt.Sprintf("%s/n=%d", impl.Name(), n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			flops := 2 * float64(n) * float64(n) * float64(n)
			if double {
				a, x, c := make([]float64, n*n), make([]float64, n*n), make([]float64, n*n)
				for i := range a {
					a[i], x[i] = rng.NormFloat64(), rng.NormFloat64()
				}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					impl.Dgemm(false, false, n, n, n, 1, a, n, x, n, 0, c, n)
				}
			} else {
				a, x, c := make([]float32, n*n), make([]float32, n*n), make([]float32, n*n)
				for i := range a {
					a[i], x[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
				}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					impl.Sgemm(false, false, n, n, n, 1, a, n, x, n, 0, c, n)
				}
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
	}
}
