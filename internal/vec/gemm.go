package vec

import (
	"fmt"
	"math"
)

// Gemm4x8 adds alpha·Σ_{p<k} A(r, p)·B(p, j) to C(r, j) for r < 4 and
// j < 8: one register block of a small matrix product. A(r, p) =
// a[r·ai + p·ap], B(p, j) = b[p·ldb + j] (the eight elements of a row of B
// are contiguous) and C(r, j) = c[r·ldc + j]; strides are in elements and
// any transposition of A is a choice of ai and ap. Each element of C is
// accumulated in order of p by fused multiply-adds, then added to C with
// one more (alpha·sum + C), identically on both paths. It panics if an
// index falls outside its slice.
func Gemm4x8(k int, alpha float64, a []float64, ai, ap int, b []float64, ldb int, c []float64, ldc int) {
	if k < 0 || ai < 0 || ap < 0 || ldb < 8 || ldc < 8 {
		panic(fmt.Sprintf("vec: Gemm4x8: k %d, strides ai %d ap %d ldb %d ldc %d", k, ai, ap, ldb, ldc))
	}
	if k > 0 {
		if last := 3*ai + (k-1)*ap; last >= len(a) {
			panic(fmt.Sprintf("vec: Gemm4x8: A needs index %d, has %d elements", last, len(a)))
		}
		if last := (k-1)*ldb + 7; last >= len(b) {
			panic(fmt.Sprintf("vec: Gemm4x8: B needs index %d, has %d elements", last, len(b)))
		}
	}
	if last := 3*ldc + 7; last >= len(c) {
		panic(fmt.Sprintf("vec: Gemm4x8: C needs index %d, has %d elements", last, len(c)))
	}
	if useAsm {
		if k == 0 {
			gemm4x8AVX2(0, alpha, &c[0], 0, 0, &c[0], ldb, &c[0], ldc) // reads nothing from a or b
			return
		}
		gemm4x8AVX2(k, alpha, &a[0], ai, ap, &b[0], ldb, &c[0], ldc)
		return
	}
	gemm4x8Go(k, alpha, a, ai, ap, b, ldb, c, ldc)
}

// gemm4x8Go is Gemm4x8 in Go, in the same order of operations.
func gemm4x8Go(k int, alpha float64, a []float64, ai, ap int, b []float64, ldb int, c []float64, ldc int) {
	var acc [4][8]float64
	for p := 0; p < k; p++ {
		br := b[p*ldb : p*ldb+8]
		for r := 0; r < 4; r++ {
			av := a[r*ai+p*ap]
			for j, bv := range br {
				acc[r][j] = math.FMA(av, bv, acc[r][j])
			}
		}
	}
	for r := 0; r < 4; r++ {
		row := c[r*ldc : r*ldc+8]
		for j := range row {
			row[j] = math.FMA(acc[r][j], alpha, row[j])
		}
	}
}

// Gemm4x8Tiles applies Gemm4x8 to each block of an mt×nt grid of 4×8
// blocks: block (r, s) adds alpha·A·B over rows 4r…4r+3 of A and C and
// columns 8s…8s+7 of B and C, with the strides of Gemm4x8 (ldc ≥ 8·nt, so
// the blocks do not overlap). One call covers the whole grid, which for a
// short inner dimension k costs a fraction of a call per block. It panics
// if an index falls outside its slice.
func Gemm4x8Tiles(mt, nt, k int, alpha float64, a []float64, ai, ap int, b []float64, ldb int, c []float64, ldc int) {
	if mt < 0 || nt < 0 || k < 0 || ai < 0 || ap < 0 || ldb < 8*nt || ldc < 8*nt {
		panic(fmt.Sprintf("vec: Gemm4x8Tiles: %d×%d blocks, k %d, strides ai %d ap %d ldb %d ldc %d", mt, nt, k, ai, ap, ldb, ldc))
	}
	if mt == 0 || nt == 0 {
		return
	}
	if k > 0 {
		if last := (4*mt-1)*ai + (k-1)*ap; last >= len(a) {
			panic(fmt.Sprintf("vec: Gemm4x8Tiles: A needs index %d, has %d elements", last, len(a)))
		}
		if last := (k-1)*ldb + 8*nt - 1; last >= len(b) {
			panic(fmt.Sprintf("vec: Gemm4x8Tiles: B needs index %d, has %d elements", last, len(b)))
		}
	}
	if last := (4*mt-1)*ldc + 8*nt - 1; last >= len(c) {
		panic(fmt.Sprintf("vec: Gemm4x8Tiles: C needs index %d, has %d elements", last, len(c)))
	}
	if useAsm {
		if k == 0 {
			gemm4x8LoopAVX2(mt, nt, 0, alpha, &c[0], 0, 0, &c[0], ldb, &c[0], ldc) // reads nothing from a or b
			return
		}
		gemm4x8LoopAVX2(mt, nt, k, alpha, &a[0], ai, ap, &b[0], ldb, &c[0], ldc)
		return
	}
	for r := 0; r < mt; r++ {
		for s := 0; s < nt; s++ {
			ar, bs := a, b
			if k > 0 { // with k = 0, A and B may be empty and are not read
				ar, bs = a[4*r*ai:], b[8*s:]
			}
			gemm4x8Go(k, alpha, ar, ai, ap, bs, ldb, c[4*r*ldc+8*s:], ldc)
		}
	}
}

// Dots sets C[i][j] = alpha·⟨A[i], B[j]⟩ + C[i][j], rounded once, for
// i < m and j < n: the product of A (m×k, rows contiguous with stride lda)
// and the transpose of B (n×k, stride ldb), for small products whose inner
// dimension is the long one. C has stride ldc. Each dot product is summed
// in a fixed order, the same on both paths and for every element: element
// p goes to lane p%4 of one accumulator, by fused multiply-adds in order
// of p (the lanes past the last element of a final partial block add
// 0·0), and the result is (v0 + v2) + (v1 + v3). The kernel works on
// groups of four rows of A by two of B. It panics if an index falls
// outside its slice.
func Dots(m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	if m < 0 || n < 0 || k < 0 || lda < k || ldb < k || ldc < n {
		panic(fmt.Sprintf("vec: Dots: m %d n %d k %d, strides lda %d ldb %d ldc %d", m, n, k, lda, ldb, ldc))
	}
	if m == 0 || n == 0 {
		return
	}
	if k > 0 {
		if last := (m-1)*lda + k - 1; last >= len(a) {
			panic(fmt.Sprintf("vec: Dots: A needs index %d, has %d elements", last, len(a)))
		}
		if last := (n-1)*ldb + k - 1; last >= len(b) {
			panic(fmt.Sprintf("vec: Dots: B needs index %d, has %d elements", last, len(b)))
		}
	}
	if last := (m-1)*ldc + n - 1; last >= len(c) {
		panic(fmt.Sprintf("vec: Dots: C needs index %d, has %d elements", last, len(c)))
	}
	if useAsm && k > 0 {
		mask := &edgeMask[16-k%4]
		m4, n2 := m/4*4, n/2*2
		if m4 > 0 && n2 > 0 {
			dots4x2AVX2(m4/4, n2/2, k, alpha, &a[0], lda, &b[0], ldb, &c[0], ldc, mask)
		}
		if m4 > 0 && n2 < n { // the last column of the full row groups
			dotsAVX2(m4, n-n2, k, alpha, &a[0], lda, &b[n2*ldb], ldb, &c[n2], ldc, mask)
		}
		if m4 < m { // the last rows, every column
			dotsAVX2(m-m4, n, k, alpha, &a[m4*lda], lda, &b[0], ldb, &c[m4*ldc], ldc, mask)
		}
		return
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var d float64
			if k > 0 {
				d = dotOrderedGo(a[i*lda:i*lda+k], b[j*ldb:j*ldb+k])
			}
			c[i*ldc+j] = math.FMA(alpha, d, c[i*ldc+j])
		}
	}
}

// dotOrderedGo is one dot product of Dots, in its order.
func dotOrderedGo(x, y []float64) float64 {
	k := len(x)
	y = y[:k]
	var acc [4]float64
	p := 0
	for ; p+4 <= k; p += 4 {
		xx, yy := x[p:p+4:p+4], y[p:p+4:p+4]
		for l := range acc {
			acc[l] = math.FMA(xx[l], yy[l], acc[l])
		}
	}
	if r := k - p; r > 0 {
		for l := range acc {
			if l < r {
				acc[l] = math.FMA(x[p+l], y[p+l], acc[l])
			} else {
				acc[l] = math.FMA(0, 0, acc[l])
			}
		}
	}
	return (acc[0] + acc[2]) + (acc[1] + acc[3])
}

// Gemm2x16Tiles adds alpha·Σ_{p<k} A(r, p)·B(p, j) to C(r, j) for the two
// rows r < 2 and the columns j < 16·nt, in blocks of 16 columns: the shape
// of a weight gradient, whose output has few rows and whose inner
// dimension is a batch. Strides are those of Gemm4x8 (ldb, ldc ≥ 16·nt),
// and so is the arithmetic: each element is accumulated in order of p by
// fused multiply-adds, then added to C with one more. It panics if an
// index falls outside its slice.
func Gemm2x16Tiles(nt, k int, alpha float64, a []float64, ai, ap int, b []float64, ldb int, c []float64, ldc int) {
	if nt < 0 || k < 0 || ai < 0 || ap < 0 || ldb < 16*nt || ldc < 16*nt {
		panic(fmt.Sprintf("vec: Gemm2x16Tiles: %d blocks, k %d, strides ai %d ap %d ldb %d ldc %d", nt, k, ai, ap, ldb, ldc))
	}
	if nt == 0 {
		return
	}
	if k > 0 {
		if last := ai + (k-1)*ap; last >= len(a) {
			panic(fmt.Sprintf("vec: Gemm2x16Tiles: A needs index %d, has %d elements", last, len(a)))
		}
		if last := (k-1)*ldb + 16*nt - 1; last >= len(b) {
			panic(fmt.Sprintf("vec: Gemm2x16Tiles: B needs index %d, has %d elements", last, len(b)))
		}
	}
	if last := ldc + 16*nt - 1; last >= len(c) {
		panic(fmt.Sprintf("vec: Gemm2x16Tiles: C needs index %d, has %d elements", last, len(c)))
	}
	if useAsm {
		if k == 0 {
			gemm2x16LoopAVX2(nt, 0, alpha, &c[0], 0, 0, &c[0], ldb, &c[0], ldc) // reads nothing from a or b
			return
		}
		gemm2x16LoopAVX2(nt, k, alpha, &a[0], ai, ap, &b[0], ldb, &c[0], ldc)
		return
	}
	for s := 0; s < nt; s++ {
		var acc [2][16]float64
		for p := 0; p < k; p++ {
			br := b[p*ldb+16*s : p*ldb+16*s+16]
			for r := 0; r < 2; r++ {
				av := a[r*ai+p*ap]
				for j, bv := range br {
					acc[r][j] = math.FMA(av, bv, acc[r][j])
				}
			}
		}
		for r := 0; r < 2; r++ {
			row := c[r*ldc+16*s : r*ldc+16*s+16]
			for j := range row {
				row[j] = math.FMA(acc[r][j], alpha, row[j])
			}
		}
	}
}

// edgeMask holds lane masks for the edge blocks: the 16 lanes from
// edgeMask[16−cols] enable the first cols.
var edgeMask = [32]int64{-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1}

// Gemm4x8Edge is Gemm4x8Tiles for the last, partial column block: mt
// blocks of 4 rows by cols ≤ 8 columns, with the same arithmetic. The
// columns past cols are neither read from B nor written to C. It panics if
// an index falls outside its slice.
func Gemm4x8Edge(mt, cols, k int, alpha float64, a []float64, ai, ap int, b []float64, ldb int, c []float64, ldc int) {
	if mt < 0 || cols < 0 || cols > 8 || k < 0 || ai < 0 || ap < 0 || ldb < cols || ldc < cols {
		panic(fmt.Sprintf("vec: Gemm4x8Edge: %d row blocks, %d columns, k %d, strides ai %d ap %d ldb %d ldc %d", mt, cols, k, ai, ap, ldb, ldc))
	}
	if mt == 0 || cols == 0 {
		return
	}
	checkEdge("Gemm4x8Edge", 4*mt, cols, k, a, ai, ap, b, ldb, c, ldc)
	if useAsm {
		if k == 0 {
			a, b = c, c // read nothing
		}
		gemm4x8MaskAVX2(mt, k, alpha, &a[0], ai, ap, &b[0], ldb, &c[0], ldc, &edgeMask[16-cols])
		return
	}
	edgeGo(4*mt, cols, k, alpha, a, ai, ap, b, ldb, c, ldc)
}

// Gemm2x16Edge is Gemm2x16Tiles for the last, partial column block: two
// rows by cols ≤ 16 columns, with the same arithmetic. The columns past
// cols are neither read from B nor written to C. It panics if an index
// falls outside its slice.
func Gemm2x16Edge(cols, k int, alpha float64, a []float64, ai, ap int, b []float64, ldb int, c []float64, ldc int) {
	if cols < 0 || cols > 16 || k < 0 || ai < 0 || ap < 0 || ldb < cols || ldc < cols {
		panic(fmt.Sprintf("vec: Gemm2x16Edge: %d columns, k %d, strides ai %d ap %d ldb %d ldc %d", cols, k, ai, ap, ldb, ldc))
	}
	if cols == 0 {
		return
	}
	checkEdge("Gemm2x16Edge", 2, cols, k, a, ai, ap, b, ldb, c, ldc)
	if useAsm {
		if k == 0 {
			a, b = c, c // read nothing
		}
		gemm2x16MaskAVX2(k, alpha, &a[0], ai, ap, &b[0], ldb, &c[0], ldc, &edgeMask[16-cols])
		return
	}
	edgeGo(2, cols, k, alpha, a, ai, ap, b, ldb, c, ldc)
}

func checkEdge(name string, rows, cols, k int, a []float64, ai, ap int, b []float64, ldb int, c []float64, ldc int) {
	if k > 0 {
		if last := (rows-1)*ai + (k-1)*ap; last >= len(a) {
			panic(fmt.Sprintf("vec: %s: A needs index %d, has %d elements", name, last, len(a)))
		}
		if last := (k-1)*ldb + cols - 1; last >= len(b) {
			panic(fmt.Sprintf("vec: %s: B needs index %d, has %d elements", name, last, len(b)))
		}
	}
	if last := (rows-1)*ldc + cols - 1; last >= len(c) {
		panic(fmt.Sprintf("vec: %s: C needs index %d, has %d elements", name, last, len(c)))
	}
}

// edgeGo is the edge blocks' arithmetic in Go: each element accumulated in
// order of p by fused multiply-adds, then added to C with one more.
func edgeGo(rows, cols, k int, alpha float64, a []float64, ai, ap int, b []float64, ldb int, c []float64, ldc int) {
	for r := 0; r < rows; r++ {
		for j := 0; j < cols; j++ {
			var acc float64
			for p := 0; p < k; p++ {
				acc = math.FMA(a[r*ai+p*ap], b[p*ldb+j], acc)
			}
			c[r*ldc+j] = math.FMA(acc, alpha, c[r*ldc+j])
		}
	}
}

// Linear2 sets y[i·n+j] = (x[2i]·w[2j] + x[2i+1]·w[2j+1]) + b[j] for i < m,
// j < n: a layer with two inputs, y = x·wᵀ + b, with x m×2, w n×2 and y
// m×n row-major (b nil means zeros). The products are summed from zero by
// fused multiply-adds and the bias added after, as Gemm4x8Tiles on a
// bias-filled y computes them, so the bits are those of that kernel. It
// panics if a slice is too short.
func Linear2(y, x, w, b []float64, m, n int) {
	if m < 0 || n < 0 || len(x) < 2*m || len(w) < 2*n || len(y) < m*n || (b != nil && len(b) < n) {
		panic(fmt.Sprintf("vec: Linear2: %d×2 by %d×2 into %d elements (x %d, w %d, b %d)", m, n, len(y), len(x), len(w), len(b)))
	}
	if m == 0 || n == 0 {
		return
	}
	n4 := 0
	if useAsm {
		n4 = n &^ 3
		var bp *float64
		if b != nil {
			bp = &b[0]
		}
		if n4 > 0 {
			linear2AVX2(&y[0], &x[0], &w[0], bp, m, n, n4)
		}
		if rem := n - n4; rem > 0 {
			// The last columns through masks: w's 2·rem values, then rem
			// lanes of the bias and the output rows.
			if bp != nil {
				bp = &b[n4]
			}
			linear2TailAVX2(&y[n4], &x[0], &w[2*n4], bp, m, n, &edgeMask[16-min(2*rem, 4)], &edgeMask[16-max(2*rem-4, 0)], &edgeMask[16-rem])
			return
		}
	}
	for i := 0; i < m; i++ {
		x0, x1 := x[2*i], x[2*i+1]
		row := y[i*n : (i+1)*n]
		for j := n4; j < n; j++ {
			acc := math.FMA(x1, w[2*j+1], math.FMA(x0, w[2*j], 0))
			var bj float64
			if b != nil {
				bj = b[j]
			}
			row[j] = float64(acc + bj)
		}
	}
}
