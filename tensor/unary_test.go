package tensor

import (
	"math"
	"testing"
)

// unaryCase is one elementwise function with its parameter, an input domain
// and float64 reference formulas for the value and the derivative (nil when
// the op is not differentiable).
type unaryCase struct {
	name   string
	op     UnaryOp
	p      float64
	lo, hi float64
	kink   float64 // |x| is kept at least this far from 0 (non-smooth at 0)
	f      func(x, p float64) float64
	df     func(x, p float64) float64
	named  func(x *Tensor) *Tensor // the convenience wrapper, if any
}

var unaryCases = []unaryCase{
	{"neg", OpNeg, 0, -3, 3, 0, func(x, _ float64) float64 { return -x }, func(x, _ float64) float64 { return -1 }, Neg},
	{"abs", OpAbs, 0, -3, 3, 0.05, func(x, _ float64) float64 { return math.Abs(x) },
		func(x, _ float64) float64 {
			if x > 0 {
				return 1
			}
			return -1
		}, Abs},
	{"sqrt", OpSqrt, 0, 0.1, 4, 0, func(x, _ float64) float64 { return math.Sqrt(x) }, func(x, _ float64) float64 { return 0.5 / math.Sqrt(x) }, Sqrt},
	{"exp", OpExp, 0, -3, 3, 0, func(x, _ float64) float64 { return math.Exp(x) }, func(x, _ float64) float64 { return math.Exp(x) }, Exp},
	{"log", OpLog, 0, 0.1, 5, 0, func(x, _ float64) float64 { return math.Log(x) }, func(x, _ float64) float64 { return 1 / x }, Log},
	{"tanh", OpTanh, 0, -3, 3, 0, func(x, _ float64) float64 { return math.Tanh(x) },
		func(x, _ float64) float64 { c := math.Cosh(x); return 1 / (c * c) }, Tanh},
	{"sigmoid", OpSigmoid, 0, -6, 6, 0, func(x, _ float64) float64 { return 1 / (1 + math.Exp(-x)) },
		func(x, _ float64) float64 { s := 1 / (1 + math.Exp(-x)); return s * (1 - s) }, Sigmoid},
	{"relu", OpReLU, 0, -3, 3, 0.05, func(x, _ float64) float64 { return math.Max(x, 0) },
		func(x, _ float64) float64 {
			if x > 0 {
				return 1
			}
			return 0
		}, ReLU},
	{"leaky_relu 0.1", OpLeakyReLU, 0.1, -3, 3, 0.05, leaky, dleaky, func(x *Tensor) *Tensor { return LeakyReLU(x, 0.1) }},
	{"leaky_relu 0.25", OpLeakyReLU, 0.25, -3, 3, 0.05, leaky, dleaky, func(x *Tensor) *Tensor { return LeakyReLU(x, 0.25) }},
	{"softplus", OpSoftplus, 0, -6, 6, 0, func(x, _ float64) float64 { return math.Log(1 + math.Exp(x)) },
		func(x, _ float64) float64 { return 1 / (1 + math.Exp(-x)) }, Softplus},
	{"square", OpSquare, 0, -3, 3, 0, func(x, _ float64) float64 { return x * x }, func(x, _ float64) float64 { return 2 * x }, Square},
	{"pow 3", OpPow, 3, -2, 2, 0, func(x, p float64) float64 { return x * x * x }, func(x, p float64) float64 { return 3 * x * x },
		func(x *Tensor) *Tensor { return Pow(x, 3) }},
	{"pow 2.5", OpPow, 2.5, 0.1, 3, 0, func(x, p float64) float64 { return x * x * math.Sqrt(x) }, func(x, p float64) float64 { return 2.5 * x * math.Sqrt(x) },
		func(x *Tensor) *Tensor { return Pow(x, 2.5) }},
	{"pow -1.5", OpPow, -1.5, 0.2, 3, 0, func(x, p float64) float64 { return 1 / (x * math.Sqrt(x)) }, func(x, p float64) float64 { return -1.5 / (x * x * math.Sqrt(x)) },
		func(x *Tensor) *Tensor { return Pow(x, -1.5) }},
	{"pow 0.5", OpPow, 0.5, 0.1, 3, 0, func(x, p float64) float64 { return math.Sqrt(x) }, func(x, p float64) float64 { return 0.5 / math.Sqrt(x) },
		func(x *Tensor) *Tensor { return Pow(x, 0.5) }},
	{"scale -2.5", OpScale, -2.5, -3, 3, 0, func(x, p float64) float64 { return -2.5 * x }, func(x, p float64) float64 { return -2.5 },
		func(x *Tensor) *Tensor { return Scale(x, -2.5) }},
	{"scale 0.3", OpScale, 0.3, -3, 3, 0, func(x, p float64) float64 { return 0.3 * x }, func(x, p float64) float64 { return 0.3 },
		func(x *Tensor) *Tensor { return Scale(x, 0.3) }},
	{"add_scalar 1.75", OpAddScalar, 1.75, -3, 3, 0, func(x, p float64) float64 { return x + 1.75 }, func(x, p float64) float64 { return 1 },
		func(x *Tensor) *Tensor { return AddScalar(x, 1.75) }},
	{"sign", OpSign, 0, -3, 3, 0.05, func(x, _ float64) float64 {
		switch {
		case x > 0:
			return 1
		case x < 0:
			return -1
		}
		return x
	}, nil, Sign},
}

func leaky(x, p float64) float64 {
	if x > 0 {
		return x
	}
	return p * x
}

func dleaky(x, p float64) float64 {
	if x > 0 {
		return 1
	}
	return p
}

// unaryInput returns a tensor on the case's domain, away from its kink.
func unaryInput(c unaryCase, seed uint64, dt DType, shape []int) *Tensor {
	rng := testRNG(seed)
	v := make([]float64, numelOf(shape))
	for i := range v {
		for {
			v[i] = c.lo + (c.hi-c.lo)*rng.Float64()
			if math.Abs(v[i]) >= c.kink {
				break
			}
		}
	}
	return FromValues(dt, v, shape...)
}

var unaryShapes = [][]int{{}, {0, 3}, {7}, {3, 5, 7}, {70001}}

func TestUnaryForward(t *testing.T) {
	for _, c := range unaryCases {
		for _, dt := range dtypes {
			for si, sh := range unaryShapes {
				x := unaryInput(c, uint64(10+si), dt, sh)
				s := snap(x)
				got := Unary(c.op, x, c.p)
				s.check(t, "Unary "+c.name)
				xv := x.Values()
				want := make([]float64, len(xv))
				for i, v := range xv {
					want[i] = c.f(v, c.p)
				}
				checkClose(t, "Unary "+c.name, got, dt, sh, want)
				if c.named != nil {
					if w := c.named(x); !SameBits(w, got) {
						t.Errorf("%s: wrapper and Unary differ (%v %v)", c.name, dt, sh)
					}
				}
			}
		}
	}
}

func TestUnaryGrad(t *testing.T) {
	for _, c := range unaryCases {
		if c.df == nil {
			continue
		}
		for _, dt := range dtypes {
			for si, sh := range unaryShapes {
				x := unaryInput(c, uint64(20+si), dt, sh)
				y := Unary(c.op, x, c.p)
				gy := randT(testRNG(uint64(30+si)), dt, -2, 2, sh...)
				s := snap(x, y, gy)
				got := UnaryGrad(c.op, x, y, gy, c.p)
				s.check(t, "UnaryGrad "+c.name)
				xv, gv := x.Values(), gy.Values()
				want := make([]float64, len(xv))
				for i, v := range xv {
					want[i] = gv[i] * c.df(v, c.p)
				}
				checkClose(t, "UnaryGrad "+c.name, got, dt, sh, want)
			}
		}
	}
}

// TestUnaryGradFiniteDifference checks UnaryGrad against a central difference
// of Unary itself, in float64 (so both agree on what the function is).
func TestUnaryGradFiniteDifference(t *testing.T) {
	for _, c := range unaryCases {
		if c.df == nil {
			continue
		}
		x := unaryInput(c, 40, Float64, []int{4, 9})
		xv := x.Values()
		hs := make([]float64, len(xv))
		plus, minus := make([]float64, len(xv)), make([]float64, len(xv))
		for i, v := range xv {
			hs[i] = 1e-6 * math.Max(1, math.Abs(v))
			plus[i], minus[i] = v+hs[i], v-hs[i]
		}
		fp := Unary(c.op, FromValues(Float64, plus, 4, 9), c.p).Values()
		fm := Unary(c.op, FromValues(Float64, minus, 4, 9), c.p).Values()
		gy := randT(testRNG(41), Float64, -2, 2, 4, 9)
		gv := gy.Values()
		want := make([]float64, len(xv))
		for i := range xv {
			want[i] = gv[i] * (fp[i] - fm[i]) / (2 * hs[i])
		}
		got := UnaryGrad(c.op, x, Unary(c.op, x, c.p), gy, c.p)
		checkCloseTol(t, "UnaryGrad vs finite difference "+c.name, got, Float64, []int{4, 9}, want, 1e-6)
	}
}

func TestUnarySpecialValues(t *testing.T) {
	for _, dt := range dtypes {
		// Softplus must not overflow for large |x|.
		x := FromValues(dt, []float64{-1000, -100, -30, 0, 30, 88.8, 100, 1000}, 8)
		sp := Softplus(x)
		if !AllFinite(sp) {
			t.Errorf("%v Softplus(%v) = %v: not finite", dt, x.Values(), sp.Values())
		}
		spv := sp.Values()
		for i, v := range x.Values() {
			var want float64
			if v > 0 {
				want = v + math.Log1p(math.Exp(-v))
			} else {
				want = math.Log1p(math.Exp(v))
			}
			if !closeTo(spv[i], want, tol(dt)) || spv[i] < 0 {
				t.Errorf("%v Softplus(%v) = %v, want %v", dt, v, spv[i], want)
			}
		}
		if spv[7] != 1000 || spv[0] != 0 {
			t.Errorf("%v Softplus(±1000) = %v, %v", dt, spv[7], spv[0])
		}
		g := UnaryGrad(OpSoftplus, x, sp, Ones(dt, 8), 0)
		if !AllFinite(g) || g.At(0) != 0 || g.At(7) != 1 {
			t.Errorf("%v Softplus grad at ±1000: %v", dt, g.Values())
		}
		// Sigmoid and tanh saturate without NaN.
		sg := Sigmoid(x)
		if !AllFinite(sg) || sg.At(0) != 0 || sg.At(7) != 1 {
			t.Errorf("%v Sigmoid(±1000) = %v", dt, sg.Values())
		}
		gs := UnaryGrad(OpSigmoid, x, sg, Ones(dt, 8), 0)
		if !AllFinite(gs) {
			t.Errorf("%v Sigmoid grad at ±1000: %v", dt, gs.Values())
		}
		th := Tanh(x)
		if !AllFinite(th) || th.At(0) != -1 || th.At(7) != 1 {
			t.Errorf("%v Tanh(±1000) = %v", dt, th.Values())
		}
		// Sign keeps 0, −0 and NaN.
		s := Sign(FromValues(dt, []float64{-2, math.Copysign(0, -1), 0, 3, math.NaN()}, 5)).Values()
		if s[0] != -1 || s[1] != 0 || !math.Signbit(s[1]) || s[2] != 0 || math.Signbit(s[2]) || s[3] != 1 || !math.IsNaN(s[4]) {
			t.Errorf("%v Sign: %v", dt, s)
		}
		// Abs of −0 is +0 or −0 (either compares equal to 0); of −Inf is +Inf.
		a := Abs(FromValues(dt, []float64{math.Inf(-1), math.Copysign(0, -1), -1.5}, 3)).Values()
		if !math.IsInf(a[0], 1) || a[1] != 0 || a[2] != 1.5 {
			t.Errorf("%v Abs: %v", dt, a)
		}
		// Log and Sqrt outside their domain follow math.
		l := Log(FromValues(dt, []float64{0, -1}, 2)).Values()
		if !math.IsInf(l[0], -1) || !math.IsNaN(l[1]) {
			t.Errorf("%v Log(0, -1) = %v", dt, l)
		}
		// Sign has no derivative; an unknown op panics.
		mustPanic(t, "UnaryGrad sign", func() { UnaryGrad(OpSign, x, x, x, 0) }, "sign")
		mustPanic(t, "Unary unknown op", func() { Unary(UnaryOp(200), x, 0) }, "UnaryOp(200)")
		mustPanic(t, "UnaryGrad shapes", func() { UnaryGrad(OpExp, x, x, New(dt, 7), 0) }, "UnaryGrad", "[8]", "[7]")
	}
	names := map[UnaryOp]string{OpNeg: "neg", OpLeakyReLU: "leaky_relu", OpAddScalar: "add_scalar", OpSign: "sign"}
	for op, n := range names {
		if op.String() != n {
			t.Errorf("%d.String() = %q, want %q", op, op.String(), n)
		}
	}
	if UnaryOp(99).String() != "UnaryOp(99)" {
		t.Errorf("UnaryOp(99).String() = %q", UnaryOp(99).String())
	}
}
