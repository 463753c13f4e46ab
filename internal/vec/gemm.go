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
