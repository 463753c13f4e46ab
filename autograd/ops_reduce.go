package autograd

import (
	"slices"

	"github.com/acaode/aca/tensor"
)

var (
	opSum        = register("sum")
	opMean       = register("mean")
	opMax        = register("max")
	opSoftmax    = register("softmax")
	opLogSoftmax = register("log_softmax")
)

// keptShape returns x's shape with the reduced axes set to 1 (all axes if none given).
func keptShape(shape []int, axes []int) []int {
	k := slices.Clone(shape)
	if len(axes) == 0 {
		for i := range k {
			k[i] = 1
		}
		return k
	}
	for _, a := range axes {
		if a < 0 {
			a += len(shape)
		}
		k[a] = 1
	}
	return k
}

// Sum returns the sum over axes (all axes, giving a scalar, if none are
// given), keeping them as size-1 dimensions if keepDims is set.
func (g *Graph) Sum(x *Value, axes []int, keepDims bool) *Value {
	out := tensor.Sum(x.data, axes, keepDims)
	keep := keptShape(x.Shape(), axes)
	return g.Record(Op{Name: opSum, Fresh: true, VJP: func(gy *tensor.Tensor, _ []bool) []*tensor.Tensor {
		return []*tensor.Tensor{tensor.BroadcastTo(gy.Reshape(keep...), x.Shape())}
	}}, out, x)
}

// Mean returns the mean over axes (all axes if none are given).
func (g *Graph) Mean(x *Value, axes []int, keepDims bool) *Value {
	out := tensor.Mean(x.data, axes, keepDims)
	keep := keptShape(x.Shape(), axes)
	n := float64(x.Len()) / float64(max(out.Len(), 1))
	return g.Record(Op{Name: opMean, Fresh: true, VJP: func(gy *tensor.Tensor, _ []bool) []*tensor.Tensor {
		return []*tensor.Tensor{tensor.BroadcastTo(gy.Reshape(keep...), x.Shape()).ScaleInPlace(1 / n)}
	}}, out, x)
}

// Max returns the maximum over axes (all axes if none are given); the
// gradient goes to the first element attaining it.
func (g *Graph) Max(x *Value, axes []int, keepDims bool) *Value {
	out, arg := tensor.MaxIndex(x.data, axes, keepDims)
	return g.Record(Op{Name: opMax, Fresh: true, Saved: int64(len(arg)) * 8, VJP: func(gy *tensor.Tensor, _ []bool) []*tensor.Tensor {
		return []*tensor.Tensor{tensor.ScatterAdd(gy.DType(), x.Shape(), arg, gy)}
	}}, out, x)
}

// SumAll returns the sum of all elements as a scalar.
func (g *Graph) SumAll(x *Value) *Value { return g.Sum(x, nil, false) }

// MeanAll returns the mean of all elements as a scalar.
func (g *Graph) MeanAll(x *Value) *Value { return g.Mean(x, nil, false) }

// Softmax returns exp(x)/Σexp(x) along axis.
func (g *Graph) Softmax(x *Value, axis int) *Value {
	y := tensor.Softmax(x.data, axis)
	return g.Record(Op{Name: opSoftmax, Fresh: true, VJP: func(gy *tensor.Tensor, _ []bool) []*tensor.Tensor {
		return []*tensor.Tensor{tensor.SoftmaxGrad(y, gy, axis)}
	}}, y, x)
}

// LogSoftmax returns x − log Σexp(x) along axis.
func (g *Graph) LogSoftmax(x *Value, axis int) *Value {
	y := tensor.LogSoftmax(x.data, axis)
	return g.Record(Op{Name: opLogSoftmax, Fresh: true, VJP: func(gy *tensor.Tensor, _ []bool) []*tensor.Tensor {
		return []*tensor.Tensor{tensor.LogSoftmaxGrad(y, gy, axis)}
	}}, y, x)
}
