//go:build !openblas

package blas

import "github.com/acaode/aca/internal/vec"

// Default returns the implementation this build selected, the openblas
// build tag being unset: Native where its AVX2+FMA kernels run (CPUID, at
// run time), Gonum otherwise. Native's portable Go kernels are exact but
// about 2 GFLOPS (each math.FMA checks the CPU), slower than gonum's
// blocked Go loops, so a CPU without AVX2, or a purego build, gets Gonum.
func Default() Impl {
	if vec.HasAVX2() {
		return Native
	}
	return Gonum
}
