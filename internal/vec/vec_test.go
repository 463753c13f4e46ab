package vec

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// paths runs f once per available implementation: the assembly kernels
// (when supported, the AVX-512 ones included where the CPU has them) and
// the Go fallback (useAsm forced to false).
func paths(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	runPaths(t, f, false)
}

// tilePaths is paths for the kernels that have an AVX-512 version: on a
// CPU with AVX-512 it also runs f on the AVX2 kernels (use512 false).
func tilePaths(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	runPaths(t, f, true)
}

func runPaths(t *testing.T, f func(t *testing.T), avx2Too bool) {
	t.Helper()
	for _, p := range []struct {
		name      string
		asm, a512 bool
	}{{"asm", true, have512}, {"avx2", true, false}, {"go", false, false}} {
		if p.name == "avx2" && (!avx2Too || !have512) {
			continue // the "asm" run was this path already, or is not wanted
		}
		t.Run(p.name, func(t *testing.T) {
			if p.asm && !haveAsm {
				t.Skip("assembly kernels not available")
			}
			defer func(old, old512 bool) { useAsm, use512 = old, old512 }(useAsm, use512)
			useAsm, use512 = p.asm, p.a512
			f(t)
		})
	}
}

// ord maps float64 bits to integers whose order matches the floats
// (-0 and +0 both map to 0).
func ord64(x float64) int64 {
	b := int64(math.Float64bits(x))
	if b < 0 {
		b = math.MinInt64 - b
	}
	return b
}

func ord32(x float32) int64 {
	b := int64(int32(math.Float32bits(x)))
	if b < 0 {
		b = math.MinInt32 - b
	}
	return b
}

const nanUlp = 1 << 62

// ulp64 is the distance in representable values between a and b (0 if
// both are NaN, huge if exactly one is).
func ulp64(a, b float64) int64 {
	switch an, bn := math.IsNaN(a), math.IsNaN(b); {
	case an && bn:
		return 0
	case an || bn:
		return nanUlp
	}
	d := ord64(a) - ord64(b)
	if d < 0 {
		d = -d
	}
	return d
}

func ulp32(a, b float32) int64 {
	switch an, bn := a != a, b != b; {
	case an && bn:
		return 0
	case an || bn:
		return nanUlp
	}
	d := ord32(a) - ord32(b)
	if d < 0 {
		d = -d
	}
	return d
}

// ---------------------------------------------------------------------
// Inputs.

func sweep(lo, hi, step float64) []float64 {
	n := int(math.Round((hi - lo) / step))
	xs := make([]float64, 0, n+1)
	for i := 0; i <= n; i++ {
		xs = append(xs, lo+float64(i)*step)
	}
	return xs
}

// around returns x and its k nearest neighbours on each side.
func around(x float64, k int) []float64 {
	xs := []float64{x}
	lo, hi := x, x
	for i := 0; i < k; i++ {
		lo = math.Nextafter(lo, math.Inf(-1))
		hi = math.Nextafter(hi, math.Inf(1))
		xs = append(xs, lo, hi)
	}
	return xs
}

var specials = []float64{
	0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(),
	math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64,
	2.2250738585072014e-308, -2.2250738585072014e-308, 1e-310, -1e-310,
	1e-300, -1e-300, 1e-200, 1e-20, -1e-20, 1e-9, math.MaxFloat64, -math.MaxFloat64,
	1e300, -1e300, 1, -1,
}

// inputs64 is the shared test set: a dense sweep of [-30, 30] every 1e-4,
// random values over the whole float64 range (random bit patterns and
// log-uniform magnitudes), values near zero, tiny values and subnormals,
// large values, and neighbourhoods of every branch point.
func inputs64() []float64 {
	xs := sweep(-30, 30, 1e-4)
	xs = append(xs, specials...)
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200000; i++ {
		xs = append(xs, math.Float64frombits(r.Uint64()))
	}
	for i := 0; i < 200000; i++ {
		m := math.Exp2(r.Float64()*2100 - 1075)
		if r.IntN(2) == 0 {
			m = -m
		}
		xs = append(xs, m)
	}
	for i := 0; i < 200000; i++ {
		xs = append(xs, r.Float64()*1500-750)
	}
	for e := -1074; e <= 10; e++ {
		xs = append(xs, math.Ldexp(1, e), -math.Ldexp(1, e), math.Ldexp(1.37, e), -math.Ldexp(1.37, e))
	}
	for _, b := range []float64{
		0.625, -0.625, 0.5493061443340549, 20, -20, 19.06, 22, 44.014845965556525, // tanh
		708, -708, expOverflow, 709.4366, 709.78, -708.3964185322641, -745.1332191019411, -745.1332191019412, -744.44, // exp
		-40, 40, 36.7, -36.7, 37.43, -709.08956571282405, -709.782712893384, 745.1332191019411, // sigmoid
		1400, -1400, 1e-8, -1e-8, 0x1p-28, -0x1p-28, 0x1p-54, -0x1p-54,
		math.Ln2 / 2, -math.Ln2 / 2, 3 * math.Ln2 / 2, -3 * math.Ln2 / 2,
	} {
		xs = append(xs, around(b, 64)...)
	}
	return xs
}

func inputs32() []float32 {
	var xs []float32
	for _, v := range sweep(-30, 30, 1e-4) {
		xs = append(xs, float32(v))
	}
	for _, v := range specials {
		xs = append(xs, float32(v))
	}
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 200000; i++ {
		xs = append(xs, math.Float32frombits(r.Uint32()))
	}
	for i := 0; i < 200000; i++ {
		xs = append(xs, float32(r.Float64()*240-120))
	}
	for _, b := range []float32{0.625, -0.625, 20, -20, 88.72283, -87.33654, -103.97208, -103.27893, 200, -200, 40, -40, 16.6, -88.7, -104} {
		v := b
		for i := 0; i < 200; i++ {
			xs = append(xs, v, -v)
			v = math.Nextafter32(v, float32(math.Inf(1)))
		}
		v = b
		for i := 0; i < 200; i++ {
			xs = append(xs, v)
			v = math.Nextafter32(v, float32(math.Inf(-1)))
		}
	}
	return xs
}

// ---------------------------------------------------------------------
// References.

// refExp is math.Exp, except where math.Exp (amd64/arm64 assembly)
// returns +Inf for x in about [709.44, 709.78] although exp(x) is finite:
// there the high-precision reference is used.
func refExp(x float64) float64 {
	r := math.Exp(x)
	if math.IsInf(r, 1) && x <= expOverflow {
		r, _ = bigExp(x).Float64()
	}
	return r
}

func refSigmoid(x float64) float64 { return 1 / (1 + refExp(-x)) }

// ---------------------------------------------------------------------
// Accuracy against package math.

type fn64 struct {
	name  string
	f     func(dst, x []float64)
	ref   func(float64) float64
	bound int64
}

var fns64 = []fn64{
	{"Tanh64", Tanh64, math.Tanh, 2},
	{"Exp64", Exp64, refExp, 2},
	{"Sigmoid64", Sigmoid64, refSigmoid, 4},
}

type fn32 struct {
	name  string
	f     func(dst, x []float32)
	ref   func(float64) float64
	bound int64
}

var fns32 = []fn32{
	{"Tanh32", Tanh32, math.Tanh, 2},
	{"Exp32", Exp32, refExp, 2},
	{"Sigmoid32", Sigmoid32, refSigmoid, 2},
}

func TestAccuracy64(t *testing.T) {
	xs := inputs64()
	dst := make([]float64, len(xs))
	for _, fn := range fns64 {
		t.Run(fn.name, func(t *testing.T) {
			paths(t, func(t *testing.T) {
				fn.f(dst, xs)
				var worst int64
				var worstX float64
				for i, x := range xs {
					d := ulp64(dst[i], fn.ref(x))
					if d > worst {
						worst, worstX = d, x
					}
				}
				t.Logf("%s: max %d ulp vs math (at x=%v) over %d inputs", fn.name, worst, worstX, len(xs))
				if worst > fn.bound {
					var got []float64 = make([]float64, 1)
					fn.f(got, []float64{worstX})
					t.Errorf("%s(%v) = %v, want %v (%d ulp > %d)", fn.name, worstX, got[0], fn.ref(worstX), worst, fn.bound)
				}
			})
		})
	}
}

func TestAccuracy32(t *testing.T) {
	xs := inputs32()
	dst := make([]float32, len(xs))
	for _, fn := range fns32 {
		t.Run(fn.name, func(t *testing.T) {
			paths(t, func(t *testing.T) {
				fn.f(dst, xs)
				var worst int64
				var worstX float32
				for i, x := range xs {
					d := ulp32(dst[i], float32(fn.ref(float64(x))))
					if d > worst {
						worst, worstX = d, x
					}
				}
				t.Logf("%s: max %d ulp (float32) vs math (at x=%v) over %d inputs", fn.name, worst, worstX, len(xs))
				if worst > fn.bound {
					t.Errorf("%s(%v): %d ulp > %d", fn.name, worstX, worst, fn.bound)
				}
			})
		})
	}
}

// ---------------------------------------------------------------------
// Special values (exact).

func same64(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || (math.IsNaN(a) && math.IsNaN(b))
}

func TestSpecial64(t *testing.T) {
	inf, nan, nz := math.Inf(1), math.NaN(), math.Copysign(0, -1)
	tests := []struct {
		name string
		f    func(dst, x []float64)
		x    float64
		want float64
	}{
		{"Tanh64", Tanh64, 0, 0},
		{"Tanh64", Tanh64, nz, nz},
		{"Tanh64", Tanh64, inf, 1},
		{"Tanh64", Tanh64, -inf, -1},
		{"Tanh64", Tanh64, nan, nan},
		{"Tanh64", Tanh64, 1e-300, 1e-300},
		{"Tanh64", Tanh64, -1e-300, -1e-300},
		{"Tanh64", Tanh64, 5e-324, 5e-324},
		{"Tanh64", Tanh64, -5e-324, -5e-324},
		{"Tanh64", Tanh64, 1e-10, math.Tanh(1e-10)},
		{"Tanh64", Tanh64, 19.1, 1},
		{"Tanh64", Tanh64, 25, 1},
		{"Tanh64", Tanh64, -1e300, -1},
		{"Tanh64", Tanh64, math.MaxFloat64, 1},
		{"Exp64", Exp64, 0, 1},
		{"Exp64", Exp64, nz, 1},
		{"Exp64", Exp64, inf, inf},
		{"Exp64", Exp64, -inf, 0},
		{"Exp64", Exp64, nan, nan},
		{"Exp64", Exp64, 1, math.E},
		{"Exp64", Exp64, 1e-300, 1},
		{"Exp64", Exp64, -5e-324, 1},
		{"Exp64", Exp64, 710, inf},
		{"Exp64", Exp64, math.Nextafter(expOverflow, inf), inf},
		{"Exp64", Exp64, 1e300, inf},
		{"Exp64", Exp64, math.MaxFloat64, inf},
		{"Exp64", Exp64, -746, 0},
		{"Exp64", Exp64, -1e300, 0},
		{"Exp64", Exp64, -math.MaxFloat64, 0},
		{"Exp64", Exp64, -745.1332191019411, 5e-324}, // smallest subnormal
		{"Exp64", Exp64, -745.1332191019412, 0},      // rounds to 0
		{"Exp64", Exp64, -1073 * math.Ln2, 1e-323},   // 2 * 2^-1074
		{"Exp64", Exp64, expOverflow, 1.7976931348622732e+308},
		{"Sigmoid64", Sigmoid64, 0, 0.5},
		{"Sigmoid64", Sigmoid64, nz, 0.5},
		{"Sigmoid64", Sigmoid64, inf, 1},
		{"Sigmoid64", Sigmoid64, -inf, 0},
		{"Sigmoid64", Sigmoid64, nan, nan},
		{"Sigmoid64", Sigmoid64, 40, 1},
		{"Sigmoid64", Sigmoid64, 1e300, 1},
		{"Sigmoid64", Sigmoid64, -710, 0},
		{"Sigmoid64", Sigmoid64, -1e300, 0},
		{"Sigmoid64", Sigmoid64, 1e-300, 0.5},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s(%v)", tc.name, tc.x), func(t *testing.T) {
			paths(t, func(t *testing.T) {
				// Exercise both the vector body (8 copies) and the tail (3).
				for _, n := range []int{1, 3, 4, 8, 11} {
					x := make([]float64, n)
					for i := range x {
						x[i] = tc.x
					}
					dst := make([]float64, n)
					tc.f(dst, x)
					for i := range dst {
						if !same64(dst[i], tc.want) {
							t.Fatalf("n=%d: %s(%v)[%d] = %v (%#x), want %v (%#x)", n, tc.name, tc.x, i,
								dst[i], math.Float64bits(dst[i]), tc.want, math.Float64bits(tc.want))
						}
					}
				}
			})
		})
	}
}

func TestSpecial32(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	nz := float32(math.Copysign(0, -1))
	tests := []struct {
		name string
		f    func(dst, x []float32)
		x    float32
		want float32
	}{
		{"Tanh32", Tanh32, 0, 0},
		{"Tanh32", Tanh32, nz, nz},
		{"Tanh32", Tanh32, inf, 1},
		{"Tanh32", Tanh32, -inf, -1},
		{"Tanh32", Tanh32, nan, nan},
		{"Tanh32", Tanh32, 1e-45, 1e-45},
		{"Tanh32", Tanh32, -1e-45, -1e-45},
		{"Tanh32", Tanh32, 10, 1},
		{"Exp32", Exp32, 0, 1},
		{"Exp32", Exp32, inf, inf},
		{"Exp32", Exp32, -inf, 0},
		{"Exp32", Exp32, nan, nan},
		{"Exp32", Exp32, 89, inf},
		{"Exp32", Exp32, 3e38, inf},
		{"Exp32", Exp32, -104, 0},
		{"Exp32", Exp32, -3e38, 0},
		{"Exp32", Exp32, -100, float32(math.Exp(-100))}, // subnormal
		{"Sigmoid32", Sigmoid32, 0, 0.5},
		{"Sigmoid32", Sigmoid32, inf, 1},
		{"Sigmoid32", Sigmoid32, -inf, 0},
		{"Sigmoid32", Sigmoid32, nan, nan},
		{"Sigmoid32", Sigmoid32, 20, 1},
		{"Sigmoid32", Sigmoid32, -110, 0},
		{"Sigmoid32", Sigmoid32, -3e38, 0},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s(%v)", tc.name, tc.x), func(t *testing.T) {
			paths(t, func(t *testing.T) {
				for _, n := range []int{1, 3, 4, 8, 11} {
					x := make([]float32, n)
					for i := range x {
						x[i] = tc.x
					}
					dst := make([]float32, n)
					tc.f(dst, x)
					for i := range dst {
						g, w := dst[i], tc.want
						if math.Float32bits(g) != math.Float32bits(w) && !(g != g && w != w) {
							t.Fatalf("n=%d: %s(%v)[%d] = %v, want %v", n, tc.name, tc.x, i, g, w)
						}
					}
				}
			})
		})
	}
}

// ---------------------------------------------------------------------
// Determinism: results depend only on the element value.

func mixedInputs(n int, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, 7))
	xs := make([]float64, n)
	for i := range xs {
		switch r.IntN(6) {
		case 0:
			xs[i] = math.Float64frombits(r.Uint64())
		case 1:
			xs[i] = r.Float64()*1600 - 800 // sometimes takes the general path
		case 2:
			xs[i] = r.Float64()*2 - 1
		default:
			xs[i] = r.NormFloat64() * 5
		}
	}
	return xs
}

func TestDeterminism64(t *testing.T) {
	const n = 75
	xs := mixedInputs(n, 11)
	for _, fn := range fns64 {
		t.Run(fn.name, func(t *testing.T) {
			paths(t, func(t *testing.T) {
				full := make([]float64, n)
				fn.f(full, xs)
				for off := 0; off < 8; off++ {
					for l := 0; off+l <= n; l++ {
						dst := make([]float64, l+1)
						dst[l] = 12345
						fn.f(dst[:l], xs[off:off+l])
						for i := 0; i < l; i++ {
							if math.Float64bits(dst[i]) != math.Float64bits(full[off+i]) {
								t.Fatalf("off=%d len=%d: element %d = %v, want %v", off, l, i, dst[i], full[off+i])
							}
						}
						if dst[l] != 12345 {
							t.Fatalf("off=%d len=%d: wrote past len(dst)", off, l)
						}
						// Unaligned destination too, and in place.
						dst2 := make([]float64, l+3)[3-off%4:][:l]
						fn.f(dst2, xs[off:off+l])
						in := append([]float64(nil), xs[off:off+l]...)
						fn.f(in, in)
						for i := 0; i < l; i++ {
							if math.Float64bits(dst2[i]) != math.Float64bits(full[off+i]) ||
								math.Float64bits(in[i]) != math.Float64bits(full[off+i]) {
								t.Fatalf("off=%d len=%d: element %d differs (dst offset / in place)", off, l, i)
							}
						}
					}
				}
				// Repeated calls give the same bits; len(x) > len(dst) is fine.
				again := make([]float64, n-5)
				fn.f(again, xs)
				for i := range again {
					if math.Float64bits(again[i]) != math.Float64bits(full[i]) {
						t.Fatalf("repeat: element %d differs", i)
					}
				}
			})
		})
	}
}

func TestDeterminism32(t *testing.T) {
	const n = 75
	x64 := mixedInputs(n, 12)
	xs := make([]float32, n)
	for i, v := range x64 {
		xs[i] = float32(v / 8)
	}
	for _, fn := range fns32 {
		t.Run(fn.name, func(t *testing.T) {
			paths(t, func(t *testing.T) {
				full := make([]float32, n)
				fn.f(full, xs)
				for off := 0; off < 8; off++ {
					for l := 0; off+l <= n; l++ {
						dst := make([]float32, l+1)
						dst[l] = 12345
						fn.f(dst[:l], xs[off:off+l])
						in := append([]float32(nil), xs[off:off+l]...)
						fn.f(in, in)
						for i := 0; i < l; i++ {
							if math.Float32bits(dst[i]) != math.Float32bits(full[off+i]) ||
								math.Float32bits(in[i]) != math.Float32bits(full[off+i]) {
								t.Fatalf("off=%d len=%d: element %d differs", off, l, i)
							}
						}
						if dst[l] != 12345 {
							t.Fatalf("off=%d len=%d: wrote past len(dst)", off, l)
						}
					}
				}
			})
		})
	}
}

// ---------------------------------------------------------------------
// The assembly reproduces the scalar model bit for bit.

func TestAsmMatchesModel(t *testing.T) {
	if !haveAsm {
		t.Skip("assembly kernels not available")
	}
	xs := inputs64()
	dst := make([]float64, len(xs))
	for _, c := range []struct {
		name  string
		f     func(dst, x []float64)
		model func(float64) float64
	}{
		{"Tanh64", Tanh64, modelTanh64},
		{"Exp64", Exp64, modelExp64},
		{"Sigmoid64", Sigmoid64, modelSigmoid64},
	} {
		c.f(dst, xs)
		bad := 0
		for i, x := range xs {
			if w := c.model(x); !same64(dst[i], w) {
				if bad++; bad < 5 {
					t.Errorf("%s(%v) = %v, model %v", c.name, x, dst[i], w)
				}
			}
		}
	}
	x32 := inputs32()
	d32 := make([]float32, len(x32))
	for _, c := range []struct {
		name  string
		f     func(dst, x []float32)
		model func(float32) float32
	}{
		{"Tanh32", Tanh32, modelTanh32},
		{"Exp32", Exp32, modelExp32},
		{"Sigmoid32", Sigmoid32, modelSigmoid32},
	} {
		c.f(d32, x32)
		bad := 0
		for i, x := range x32 {
			if w := c.model(x); math.Float32bits(d32[i]) != math.Float32bits(w) && !(w != w && d32[i] != d32[i]) {
				if bad++; bad < 5 {
					t.Errorf("%s(%v) = %v, model %v", c.name, x, d32[i], w)
				}
			}
		}
	}
}

// The general exp path (used for tails and for blocks containing a large
// or NaN argument) agrees bit for bit with the fast path wherever the
// fast path is valid.
func TestGeneralPathConsistent(t *testing.T) {
	for _, x := range append(sweep(-708, 708, 0.00123), inputs64()...) {
		if bigArg(x) {
			continue
		}
		if a, b := mExpFast(x), mExpGen(x); !same64(a, b) {
			t.Fatalf("exp(%v): fast %v, general %v", x, a, b)
		}
		if u := vmax(x, -40); !bigArg(u) {
			if a, b := mSigFast(u), mSigGen(u); !same64(a, b) {
				t.Fatalf("sigmoid(%v): fast %v, general %v", -x, a, b)
			}
		}
	}
}

// ---------------------------------------------------------------------
// Error against a high-precision reference (for information, with a
// loose bound).

const bigPrec = 320

// bigExp returns e^x to about 300 bits (|x| < 1e4).
func bigExp(x float64) *big.Float {
	const m = 14 // e^x = (e^(x/2^m))^(2^m)
	y := new(big.Float).SetPrec(bigPrec).SetMantExp(new(big.Float).SetFloat64(x), -m)
	sum := new(big.Float).SetPrec(bigPrec).SetInt64(1)
	term := new(big.Float).SetPrec(bigPrec).SetInt64(1)
	for n := 1; n < 40; n++ {
		term.Mul(term, y)
		term.Quo(term, new(big.Float).SetInt64(int64(n)))
		sum.Add(sum, term)
	}
	for i := 0; i < m; i++ {
		sum.Mul(sum, sum)
	}
	return sum
}

// bigExpm1 returns e^x - 1 for |x| ≤ 2 by its series.
func bigExpm1(x float64) *big.Float {
	y := new(big.Float).SetPrec(bigPrec).SetFloat64(x)
	sum := new(big.Float).SetPrec(bigPrec)
	term := new(big.Float).SetPrec(bigPrec).SetInt64(1)
	for n := 1; n < 80; n++ {
		term.Mul(term, y)
		term.Quo(term, new(big.Float).SetInt64(int64(n)))
		sum.Add(sum, term)
	}
	return sum
}

func bigTanh(x float64) *big.Float {
	a := math.Abs(x)
	one := new(big.Float).SetPrec(bigPrec).SetInt64(1)
	var r *big.Float
	switch {
	case a > 30:
		r = one
	case a < 1:
		em1 := bigExpm1(2 * a)
		den := new(big.Float).SetPrec(bigPrec).Add(em1, new(big.Float).SetInt64(2))
		r = new(big.Float).SetPrec(bigPrec).Quo(em1, den)
	default:
		e := bigExp(2 * a)
		num := new(big.Float).SetPrec(bigPrec).Sub(e, one)
		den := new(big.Float).SetPrec(bigPrec).Add(e, one)
		r = new(big.Float).SetPrec(bigPrec).Quo(num, den)
	}
	if x < 0 {
		r.Neg(r)
	}
	return r
}

func bigSigmoid(x float64) *big.Float {
	one := new(big.Float).SetPrec(bigPrec).SetInt64(1)
	if x > 800 {
		return one
	}
	if x < -800 {
		return new(big.Float)
	}
	d := new(big.Float).SetPrec(bigPrec).Add(one, bigExp(-x))
	return d.Quo(one, d)
}

// ulpErr returns |got - want| in units of the float64 spacing at want
// (2^-1074 in the subnormal range); ±Inf results are compared exactly.
func ulpErr(got float64, want *big.Float) float64 {
	w, _ := want.Float64()
	if math.IsInf(w, 0) || math.IsInf(got, 0) {
		if got == w {
			return 0
		}
		return math.Inf(1)
	}
	_, e := math.Frexp(math.Abs(w))
	u := math.Ldexp(1, max(e-53, -1074))
	d := new(big.Float).SetPrec(bigPrec).SetFloat64(got)
	d.Sub(d, want)
	d.Quo(d, new(big.Float).SetFloat64(u))
	f, _ := d.Float64()
	return math.Abs(f)
}

func TestTrueError(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var xs []float64
	for i := 0; i < 30000; i++ {
		xs = append(xs, r.Float64()*60-30)
	}
	for i := 0; i < 10000; i++ {
		xs = append(xs, r.Float64()*1490-745)
	}
	for i := 0; i < 5000; i++ {
		xs = append(xs, r.Float64()*1.3-0.65, math.Exp2(-r.Float64()*60)*float64(1-2*r.IntN(2)))
	}
	if testing.Short() {
		xs = xs[:5000]
	}
	for _, c := range []struct {
		name string
		f    func(dst, x []float64)
		ref  func(float64) *big.Float
	}{
		{"Tanh64", Tanh64, bigTanh},
		{"Exp64", Exp64, bigExp},
		{"Sigmoid64", Sigmoid64, bigSigmoid},
	} {
		t.Run(c.name, func(t *testing.T) {
			paths(t, func(t *testing.T) {
				dst := make([]float64, len(xs))
				c.f(dst, xs)
				worst, worstX := 0.0, 0.0
				for i, x := range xs {
					if c.name == "Sigmoid64" && x < -expOverflow {
						continue // 0 by definition (exp(-x) overflows)
					}
					if e := ulpErr(dst[i], c.ref(x)); e > worst {
						worst, worstX = e, x
					}
				}
				t.Logf("%s: max error %.3f ulp (at x=%v) vs 320-bit reference, %d inputs", c.name, worst, worstX, len(xs))
				// The kernels are designed for about 1.5 ulp at most; the
				// fallbacks inherit the error of package math.
				bound := 1.6
				if !useAsm {
					bound = 3
				}
				if worst > bound {
					t.Errorf("%s: error %.3f ulp at %v (> %v)", c.name, worst, worstX, bound)
				}
			})
		})
	}
}

// ---------------------------------------------------------------------
// Axpy and Dot: both paths give identical bits.

func randVec(r *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		switch r.IntN(8) {
		case 0:
			v[i] = math.Ldexp(r.NormFloat64(), r.IntN(200)-100)
		case 1:
			v[i] = math.Ldexp(r.NormFloat64(), -1060) // products underflow
		default:
			v[i] = r.NormFloat64()
		}
	}
	return v
}

func TestAxpy64(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	for n := 0; n <= 70; n++ {
		x, y0 := randVec(r, n), randVec(r, n)
		a := r.NormFloat64()
		want := make([]float64, n)
		for i := range want {
			want[i] = math.FMA(a, x[i], y0[i])
		}
		paths(t, func(t *testing.T) {
			for off := 0; off < 4 && off <= n; off++ {
				y := append([]float64(nil), y0...)
				Axpy64(a, x[off:], y[off:])
				for i := off; i < n; i++ {
					if math.Float64bits(y[i]) != math.Float64bits(want[i]) {
						t.Fatalf("n=%d off=%d: y[%d] = %v, want %v", n, off, i, y[i], want[i])
					}
				}
				for i := 0; i < off; i++ {
					if y[i] != y0[i] {
						t.Fatalf("n=%d off=%d: y[%d] modified", n, off, i)
					}
				}
			}
			// aliasing: y += a*y
			y := append([]float64(nil), y0...)
			Axpy64(a, y, y)
			for i := range y {
				if w := math.FMA(a, y0[i], y0[i]); math.Float64bits(y[i]) != math.Float64bits(w) {
					t.Fatalf("alias n=%d: y[%d] = %v, want %v", n, i, y[i], w)
				}
			}
		})
	}
}

// bigFMA32 is the correctly rounded float32 a*x+y.
func bigFMA32(a, x, y float32) float32 {
	if math.IsInf(float64(a), 0) || math.IsInf(float64(x), 0) || math.IsInf(float64(y), 0) ||
		a != a || x != x || y != y {
		return float32(float64(a)*float64(x) + float64(y))
	}
	p := new(big.Float).SetPrec(200).SetFloat64(float64(a))
	p.Mul(p, new(big.Float).SetFloat64(float64(x)))
	p.Add(p, new(big.Float).SetFloat64(float64(y)))
	f, _ := p.Float32()
	if f == 0 { // big.Float has no signed zero from cancellation
		return float32(float64(a)*float64(x) + float64(y))
	}
	return f
}

func TestFMA32(t *testing.T) {
	r := rand.New(rand.NewPCG(10, 11))
	check := func(a, x, y float32) {
		t.Helper()
		if g, w := fma32(a, x, y), bigFMA32(a, x, y); math.Float32bits(g) != math.Float32bits(w) && !(g != g && w != w) {
			t.Fatalf("fma32(%v, %v, %v) = %v, want %v", a, x, y, g, w)
		}
	}
	// 177 * 3033169 = 2^29 + 1: a double-rounding case for a naive
	// float32(float64 FMA).
	a, x := float32(177), float32(3033169)
	check(a*0x1p-41, x*0x1p-12, 1)
	check(-a*0x1p-41, x*0x1p-12, -1)
	if naive := float32(math.FMA(float64(a*0x1p-41), float64(x*0x1p-12), 1)); naive == fma32(a*0x1p-41, x*0x1p-12, 1) {
		t.Errorf("expected the double-rounding case to differ from the naive computation")
	}
	for i := 0; i < 300000; i++ {
		a := math.Float32frombits(r.Uint32())
		x := math.Float32frombits(r.Uint32())
		y := math.Float32frombits(r.Uint32())
		if i%2 == 0 {
			a = float32(math.Ldexp(r.Float64()+1, r.IntN(40)-20))
			x = float32(math.Ldexp(r.Float64()+1, r.IntN(40)-20))
			y = float32(math.Ldexp(r.Float64()+1, r.IntN(60)-30)) * float32(1-2*r.IntN(2))
		}
		check(a, x, y)
	}
}

func TestAxpy32(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 13))
	for n := 0; n <= 90; n++ {
		x, y0 := make([]float32, n), make([]float32, n)
		for i := range x {
			x[i] = float32(math.Ldexp(r.NormFloat64(), r.IntN(60)-30))
			y0[i] = float32(r.NormFloat64())
		}
		a := float32(r.NormFloat64())
		want := make([]float32, n)
		for i := range want {
			want[i] = bigFMA32(a, x[i], y0[i])
		}
		paths(t, func(t *testing.T) {
			for off := 0; off < 8 && off <= n; off++ {
				y := append([]float32(nil), y0...)
				Axpy32(a, x[off:], y[off:])
				for i := off; i < n; i++ {
					if math.Float32bits(y[i]) != math.Float32bits(want[i]) {
						t.Fatalf("n=%d off=%d: y[%d] = %v, want %v", n, off, i, y[i], want[i])
					}
				}
				for i := 0; i < off; i++ {
					if y[i] != y0[i] {
						t.Fatalf("n=%d off=%d: y[%d] modified", n, off, i)
					}
				}
			}
		})
	}
	// The double-rounding case through the vector body and the tail.
	a := float32(177 * 0x1p-41)
	for _, n := range []int{1, 7, 8, 33} {
		x, y := make([]float32, n), make([]float32, n)
		for i := range x {
			x[i], y[i] = 3033169*0x1p-12, 1
		}
		want := bigFMA32(a, x[0], 1)
		paths(t, func(t *testing.T) {
			y := append([]float32(nil), y...)
			Axpy32(a, x, y)
			for i := range y {
				if y[i] != want {
					t.Fatalf("n=%d: y[%d] = %v, want %v", n, i, y[i], want)
				}
			}
		})
	}
}

func TestDot64(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 15))
	for n := 0; n <= 100; n++ {
		x, y := randVec(r, n), randVec(r, n)
		want := dot64Go(x, y)
		paths(t, func(t *testing.T) {
			for k := 0; k < 3; k++ {
				if got := Dot64(x, y); math.Float64bits(got) != math.Float64bits(want) {
					t.Fatalf("n=%d: Dot64 = %v, want %v", n, got, want)
				}
			}
		})
		// Against an exact reference: the error is tiny for these data.
		exact := new(big.Float).SetPrec(4000)
		for i := range x {
			p := new(big.Float).SetPrec(4000).SetFloat64(x[i])
			p.Mul(p, new(big.Float).SetFloat64(y[i]))
			exact.Add(exact, p)
		}
		e, _ := exact.Float64()
		var sumAbs float64
		for i := range x {
			sumAbs += math.Abs(x[i] * y[i])
		}
		if math.Abs(want-e) > 1e-15*sumAbs+1e-300 {
			t.Fatalf("n=%d: Dot64 = %v, exact %v", n, want, e)
		}
	}
	// Negative zero partial sums survive the masked tail.
	for _, n := range []int{1, 3, 17, 19, 31} {
		x, y := make([]float64, n), make([]float64, n)
		for i := range x {
			x[i], y[i] = 1e-200, -1e-130 // each product rounds to -0
		}
		paths(t, func(t *testing.T) {
			if got := Dot64(x, y); math.Float64bits(got) != math.Float64bits(dot64Go(x, y)) {
				t.Fatalf("n=%d: Dot64 = %v (%#x), want %v", n, got, math.Float64bits(got), dot64Go(x, y))
			}
		})
	}
	// Inf and NaN propagate.
	paths(t, func(t *testing.T) {
		x := []float64{1, 2, math.Inf(1), 4, 5}
		if got := Dot64(x, []float64{1, 1, 1, 1, 1}); !math.IsInf(got, 1) {
			t.Fatalf("Dot64 with +Inf = %v", got)
		}
		x[1] = math.NaN()
		if got := Dot64(x, []float64{1, 1, 1, 1, 1}); !math.IsNaN(got) {
			t.Fatalf("Dot64 with NaN = %v", got)
		}
	})
}

func TestPanics(t *testing.T) {
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s: no panic", name)
			}
		}()
		f()
	}
	paths(t, func(t *testing.T) {
		a, b := make([]float64, 3), make([]float64, 4)
		c, d := make([]float32, 3), make([]float32, 4)
		mustPanic("Tanh64", func() { Tanh64(b, a) })
		mustPanic("Exp64", func() { Exp64(b, a) })
		mustPanic("Sigmoid64", func() { Sigmoid64(b, a) })
		mustPanic("Tanh32", func() { Tanh32(d, c) })
		mustPanic("Exp32", func() { Exp32(d, c) })
		mustPanic("Sigmoid32", func() { Sigmoid32(d, c) })
		mustPanic("Axpy64", func() { Axpy64(1, a, b) })
		mustPanic("Axpy64", func() { Axpy64(1, b, a) })
		mustPanic("Axpy32", func() { Axpy32(1, c, d) })
		mustPanic("Dot64", func() { Dot64(a, b) })
		// Empty and nil slices are fine.
		Tanh64(nil, nil)
		Exp32(nil, c)
		Axpy64(2, nil, nil)
		if Dot64(nil, nil) != 0 {
			t.Error("Dot64(nil, nil) != 0")
		}
	})
}

// NaN inputs with arbitrary payloads and signs give NaN (the exponent
// arithmetic on NaN lanes must not turn them into numbers).
func TestNaNPayloads(t *testing.T) {
	r := rand.New(rand.NewPCG(20, 21))
	x64 := make([]float64, 203)
	x32 := make([]float32, 203)
	for i := range x64 {
		x64[i] = math.Float64frombits(0x7ff0000000000000 | r.Uint64()&0x800fffffffffffff | 1)
		x32[i] = math.Float32frombits(0x7f800000 | r.Uint32()&0x807fffff | 1)
	}
	paths(t, func(t *testing.T) {
		d64 := make([]float64, len(x64))
		for _, fn := range fns64 {
			fn.f(d64, x64)
			for i, v := range d64 {
				if !math.IsNaN(v) {
					t.Fatalf("%s(%#x) = %v, want NaN", fn.name, math.Float64bits(x64[i]), v)
				}
			}
		}
		d32 := make([]float32, len(x32))
		for _, fn := range fns32 {
			fn.f(d32, x32)
			for i, v := range d32 {
				if v == v {
					t.Fatalf("%s(%#x) = %v, want NaN", fn.name, math.Float32bits(x32[i]), v)
				}
			}
		}
	})
}

// Sums that land on (or next to) float32 rounding midpoints, where a
// naive float32(float64 FMA) can round twice.
func TestFMA32Midpoints(t *testing.T) {
	r := rand.New(rand.NewPCG(22, 23))
	for i := 0; i < 200000; i++ {
		// y has a 24-bit significand; a*x is built to add half an ulp of
		// y plus a small perturbation below float64 precision, or exactly.
		y := float32(math.Ldexp(float64(1<<23+r.IntN(1<<23)), r.IntN(40)-60))
		_, ey := math.Frexp(float64(y))
		half := math.Ldexp(1, ey-25) // half an ulp of y (float32)
		a := float32(math.Ldexp(float64(1+r.IntN(1<<12)), -12))
		var x float32
		switch r.IntN(3) {
		case 0:
			x = float32(half / float64(a)) // exactly a midpoint when exact
		case 1:
			x = float32(half/float64(a)) * (1 + 0x1p-23)
		default:
			x = float32(half/float64(a)) * (1 - 0x1p-23)
		}
		if r.IntN(2) == 0 {
			x = -x
		}
		if g, w := fma32(a, x, y), bigFMA32(a, x, y); math.Float32bits(g) != math.Float32bits(w) {
			t.Fatalf("fma32(%v, %v, %v) = %v, want %v", a, x, y, g, w)
		}
	}
}

func TestHasAVX2(t *testing.T) {
	if HasAVX2() != haveAsm {
		t.Fatalf("HasAVX2() = %v, haveAsm = %v", HasAVX2(), haveAsm)
	}
	t.Logf("HasAVX2() = %v", HasAVX2())
}

// TestTanh64Blocks: arrays whose blocks of 16 are all small (the rational
// path alone), mixed, or small with a NaN, in every order and at every
// length and tail, give the model's bits, as element-by-element calls do.
func TestTanh64Blocks(t *testing.T) {
	if !haveAsm {
		t.Skip("assembly kernels not available")
	}
	r := rand.New(rand.NewPCG(7, 8))
	block := func(kind int) []float64 {
		b := make([]float64, 16)
		for i := range b {
			b[i] = (r.Float64()*2 - 1) * 0.62
			if kind == 1 && r.IntN(3) == 0 {
				b[i] = r.NormFloat64() * 5
			}
		}
		if kind == 2 {
			b[r.IntN(16)] = math.NaN()
		}
		if kind == 3 {
			b[r.IntN(16)] = 0.625 // the first big value
		}
		return b
	}
	for trial := 0; trial < 400; trial++ {
		var xs []float64
		for range r.IntN(7) {
			xs = append(xs, block(r.IntN(4))...)
		}
		xs = append(xs, block(r.IntN(4))[:r.IntN(16)]...)
		dst := make([]float64, len(xs))
		Tanh64(dst, xs)
		for i, x := range xs {
			if w := modelTanh64(x); !same64(dst[i], w) {
				t.Fatalf("trial %d, element %d of %d: tanh(%v) = %v, model %v", trial, i, len(xs), x, dst[i], w)
			}
		}
	}
}
