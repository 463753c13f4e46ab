package tensor

import (
	"fmt"

	"github.com/acaode/aca/internal/vec"
)

// smallGemm is the product size (m·n·k) up to which gemm uses its own loops:
// below it the BLAS's per-call and per-row overhead (argument checks, a cgo
// call, one short dot product per output element) costs more than the
// arithmetic. The models of the paper's small experiments (a 2→50→2 MLP on a
// batch of 20) live entirely below it.
const smallGemm = 1 << 14

// gemm dispatches C = alpha·op(A)·op(B) + beta·C to the configured BLAS, or
// computes small products itself.
func gemm[T float](tA, tB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m*n*k <= smallGemm {
		gemmSmall(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	switch a := any(a).(type) {
	case []float32:
		gemmImpl.Sgemm(tA, tB, m, n, k, float32(alpha), a, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	case []float64:
		gemmImpl.Dgemm(tA, tB, m, n, k, float64(alpha), a, lda, any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	}
}

// parGemmFlops is the product size (m·n·k) from which a product is cut into
// blocks when the BLAS does not parallelise by itself: below it, starting
// goroutines costs more than it saves.
const parGemmFlops = 1 << 20

// gemmBlock is the width (columns, or rows) of the blocks a large product is
// cut into. Each block repacks the whole of the other operand, so blocks are
// kept wide: 256 cost a 1024² product a third of its speed on two threads.
const gemmBlock = 512

// gemmParallel computes C = alpha·op(A)·op(B) + beta·C. When the BLAS is
// single-threaded and the product large, it cuts C into blocks of gemmBlock
// columns (or rows, if C is taller than wide), each computed by its own call,
// and spreads the blocks over SetThreads workers. The blocks depend only on
// the shape, never on the thread count, so the result is the same bits
// however many threads run it. (OpenBLAS sums in a different order for
// different block shapes; splitting by thread count made float32 results
// differ in the last place between 1 and 2 threads.)
func gemmParallel[T float](tA, tB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if gemmImpl.Parallel() || m*n*k < parGemmFlops || max(m, n) <= gemmBlock {
		gemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	byCols := n >= m
	extent := m
	if byCols {
		extent = n
	}
	blocks := (extent + gemmBlock - 1) / gemmBlock
	parallelFor(blocks, 1, func(blo, bhi int) {
		for blk := blo; blk < bhi; blk++ {
			lo, hi := blk*gemmBlock, min((blk+1)*gemmBlock, extent)
			if byCols {
				var bs []T
				if tB {
					bs = b[lo*ldb:]
				} else {
					bs = b[lo:]
				}
				gemm(tA, tB, m, hi-lo, k, alpha, a, lda, bs, ldb, beta, c[lo:], ldc)
				continue
			}
			var as []T
			if tA {
				as = a[lo:]
			} else {
				as = a[lo*lda:]
			}
			gemm(tA, tB, hi-lo, n, k, alpha, as, lda, b, ldb, beta, c[lo*ldc:], ldc)
		}
	})
}

// gemmSmall is a plain-loop GEMM for small products. Each case orders its
// loops so the innermost one runs along contiguous memory.
func gemmSmall[T float](tA, tB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	switch {
	case beta == 1:
	case beta == 0 && ldc == n:
		clear(c[:m*n])
	default:
		for i := 0; i < m; i++ {
			row := c[i*ldc : i*ldc+n]
			if beta == 0 {
				clear(row)
				continue
			}
			for j := range row {
				row[j] *= beta
			}
		}
	}
	if k == 0 {
		return // C = beta·C, done above
	}
	if c64, ok := any(c).([]float64); ok {
		gemmSmall64(tA, tB, m, n, k, float64(alpha), any(a).([]float64), lda, any(b).([]float64), ldb, c64, ldc)
		return
	}
	switch {
	case !tA && !tB && n >= 16: // C[i,:] += a[i,p]·B[p,:], along long rows of B
		for i := 0; i < m; i++ {
			row := c[i*ldc : i*ldc+n]
			ai := a[i*lda : i*lda+k]
			for p, av := range ai {
				axpy(alpha*av, b[p*ldb:p*ldb+n], row)
			}
		}
	case tA && !tB && n >= 16: // C[i,:] += a[p,i]·B[p,:], along long rows of B
		for p := 0; p < k; p++ {
			br := b[p*ldb : p*ldb+n]
			for i := 0; i < m; i++ {
				axpy(alpha*a[p*lda+i], br, c[i*ldc:i*ldc+n])
			}
		}
	case !tA && tB && k <= 8 && n >= 16:
		// C[i,:] += a[i,p]·B[:,p]: a short inner dimension. Lay the columns
		// of B out as rows first, so each term is an axpy along a row.
		bt := transposed(b, n, k, ldb)
		for i := 0; i < m; i++ {
			row := c[i*ldc : i*ldc+n]
			for p, av := range a[i*lda : i*lda+k] {
				axpy(alpha*av, bt[p*n:p*n+n], row)
			}
		}
		putScratch(bt)
	case tA && !tB && n < 4 && m >= 16:
		// Cᵀ[j,:] = Σ_p B[p,j]·A[p,:]: axpys along the long rows of A into a
		// transposed scratch C, added to C at the end.
		ct := smallScratch[T](n * m)
		clear(ct)
		for p := 0; p < k; p++ {
			ar := a[p*lda : p*lda+m]
			for j := 0; j < n; j++ {
				axpy(alpha*b[p*ldb+j], ar, ct[j*m:j*m+m])
			}
		}
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				c[i*ldc+j] += ct[j*m+i]
			}
		}
		putScratch(ct)
	default:
		// Register blocks, every transposition being a choice of strides.
		ai, ap := strides(tA, lda)
		bp, bj := strides(tB, ldb)
		if m < 4 && n > m {
			// Cᵀ = op(B)ᵀ·op(A)ᵀ: the long side of C takes the blocks of 4.
			gemmBlocked(n, m, k, alpha, b, bj, bp, a, ap, ai, c, 1, ldc)
			return
		}
		gemmBlocked(m, n, k, alpha, a, ai, ap, b, bp, bj, c, ldc, 1)
	}
}

// gemmSmall64 adds alpha·op(A)·op(B) to C for small float64 products with
// the AVX2 kernels of internal/vec, each called once for the whole product:
// for a short inner dimension the cost of a call per 4×8 block, or per dot
// product, is more than the block's arithmetic. The result depends only on
// the shapes and transpositions, never on the thread count.
func gemmSmall64(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	switch {
	case tB && !tA && m < 8 && k >= 8:
		// Few rows of A against the rows of B (a batch of one through a
		// layer, say): dot products along both as stored; laying B out
		// for the blocks would cost more than the product.
		vec.Dots(m, n, k, alpha, a, lda, b, ldb, c, ldc)
	case n < 8 && k >= 16 && !tA:
		// A short C with a long inner dimension: dot products along the
		// rows of A and of op(B)ᵀ (the columns of B laid out as rows).
		bt, ldbt := b, ldb
		if !tB {
			bt, ldbt = transposed(b, k, n, ldb), k
		}
		vec.Dots(m, n, k, alpha, a, lda, bt, ldbt, c, ldc)
		if !tB {
			putScratch(bt)
		}
	case n < 8 && m >= 8:
		// Cᵀ = op(B)ᵀ·op(A)ᵀ has the long side along its rows: compute it
		// in a scratch matrix and add it to C.
		ct := smallScratch[float64](n * m)
		clear(ct)
		gemmSmall64(!tB, !tA, n, m, k, alpha, b, ldb, a, lda, ct, m)
		if n == 2 && ldc == 2 {
			// A weight gradient of a layer with two inputs.
			vec.InterleaveAdd64(c[:2*m], ct[:m], ct[m:2*m])
			putScratch(ct)
			return
		}
		for i := 0; i < m; i++ {
			row := c[i*ldc : i*ldc+n]
			for j := range row {
				row[j] += ct[j*m+i]
			}
		}
		putScratch(ct)
	case n >= 8:
		gemmTiles64(tA, tB, m, n, k, alpha, a, lda, b, ldb, c, ldc)
	default:
		ai, ap := strides(tA, lda)
		bp, bj := strides(tB, ldb)
		gemmBlocked(m, n, k, alpha, a, ai, ap, b, bp, bj, c, ldc, 1)
	}
}

// gemmTiles64 adds alpha·op(A)·op(B) to C (n ≥ 8) in the 4×8 blocks of
// vec.Gemm4x8Tiles: rows of op(B) must be contiguous, so a transposed B is
// laid out as rows first. The last m%4 rows go in pairs through the 2×16
// blocks of vec.Gemm2x16Tiles (a single last row on copies padded with a
// zero row), and the last, partial column blocks through the masked edge
// blocks: every element of C is rounded the same way.
func gemmTiles64(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	ai, ap := strides(tA, lda)
	bb, ldbb := b, ldb
	if tB {
		bb, ldbb = transposed(b, n, k, ldb), n
	}
	m4, n8, n16 := m/4*4, n/8*8, n/16*16
	vec.Gemm4x8Tiles(m4/4, n8/8, k, alpha, a, ai, ap, bb, ldbb, c, ldc)
	vec.Gemm4x8Edge(m4/4, n-n8, k, alpha, a, ai, ap, bb[n8:], ldbb, c[n8:], ldc)
	i := m4
	for ; i+2 <= m; i += 2 {
		vec.Gemm2x16Tiles(n16/16, k, alpha, a[i*ai:], ai, ap, bb, ldbb, c[i*ldc:], ldc)
		vec.Gemm2x16Edge(n-n16, k, alpha, a[i*ai:], ai, ap, bb[n16:], ldbb, c[i*ldc+n16:], ldc)
	}
	if i < m {
		// The last row, with a zero row below it.
		pa := smallScratch[float64](2*k + 2*n)
		pc := pa[2*k:]
		clear(pa)
		for p := 0; p < k; p++ {
			pa[p] = a[i*ai+p*ap]
		}
		copy(pc[:n], c[i*ldc:])
		vec.Gemm2x16Tiles(n16/16, k, alpha, pa, k, 1, bb, ldbb, pc, n)
		vec.Gemm2x16Edge(n-n16, k, alpha, pa, k, 1, bb[n16:], ldbb, pc[n16:], n)
		copy(c[i*ldc:i*ldc+n], pc[:n])
		putScratch(pa)
	}
	if tB {
		putScratch(bb)
	}
}

// smallScratch returns a buffer of n elements for a small product's
// rearranged operand; give it back with putScratch.
func smallScratch[T float](n int) []T { return getScratch[T](n)[:n] }

// transposed returns, in a scratch buffer (give it back with putScratch),
// the transpose of the rows×cols matrix src stored with row stride ld:
// element (r, c) of src lands at c·rows + r.
func transposed[T float](src []T, rows, cols, ld int) []T {
	dst := smallScratch[T](rows * cols)
	if cols == 2 && ld == 2 {
		// A weight of a layer with two inputs, the commonest case.
		if d, ok := any(dst).([]float64); ok {
			vec.Deinterleave64(d[:rows], d[rows:2*rows], any(src).([]float64)[:2*rows])
			return dst
		}
		d0, d1 := dst[:rows], dst[rows:2*rows]
		s := src[:2*rows]
		for r := range d0 {
			p := s[2*r : 2*r+2 : 2*r+2]
			d0[r], d1[r] = p[0], p[1]
		}
		return dst
	}
	if cols <= 4 {
		// Few columns (a weight of a layer with few inputs): one pass
		// per column, each along a row of dst.
		for c := 0; c < cols; c++ {
			d := dst[c*rows : c*rows+rows]
			s := src[c:]
			for r := range d {
				d[r] = s[r*ld]
			}
		}
		return dst
	}
	for r := 0; r < rows; r++ {
		for c, v := range src[r*ld : r*ld+cols] {
			dst[c*rows+r] = v
		}
	}
	return dst
}

// strides returns the element strides (along rows, along columns) of an
// operand stored row-major with stride ld, transposed if t.
func strides(t bool, ld int) (int, int) {
	if t {
		return 1, ld
	}
	return ld, 1
}

// matDims returns (batch, rows, cols) of a 2-D or 3-D operand as stored.
func matDims(x *Tensor) (int, int, int) {
	if x.NDim() == 2 {
		return 1, x.shape[0], x.shape[1]
	}
	return x.shape[0], x.shape[1], x.shape[2]
}

// MatMul returns op(a)·op(b), where op transposes the last two axes when the
// corresponding flag is set. Operands are 2-D matrices or 3-D batches of
// matrices; a 2-D operand, or a batch of one, is shared by every matrix of the
// other operand. For example [B, M, K]·[K, N] → [B, M, N].
func MatMul(a, b *Tensor, transA, transB bool) *Tensor {
	sameDType("MatMul", a, b)
	for _, x := range []*Tensor{a, b} {
		if x.NDim() != 2 && x.NDim() != 3 {
			panic(fmt.Sprintf("tensor: MatMul: shapes %v and %v: operands must be 2-D matrices or 3-D batches", a.shape, b.shape))
		}
	}
	ba, ra, ca := matDims(a)
	bb, rb, cb := matDims(b)
	m, k := ra, ca
	if transA {
		m, k = ca, ra
	}
	k2, n := rb, cb
	if transB {
		k2, n = cb, rb
	}
	if k != k2 || (ba != bb && ba != 1 && bb != 1) {
		panic(fmt.Sprintf("tensor: MatMul: shapes %v%s and %v%s do not multiply", a.shape, tmark(transA), b.shape, tmark(transB)))
	}
	batch := max(ba, bb)
	var out *Tensor
	if a.NDim() == 3 || b.NDim() == 3 {
		out = allocFull(a.dtype, []int{batch, m, n})
	} else {
		out = allocFull(a.dtype, []int{m, n})
	}
	switch a.dtype {
	case Float32:
		batchedGemm(transA, transB, batch, ba, bb, m, n, k, a.f32, ca, b.f32, cb, out.f32)
	case Float64:
		batchedGemm(transA, transB, batch, ba, bb, m, n, k, a.f64, ca, b.f64, cb, out.f64)
	}
	return out
}

func tmark(t bool) string {
	if t {
		return "ᵀ"
	}
	return ""
}

func batchedGemm[T float](tA, tB bool, batch, ba, bb, m, n, k int, a []T, lda int, b []T, ldb int, c []T) {
	// A batch of A against one shared B, untransposed: one tall product.
	if bb == 1 && !tA {
		gemmParallel(false, tB, batch*m, n, k, 1, a, lda, b, ldb, 0, c, n)
		return
	}
	sa, sb := m*k, k*n
	if ba == 1 {
		sa = 0
	}
	if bb == 1 {
		sb = 0
	}
	if m*n*k >= parGemmFlops {
		for i := 0; i < batch; i++ {
			gemmParallel(tA, tB, m, n, k, 1, a[i*sa:], lda, b[i*sb:], ldb, 0, c[i*m*n:], n)
		}
		return
	}
	if batch == 1 { // no closure for the common case
		gemm(tA, tB, m, n, k, 1, a, lda, b, ldb, 0, c, n)
		return
	}
	// Many small products: one goroutine per block of the batch (neither BLAS
	// parallelises a small product by itself).
	parallelFor(batch, max(1, parGemmFlops/max(m*n*k, 1)), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			gemm(tA, tB, m, n, k, 1, a[i*sa:], lda, b[i*sb:], ldb, 0, c[i*m*n:], n)
		}
	})
}

// Linear returns x·wᵀ + b for x of shape [..., in], w of shape [out, in] and
// b of shape [out] (b may be nil): the affine map of a fully connected layer.
func Linear(x, w, b *Tensor) *Tensor {
	sameDType("Linear", x, w)
	if w.NDim() != 2 {
		panic(fmt.Sprintf("tensor: Linear: weight %v is not a matrix [out in] (input %v)", w.shape, x.shape))
	}
	if x.NDim() < 1 || x.shape[x.NDim()-1] != w.shape[1] {
		panic(fmt.Sprintf("tensor: Linear: input %v does not match weight %v (want [..., %d])", x.shape, w.shape, w.shape[1]))
	}
	out := w.shape[0]
	if b != nil {
		sameDType("Linear", x, b)
		if b.Len() != out || b.NDim() != 1 {
			panic(fmt.Sprintf("tensor: Linear: bias %v does not match weight %v (want [%d])", b.shape, w.shape, out))
		}
	}
	in := w.shape[1]
	rows := 1
	for _, d := range x.shape[:x.NDim()-1] {
		rows *= d
	}
	var sb [4]int
	shape := append(append(sb[:0], x.shape[:x.NDim()-1]...), out)
	y := allocFull(x.dtype, shape)
	switch x.dtype {
	case Float32:
		var bias []float32
		if b != nil {
			bias = b.f32
		}
		linearKernel(rows, in, out, x.f32, w.f32, bias, y.f32)
	case Float64:
		var bias []float64
		if b != nil {
			bias = b.f64
		}
		linearKernel(rows, in, out, x.f64, w.f64, bias, y.f64)
	}
	return y
}

func linearKernel[T float](rows, in, out int, x, w, b, y []T) {
	if y64, ok := any(y).([]float64); ok && in == 2 && out >= 8 && rows*out*in <= smallGemm {
		// A layer with two inputs (ode_demo's first): one pass, bias
		// included, with the bits of the small-product kernels below.
		var b64 []float64
		if b != nil {
			b64 = any(b).([]float64)
		}
		vec.Linear2(y64, any(x).([]float64), any(w).([]float64), b64, rows, out)
		return
	}
	var beta T
	if y64, ok := any(y).([]float64); ok && b != nil {
		vec.FillRows64(y64[:rows*out], any(b).([]float64)[:out])
		beta = 1
	} else if b != nil {
		if out < 8 { // short rows: a loop, not a copy call per row
			b = b[:out]
			for r := 0; r < rows; r++ {
				row := y[r*out : (r+1)*out]
				//lint:ignore S1001 copy is a call per row, which costs more than these few elements
				for j, v := range b {
					row[j] = v
				}
			}
		} else {
			for r := 0; r < rows; r++ {
				copy(y[r*out:(r+1)*out], b)
			}
		}
		beta = 1
	}
	gemmParallel(false, true, rows, out, in, 1, x, in, w, in, beta, y, out)
}
