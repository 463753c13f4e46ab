package tensor

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/acaode/aca/internal/scratch"
	"github.com/acaode/aca/internal/vec"
	"github.com/acaode/aca/tensor/blas"
)

// threads is the worker count for parallel kernels; 0 means GOMAXPROCS.
var threads atomic.Int32

// gemmImpl is the BLAS implementation matrix products use.
var gemmImpl = blas.WithThreads(blas.Default(), Threads)

// MaxThreads is the largest worker count SetThreads accepts: far above any
// machine's core count, and small enough that the count is a plain int32.
const MaxThreads = 4096

// SetThreads sets how many goroutines large kernels (matrix products,
// convolutions, pooling, elementwise arithmetic on large tensors) split their
// work over. n = 0 restores the default, runtime.GOMAXPROCS(0). A negative
// n or one above MaxThreads is an error and changes nothing. It is a
// performance setting only: every kernel of this package partitions its
// sums the same way whatever the setting, so results are identical for any
// thread count.
func SetThreads(n int) error {
	if n < 0 || n > MaxThreads {
		return fmt.Errorf("tensor: SetThreads(%d): the thread count must be 0 (one per core) or 1 to %d", n, MaxThreads)
	}
	threads.Store(int32(n))
	return nil
}

// Threads returns the current worker count (see SetThreads).
func Threads() int {
	if n := int(threads.Load()); n > 0 {
		return n
	}
	return runtime.GOMAXPROCS(0)
}

// BLAS returns the name of the matrix-product implementation in use
// ("native", "gonum" or "openblas").
func BLAS() string { return gemmImpl.Name() }

// SIMD returns the vector instructions the kernels use: "avx2+fma", or
// "avx2+fma+avx512f" where the CPU has AVX-512F too (the GEMM micro-tiles
// then run on 512-bit registers, with the same results), or "none" for
// their pure-Go versions (other CPUs, or a build with the purego tag).
func SIMD() string {
	switch {
	case vec.HasAVX512():
		return "avx2+fma+avx512f"
	case vec.HasAVX2():
		return "avx2+fma"
	}
	return "none"
}

// ParallelFor calls fn over [0, n) split into contiguous chunks, one per
// worker of SetThreads, when n is at least 2·grain; otherwise it calls
// fn(0, n) on the calling goroutine. The chunks depend on the thread
// count, so fn must compute per-index results (elementwise work), not sums
// whose rounding would then depend on it. It is for packages built on this
// one (the ODE solvers' stage combinations).
func ParallelFor(n, grain int, fn func(lo, hi int)) { parallelFor(n, grain, fn) }

// parallelFor calls fn over [0, n) split into contiguous chunks, one per
// worker, when n is at least 2·grain and more than one worker is configured;
// otherwise it calls fn(0, n) on the calling goroutine. Chunks are disjoint,
// so fn may write to per-index outputs without synchronisation.
func parallelFor(n, grain int, fn func(lo, hi int)) {
	w := Threads()
	if grain < 1 {
		grain = 1
	}
	if w > n/grain {
		w = n / grain
	}
	if w <= 1 {
		if n > 0 {
			fn(0, n)
		}
		return
	}
	var wg sync.WaitGroup
	chunk := (n + w - 1) / w
	for lo := chunk; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	fn(0, min(chunk, n))
	wg.Wait()
}

// Scratch buffers (im2col columns, padded planes, per-block partial sums)
// come from free lists that keep them between calls (internal/scratch).
var (
	scratch32 scratch.List[float32]
	scratch64 scratch.List[float64]
)

func listFor[T float]() *scratch.List[T] {
	var zero T
	switch any(zero).(type) {
	case float32:
		return any(&scratch32).(*scratch.List[T])
	default:
		return any(&scratch64).(*scratch.List[T])
	}
}

// getScratch returns a slice of length n with unspecified contents.
func getScratch[T float](n int) []T { return listFor[T]().Get(n) }

// putScratch returns a buffer from getScratch for reuse.
func putScratch[T float](b []T) { listFor[T]().Put(b) }
