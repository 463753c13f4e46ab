package blas

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// Impl computes general matrix products on row-major matrices:
//
//	C = alpha·op(A)·op(B) + beta·C
//
// where op(X) is X or its transpose, op(A) is m×k, op(B) is k×n and C is m×n.
// lda, ldb and ldc are the row strides of A, B and C as stored (before any
// transpose). Implementations are safe for concurrent use.
type Impl interface {
	// Name identifies the implementation ("native", "gonum", "openblas").
	Name() string
	// Sgemm is the float32 product.
	Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
	// Dgemm is the float64 product.
	Dgemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int)
	// Parallel reports whether one product already spreads over several
	// threads by itself. When it does not, callers split large products
	// into independent blocks on goroutines of their own.
	Parallel() bool
}

// Gonum is the pure-Go implementation. A large product spreads over as many
// goroutines as runtime.GOMAXPROCS allows.
var Gonum Impl = gonumImpl{}

type gonumImpl struct{}

func (gonumImpl) Name() string   { return "gonum" }
func (gonumImpl) Parallel() bool { return true }

func trans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

func (gonumImpl) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	gonum.Implementation{}.Sgemm(trans(transA), trans(transB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func (gonumImpl) Dgemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	gonum.Implementation{}.Dgemm(trans(transA), trans(transB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// checkDims panics with a message naming the offending argument when the
// slices cannot hold the matrices the dimensions describe. Implementations
// that call into C use it, because C would read out of bounds silently.
func checkDims(transA, transB bool, m, n, k, lenA, lda, lenB, ldb, lenC, ldc int) {
	rows := func(t bool, r, c int) (int, int) {
		if t {
			return c, r
		}
		return r, c
	}
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("blas: negative dimension m=%d n=%d k=%d", m, n, k))
	}
	ar, ac := rows(transA, m, k)
	br, bc := rows(transB, k, n)
	check := func(name string, r, c, ld, l int) {
		if r == 0 || c == 0 {
			return
		}
		if ld < c {
			panic(fmt.Sprintf("blas: %s is %d×%d but its leading dimension is %d", name, r, c, ld))
		}
		if need := (r-1)*ld + c; l < need {
			panic(fmt.Sprintf("blas: %s is %d×%d with leading dimension %d and needs %d elements, has %d", name, r, c, ld, need, l))
		}
	}
	check("A", ar, ac, lda, lenA)
	check("B", br, bc, ldb, lenB)
	check("C", m, n, ldc, lenC)
}

// scaleC sets the m×n matrix C to beta·C (zero when beta is zero, so that NaNs
// already in C do not survive, as the reference BLAS specifies).
func scaleC[T float32 | float64](m, n int, beta T, c []T, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		for j := range row {
			if beta == 0 {
				row[j] = 0
			} else {
				row[j] *= beta
			}
		}
	}
}
