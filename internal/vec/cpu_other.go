//go:build !amd64 || purego

package vec

// haveAsm is false: there are no assembly kernels for this build.
var haveAsm = false

// have512 is false: there are no AVX-512 kernels for this build.
var have512 = false

const noAsm = "vec: assembly kernel called without assembly support"

func exp64AVX2(dst, x *float64, n int)           { panic(noAsm) }
func tanh64AVX2(dst, x *float64, n int)          { panic(noAsm) }
func sigmoid64AVX2(dst, x *float64, n int)       { panic(noAsm) }
func exp32AVX2(dst, x *float32, n int)           { panic(noAsm) }
func tanh32AVX2(dst, x *float32, n int)          { panic(noAsm) }
func sigmoid32AVX2(dst, x *float32, n int)       { panic(noAsm) }
func axpy64AVX2(a float64, x, y *float64, n int) { panic(noAsm) }
func axpy32AVX2(a float32, x, y *float32, n int) { panic(noAsm) }
func dot64AVX2(x, y *float64, n int) float64     { panic(noAsm) }
func gemm4x8AVX2(k int, alpha float64, a *float64, ai, ap int, b *float64, ldb int, c *float64, ldc int) {
	panic(noAsm)
}
func gemm4x8LoopAVX2(mt, nt, k int, alpha float64, a *float64, ai, ap int, b *float64, ldb int, c *float64, ldc int) {
	panic(noAsm)
}
func dotsAVX2(m, n, k int, alpha float64, a *float64, lda int, b *float64, ldb int, c *float64, ldc int, mask *int64) {
	panic(noAsm)
}
func dots4x2AVX2(mb, nb, k int, alpha float64, a *float64, lda int, b *float64, ldb int, c *float64, ldc int, mask *int64) {
	panic(noAsm)
}
func gemm2x16LoopAVX2(nt, k int, alpha float64, a *float64, ai, ap int, b *float64, ldb int, c *float64, ldc int) {
	panic(noAsm)
}
func tanhGrad64AVX2(dst, gy, y *float64, n int)    { panic(noAsm) }
func sigmoidGrad64AVX2(dst, gy, y *float64, n int) { panic(noAsm) }
func sumRows64AVX2(dst, x *float64, rows, n int)   { panic(noAsm) }
func gemm4x8MaskAVX2(mt, k int, alpha float64, a *float64, ai, ap int, b *float64, ldb int, c *float64, ldc int, mask *int64) {
	panic(noAsm)
}
func gemm2x16MaskAVX2(k int, alpha float64, a *float64, ai, ap int, b *float64, ldb int, c *float64, ldc int, mask *int64) {
	panic(noAsm)
}
func fillRows64AVX2(dst, row *float64, rows, n int, mask *int64) { panic(noAsm) }
func lin32AVX2(out, y *float32, n int, h float64, coefs *float64, ks **float32, nk int) {
	panic(noAsm)
}
func reluMask32AVX2(dst, v, x *float32, n int) { panic(noAsm) }
func errSq32AVX2(h float64, coefs *float64, ks **float32, nk int, y0, y1 *float32, n int, rtol, atol float64) float64 {
	panic(noAsm)
}
func scale64AVX2(dst *float64, a float64, x *float64, n int)    { panic(noAsm) }
func deinterleave64AVX2(d0, d1, src *float64, n int)            { panic(noAsm) }
func scale32AVX2(dst, x *float32, a float32, n int)             { panic(noAsm) }
func interleaveAdd64AVX2(c, d0, d1 *float64, n int)             { panic(noAsm) }
func addProduct64AVX2(y *float64, a float64, x *float64, n int) { panic(noAsm) }
func addProduct32AVX2(y *float32, a float32, x *float32, n int) { panic(noAsm) }
func linear2AVX2(y, x, w, b *float64, m, n, n4 int)             { panic(noAsm) }
func linear2TailAVX2(y, x, w, b *float64, m, n int, mw0, mw1, mb *int64) {
	panic(noAsm)
}
func affine32AVX2(dst, x *float32, a, b float32, n int) { panic(noAsm) }
func normGrad32AVX2(d, gy, x *float32, n int, k, mu, inv, c1, c2 float64) {
	panic(noAsm)
}
func sum32AVX2(x *float32, n int) float64                               { panic(noAsm) }
func sqDev32AVX2(x *float32, n int, mu float64) float64                 { panic(noAsm) }
func dotDev32AVX2(gy, x *float32, n int, mu float64) (float64, float64) { panic(noAsm) }
func allFinite32AVX2(x *float32, n int) bool                            { panic(noAsm) }

func gemmTile32AVX2(k int, a, b *float32, ldb int, c *float32, ldc int, alpha, beta float32, accum int) {
	panic(noAsm)
}

func gemmTile64AVX2(k int, a, b *float64, ldb int, c *float64, ldc int, alpha, beta float64, accum int) {
	panic(noAsm)
}
func gemmGrid32AVX2(nb, mt, k int, a, b *float32, ldb int, c *float32, ldc int, accum int) {
	panic(noAsm)
}
func gemmTile32AVX512(k int, a, b *float32, ldb int, c *float32, ldc int, alpha, beta float32, accum int) {
	panic(noAsm)
}
func gemmTile64AVX512(k int, a, b *float64, ldb int, c *float64, ldc int, alpha, beta float64, accum int) {
	panic(noAsm)
}
func gemmGrid32AVX512(nb, mt, k int, a, b *float32, ldb int, c *float32, ldc int, accum int) {
	panic(noAsm)
}

func winoInputRows32AVX2(p, q, r *float32, he int, v *float32, ldv int, n int, second int) {
	panic(noAsm)
}

func winoOutputRow32AVX2(m *float32, ldm int, y *float32, n int, bias float32, second int) {
	panic(noAsm)
}

func winoDotsGrid32AVX2(mb, nb int, a *float32, lda int, b *float32, ldb int, k int, c *float32, ldc int, accum int) {
	panic(noAsm)
}

func winoDotsGrid3x4AVX2(mb, nb int, a *float32, lda int, b *float32, ldb int, k int, c *float32, ldc int, accum int) {
	panic(noAsm)
}

func winoInputLanes32AVX2(p *float32, wq int, th int, tw int, v *float32, ldv int, ldt int) {
	panic(noAsm)
}

func winoOutputLanes32AVX2(m *float32, ldm int, ldt int, y *float32, th int, tw int, bias float32) {
	panic(noAsm)
}

func winoGradOutputLanes32AVX2(gy *float32, th int, tw int, v *float32, ldv int, ldt int) {
	panic(noAsm)
}

func winoGradInputLanes32AVX2(p *float32, ldp int, ldt int, q *float32, wq int, th int, tw int) {
	panic(noAsm)
}

func interleave8x32AVX2(dst *float32, src *float32, lds int, n int, mask *int32) {
	panic(noAsm)
}

func deinterleave8x32AVX2(dst *float32, ldd int, src *float32, n int, mask *int32) {
	panic(noAsm)
}

func winoGradOutputRows32AVX2(g0, g1 *float32, v *float32, ldv int, n int) {
	panic(noAsm)
}

func winoGradInputRows32AVX2(p *float32, ldp int, q *float32, ldq int, carry *float32, rot *int32, n int) {
	panic(noAsm)
}
func winoInputPlane32AVX2(strip *float32, he int, v *float32, ldv int, n int, trows int, tw int) {
	panic(noAsm)
}
func deinterleaveRows32AVX2(d0, d1 *float32, ldd int, src *float32, lds int, rows int, n int, mask *int32) {
	panic(noAsm)
}
func winoOutputPlane32AVX2(m *float32, ldm int, y *float32, ldy int, n int, trows int, tw int, bias float32, mask *int32) {
	panic(noAsm)
}
func winoGradOutputPlane32AVX2(gy *float32, ldg int, v *float32, ldv int, n int, trows int, tw int, mask *int32) {
	panic(noAsm)
}
func maxAbsDiff32AVX2(a, b *float32, n int, out *float64) { panic(noAsm) }
