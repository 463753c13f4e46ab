package vec

import "math"

//go:generate go run gen.go

// useAsm selects the assembly kernels. It is initialised to haveAsm (true
// on amd64 with AVX2, FMA and OS support for YMM state, unless built with
// the purego tag). Tests set it to false to exercise the Go fallbacks; it
// must never be set to true when haveAsm is false.
var useAsm = haveAsm

// HasAVX2 reports whether the AVX2+FMA assembly kernels are in use.
func HasAVX2() bool { return useAsm }

// use512 selects the AVX-512 versions of the kernels that have one (the
// packed-panel micro-tiles), where useAsm holds too. It is initialised to
// have512; tests set it to false to exercise the AVX2 kernels on a CPU with
// AVX-512, and must never set it to true when have512 is false. The
// AVX-512 kernels give the same results as the AVX2 ones, bit for bit.
var use512 = have512

// HasAVX512 reports whether the AVX-512F kernels are in use (with the
// AVX2+FMA ones, for the kernels that have no AVX-512 version).
func HasAVX512() bool { return useAsm && use512 }

func checkUnary(ld, lx int) {
	if lx < ld {
		panic("vec: len(x) < len(dst)")
	}
}

func checkBinary(lx, ly int) {
	if lx != ly {
		panic("vec: slices of different lengths")
	}
}

// Tanh64 sets dst[i] = tanh(x[i]) for i < len(dst). It panics if
// len(x) < len(dst). dst may be the same slice as x but must not
// otherwise overlap it.
//
// The result is within about 1.1 ulp of the exact value and within 2 ulp
// of math.Tanh (which the fallback path calls). Special cases:
// tanh(±0) = ±0, tanh(±Inf) = ±1, tanh(NaN) = NaN; tiny and subnormal x
// give x.
func Tanh64(dst, x []float64) {
	n := len(dst)
	checkUnary(n, len(x))
	if n == 0 {
		return
	}
	if useAsm {
		tanh64AVX2(&dst[0], &x[0], n)
		return
	}
	x = x[:n]
	for i, v := range x {
		dst[i] = math.Tanh(v)
	}
}

// Exp64 sets dst[i] = exp(x[i]) for i < len(dst). It panics if
// len(x) < len(dst). dst may be the same slice as x but must not
// otherwise overlap it.
//
// The result is within about 0.84 ulp of the exact value and within 2 ulp
// of math.Exp (which the fallback path calls, repaired where math.Exp
// overflows early). Special cases: exp(±0) = 1, exp(+Inf) = +Inf,
// exp(-Inf) = 0, exp(NaN) = NaN; results beyond math.MaxFloat64 are +Inf;
// results in the subnormal range are rounded to the nearest subnormal or
// 0, not flushed to zero.
func Exp64(dst, x []float64) {
	n := len(dst)
	checkUnary(n, len(x))
	if n == 0 {
		return
	}
	if useAsm {
		exp64AVX2(&dst[0], &x[0], n)
		return
	}
	x = x[:n]
	for i, v := range x {
		dst[i] = expGo(v)
	}
}

// Sigmoid64 sets dst[i] = 1/(1+exp(-x[i])) for i < len(dst). It panics if
// len(x) < len(dst). dst may be the same slice as x but must not
// otherwise overlap it.
//
// The result is within about 1.5 ulp of the exact value and within 3 ulp
// of the float64 formula 1/(1+math.Exp(-x)) (which the fallback path
// computes). Special cases: sigmoid(+Inf) = 1, sigmoid(-Inf) = 0,
// sigmoid(NaN) = NaN. As with that formula, the result is exactly 0 once
// exp(-x) overflows (x < -709.78), and it is exactly 1 once
// exp(-x) <= 2^-54 (x >= 37.43).
func Sigmoid64(dst, x []float64) {
	n := len(dst)
	checkUnary(n, len(x))
	if n == 0 {
		return
	}
	if useAsm {
		sigmoid64AVX2(&dst[0], &x[0], n)
		return
	}
	x = x[:n]
	for i, v := range x {
		dst[i] = 1 / (1 + expGo(-v))
	}
}

// Tanh32 sets dst[i] = tanh(x[i]) for i < len(dst), for float32. The value
// is computed in float64 and rounded once to float32, so it is the
// correctly rounded result except in rare double-rounding cases (then
// 1 ulp off). Length, aliasing and special-case rules are those of Tanh64.
func Tanh32(dst, x []float32) {
	n := len(dst)
	checkUnary(n, len(x))
	if n == 0 {
		return
	}
	if useAsm {
		tanh32AVX2(&dst[0], &x[0], n)
		return
	}
	x = x[:n]
	for i, v := range x {
		dst[i] = float32(math.Tanh(float64(v)))
	}
}

// Exp32 sets dst[i] = exp(x[i]) for i < len(dst), for float32. The value
// is computed in float64 and rounded once to float32 (so overflow gives
// +Inf and underflow gives a correctly rounded subnormal or 0); it is the
// correctly rounded result except in rare double-rounding cases (then
// 1 ulp off). Length, aliasing and special-case rules are those of Exp64.
func Exp32(dst, x []float32) {
	n := len(dst)
	checkUnary(n, len(x))
	if n == 0 {
		return
	}
	if useAsm {
		exp32AVX2(&dst[0], &x[0], n)
		return
	}
	x = x[:n]
	for i, v := range x {
		dst[i] = float32(expGo(float64(v)))
	}
}

// Sigmoid32 sets dst[i] = 1/(1+exp(-x[i])) for i < len(dst), for float32.
// The value is computed in float64 and rounded once to float32; it is the
// correctly rounded result except in rare double-rounding cases (then
// 1 ulp off). Length, aliasing and special-case rules are those of
// Sigmoid64 (0 for x < -103.97 or so, where float32 underflows).
func Sigmoid32(dst, x []float32) {
	n := len(dst)
	checkUnary(n, len(x))
	if n == 0 {
		return
	}
	if useAsm {
		sigmoid32AVX2(&dst[0], &x[0], n)
		return
	}
	x = x[:n]
	for i, v := range x {
		dst[i] = float32(1 / (1 + expGo(-float64(v))))
	}
}

// Axpy64 sets y[i] = a*x[i] + y[i] for every i, computed as a fused
// multiply-add (one rounding), identically on every path. It panics if
// len(x) != len(y). x and y may be the same slice but must not otherwise
// overlap.
func Axpy64(a float64, x, y []float64) {
	n := len(y)
	checkBinary(len(x), n)
	if n == 0 {
		return
	}
	if useAsm {
		axpy64AVX2(a, &x[0], &y[0], n)
		return
	}
	x = x[:n]
	for i, v := range x {
		y[i] = math.FMA(a, v, y[i])
	}
}

// Axpy32 sets y[i] = a*x[i] + y[i] for every i, computed as a float32
// fused multiply-add (one rounding), identically on every path. It panics
// if len(x) != len(y). x and y may be the same slice but must not
// otherwise overlap.
func Axpy32(a float32, x, y []float32) {
	n := len(y)
	checkBinary(len(x), n)
	if n == 0 {
		return
	}
	if useAsm {
		axpy32AVX2(a, &x[0], &y[0], n)
		return
	}
	axpy32Go(a, x, y)
}

// Dot64 returns the dot product Σ x[i]*y[i]. It panics if
// len(x) != len(y).
//
// The summation order is fixed: there are 16 partial sums s[0..15], all
// starting at +0; element i is accumulated into s[i mod 16], in increasing
// i, with a fused multiply-add s[j] = fma(x[i], y[i], s[j]). The partial
// sums are then combined as
//
//	v[l] = (s[l] + s[4+l]) + (s[8+l] + s[12+l])   for l = 0..3
//	dot  = (v[0] + v[2]) + (v[1] + v[3])
//
// The assembly kernel (four 4-lane accumulators) and the Go fallback both
// implement exactly this order, so the result is bit-for-bit the same for
// the same inputs on every call, every path and every platform.
func Dot64(x, y []float64) float64 {
	n := len(x)
	checkBinary(n, len(y))
	if n == 0 {
		return 0
	}
	if useAsm {
		return dot64AVX2(&x[0], &y[0], n)
	}
	return dot64Go(x, y[:n])
}

// dot64Go implements the summation order documented on Dot64.
func dot64Go(x, y []float64) float64 {
	var s [16]float64
	i := 0
	for ; i+16 <= len(x); i += 16 {
		xx := x[i : i+16 : i+16]
		yy := y[i : i+16 : i+16]
		for j := range s {
			s[j] = math.FMA(xx[j], yy[j], s[j])
		}
	}
	for j := 0; i < len(x); i, j = i+1, j+1 {
		s[j] = math.FMA(x[i], y[i], s[j])
	}
	var v [4]float64
	for l := range v {
		v[l] = (s[l] + s[4+l]) + (s[8+l] + s[12+l])
	}
	return (v[0] + v[2]) + (v[1] + v[3])
}

// axpy32Go sets y[i] = a*x[i] + y[i] rounded once to float32, like a
// hardware float32 fused multiply-add. len(x) must equal len(y).
//
// a*x[i] is exact in float64, so s = a*x[i] + y[i] in float64 is the exact
// sum rounded once; rounding s to float32 gives the correctly rounded
// result unless s is a float32 rounding midpoint (then the first rounding
// may have decided the tie). Midpoints have at least 28 trailing zero bits
// in float64; for those rare s the sum is rounded to odd instead, using
// the exact TwoSum error term, which makes the double rounding innocuous
// (53 >= 2*24 + 2).
func axpy32Go(a float32, x, y []float32) {
	ad := float64(a)
	y = y[:len(x)]
	for i, v := range x {
		p := ad * float64(v) // exact: 24+24 bits
		yd := float64(y[i])
		s := p + yd
		if b := math.Float64bits(s); b&(1<<28-1) == 0 && s-s == 0 {
			bb := s - p
			e := (p - (s - bb)) + (yd - bb) // s + e == p + yd exactly
			if e != 0 && b&1 == 0 {
				if (e > 0) == (s > 0) {
					b++
				} else {
					b--
				}
				s = math.Float64frombits(b)
			}
		}
		y[i] = float32(s)
	}
}

// fma32 returns a*x + y rounded once to float32 (see axpy32Go).
func fma32(a, x, y float32) float32 {
	r := [1]float32{y}
	axpy32Go(a, []float32{x}, r[:])
	return r[0]
}

// Threshold above which exp overflows: the largest float64 x with
// exp(x) ≤ math.MaxFloat64 (the same constant as math.Exp's).
const expOverflow = 7.09782712893383973096e+02

// e = eHi + eLo to about 107 bits.
const (
	eHi = 2.718281828459045090795598298427648842334747314453125
	eLo = 1.4456468917292501578e-16
)

// expGo is math.Exp, except that it repairs math.Exp's result on amd64
// (and arm64), where the assembly version returns +Inf for x in about
// [709.44, 709.78] although exp(x) ≤ math.MaxFloat64 there.
func expGo(x float64) float64 {
	r := math.Exp(x)
	if r > math.MaxFloat64 && x <= expOverflow {
		m := math.Exp(x - 1) // x-1 is exact here
		r = math.FMA(m, eHi, float64(m*eLo))
	}
	return r
}
