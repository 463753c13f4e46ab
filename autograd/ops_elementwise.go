package autograd

import (
	"fmt"
	"slices"

	"github.com/acaode/aca/tensor"
)

var (
	opAdd       = register("add")
	opSub       = register("sub")
	opMul       = register("mul")
	opDiv       = register("div")
	opMaximum   = register("maximum")
	opMinimum   = register("minimum")
	opNeg       = register("neg")
	opAbs       = register("abs")
	opSqrt      = register("sqrt")
	opExp       = register("exp")
	opLog       = register("log")
	opTanh      = register("tanh")
	opSigmoid   = register("sigmoid")
	opReLU      = register("relu")
	opLeakyReLU = register("leaky_relu")
	opSoftplus  = register("softplus")
	opSquare    = register("square")
	opPow       = register("pow")
	opScale     = register("scale")
	opAddScalar = register("add_scalar")
)

// checkDTypes panics when inputs of one operation differ in dtype.
func checkDTypes(op string, vs ...*Value) {
	var first *Value
	for _, v := range vs {
		if v == nil {
			continue
		}
		if first == nil {
			first = v
			continue
		}
		if v.DType() != first.DType() {
			panic(fmt.Sprintf("autograd: %s: dtypes %v and %v differ", op, first.DType(), v.DType()))
		}
	}
}

// reduceTo sums a broadcast gradient back to shape (no copy if it already has it).
func reduceTo(gy *tensor.Tensor, shape []int) *tensor.Tensor {
	if slices.Equal(gy.Shape(), shape) {
		return gy
	}
	return tensor.SumTo(gy, shape)
}

func (g *Graph) unary(name string, op tensor.UnaryOp, x *Value, p float64) *Value {
	y := tensor.Unary(op, x.data, p)
	if !g.records(x) {
		return g.constant(y)
	}
	return g.Record(Op{Name: name, Fresh: true, VJP: func(gy *tensor.Tensor, _ []bool) []*tensor.Tensor {
		return []*tensor.Tensor{tensor.UnaryGrad(op, x.data, y, gy, p)}
	}}, y, x)
}

// Neg returns −x.
func (g *Graph) Neg(x *Value) *Value { return g.unary(opNeg, tensor.OpNeg, x, 0) }

// Abs returns |x| (gradient 0 at 0).
func (g *Graph) Abs(x *Value) *Value { return g.unary(opAbs, tensor.OpAbs, x, 0) }

// Sqrt returns √x.
func (g *Graph) Sqrt(x *Value) *Value { return g.unary(opSqrt, tensor.OpSqrt, x, 0) }

// Exp returns eˣ.
func (g *Graph) Exp(x *Value) *Value { return g.unary(opExp, tensor.OpExp, x, 0) }

// Log returns ln x.
func (g *Graph) Log(x *Value) *Value { return g.unary(opLog, tensor.OpLog, x, 0) }

// Tanh returns tanh x.
func (g *Graph) Tanh(x *Value) *Value { return g.unary(opTanh, tensor.OpTanh, x, 0) }

// Sigmoid returns 1/(1+e⁻ˣ).
func (g *Graph) Sigmoid(x *Value) *Value { return g.unary(opSigmoid, tensor.OpSigmoid, x, 0) }

// ReLU returns max(x, 0) (gradient 0 at 0).
func (g *Graph) ReLU(x *Value) *Value { return g.unary(opReLU, tensor.OpReLU, x, 0) }

// LeakyReLU returns x where x > 0 and slope·x elsewhere.
func (g *Graph) LeakyReLU(x *Value, slope float64) *Value {
	return g.unary(opLeakyReLU, tensor.OpLeakyReLU, x, slope)
}

// Softplus returns ln(1+eˣ).
func (g *Graph) Softplus(x *Value) *Value { return g.unary(opSoftplus, tensor.OpSoftplus, x, 0) }

// Square returns x².
func (g *Graph) Square(x *Value) *Value { return g.unary(opSquare, tensor.OpSquare, x, 0) }

// Pow returns xᵖ for a constant exponent p.
func (g *Graph) Pow(x *Value, p float64) *Value { return g.unary(opPow, tensor.OpPow, x, p) }

// Scale returns s·x for a constant s.
func (g *Graph) Scale(x *Value, s float64) *Value { return g.unary(opScale, tensor.OpScale, x, s) }

// AddScalar returns x + s for a constant s.
func (g *Graph) AddScalar(x *Value, s float64) *Value {
	return g.unary(opAddScalar, tensor.OpAddScalar, x, s)
}

// Add returns a + b with broadcasting.
func (g *Graph) Add(a, b *Value) *Value {
	checkDTypes(opAdd, a, b)
	out := tensor.Add(a.data, b.data)
	if !g.records(a, b) {
		return g.constant(out)
	}
	return g.Record(Op{Name: opAdd, VJP: func(gy *tensor.Tensor, need []bool) []*tensor.Tensor {
		r := make([]*tensor.Tensor, 2)
		if need[0] {
			r[0] = reduceTo(gy, a.Shape())
		}
		if need[1] {
			r[1] = reduceTo(gy, b.Shape())
		}
		return r
	}}, out, a, b)
}

// Sub returns a − b with broadcasting.
func (g *Graph) Sub(a, b *Value) *Value {
	checkDTypes(opSub, a, b)
	out := tensor.Sub(a.data, b.data)
	if !g.records(a, b) {
		return g.constant(out)
	}
	return g.Record(Op{Name: opSub, VJP: func(gy *tensor.Tensor, need []bool) []*tensor.Tensor {
		r := make([]*tensor.Tensor, 2)
		if need[0] {
			r[0] = reduceTo(gy, a.Shape())
		}
		if need[1] {
			r[1] = tensor.Neg(reduceTo(gy, b.Shape()))
		}
		return r
	}}, out, a, b)
}

// Mul returns a · b elementwise with broadcasting.
func (g *Graph) Mul(a, b *Value) *Value {
	checkDTypes(opMul, a, b)
	out := tensor.Mul(a.data, b.data)
	if !g.records(a, b) {
		return g.constant(out)
	}
	return g.Record(Op{Name: opMul, Fresh: true, VJP: func(gy *tensor.Tensor, need []bool) []*tensor.Tensor {
		r := make([]*tensor.Tensor, 2)
		if need[0] {
			r[0] = reduceTo(tensor.Mul(gy, b.data), a.Shape())
		}
		if need[1] {
			r[1] = reduceTo(tensor.Mul(gy, a.data), b.Shape())
		}
		return r
	}}, out, a, b)
}

// Div returns a / b elementwise with broadcasting.
func (g *Graph) Div(a, b *Value) *Value {
	checkDTypes(opDiv, a, b)
	out := tensor.Div(a.data, b.data)
	if !g.records(a, b) {
		return g.constant(out)
	}
	return g.Record(Op{Name: opDiv, Fresh: true, VJP: func(gy *tensor.Tensor, need []bool) []*tensor.Tensor {
		r := make([]*tensor.Tensor, 2)
		q := tensor.Div(gy, b.data) // gy/b, shaped like the output
		if need[0] {
			r[0] = reduceTo(q, a.Shape())
		}
		if need[1] {
			// d(a/b)/db = −a/b² = −out/b.
			r[1] = tensor.Neg(reduceTo(tensor.Mul(q, out), b.Shape()))
		}
		return r
	}}, out, a, b)
}

// Maximum returns the elementwise maximum with broadcasting; at ties the
// gradient goes to a.
func (g *Graph) Maximum(a, b *Value) *Value {
	checkDTypes(opMaximum, a, b)
	out := tensor.Maximum(a.data, b.data)
	return g.Record(Op{Name: opMaximum, Fresh: true, VJP: func(gy *tensor.Tensor, need []bool) []*tensor.Tensor {
		return selectGrad(gy, tensor.GreaterEqual(a.data, b.data), a, b, need)
	}}, out, a, b)
}

// Minimum returns the elementwise minimum with broadcasting; at ties the
// gradient goes to a.
func (g *Graph) Minimum(a, b *Value) *Value {
	checkDTypes(opMinimum, a, b)
	out := tensor.Minimum(a.data, b.data)
	return g.Record(Op{Name: opMinimum, Fresh: true, VJP: func(gy *tensor.Tensor, need []bool) []*tensor.Tensor {
		return selectGrad(gy, tensor.GreaterEqual(b.data, a.data), a, b, need)
	}}, out, a, b)
}

// selectGrad sends gy to a where mask is 1 and to b where it is 0.
func selectGrad(gy, mask *tensor.Tensor, a, b *Value, need []bool) []*tensor.Tensor {
	ga := tensor.Mul(gy, mask)
	r := make([]*tensor.Tensor, 2)
	if need[0] {
		r[0] = reduceTo(ga, a.Shape())
	}
	if need[1] {
		r[1] = reduceTo(tensor.Sub(gy, ga), b.Shape())
	}
	return r
}
