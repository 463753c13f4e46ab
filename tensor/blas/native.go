package blas

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/acaode/aca/internal/scratch"
	"github.com/acaode/aca/internal/vec"
)

// Native is this module's own GEMM, in Go with an assembly micro-kernel,
// organised as the BLIS papers describe (Goto and van de Geijn 2008; Van
// Zee and van de Geijn 2015): for each block of NC columns of B and each
// block of KC rows of it, that block of op(B) is packed into micro-panels
// of kc×NR (columns of B interleaved row by row, zero-padded to NR); each
// block of MC rows of op(A) is packed into micro-panels of MR×kc; and the
// micro-kernel (vec.GemmTile32 / vec.GemmTile64) computes each MR×NR tile
// of C from one panel of each in 12 vector accumulators.
//
// The tile is MR×NR = 6×16 for float32 and 6×8 for float64 (two AVX2
// vectors wide, the shape BLIS uses on Haswell and Zen). The cache blocks:
//
//   - KC = 256: one kc×NR micro-panel of B is 16 KiB in either precision,
//     half of a 32 KiB L1 data cache, so it stays there while the kernel
//     streams the panels of A past it;
//   - MC = 144 (float32) and 72 (float64): a packed MC×KC block of A is
//     144 KiB, well inside a 512 KiB L2 (Zen 2/3; 256 KiB–2 MiB
//     elsewhere), where it stays while the kernel walks across B;
//   - NC = 4080 (a multiple of both NRs): a packed KC×NC block of B is 4
//     MiB (float32) or 8 MiB (float64), for the shared L3.
//
// On CPUs without AVX2 and FMA, and under the purego build tag, the
// micro-kernel is its portable Go version (see vec.GemmTile32Go).
//
// One product spreads over several goroutines (Parallel reports true):
// as many as runtime.GOMAXPROCS, or the count of the function given to
// WithThreads. Work is split over blocks of rows of C (and over columns
// when there are fewer row blocks than workers), never over the inner
// dimension: every element of C is summed in the same order, over the
// same KC blocks, whatever the worker count, so results are bit-identical
// for any number of threads. The summation order does differ from
// Gonum's and OpenBLAS's, so results differ from theirs in the last bits.
var Native Impl = nativeImpl{}

// Cache blocks of Native (see its documentation).
const (
	nativeKC   = 256
	nativeMC32 = 144
	nativeMC64 = 72
	nativeNC   = 4080
)

// nativeDirectRows is the number of rows of C up to which Native reads a
// non-transposed B in place rather than packing it: eight tiles of rows,
// the products of the Winograd convolution (32 output channels), where
// packing took half as long as the arithmetic.
const nativeDirectRows = 8 * vec.TileMR

// nativeParFlops is the product size (m·n·k) below which Native runs on the
// calling goroutine alone: smaller products take less time (under 100 µs)
// than starting and joining workers is worth, and package tensor calls
// them from its own workers (the Winograd convolution's 32×256×32
// products, one chunk of a batch per worker), where more workers only
// contend for the same cores.
const nativeParFlops = 1 << 21

type nativeImpl struct {
	threads  func() int // worker count; nil means runtime.GOMAXPROCS(0)
	portable bool       // always the Go micro-kernels (for tests)
}

// WithThreads returns impl with its worker count taken from threads (for
// Native; package tensor passes its SetThreads setting). Implementations
// that do not spread products over workers themselves are returned as
// they are.
func WithThreads(impl Impl, threads func() int) Impl {
	if n, ok := impl.(nativeImpl); ok {
		n.threads = threads
		return n
	}
	return impl
}

func (nativeImpl) Name() string   { return "native" }
func (nativeImpl) Parallel() bool { return true }

func (x nativeImpl) workers() int {
	w := 0
	if x.threads != nil {
		w = x.threads()
	}
	if w < 1 {
		w = runtime.GOMAXPROCS(0)
	}
	return w
}

func (x nativeImpl) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkDims(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	kern := vec.GemmTile32
	if x.portable {
		kern = vec.GemmTile32Go
	}
	nativeGemm(x.workers(), kernel[float32]{vec.TileNR32, nativeMC32, kern}, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func (x nativeImpl) Dgemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	checkDims(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	kern := vec.GemmTile64
	if x.portable {
		kern = vec.GemmTile64Go
	}
	nativeGemm(x.workers(), kernel[float64]{vec.TileNR64, nativeMC64, kern}, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// kernel is one precision's micro-kernel with its tile width and row block.
type kernel[T float32 | float64] struct {
	nr, mc int
	tile   func(k int, alpha T, a, b []T, ldb int, beta T, c []T, ldc int, accum bool)
}

// nativeGemm is Native's product on w workers.
func nativeGemm[T float32 | float64](w int, kn kernel[T], tA, tB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		// Nothing to multiply (and A and B need not be read): C = beta·C.
		scaleC(m, n, beta, c, ldc)
		return
	}
	const mr = vec.TileMR
	nr := kn.nr
	if m*n*k < nativeParFlops {
		w = 1
	}
	// Row blocks: at most MC rows, a multiple of MR. With several
	// workers, at least four blocks per worker where blocks of two tiles
	// or more allow it, so that a worker the system holds up (the machine
	// is shared) delays the product by a fraction of its share, and a
	// multiple of the worker count. The blocking of rows and columns does
	// not change any sum; only KC does, and it is fixed.
	mb := (m + kn.mc - 1) / kn.mc
	if w > 1 {
		mb = max(mb, min(4*w, (m+2*mr-1)/(2*mr)))
		mb = (mb + w - 1) / w * w
	}
	mc := roundUp((m+mb-1)/mb, mr)
	mb = (m + mc - 1) / mc
	// With few rows, each panel of B serves few tiles and packing it
	// would cost a large part of the product: the kernel reads B's rows in
	// place instead (same values, same order, so the same bits).
	direct := !tB && m <= nativeDirectRows
	bp := getBuf[T](nativeKC * roundUp(min(n, nativeNC), nr))
	defer putBuf(bp)
	for jc := 0; jc < n; jc += nativeNC {
		nc := min(nativeNC, n-jc)
		panels := (nc + nr - 1) / nr
		state := make([]atomic.Int32, panels) // 0 to pack, 1 packing, 2 packed
		// Column parts: split the panels of B too when there are fewer
		// row blocks than workers (each part packs its own copy of its
		// row block of A, so not more often than that).
		parts := 1
		if mb < w {
			parts = max(1, min((w+mb-1)/mb, panels))
		}
		for pc := 0; pc < k; pc += nativeKC {
			kc := min(nativeKC, k-pc)
			// Panels of B are packed by the first unit that needs them, so
			// that no worker waits for all of B before starting (one
			// hand-off per KC block, not two; on a busy machine each costs
			// the wake-up of a worker). A unit that finds a panel being
			// packed by another packs a copy of its own rather than wait
			// for a worker the system may have descheduled.
			for j := range state {
				state[j].Store(0)
			}
			ready := func(j int, own []T) []T {
				s, shared := &state[j], bp[j*kc*nr:(j+1)*kc*nr]
				if s.Load() == 2 {
					return shared
				}
				dst := own
				if s.CompareAndSwap(0, 1) {
					dst = shared
				}
				packB(tB, b, ldb, pc, kc, jc+j*nr, min(nr, nc-j*nr), nr, dst)
				if &dst[0] == &shared[0] {
					s.Store(2)
				}
				return dst
			}
			// The first KC block applies beta (and does not read C when
			// beta is zero); later ones add to what the first wrote.
			bt, accum := beta, beta != 0
			if pc > 0 {
				bt, accum = 1, true
			}
			units := mb * parts
			run(min(w, units), units, func(u int) {
				ib, part := u/parts, u%parts
				i0 := ib * mc
				rows := min(mc, m-i0)
				j0 := part * panels / parts
				j1 := (part + 1) * panels / parts
				ap := getBuf[T](roundUp(rows, mr) * kc)
				own := getBuf[T](kc * nr)
				packA(tA, a, lda, i0, rows, pc, kc, ap)
				var edge [vec.TileMR * 16]T
				// Each micro-panel of B stays in L1 while the panels of
				// A's block (in L2) stream past it.
				for j := j0; j < j1; j++ {
					var pb []T
					ldp := nr
					col := jc + j*nr
					wd := min(nr, n-col)
					if direct && wd == nr {
						pb, ldp = b[pc*ldb+col:], ldb // read in place
					} else {
						pb = ready(j, own)
					}
					for ir := 0; ir < rows; ir += mr {
						pa := ap[ir*kc : (ir+mr)*kc]
						h := min(mr, rows-ir)
						ci := (i0+ir)*ldc + col
						if h == mr && wd == nr {
							kn.tile(kc, alpha, pa, pb, ldp, bt, c[ci:], ldc, accum)
							continue
						}
						// An edge tile: through a full tile on the stack,
						// with the same arithmetic.
						t := edge[:mr*nr]
						if accum {
							clear(t)
							for r := 0; r < h; r++ {
								copy(t[r*nr:r*nr+wd], c[ci+r*ldc:ci+r*ldc+wd])
							}
						}
						kn.tile(kc, alpha, pa, pb, ldp, bt, t, nr, accum)
						for r := 0; r < h; r++ {
							copy(c[ci+r*ldc:ci+r*ldc+wd], t[r*nr:r*nr+wd])
						}
					}
				}
				putBuf(ap)
				putBuf(own)
			})
		}
	}
}

func roundUp(x, to int) int { return (x + to - 1) / to * to }

// run calls fn(i) for every i < n on w goroutines (the caller's among
// them), handing out indices in order from a shared counter.
func run(w, n int, fn func(i int)) {
	if w <= 1 || n <= 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	work := func() {
		for {
			i := int(next.Add(1) - 1)
			if i >= n {
				return
			}
			fn(i)
		}
	}
	var wg sync.WaitGroup
	for range min(w, n) - 1 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work()
		}()
	}
	work()
	wg.Wait()
}

// packA packs rows i0…i0+rows−1 and columns p0…p0+kc−1 of op(A) into
// micro-panels of MR rows: panel q holds, for each p, the MR values
// op(A)(i0+q·MR+r, p0+p) at dst[q·MR·kc + p·MR + r], zero past the last row.
func packA[T float32 | float64](tA bool, a []T, lda, i0, rows, p0, kc int, dst []T) {
	const mr = vec.TileMR
	for q := 0; q < rows; q += mr {
		d := dst[q*kc : (q+mr)*kc]
		h := min(mr, rows-q)
		if tA {
			// op(A)(i, p) = a[p·lda + i]: MR contiguous values per p.
			for p := 0; p < kc; p++ {
				src := a[(p0+p)*lda+i0+q:]
				dp := d[p*mr : p*mr+mr : p*mr+mr]
				copy(dp, src[:h])
				clear(dp[h:])
			}
			continue
		}
		// op(A)(i, p) = a[i·lda + p]: interleave h rows.
		if h == mr {
			r0 := a[(i0+q)*lda+p0:][:kc]
			r1 := a[(i0+q+1)*lda+p0:][:kc]
			r2 := a[(i0+q+2)*lda+p0:][:kc]
			r3 := a[(i0+q+3)*lda+p0:][:kc]
			r4 := a[(i0+q+4)*lda+p0:][:kc]
			r5 := a[(i0+q+5)*lda+p0:][:kc]
			for p := 0; p < kc; p++ {
				dp := d[p*mr : p*mr+mr : p*mr+mr]
				dp[0], dp[1], dp[2], dp[3], dp[4], dp[5] = r0[p], r1[p], r2[p], r3[p], r4[p], r5[p]
			}
			continue
		}
		clear(d)
		for r := 0; r < h; r++ {
			row := a[(i0+q+r)*lda+p0:][:kc]
			for p, v := range row {
				d[p*mr+r] = v
			}
		}
	}
}

// packB packs rows p0…p0+kc−1 and columns j0…j0+cols−1 (cols ≤ nr) of op(B)
// into one micro-panel: dst[p·nr + j] = op(B)(p0+p, j0+j), zero past cols.
func packB[T float32 | float64](tB bool, b []T, ldb, p0, kc, j0, cols, nr int, dst []T) {
	if !tB {
		// op(B)(p, j) = b[p·ldb + j]: a contiguous row piece per p, copied
		// as one array for a full panel (a call to memmove per 64 bytes
		// cost more than the copy).
		switch {
		case cols == 16 && nr == 16:
			for p := 0; p < kc; p++ {
				*(*[16]T)(dst[p*16:]) = *(*[16]T)(b[(p0+p)*ldb+j0:])
			}
			return
		case cols == 8 && nr == 8:
			for p := 0; p < kc; p++ {
				*(*[8]T)(dst[p*8:]) = *(*[8]T)(b[(p0+p)*ldb+j0:])
			}
			return
		}
		for p := 0; p < kc; p++ {
			dp := dst[p*nr : p*nr+nr]
			copy(dp, b[(p0+p)*ldb+j0:][:cols])
			clear(dp[cols:])
		}
		return
	}
	// op(B)(p, j) = b[j·ldb + p]: interleave cols rows of b.
	if cols < nr {
		clear(dst[:kc*nr])
	}
	for j := 0; j < cols; j++ {
		row := b[(j0+j)*ldb+p0:][:kc]
		for p, v := range row {
			dst[p*nr+j] = v
		}
	}
}

// bufs32 and bufs64 keep packing buffers between products, so that a
// product does not allocate (and the runtime zero) megabytes each time.
var (
	bufs32 scratch.List[float32]
	bufs64 scratch.List[float64]
)

func listOf[T float32 | float64]() *scratch.List[T] {
	var z T
	if _, ok := any(z).(float32); ok {
		return any(&bufs32).(*scratch.List[T])
	}
	return any(&bufs64).(*scratch.List[T])
}

// getBuf returns a slice of length n with unspecified contents.
func getBuf[T float32 | float64](n int) []T { return listOf[T]().Get(n) }

// putBuf returns a buffer from getBuf to its list.
func putBuf[T float32 | float64](b []T) { listOf[T]().Put(b) }
