package vec

import "math"

// Scalar transcription of the assembly kernels in vec_amd64.s (generated
// by asm/vec.go), operation for operation (math.FMA where the assembly
// uses an FMA instruction, and explicit float64 conversions to forbid
// fusing elsewhere). The tests require the assembly to reproduce these bit
// for bit.

var (
	kLog2e   = math.Float64frombits(bitslog2e)
	kLn2hi   = math.Float64frombits(bitsln2hi)
	kLn2lo   = math.Float64frombits(bitsln2lo)
	kShifter = math.Float64frombits(bitsshifter)
	kExpC    = [...]float64{ // c2..c11
		math.Float64frombits(bitsexpC2), math.Float64frombits(bitsexpC3),
		math.Float64frombits(bitsexpC4), math.Float64frombits(bitsexpC5),
		math.Float64frombits(bitsexpC6), math.Float64frombits(bitsexpC7),
		math.Float64frombits(bitsexpC8), math.Float64frombits(bitsexpC9),
		math.Float64frombits(bitsexpC10), math.Float64frombits(bitsexpC11),
	}
	kTanhP = [...]float64{math.Float64frombits(bitstanhP0), math.Float64frombits(bitstanhP1), math.Float64frombits(bitstanhP2)}
	kTanhQ = [...]float64{math.Float64frombits(bitstanhQ0), math.Float64frombits(bitstanhQ1), math.Float64frombits(bitstanhQ2)}
)

// vmin and vmax mirror VMINPD/VMAXPD with the variable operand first:
// NaN in x is returned unchanged.
func vmin(x, c float64) float64 {
	if c < x {
		return c
	}
	return x
}

func vmax(x, c float64) float64 {
	if c > x {
		return c
	}
	return x
}

// mExpRed mirrors EXPRED.
func mExpRed(x float64) (kd, kf, r float64) {
	kd = math.FMA(x, kLog2e, kShifter)
	kf = kd - kShifter
	r = math.FMA(-kf, kLn2hi, x)
	r = math.FMA(-kf, kLn2lo, r)
	return
}

// mExpPoly mirrors EXPPOLY.
func mExpPoly(r float64) float64 {
	p := kExpC[len(kExpC)-1]
	for i := len(kExpC) - 2; i >= 0; i-- {
		p = math.FMA(r, p, kExpC[i])
	}
	p = math.FMA(r, p, 1)
	return math.FMA(r, p, 1)
}

// mExpU mirrors EXPU: q(r) by Horner.
func mExpU(r float64) float64 {
	p := kExpC[len(kExpC)-1]
	for i := len(kExpC) - 2; i >= 0; i-- {
		p = math.FMA(r, p, kExpC[i])
	}
	return p
}

// mScale mirrors SCALE.
func mScale(kd float64) float64 {
	return math.Float64frombits(math.Float64bits(kd)<<52 + 0x3ff0000000000000)
}

// mSplit mirrors SPLIT.
func mSplit(kf float64) (s1, s2 float64) {
	kh := math.FMA(kf, 0.5, kShifter)
	k2 := kh - kShifter
	k2 = kf - k2
	k2 = k2 + kShifter
	return mScale(kh), mScale(k2)
}

// mAddExp mirrors VPSLLQ $52 + VPADDQ: p*2^k for a normal result.
func mAddExp(p, kd float64) float64 {
	return math.Float64frombits(math.Float64bits(p) + math.Float64bits(kd)<<52)
}

func mExpFast(x float64) float64 {
	kd, _, r := mExpRed(x)
	return mAddExp(mExpPoly(r), kd)
}

func mExpGen(x float64) float64 {
	x = vmax(vmin(x, 1400), -1400)
	_, kf, r := mExpRed(x)
	p := mExpPoly(r)
	s1, s2 := mSplit(kf)
	return (s1 * p) * s2
}

func bigArg(x float64) bool { return !(math.Abs(x) <= 708) }

// modelExp64 is the result of exp64AVX2 (fast path when |x| <= 708; the
// general path gives the same bits there, which the tests also check).
func modelExp64(x float64) float64 {
	if bigArg(x) {
		return mExpGen(x)
	}
	return mExpFast(x)
}

func modelSigmoid64(x float64) float64 {
	u := vmax(-x, -40)
	if bigArg(u) {
		return mSigGen(u)
	}
	return mSigFast(u)
}

// mRecip mirrors recip (asm/vec.go): 1/(e+1) with the exact (TwoSum) rounding error of
// e+1 and one Newton step.
func mRecip(e float64) float64 {
	d := e + 1
	b := d - e
	l := (e - (d - b)) + (1 - b)
	r := 1 / d
	rho := math.FMA(-r, d, 1)
	rho = math.FMA(-r, l, rho)
	return math.FMA(r, rho, r)
}

func mSigFast(u float64) float64 {
	return mRecip(mExpFast(u))
}

func mSigGen(u float64) float64 {
	u = vmin(u, 1400)
	_, kf, r := mExpRed(u)
	p := mExpPoly(r)
	s1, s2 := mSplit(kf)
	e := (s1 * p) * s2
	if math.IsInf(e, 1) {
		return 0
	}
	return mRecip(e)
}

func modelTanh64(x float64) float64 {
	bits := math.Float64bits
	t := math.Abs(x)
	sgn := bits(x) ^ bits(t)
	big := t >= 0.625 // false for NaN
	var mask uint64
	if big {
		mask = ^uint64(0)
	}
	y := vmin(t, 20)
	t = math.Float64frombits(^mask & bits(t))                       // t' (0 on big lanes)
	kd := math.FMA(y, math.Float64frombits(bitstwolog2e), kShifter) // = fma(2y, log2e, shifter)
	y = y + y
	kf := kd - kShifter
	r := math.FMA(-kf, kLn2hi, y)
	r = math.FMA(-kf, kLn2lo, r)
	s := mScale(kd)
	dBig := math.FMA(mAddExp(r, kd), math.FMA(r, mExpU(r), 1), s+1)
	z := float64(t * t)
	P := math.FMA(z, math.FMA(z, kTanhP[0], kTanhP[1]), kTanhP[2])
	Q := math.FMA(z, math.FMA(z, z+kTanhQ[0], kTanhQ[1]), kTanhQ[2])
	b := float64(float64(z*t) * P)
	a := math.Float64frombits(bits(t) | mask&bits(1))
	b = math.Float64frombits(bits(b) | mask&bits(-2))
	d := math.Float64frombits(mask&bits(dBig) | ^mask&bits(Q))
	res := a + b/d
	return math.Float64frombits(bits(res) | sgn)
}

func modelExp32(x float32) float32 {
	v := vmin(vmax(float64(x), -200), 200)
	return float32(mExpFast(v))
}

func modelSigmoid32(x float32) float32 {
	u := vmin(vmax(-float64(x), -40), 200)
	return float32(1 / (mExpFast(u) + 1))
}

func modelTanh32(x float32) float32 {
	return float32(modelTanh64(float64(x)))
}
