// Package blas is the small matrix-multiplication interface the tensor package
// dispatches to, with two implementations:
//
//   - Gonum, the pure-Go BLAS from gonum.org/v1/gonum, always available and the
//     default, so a fresh clone builds and tests with nothing installed;
//   - OpenBLAS, through cgo, compiled in by the openblas build tag
//     (go build -tags openblas; needs Debian's libopenblas-dev). It is about
//     eight times faster than Gonum on large single-precision products.
//
// All matrices are row-major, as everywhere in this module. Default returns the
// implementation the build selected.
package blas
