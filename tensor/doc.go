// Package tensor provides dense, contiguous, row-major n-dimensional arrays of
// float32 or float64 and the kernels the rest of the module computes with:
// elementwise arithmetic with broadcasting, reductions, layout changes, batched
// matrix products, 2-D convolution (im2col + GEMM) with both backward passes,
// pooling, normalisation and softmax.
//
// # One type, two dtypes
//
// A *Tensor carries its DType (Float32 or Float64); every function accepts both
// and returns results of its inputs' dtype. Mixing dtypes in one call is a
// programmer error and panics with a message naming both. Convert explicitly
// with Cast.
//
// # Ownership and aliasing
//
// Functions return new tensors and never modify their arguments. The few
// methods that modify their receiver in place document it: Fill, CopyFrom,
// AddScaledInPlace, ScaleInPlace, Set, SetSlice and IndexAdd. Reshape
// returns a view that shares the receiver's storage, and FromFloat32 and
// FromFloat64 wrap the caller's slice; everything else copies.
//
// # Errors
//
// The kernels here are building blocks; a shape mismatch is a programmer error
// and panics with a message that names the operation and both shapes, for
// example "tensor: Add: shapes [2 3] and [4] do not broadcast". Checks on
// outside input (files, user options) belong to the packages that read it.
//
// # Performance
//
// Matrix products go through package blas: its own GEMM (Native: packed
// panels, an AVX2+FMA micro-kernel, over SetThreads goroutines) by default,
// OpenBLAS through cgo with the openblas build tag. Large elementwise
// kernels, im2col and pooling split their work over SetThreads goroutines
// (default: runtime.GOMAXPROCS).
//
// # Randomness
//
// Random constructors take an explicit *rand.Rand (math/rand/v2); NewRNG makes
// a seeded one, so the same seed gives the same bits on every run.
package tensor
