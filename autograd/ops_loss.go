package autograd

import (
	"slices"

	"github.com/acaode/aca/tensor"
)

var (
	opCrossEntropy = register("cross_entropy")
	opMSE          = register("mse")
)

// CrossEntropy returns the mean over the batch of −log softmax(logits)[label]
// for logits [N, C] and N labels in [0, C), as a scalar. Labels out of range
// panic; validate outside input before it gets here.
func (g *Graph) CrossEntropy(logits *Value, labels []int) *Value {
	loss := tensor.CrossEntropy(logits.data, labels)
	labels = slices.Clone(labels)
	out := tensor.Scalar(logits.DType(), loss)
	return g.Record(Op{Name: opCrossEntropy, Fresh: true, Saved: int64(len(labels)) * 8, VJP: func(gy *tensor.Tensor, _ []bool) []*tensor.Tensor {
		return []*tensor.Tensor{tensor.CrossEntropyGrad(logits.data, labels, gy.Item())}
	}}, out, logits)
}

// MSE returns the mean of (a − b)² over all elements, as a scalar; a and b
// must have the same shape.
func (g *Graph) MSE(a, b *Value) *Value {
	checkDTypes(opMSE, a, b)
	mustSameShape(opMSE, a, b)
	d := tensor.Sub(a.data, b.data)
	n := float64(max(d.Len(), 1))
	out := tensor.Scalar(a.DType(), tensor.Dot(d, d)/n)
	return g.Record(Op{Name: opMSE, Fresh: true, Saved: d.Bytes(), VJP: func(gy *tensor.Tensor, need []bool) []*tensor.Tensor {
		ga := tensor.Scale(d, 2*gy.Item()/n)
		r := make([]*tensor.Tensor, 2)
		if need[0] {
			r[0] = ga
		}
		if need[1] {
			r[1] = tensor.Neg(ga)
		}
		return r
	}}, out, a, b)
}
