package blas

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
)

// BenchmarkGemm gives the GEMM table in one command: square products
// C = A·B of 256, 512 and 1024 in float32 and float64, for each
// implementation in the build (native and gonum; openblas with -tags
// openblas), one after the other at each size so that a busy machine
// weighs on all alike, reporting GFLOPS (2n³ flops per product). The
// thread count is GOMAXPROCS, set with -cpu:
//
//	go test -run '^$' -bench Gemm -cpu 1,2 -count 5 ./tensor/blas/
//	go test -tags openblas -run '^$' -bench Gemm -cpu 1,2 -count 5 ./tensor/blas/
//
// Native and Gonum spread a product over GOMAXPROCS goroutines
// themselves. OpenBLAS is pinned to one thread, and package tensor adds
// the parallelism by cutting C into blocks of columns; the benchmark does
// the same with one block per thread (the most favourable cut for it).
func BenchmarkGemm(b *testing.B) {
	impls := []Impl{Native, Gonum}
	if d := Default(); d.Name() == "openblas" {
		impls = append(impls, d)
	}
	for _, prec := range []string{"f32", "f64"} {
		for _, n := range []int{256, 512, 1024} {
			for _, impl := range impls {
				b.Run(fmt.Sprintf("%s/n=%d/%s", prec, n, impl.Name()), func(b *testing.B) {
					benchGemm(b, impl, prec == "f64", n)
				})
			}
		}
	}
}

func benchGemm(b *testing.B, impl Impl, double bool, n int) {
	rng := rand.New(rand.NewPCG(1, 1))
	w := runtime.GOMAXPROCS(0)
	flops := 2 * float64(n) * float64(n) * float64(n)
	if double {
		a, x, c := make([]float64, n*n), make([]float64, n*n), make([]float64, n*n)
		for i := range a {
			a[i], x[i] = rng.NormFloat64(), rng.NormFloat64()
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			split(impl, w, n, func(j0, cols int) {
				impl.Dgemm(false, false, n, cols, n, 1, a, n, x[j0:], n, 0, c[j0:], n)
			})
		}
	} else {
		a, x, c := make([]float32, n*n), make([]float32, n*n), make([]float32, n*n)
		for i := range a {
			a[i], x[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			split(impl, w, n, func(j0, cols int) {
				impl.Sgemm(false, false, n, cols, n, 1, a, n, x[j0:], n, 0, c[j0:], n)
			})
		}
	}
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
}

// split calls f on the whole of C's n columns for implementations that
// parallelise themselves, and otherwise on w blocks of columns, each on a
// goroutine of its own.
func split(impl Impl, w, n int, f func(j0, cols int)) {
	if impl.Parallel() || w == 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	for t := range w {
		j0, j1 := t*n/w, (t+1)*n/w
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(j0, j1-j0)
		}()
	}
	wg.Wait()
}
