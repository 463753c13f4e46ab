//go:build openblas

package blas

/*
#cgo LDFLAGS: -lopenblas
#include <cblas.h>
*/
import "C"

import "unsafe"

// OpenBLAS is the cgo implementation over the system OpenBLAS library. It is
// compiled only with the openblas build tag.
//
// Every product runs on the calling thread: the package pins OpenBLAS to one
// thread when it loads, and callers parallelise (package tensor splits large
// products and convolutions over goroutines). OpenBLAS's own worker threads
// spin between products, and on a two-core machine that spinning took the
// cores away from the Go code running between them (im2col, normalisation);
// with one OpenBLAS thread nothing spins.
var OpenBLAS Impl = openblasImpl{}

func init() { C.openblas_set_num_threads(1) }

// Default returns the implementation this build selected: OpenBLAS, because
// the openblas build tag is set.
func Default() Impl { return OpenBLAS }

type openblasImpl struct{}

func (openblasImpl) Name() string   { return "openblas" }
func (openblasImpl) Parallel() bool { return false }

func ctrans(t bool) C.enum_CBLAS_TRANSPOSE {
	if t {
		return C.CblasTrans
	}
	return C.CblasNoTrans
}

func (openblasImpl) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkDims(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		// Nothing to multiply, and A and B may be empty: C = beta·C.
		scaleC(m, n, beta, c, ldc)
		return
	}
	C.cblas_sgemm(C.CblasRowMajor, ctrans(transA), ctrans(transB), C.blasint(m), C.blasint(n), C.blasint(k),
		C.float(alpha), (*C.float)(unsafe.Pointer(&a[0])), C.blasint(lda),
		(*C.float)(unsafe.Pointer(&b[0])), C.blasint(ldb),
		C.float(beta), (*C.float)(unsafe.Pointer(&c[0])), C.blasint(ldc))
}

func (openblasImpl) Dgemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	checkDims(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		// Nothing to multiply, and A and B may be empty: C = beta·C.
		scaleC(m, n, beta, c, ldc)
		return
	}
	C.cblas_dgemm(C.CblasRowMajor, ctrans(transA), ctrans(transB), C.blasint(m), C.blasint(n), C.blasint(k),
		C.double(alpha), (*C.double)(unsafe.Pointer(&a[0])), C.blasint(lda),
		(*C.double)(unsafe.Pointer(&b[0])), C.blasint(ldb),
		C.double(beta), (*C.double)(unsafe.Pointer(&c[0])), C.blasint(ldc))
}
