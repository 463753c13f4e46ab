// Package blas is the small matrix-multiplication interface the tensor package
// dispatches to, with three implementations:
//
//   - Native, this module's own GEMM: packed panels and cache blocks as in
//     the BLIS papers, with an AVX2+FMA assembly micro-kernel chosen at run
//     time (a portable Go one elsewhere and under the purego tag). Pure Go
//     as far as the build is concerned, and the default, so a fresh clone
//     builds and tests with nothing installed;
//   - Gonum, the pure-Go BLAS from gonum.org/v1/gonum, kept for comparison;
//   - OpenBLAS, through cgo, compiled in and made the default by the
//     openblas build tag (go build -tags openblas; needs Debian's
//     libopenblas-dev).
//
// All matrices are row-major, as everywhere in this module. Default returns the
// implementation the build selected. BenchmarkGemm compares them.
package blas
