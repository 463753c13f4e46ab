package tensor

import (
	"fmt"
	"math"

	"github.com/acaode/aca/internal/vec"
)

// UnaryOp names an elementwise function. Unary applies one; UnaryGrad applies
// its derivative. Ops that take a parameter (LeakyReLU's slope, Pow's
// exponent, Scale's factor, AddScalar's addend) read it from p.
type UnaryOp uint8

// The elementwise functions.
const (
	OpNeg       UnaryOp = iota + 1 // −x
	OpAbs                          // |x|
	OpSqrt                         // √x
	OpExp                          // eˣ
	OpLog                          // ln x
	OpTanh                         // tanh x
	OpSigmoid                      // 1/(1+e⁻ˣ)
	OpReLU                         // max(x, 0)
	OpLeakyReLU                    // x if x > 0 else p·x
	OpSoftplus                     // ln(1+eˣ), computed without overflow
	OpSquare                       // x²
	OpPow                          // xᵖ
	OpScale                        // p·x
	OpAddScalar                    // x + p
	OpSign                         // −1, 0 or 1 (not differentiable)
)

var unaryNames = map[UnaryOp]string{
	OpNeg: "neg", OpAbs: "abs", OpSqrt: "sqrt", OpExp: "exp", OpLog: "log",
	OpTanh: "tanh", OpSigmoid: "sigmoid", OpReLU: "relu", OpLeakyReLU: "leaky_relu",
	OpSoftplus: "softplus", OpSquare: "square", OpPow: "pow", OpScale: "scale",
	OpAddScalar: "add_scalar", OpSign: "sign",
}

// String returns the op's lower-case name ("tanh", "leaky_relu", …).
func (op UnaryOp) String() string {
	if s, ok := unaryNames[op]; ok {
		return s
	}
	return fmt.Sprintf("UnaryOp(%d)", uint8(op))
}

// elementwiseGrain is the element count below which elementwise kernels stay
// on one goroutine: starting a goroutine costs about as much as this much work.
const elementwiseGrain = 1 << 15

// Unary returns op applied to every element of x.
func Unary(op UnaryOp, x *Tensor, p float64) *Tensor {
	out := allocFull(x.dtype, x.shape)
	unaryInto(op, out, x, p)
	return out
}

// unaryInto sets dst to op applied to x (same shape and dtype; dst may be
// x), splitting large tensors over goroutines.
func unaryInto(op UnaryOp, dst, x *Tensor, p float64) {
	switch {
	case x.Len() < 2*elementwiseGrain: // too small to split: no closure, no goroutines
		unaryKernel(op, dst.f32, x.f32, p)
		unaryKernel(op, dst.f64, x.f64, p)
	case x.dtype == Float32:
		parallelFor(len(x.f32), elementwiseGrain, func(lo, hi int) { unaryKernel(op, dst.f32[lo:hi], x.f32[lo:hi], p) })
	default:
		parallelFor(len(x.f64), elementwiseGrain, func(lo, hi int) { unaryKernel(op, dst.f64[lo:hi], x.f64[lo:hi], p) })
	}
}

// pow is math.Pow with the exponents models use most computed directly
// (math.Pow costs about 15 ns; x·x·x about 1).
func pow(v, p float64) float64 {
	switch p {
	case 1:
		return v
	case 2:
		return v * v
	case 3:
		return v * v * v
	case -1:
		return 1 / v
	case 0.5:
		return math.Sqrt(v)
	case -0.5:
		return 1 / math.Sqrt(v)
	case 0:
		return 1
	}
	return math.Pow(v, p)
}

func sigmoid(v float64) float64 {
	if v >= 0 {
		return 1 / (1 + math.Exp(-v))
	}
	e := math.Exp(v)
	return e / (1 + e)
}

func softplus(v float64) float64 {
	return math.Max(v, 0) + math.Log1p(math.Exp(-math.Abs(v)))
}

func unaryKernel[T float](op UnaryOp, dst, x []T, p float64) {
	x = x[:len(dst)]
	switch op {
	case OpNeg:
		for i, v := range x {
			dst[i] = -v
		}
	case OpAbs:
		for i, v := range x {
			if v < 0 {
				v = -v
			}
			dst[i] = v
		}
	case OpSqrt:
		for i, v := range x {
			dst[i] = T(math.Sqrt(float64(v)))
		}
	case OpExp:
		vecUnary(dst, x, vec.Exp32, vec.Exp64)
	case OpLog:
		for i, v := range x {
			dst[i] = T(math.Log(float64(v)))
		}
	case OpTanh:
		vecUnary(dst, x, vec.Tanh32, vec.Tanh64)
	case OpSigmoid:
		vecUnary(dst, x, vec.Sigmoid32, vec.Sigmoid64)
	case OpReLU:
		reluMasked(dst, x, x)
	case OpLeakyReLU:
		s := T(p)
		for i, v := range x {
			if v > 0 {
				dst[i] = v
			} else {
				dst[i] = s * v
			}
		}
	case OpSoftplus:
		for i, v := range x {
			dst[i] = T(softplus(float64(v)))
		}
	case OpSquare:
		for i, v := range x {
			dst[i] = v * v
		}
	case OpPow:
		switch p { // the common exponents without a call per element
		case 2:
			for i, v := range x {
				w := float64(v)
				dst[i] = T(w * w)
			}
		case 3:
			for i, v := range x {
				w := float64(v)
				dst[i] = T(w * w * w)
			}
		default:
			for i, v := range x {
				dst[i] = T(pow(float64(v), p))
			}
		}
	case OpScale:
		if d, ok := any(dst).([]float64); ok {
			vec.Scale64(d, p, any(x).([]float64))
			return
		}
		if d, ok := any(dst).([]float32); ok {
			vec.Scale32(d, float32(p), any(x).([]float32))
			return
		}
		s := T(p)
		for i, v := range x {
			dst[i] = s * v
		}
	case OpAddScalar:
		s := T(p)
		for i, v := range x {
			dst[i] = v + s
		}
	case OpSign:
		for i, v := range x {
			switch {
			case v > 0:
				dst[i] = 1
			case v < 0:
				dst[i] = -1
			default:
				dst[i] = v // keeps 0, −0 and NaN
			}
		}
	default:
		panic(fmt.Sprintf("tensor: Unary: unknown op %v", op))
	}
}

// vecUnary applies a vectorised kernel of package vec (AVX2 where the CPU
// has it, within 2–3 ulp of package math; see internal/vec).
func vecUnary[T float](dst, x []T, f32 func(dst, x []float32), f64 func(dst, x []float64)) {
	switch d := any(dst).(type) {
	case []float32:
		f32(d, any(x).([]float32))
	case []float64:
		f64(d, any(x).([]float64))
	}
}

// reluMasked writes dst[i] = v[i] where x[i] > 0 and 0 elsewhere (NaN
// included), without a branch: on data of random sign the branch mispredicts
// half the time and costs six times the arithmetic.
func reluMasked[T float](dst, v, x []T) {
	v, x = v[:len(dst)], x[:len(dst)]
	switch d := any(dst).(type) {
	case []float32:
		vec.ReluMask32(d, any(v).([]float32), any(x).([]float32))
	case []float64:
		vs, xs := any(v).([]float64), any(x).([]float64)
		for i, xv := range xs {
			d[i] = math.Float64frombits(math.Float64bits(vs[i]) & -uint64(b2i(xv > 0)))
		}
	}
}

// b2i is 1 for true and 0 for false (compiled to a flag-setting
// instruction, not a branch).
func b2i(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// UnaryGrad returns gy·f′(x) for f = op, the vector-Jacobian product of the
// elementwise function. y must be Unary(op, x, p) (some derivatives are
// cheapest from the output). x, y and gy share one shape.
func UnaryGrad(op UnaryOp, x, y, gy *Tensor, p float64) *Tensor {
	mustSameShape("UnaryGrad", x, gy)
	mustSameShape("UnaryGrad", y, gy)
	out := allocFull(x.dtype, x.shape)
	unaryGradInto(op, out, x, y, gy, p)
	return out
}

// unaryGradInto sets dst = gy·f′(x), f = op with y = f(x) (all one shape;
// dst may be gy), splitting large tensors over goroutines.
func unaryGradInto(op UnaryOp, dst, x, y, gy *Tensor, p float64) {
	switch {
	case gy.Len() < 2*elementwiseGrain:
		unaryGradKernel(op, dst.f32, x.f32, y.f32, gy.f32, p)
		unaryGradKernel(op, dst.f64, x.f64, y.f64, gy.f64, p)
	case gy.dtype == Float32:
		parallelFor(len(gy.f32), elementwiseGrain, func(lo, hi int) {
			unaryGradKernel(op, dst.f32[lo:hi], x.f32[lo:hi], y.f32[lo:hi], gy.f32[lo:hi], p)
		})
	default:
		parallelFor(len(gy.f64), elementwiseGrain, func(lo, hi int) {
			unaryGradKernel(op, dst.f64[lo:hi], x.f64[lo:hi], y.f64[lo:hi], gy.f64[lo:hi], p)
		})
	}
}

func unaryGradKernel[T float](op UnaryOp, dst, x, y, gy []T, p float64) {
	n := len(dst)
	x, y, gy = x[:n], y[:n], gy[:n]
	switch op {
	case OpNeg:
		for i, g := range gy {
			dst[i] = -g
		}
	case OpAbs:
		for i, g := range gy {
			switch {
			case x[i] > 0:
				dst[i] = g
			case x[i] < 0:
				dst[i] = -g
			default:
				dst[i] = 0
			}
		}
	case OpSqrt:
		for i, g := range gy {
			dst[i] = g / (2 * y[i])
		}
	case OpExp:
		for i, g := range gy {
			dst[i] = g * y[i]
		}
	case OpLog:
		for i, g := range gy {
			dst[i] = g / x[i]
		}
	case OpTanh:
		if d, ok := any(dst).([]float64); ok {
			vec.TanhGrad64(d, any(gy).([]float64), any(y).([]float64))
			return
		}
		for i, g := range gy {
			dst[i] = g * (1 - y[i]*y[i])
		}
	case OpSigmoid:
		if d, ok := any(dst).([]float64); ok {
			vec.SigmoidGrad64(d, any(gy).([]float64), any(y).([]float64))
			return
		}
		for i, g := range gy {
			dst[i] = g * y[i] * (1 - y[i])
		}
	case OpReLU:
		reluMasked(dst, gy, x)
	case OpLeakyReLU:
		s := T(p)
		for i, g := range gy {
			if x[i] > 0 {
				dst[i] = g
			} else {
				dst[i] = s * g
			}
		}
	case OpSoftplus:
		for i, g := range gy {
			dst[i] = g * T(sigmoid(float64(x[i])))
		}
	case OpSquare:
		for i, g := range gy {
			dst[i] = 2 * g * x[i]
		}
	case OpPow:
		if p == 3 { // pow(x, 2) = x·x, without a call per element
			for i, g := range gy {
				w := float64(x[i])
				dst[i] = g * T(3*(w*w))
			}
			return
		}
		for i, g := range gy {
			dst[i] = g * T(p*pow(float64(x[i]), p-1))
		}
	case OpScale:
		s := T(p)
		for i, g := range gy {
			dst[i] = s * g
		}
	case OpAddScalar:
		copy(dst, gy)
	default:
		panic(fmt.Sprintf("tensor: UnaryGrad: %v has no derivative", op))
	}
}

// Neg returns −x.
func Neg(x *Tensor) *Tensor { return Unary(OpNeg, x, 0) }

// Abs returns |x|.
func Abs(x *Tensor) *Tensor { return Unary(OpAbs, x, 0) }

// Sqrt returns √x.
func Sqrt(x *Tensor) *Tensor { return Unary(OpSqrt, x, 0) }

// Exp returns eˣ.
func Exp(x *Tensor) *Tensor { return Unary(OpExp, x, 0) }

// Log returns ln x.
func Log(x *Tensor) *Tensor { return Unary(OpLog, x, 0) }

// Tanh returns tanh x.
func Tanh(x *Tensor) *Tensor { return Unary(OpTanh, x, 0) }

// Sigmoid returns 1/(1+e⁻ˣ).
func Sigmoid(x *Tensor) *Tensor { return Unary(OpSigmoid, x, 0) }

// ReLU returns max(x, 0).
func ReLU(x *Tensor) *Tensor { return Unary(OpReLU, x, 0) }

// LeakyReLU returns x where x > 0 and slope·x elsewhere.
func LeakyReLU(x *Tensor, slope float64) *Tensor { return Unary(OpLeakyReLU, x, slope) }

// Softplus returns ln(1+eˣ).
func Softplus(x *Tensor) *Tensor { return Unary(OpSoftplus, x, 0) }

// Square returns x².
func Square(x *Tensor) *Tensor { return Unary(OpSquare, x, 0) }

// Pow returns xᵖ elementwise.
func Pow(x *Tensor, p float64) *Tensor { return Unary(OpPow, x, p) }

// Scale returns s·x.
func Scale(x *Tensor, s float64) *Tensor { return Unary(OpScale, x, s) }

// AddScalar returns x + s.
func AddScalar(x *Tensor, s float64) *Tensor { return Unary(OpAddScalar, x, s) }

// Sign returns −1, 0 or +1 by the sign of each element.
func Sign(x *Tensor) *Tensor { return Unary(OpSign, x, 0) }

// UnaryInPlace sets every element of t to op applied to it and returns t:
// Unary without a new tensor, for a value whose input is not needed again.
func (t *Tensor) UnaryInPlace(op UnaryOp, p float64) *Tensor {
	unaryInto(op, t, t, p)
	return t
}

// DerivFromOutput reports whether op's derivative can be computed from
// its output alone (so that MulDerivInPlace applies): tanh, sigmoid, ReLU
// and exp.
func DerivFromOutput(op UnaryOp) bool {
	switch op {
	case OpTanh, OpSigmoid, OpReLU, OpExp:
		return true
	}
	return false
}

// MulDerivInPlace sets gy = gy·f′(x) in place, f = op, from the output
// y = Unary(op, x) alone, and returns gy: the backward rule of an
// elementwise function whose input was not kept. It panics unless
// DerivFromOutput(op), or if y and gy differ in shape or dtype. (For ReLU,
// y > 0 exactly where x > 0.)
func MulDerivInPlace(op UnaryOp, y, gy *Tensor) *Tensor {
	if !DerivFromOutput(op) {
		panic(fmt.Sprintf("tensor: MulDerivInPlace: the derivative of %v is not a function of its output", op))
	}
	mustSameShape("MulDerivInPlace", y, gy)
	unaryGradInto(op, gy, y, y, gy, 0)
	return gy
}
