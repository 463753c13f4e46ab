package tensor

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/acaode/aca/tensor/blas"
)

// threads is the worker count for parallel kernels; 0 means GOMAXPROCS.
var threads atomic.Int32

// gemmImpl is the BLAS implementation matrix products use.
var gemmImpl = blas.Default()

// SetThreads sets how many goroutines large kernels split their work over and
// how many threads the BLAS may use for one product. n ≤ 0 restores the
// default, runtime.GOMAXPROCS(0). It is a performance setting only: results
// do not depend on it beyond floating-point summation order inside the BLAS.
func SetThreads(n int) {
	if n < 0 {
		n = 0
	}
	threads.Store(int32(n))
	gemmImpl.SetThreads(Threads())
}

// Threads returns the current worker count (see SetThreads).
func Threads() int {
	if n := int(threads.Load()); n > 0 {
		return n
	}
	return runtime.GOMAXPROCS(0)
}

// BLAS returns the name of the matrix-product implementation in use
// ("gonum" or "openblas").
func BLAS() string { return gemmImpl.Name() }

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

// scratch pools hold large temporary buffers (im2col columns, gathered
// gradients) so that hot loops do not allocate them on every call.
var (
	scratch32 sync.Pool
	scratch64 sync.Pool
)

// getScratch returns a slice of length n, not zeroed, from the pool.
func getScratch[T float](n int) []T {
	var p *sync.Pool
	var zero T
	switch any(zero).(type) {
	case float32:
		p = &scratch32
	default:
		p = &scratch64
	}
	if v, ok := p.Get().(*[]T); ok && cap(*v) >= n {
		return (*v)[:n]
	}
	return make([]T, n)
}

// putScratch returns a buffer obtained from getScratch to the pool.
func putScratch[T float](s []T) {
	var zero T
	switch any(zero).(type) {
	case float32:
		scratch32.Put(&s)
	default:
		scratch64.Put(&s)
	}
}
