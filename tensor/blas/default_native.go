//go:build !openblas

package blas

// Default returns the implementation this build selected: Native, because
// the openblas build tag is not set.
func Default() Impl { return Native }
