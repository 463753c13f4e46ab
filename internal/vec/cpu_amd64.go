//go:build amd64 && !purego

package vec

// haveAsm reports whether the CPU and OS support the AVX2+FMA kernels.
var haveAsm = detectAVX2FMA()

// have512 reports whether the CPU and OS also support the AVX-512F kernels
// (the packed-panel micro-tiles).
var have512 = haveAsm && detectAVX512F()

// cpuid executes CPUID with the given EAX (leaf) and ECX (sub-leaf).
func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)

// xgetbv reads extended control register 0 (XCR0).
func xgetbv() (eax, edx uint32)

// detectAVX2FMA reports whether AVX, AVX2 and FMA are supported by the
// CPU and the OS has enabled saving of the XMM and YMM register state.
func detectAVX2FMA() bool {
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return false
	}
	_, _, ecx1, _ := cpuid(1, 0)
	const (
		fma     = 1 << 12
		osxsave = 1 << 27
		avx     = 1 << 28
	)
	if ecx1&(fma|osxsave|avx) != fma|osxsave|avx {
		return false
	}
	if xcr0, _ := xgetbv(); xcr0&0x6 != 0x6 { // XMM and YMM state
		return false
	}
	_, ebx7, _, _ := cpuid(7, 0)
	const avx2 = 1 << 5
	return ebx7&avx2 != 0
}

// detectAVX512F reports whether the CPU has AVX-512F and the OS saves the
// opmask and all 512 bits of the 32 vector registers (XCR0 bits 5–7, with
// the XMM and YMM bits). It is called only where detectAVX2FMA holds, which
// has checked that CPUID leaf 7 exists and that XGETBV may be used.
func detectAVX512F() bool {
	if xcr0, _ := xgetbv(); xcr0&0xe6 != 0xe6 {
		return false
	}
	_, ebx7, _, _ := cpuid(7, 0)
	const avx512f = 1 << 16
	return ebx7&avx512f != 0
}

// The kernels below process n > 0 elements; the callers check lengths.

//go:noescape
func exp64AVX2(dst, x *float64, n int)

//go:noescape
func tanh64AVX2(dst, x *float64, n int)

//go:noescape
func sigmoid64AVX2(dst, x *float64, n int)

//go:noescape
func exp32AVX2(dst, x *float32, n int)

//go:noescape
func tanh32AVX2(dst, x *float32, n int)

//go:noescape
func sigmoid32AVX2(dst, x *float32, n int)

//go:noescape
func axpy64AVX2(a float64, x, y *float64, n int)

//go:noescape
func axpy32AVX2(a float32, x, y *float32, n int)

//go:noescape
func dot64AVX2(x, y *float64, n int) float64

//go:noescape
func gemm4x8AVX2(k int, alpha float64, a *float64, ai, ap int, b *float64, ldb int, c *float64, ldc int)

//go:noescape
func gemm4x8LoopAVX2(mt, nt, k int, alpha float64, a *float64, ai, ap int, b *float64, ldb int, c *float64, ldc int)

//go:noescape
func dotsAVX2(m, n, k int, alpha float64, a *float64, lda int, b *float64, ldb int, c *float64, ldc int, mask *int64)

//go:noescape
func dots4x2AVX2(mb, nb, k int, alpha float64, a *float64, lda int, b *float64, ldb int, c *float64, ldc int, mask *int64)

//go:noescape
func gemm2x16LoopAVX2(nt, k int, alpha float64, a *float64, ai, ap int, b *float64, ldb int, c *float64, ldc int)

//go:noescape
func tanhGrad64AVX2(dst, gy, y *float64, n int)

//go:noescape
func sigmoidGrad64AVX2(dst, gy, y *float64, n int)

//go:noescape
func sumRows64AVX2(dst, x *float64, rows, n int)

//go:noescape
func gemm4x8MaskAVX2(mt, k int, alpha float64, a *float64, ai, ap int, b *float64, ldb int, c *float64, ldc int, mask *int64)

//go:noescape
func gemm2x16MaskAVX2(k int, alpha float64, a *float64, ai, ap int, b *float64, ldb int, c *float64, ldc int, mask *int64)

//go:noescape
func fillRows64AVX2(dst, row *float64, rows, n int, mask *int64)

//go:noescape
func lin32AVX2(out, y *float32, n int, h float64, coefs *float64, ks **float32, nk int)

//go:noescape
func reluMask32AVX2(dst, v, x *float32, n int)

//go:noescape
func errSq32AVX2(h float64, coefs *float64, ks **float32, nk int, y0, y1 *float32, n int, rtol, atol float64) float64

//go:noescape
func scale64AVX2(dst *float64, a float64, x *float64, n int)

//go:noescape
func deinterleave64AVX2(d0, d1, src *float64, n int)

//go:noescape
func scale32AVX2(dst, x *float32, a float32, n int)

//go:noescape
func interleaveAdd64AVX2(c, d0, d1 *float64, n int)

//go:noescape
func addProduct64AVX2(y *float64, a float64, x *float64, n int)

//go:noescape
func addProduct32AVX2(y *float32, a float32, x *float32, n int)

//go:noescape
func linear2AVX2(y, x, w, b *float64, m, n, n4 int)

//go:noescape
func linear2TailAVX2(y, x, w, b *float64, m, n int, mw0, mw1, mb *int64)

//go:noescape
func affine32AVX2(dst, x *float32, a, b float32, n int)

//go:noescape
func normGrad32AVX2(d, gy, x *float32, n int, k, mu, inv, c1, c2 float64)

//go:noescape
func sum32AVX2(x *float32, n int) float64

//go:noescape
func sqDev32AVX2(x *float32, n int, mu float64) float64

//go:noescape
func dotDev32AVX2(gy, x *float32, n int, mu float64) (float64, float64)

//go:noescape
func allFinite32AVX2(x *float32, n int) bool

//go:noescape
func gemmTile32AVX2(k int, a, b *float32, ldb int, c *float32, ldc int, alpha, beta float32, accum int)

//go:noescape
func gemmTile64AVX2(k int, a, b *float64, ldb int, c *float64, ldc int, alpha, beta float64, accum int)

//go:noescape
func gemmGrid32AVX2(nb, mt, k int, a, b *float32, ldb int, c *float32, ldc int, accum int)

//go:noescape
func gemmTile32AVX512(k int, a, b *float32, ldb int, c *float32, ldc int, alpha, beta float32, accum int)

//go:noescape
func gemmTile64AVX512(k int, a, b *float64, ldb int, c *float64, ldc int, alpha, beta float64, accum int)

//go:noescape
func gemmGrid32AVX512(nb, mt, k int, a, b *float32, ldb int, c *float32, ldc int, accum int)

//go:noescape
func winoInputRows32AVX2(p, q, r *float32, he int, v *float32, ldv int, n int, second int)

//go:noescape
func winoOutputRow32AVX2(m *float32, ldm int, y *float32, n int, bias float32, second int)

//go:noescape
func winoDotsGrid32AVX2(mb, nb int, a *float32, lda int, b *float32, ldb int, k int, c *float32, ldc int, accum int)

//go:noescape
func winoDotsGrid3x4AVX2(mb, nb int, a *float32, lda int, b *float32, ldb int, k int, c *float32, ldc int, accum int)

//go:noescape
func winoInputLanes32AVX2(p *float32, wq int, th int, tw int, v *float32, ldv int, ldt int)

//go:noescape
func winoOutputLanes32AVX2(m *float32, ldm int, ldt int, y *float32, th int, tw int, bias float32)

//go:noescape
func winoGradOutputLanes32AVX2(gy *float32, th int, tw int, v *float32, ldv int, ldt int)

//go:noescape
func winoGradInputLanes32AVX2(p *float32, ldp int, ldt int, q *float32, wq int, th int, tw int)

//go:noescape
func interleave8x32AVX2(dst *float32, src *float32, lds int, n int, mask *int32)

//go:noescape
func deinterleave8x32AVX2(dst *float32, ldd int, src *float32, n int, mask *int32)

//go:noescape
func winoGradOutputRows32AVX2(g0, g1 *float32, v *float32, ldv int, n int)

//go:noescape
func winoGradInputRows32AVX2(p *float32, ldp int, q *float32, ldq int, carry *float32, rot *int32, n int)

//go:noescape
func winoInputPlane32AVX2(strip *float32, he int, v *float32, ldv int, n int, trows int, tw int)

//go:noescape
func deinterleaveRows32AVX2(d0, d1 *float32, ldd int, src *float32, lds int, rows int, n int, mask *int32)

//go:noescape
func winoOutputPlane32AVX2(m *float32, ldm int, y *float32, ldy int, n int, trows int, tw int, bias float32, mask *int32)

//go:noescape
func winoGradOutputPlane32AVX2(gy *float32, ldg int, v *float32, ldv int, n int, trows int, tw int, mask *int32)

//go:noescape
func maxAbsDiff32AVX2(a, b *float32, n int, out *float64)
