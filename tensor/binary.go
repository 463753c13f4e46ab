package tensor

import (
	"fmt"

	"github.com/acaode/aca/internal/vec"
)

// BinaryOp names an elementwise function of two broadcast operands.
type BinaryOp uint8

// The binary functions.
const (
	OpAdd          BinaryOp = iota + 1 // a + b
	OpSub                              // a − b
	OpMul                              // a · b
	OpDiv                              // a / b
	OpMaximum                          // max(a, b); NaN if either is NaN
	OpMinimum                          // min(a, b); NaN if either is NaN
	OpGreaterEqual                     // 1 where a ≥ b, else 0
)

var binaryNames = map[BinaryOp]string{
	OpAdd: "Add", OpSub: "Sub", OpMul: "Mul", OpDiv: "Div",
	OpMaximum: "Maximum", OpMinimum: "Minimum", OpGreaterEqual: "GreaterEqual",
}

// String returns the op's name ("Add", "Mul", …).
func (op BinaryOp) String() string {
	if s, ok := binaryNames[op]; ok {
		return s
	}
	return fmt.Sprintf("BinaryOp(%d)", uint8(op))
}

// Binary applies op elementwise to a and b broadcast against each other
// (NumPy rules: same shape, a scalar, trailing dimensions such as a bias of
// shape [C] against [N, C], or per-channel [C, 1, 1] against [N, C, H, W]).
func Binary(op BinaryOp, a, b *Tensor) *Tensor {
	sameDType(op.String(), a, b)
	if shapeEqual(a.shape, b.shape) {
		out := allocFull(a.dtype, a.shape)
		switch {
		case out.Len() < 2*elementwiseGrain: // too small to split: no closure, no goroutines
			binVV(op, out.f32, a.f32, b.f32)
			binVV(op, out.f64, a.f64, b.f64)
		case a.dtype == Float32:
			parallelFor(len(out.f32), elementwiseGrain, func(lo, hi int) { binVV(op, out.f32[lo:hi], a.f32[lo:hi], b.f32[lo:hi]) })
		default:
			parallelFor(len(out.f64), elementwiseGrain, func(lo, hi int) { binVV(op, out.f64[lo:hi], a.f64[lo:hi], b.f64[lo:hi]) })
		}
		return out
	}
	shape, err := BroadcastShapes(a.shape, b.shape)
	if err != nil {
		panic(fmt.Sprintf("tensor: %v: %v", op, err))
	}
	out := alloc(a.dtype, shape)
	if out.Len() == 0 {
		return out
	}
	p := makePlan(a.shape, b.shape, shape)
	grain := max(1, elementwiseGrain/p.n[len(p.n)-1])
	switch a.dtype {
	case Float32:
		parallelFor(p.outer(), grain, func(lo, hi int) { binPlan(op, p, lo, hi, out.f32, a.f32, b.f32) })
	case Float64:
		parallelFor(p.outer(), grain, func(lo, hi int) { binPlan(op, p, lo, hi, out.f64, a.f64, b.f64) })
	}
	return out
}

func binPlan[T float](op BinaryOp, p plan, lo, hi int, out, a, b []T) {
	p.run(lo, hi, func(o, oa, ob, l, sa, sb int) {
		dst := out[o : o+l]
		switch {
		case sa == 1 && sb == 1:
			binVV(op, dst, a[oa:oa+l], b[ob:ob+l])
		case sa == 1:
			binVS(op, dst, a[oa:oa+l], b[ob])
		case sb == 1:
			binSV(op, dst, a[oa], b[ob:ob+l])
		default:
			var one [1]T
			binVV(op, one[:], a[oa:oa+1], b[ob:ob+1])
			for i := range dst {
				dst[i] = one[0]
			}
		}
	})
}

func maxT[T float](x, y T) T {
	if x != x || y != y {
		return x + y // NaN
	}
	if x >= y {
		return x
	}
	return y
}

func minT[T float](x, y T) T {
	if x != x || y != y {
		return x + y
	}
	if x <= y {
		return x
	}
	return y
}

func geT[T float](x, y T) T {
	if x >= y {
		return 1
	}
	return 0
}

func binVV[T float](op BinaryOp, dst, a, b []T) {
	a, b = a[:len(dst)], b[:len(dst)]
	switch op {
	case OpAdd:
		for i := range dst {
			dst[i] = a[i] + b[i]
		}
	case OpSub:
		for i := range dst {
			dst[i] = a[i] - b[i]
		}
	case OpMul:
		for i := range dst {
			dst[i] = a[i] * b[i]
		}
	case OpDiv:
		for i := range dst {
			dst[i] = a[i] / b[i]
		}
	case OpMaximum:
		for i := range dst {
			dst[i] = maxT(a[i], b[i])
		}
	case OpMinimum:
		for i := range dst {
			dst[i] = minT(a[i], b[i])
		}
	case OpGreaterEqual:
		for i := range dst {
			dst[i] = geT(a[i], b[i])
		}
	default:
		panic(fmt.Sprintf("tensor: unknown %v", op))
	}
}

func binVS[T float](op BinaryOp, dst, a []T, s T) {
	a = a[:len(dst)]
	switch op {
	case OpAdd:
		for i := range dst {
			dst[i] = a[i] + s
		}
	case OpSub:
		for i := range dst {
			dst[i] = a[i] - s
		}
	case OpMul:
		for i := range dst {
			dst[i] = a[i] * s
		}
	case OpDiv:
		for i := range dst {
			dst[i] = a[i] / s
		}
	case OpMaximum:
		for i := range dst {
			dst[i] = maxT(a[i], s)
		}
	case OpMinimum:
		for i := range dst {
			dst[i] = minT(a[i], s)
		}
	case OpGreaterEqual:
		for i := range dst {
			dst[i] = geT(a[i], s)
		}
	default:
		panic(fmt.Sprintf("tensor: unknown %v", op))
	}
}

func binSV[T float](op BinaryOp, dst []T, s T, b []T) {
	b = b[:len(dst)]
	switch op {
	case OpAdd:
		for i := range dst {
			dst[i] = s + b[i]
		}
	case OpSub:
		for i := range dst {
			dst[i] = s - b[i]
		}
	case OpMul:
		for i := range dst {
			dst[i] = s * b[i]
		}
	case OpDiv:
		for i := range dst {
			dst[i] = s / b[i]
		}
	case OpMaximum:
		for i := range dst {
			dst[i] = maxT(s, b[i])
		}
	case OpMinimum:
		for i := range dst {
			dst[i] = minT(s, b[i])
		}
	case OpGreaterEqual:
		for i := range dst {
			dst[i] = geT(s, b[i])
		}
	default:
		panic(fmt.Sprintf("tensor: unknown %v", op))
	}
}

// Add returns a + b with broadcasting.
func Add(a, b *Tensor) *Tensor { return Binary(OpAdd, a, b) }

// Sub returns a − b with broadcasting.
func Sub(a, b *Tensor) *Tensor { return Binary(OpSub, a, b) }

// Mul returns a · b elementwise with broadcasting.
func Mul(a, b *Tensor) *Tensor { return Binary(OpMul, a, b) }

// Div returns a / b elementwise with broadcasting.
func Div(a, b *Tensor) *Tensor { return Binary(OpDiv, a, b) }

// Maximum returns the elementwise maximum with broadcasting.
func Maximum(a, b *Tensor) *Tensor { return Binary(OpMaximum, a, b) }

// Minimum returns the elementwise minimum with broadcasting.
func Minimum(a, b *Tensor) *Tensor { return Binary(OpMinimum, a, b) }

// GreaterEqual returns 1 where a ≥ b and 0 elsewhere, with broadcasting.
func GreaterEqual(a, b *Tensor) *Tensor { return Binary(OpGreaterEqual, a, b) }

// AddScaledInPlace sets t = t + alpha·x, in place (same shape and dtype), and
// returns t. It is the BLAS axpy, for solver stages and optimizer updates.
func (t *Tensor) AddScaledInPlace(alpha float64, x *Tensor) *Tensor {
	mustSameShape("AddScaledInPlace", t, x)
	if t.Len() < 2*elementwiseGrain { // too small to split: no closure
		switch t.dtype {
		case Float32:
			axpy(float32(alpha), x.f32, t.f32)
		case Float64:
			axpy(alpha, x.f64, t.f64)
		}
		return t
	}
	switch t.dtype {
	case Float32:
		a := float32(alpha)
		parallelFor(len(t.f32), elementwiseGrain, func(lo, hi int) { axpy(a, x.f32[lo:hi], t.f32[lo:hi]) })
	case Float64:
		parallelFor(len(t.f64), elementwiseGrain, func(lo, hi int) { axpy(alpha, x.f64[lo:hi], t.f64[lo:hi]) })
	}
	return t
}

// AddProductInPlace adds alpha·x to t in place and returns t, the product
// rounded before the sum: t + Scale(x, alpha) to the bit, without the
// scaled copy. (AddScaledInPlace fuses the two.) t and x share a shape.
func (t *Tensor) AddProductInPlace(alpha float64, x *Tensor) *Tensor {
	mustSameShape("AddProductInPlace", t, x)
	sameDType("AddProductInPlace", t, x)
	if t.Len() < 2*elementwiseGrain {
		if t.dtype == Float32 {
			vec.AddProduct32(t.f32, float32(alpha), x.f32)
		} else {
			vec.AddProduct64(t.f64, alpha, x.f64)
		}
		return t
	}
	if t.dtype == Float32 {
		a := float32(alpha)
		parallelFor(len(t.f32), elementwiseGrain, func(lo, hi int) { vec.AddProduct32(t.f32[lo:hi], a, x.f32[lo:hi]) })
	} else {
		parallelFor(len(t.f64), elementwiseGrain, func(lo, hi int) { vec.AddProduct64(t.f64[lo:hi], alpha, x.f64[lo:hi]) })
	}
	return t
}

// ScaleInPlace multiplies every element by s, in place, and returns t.
func (t *Tensor) ScaleInPlace(s float64) *Tensor {
	switch t.dtype {
	case Float32:
		unaryKernel(OpScale, t.f32, t.f32, s)
	case Float64:
		unaryKernel(OpScale, t.f64, t.f64, s)
	}
	return t
}

// axpy adds alpha·x to y (with one rounding per element: a fused
// multiply-add, vectorised where the CPU allows; see internal/vec).
func axpy[T float](alpha T, x, y []T) {
	x = x[:len(y)]
	switch yv := any(y).(type) {
	case []float32:
		vec.Axpy32(float32(alpha), any(x).([]float32), yv)
	case []float64:
		vec.Axpy64(float64(alpha), any(x).([]float64), yv)
	}
}
