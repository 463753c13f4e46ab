package autograd

import (
	"github.com/acaode/aca/tensor"
)

var (
	opLinear          = register("linear")
	opMatMul          = register("matmul")
	opConv2d          = register("conv2d")
	opAvgPool2d       = register("avg_pool2d")
	opMaxPool2d       = register("max_pool2d")
	opGlobalAvgPool2d = register("global_avg_pool2d")
)

// Linear returns x·wᵀ + b for x [..., in], w [out, in] and b [out] (b may be
// nil): a fully connected layer.
func (g *Graph) Linear(x, w, b *Value) *Value {
	checkDTypes(opLinear, x, w, b)
	var bt *tensor.Tensor
	if b != nil {
		bt = b.data
	}
	out := tensor.Linear(x.data, w.data, bt)
	if !g.records(x, w, b) {
		return g.constant(out)
	}
	return g.Record(Op{Name: opLinear, Fresh: true, VJP: func(gy *tensor.Tensor, need []bool) []*tensor.Tensor {
		in, o := w.Shape()[1], w.Shape()[0]
		// Matrices as they are; other shapes as [rows, features] views.
		gy2, x2 := gy, x.data
		flat := x.data.NDim() != 2
		if flat {
			gy2, x2 = gy.Reshape(-1, o), x.data.Reshape(-1, in)
		}
		r := make([]*tensor.Tensor, 3)
		if need[0] {
			r[0] = tensor.MatMul(gy2, w.data, false, false)
			if flat {
				r[0] = r[0].Reshape(x.Shape()...)
			}
		}
		if need[1] {
			r[1] = tensor.MatMul(gy2, x2, true, false)
		}
		if b != nil && need[2] {
			r[2] = tensor.SumTo(gy2, b.Shape())
		}
		return r
	}}, out, x, w, b)
}

// MatMul returns op(a)·op(b) for 2-D matrices or 3-D batches of them (see
// tensor.MatMul; a 2-D operand is shared across the other's batch).
func (g *Graph) MatMul(a, b *Value, transA, transB bool) *Value {
	checkDTypes(opMatMul, a, b)
	out := tensor.MatMul(a.data, b.data, transA, transB)
	if !g.records(a, b) {
		return g.constant(out)
	}
	return g.Record(Op{Name: opMatMul, Fresh: true, VJP: func(gy *tensor.Tensor, need []bool) []*tensor.Tensor {
		r := make([]*tensor.Tensor, 2)
		if need[0] {
			var ga *tensor.Tensor
			if transA { // A = (…)ᵀ: dA = op(B)·dCᵀ
				ga = tensor.MatMul(b.data, gy, transB, true)
			} else { // dA = dC·op(B)ᵀ
				ga = tensor.MatMul(gy, b.data, false, !transB)
			}
			r[0] = reduceTo(ga, a.Shape())
		}
		if need[1] {
			var gb *tensor.Tensor
			if transB { // dB = dCᵀ·op(A)
				gb = tensor.MatMul(gy, a.data, true, transA)
			} else { // dB = op(A)ᵀ·dC
				gb = tensor.MatMul(a.data, gy, !transA, false)
			}
			r[1] = reduceTo(gb, b.Shape())
		}
		return r
	}}, out, a, b)
}

// Conv2d returns the 2-D cross-correlation of x [N, C, H, W] with w
// [O, C, KH, KW] plus b [O] (b may be nil); see tensor.Conv2d.
func (g *Graph) Conv2d(x, w, b *Value, p tensor.Conv2dParams) *Value {
	checkDTypes(opConv2d, x, w, b)
	var bt *tensor.Tensor
	if b != nil {
		bt = b.data
	}
	out := tensor.Conv2d(x.data, w.data, bt, p)
	if !g.records(x, w, b) {
		return g.constant(out)
	}
	return g.Record(Op{Name: opConv2d, Fresh: true, VJP: func(gy *tensor.Tensor, need []bool) []*tensor.Tensor {
		gx, gw, gb := tensor.Conv2dBackward(gy, x.data, w.data, p, need[0], need[1], b != nil && need[2])
		return []*tensor.Tensor{gx, gw, gb}
	}}, out, x, w, b)
}

// AvgPool2d averages x [N, C, H, W] over windows (see tensor.AvgPool2d).
func (g *Graph) AvgPool2d(x *Value, p tensor.Pool2dParams) *Value {
	out := tensor.AvgPool2d(x.data, p)
	return g.Record(Op{Name: opAvgPool2d, Fresh: true, VJP: func(gy *tensor.Tensor, _ []bool) []*tensor.Tensor {
		return []*tensor.Tensor{tensor.AvgPool2dBackward(gy, x.Shape(), p)}
	}}, out, x)
}

// MaxPool2d takes the maximum of x [N, C, H, W] over windows (see tensor.MaxPool2d).
func (g *Graph) MaxPool2d(x *Value, p tensor.Pool2dParams) *Value {
	out, arg := tensor.MaxPool2d(x.data, p)
	return g.Record(Op{Name: opMaxPool2d, Fresh: true, Saved: int64(len(arg)) * 8, VJP: func(gy *tensor.Tensor, _ []bool) []*tensor.Tensor {
		return []*tensor.Tensor{tensor.ScatterAdd(gy.DType(), x.Shape(), arg, gy)}
	}}, out, x)
}

// GlobalAvgPool2d averages x [N, C, H, W] over H and W, giving [N, C].
func (g *Graph) GlobalAvgPool2d(x *Value) *Value {
	out := tensor.GlobalAvgPool2d(x.data)
	return g.Record(Op{Name: opGlobalAvgPool2d, Fresh: true, VJP: func(gy *tensor.Tensor, _ []bool) []*tensor.Tensor {
		s := x.Shape()
		gx := tensor.BroadcastTo(gy.Reshape(s[0], s[1], 1, 1), s)
		return []*tensor.Tensor{gx.ScaleInPlace(1 / float64(s[2]*s[3]))}
	}}, out, x)
}
