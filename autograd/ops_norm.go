package autograd

import (
	"github.com/acaode/aca/tensor"
)

var (
	opBatchNorm     = register("batch_norm")
	opBatchNormEval = register("batch_norm_eval")
	opGroupNorm     = register("group_norm")
	opGroupNormReLU = register("group_norm_relu")
)

func dataOf(v *Value) *tensor.Tensor {
	if v == nil {
		return nil
	}
	return v.data
}

// BatchNorm normalises x [N, C, ...] with its own per-channel batch
// statistics (training mode) and applies gamma and beta [C] (either may be
// nil). It also returns the batch mean and biased variance (Float64 tensors
// of shape [C]), for the caller's running statistics. The gradient flows
// through the statistics.
func (g *Graph) BatchNorm(x, gamma, beta *Value, eps float64) (y *Value, mean, variance *tensor.Tensor) {
	checkDTypes(opBatchNorm, x, gamma, beta)
	mean, variance = tensor.BatchNormStats(x.data)
	out := tensor.BatchNormApply(x.data, mean, variance, dataOf(gamma), dataOf(beta), eps)
	saved := mean.Bytes() + variance.Bytes()
	y = g.Record(Op{Name: opBatchNorm, Fresh: true, Saved: saved, VJP: func(gy *tensor.Tensor, _ []bool) []*tensor.Tensor {
		gx, gg, gb := tensor.BatchNormBackward(gy, x.data, mean, variance, dataOf(gamma), eps, true)
		return []*tensor.Tensor{gx, gg, gb}
	}}, out, x, gamma, beta)
	return y, mean, variance
}

// BatchNormEval normalises x [N, C, ...] with given per-channel statistics
// (evaluation mode: the running mean and variance, constants of x's dtype or
// Float64) and applies gamma and beta [C] (either may be nil).
func (g *Graph) BatchNormEval(x, gamma, beta *Value, mean, variance *tensor.Tensor, eps float64) *Value {
	checkDTypes(opBatchNormEval, x, gamma, beta)
	out := tensor.BatchNormApply(x.data, mean, variance, dataOf(gamma), dataOf(beta), eps)
	// The running statistics are the caller's buffers and may be updated in
	// place before the backward pass; keep the values this forward used.
	mean, variance = mean.Clone(), variance.Clone()
	return g.Record(Op{Name: opBatchNormEval, Fresh: true, Saved: mean.Bytes() + variance.Bytes(), VJP: func(gy *tensor.Tensor, _ []bool) []*tensor.Tensor {
		gx, gg, gb := tensor.BatchNormBackward(gy, x.data, mean, variance, dataOf(gamma), eps, false)
		return []*tensor.Tensor{gx, gg, gb}
	}}, out, x, gamma, beta)
}

// GroupNorm normalises x [N, C, ...] over groups of C/groups channels within
// each sample and applies gamma and beta [C] (either may be nil).
func (g *Graph) GroupNorm(x, gamma, beta *Value, groups int, eps float64) *Value {
	checkDTypes(opGroupNorm, x, gamma, beta)
	out, mean, variance := tensor.GroupNorm(x.data, dataOf(gamma), dataOf(beta), groups, eps)
	saved := mean.Bytes() + variance.Bytes()
	return g.Record(Op{Name: opGroupNorm, Fresh: true, Saved: saved, VJP: func(gy *tensor.Tensor, _ []bool) []*tensor.Tensor {
		gx, gg, gb := tensor.GroupNormBackward(gy, x.data, mean, variance, dataOf(gamma), groups, eps)
		return []*tensor.Tensor{gx, gg, gb}
	}}, out, x, gamma, beta)
}

// GroupNormReLU is ReLU(GroupNorm(x, gamma, beta, groups, eps)) as one
// operation (tensor.GroupNormReLU): the same values and gradients, in fewer
// passes over memory, and the normalised tensor before the ReLU is neither
// stored nor kept for the backward pass.
func (g *Graph) GroupNormReLU(x, gamma, beta *Value, groups int, eps float64) *Value {
	checkDTypes(opGroupNormReLU, x, gamma, beta)
	out, mean, variance := tensor.GroupNormReLU(x.data, dataOf(gamma), dataOf(beta), groups, eps)
	saved := mean.Bytes() + variance.Bytes()
	return g.Record(Op{Name: opGroupNormReLU, Fresh: true, Saved: saved, VJP: func(gy *tensor.Tensor, _ []bool) []*tensor.Tensor {
		gx, gg, gb := tensor.GroupNormReLUBackward(gy, out, x.data, mean, variance, dataOf(gamma), groups, eps)
		return []*tensor.Tensor{gx, gg, gb}
	}}, out, x, gamma, beta)
}
