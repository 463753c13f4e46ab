package nn

import (
	"fmt"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

// BatchNorm2d is batch normalisation over the channel axis 1 of x
// [N, C, H, W] (any x [N, C, ...] works, so it is also PyTorch's
// BatchNorm1d), with PyTorch's semantics:
//
//   - Training mode normalises with the batch's own mean and biased variance
//     (the gradient flows through them) and then updates the running
//     estimates: running = (1−Momentum)·running + Momentum·batch, where the
//     variance fed into the running estimate is the unbiased one, m/(m−1)
//     times the biased, m = N·H·W.
//   - Evaluation mode normalises with the running estimates.
//
// Members: parameters "weight" (γ, ones) and "bias" (β, zeros), buffers
// "running_mean" (zeros), "running_var" (ones), all [C] of the layer's
// dtype, and "num_batches_tracked", a Float64 scalar counting the training
// batches (PyTorch keeps it as int64; it is kept here so that state dicts
// carry the same names).
type BatchNorm2d struct {
	Weight, Bias      *autograd.Value
	RunningMean       *tensor.Tensor
	RunningVar        *tensor.Tensor
	NumBatchesTracked *tensor.Tensor
	Eps, Momentum     float64
	training          bool
}

// NewBatchNorm2d returns a batch normalisation over c channels with eps
// 1e-5 and momentum 0.1, in training mode.
func NewBatchNorm2d(dt tensor.DType, c int) (*BatchNorm2d, error) {
	if err := checkDType("BatchNorm2d", dt); err != nil {
		return nil, err
	}
	if err := positive("BatchNorm2d", "channels", c); err != nil {
		return nil, err
	}
	return &BatchNorm2d{
		Weight:            newParam(tensor.Ones(dt, c)),
		Bias:              newParam(tensor.Zeros(dt, c)),
		RunningMean:       tensor.Zeros(dt, c),
		RunningVar:        tensor.Ones(dt, c),
		NumBatchesTracked: tensor.Scalar(tensor.Float64, 0),
		Eps:               1e-5,
		Momentum:          0.1,
		training:          true,
	}, nil
}

// Forward normalises x with the batch statistics (training) or the running
// ones (evaluation). In training mode it updates the running statistics even
// when g is nil, as PyTorch does under no_grad. It panics if a channel has a
// single value in training mode (its unbiased variance is undefined).
func (b *BatchNorm2d) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	if !b.training {
		return g.BatchNormEval(x, b.Weight, b.Bias, b.RunningMean, b.RunningVar, b.Eps)
	}
	c := b.RunningMean.Len()
	if s := x.Shape(); len(s) < 2 || s[1] != c {
		panic(fmt.Sprintf("nn: BatchNorm2d: input %v does not have %d channels on axis 1", s, c))
	}
	if x.Len() <= c {
		panic(fmt.Sprintf("nn: BatchNorm2d: input %v has at most one value per channel; training needs more", x.Shape()))
	}
	y, mean, variance := g.BatchNorm(x, b.Weight, b.Bias, b.Eps)
	m := float64(x.Len() / c)
	mom := b.Momentum
	rm, rv := b.RunningMean.Values(), b.RunningVar.Values()
	mu, va := mean.Float64s(), variance.Float64s()
	for i := range rm {
		rm[i] = (1-mom)*rm[i] + mom*mu[i]
		rv[i] = (1-mom)*rv[i] + mom*va[i]*m/(m-1)
	}
	b.RunningMean.CopyFrom(tensor.FromValues(b.RunningMean.DType(), rm, c))
	b.RunningVar.CopyFrom(tensor.FromValues(b.RunningVar.DType(), rv, c))
	b.NumBatchesTracked.Set(b.NumBatchesTracked.Item()+1, b.NumBatchesTracked.Shape()...)
	return y
}

// Members returns "weight", "bias", "running_mean", "running_var" and
// "num_batches_tracked".
func (b *BatchNorm2d) Members() []Member {
	return []Member{
		ParamMember("weight", &b.Weight),
		ParamMember("bias", &b.Bias),
		BufferMember("running_mean", &b.RunningMean),
		BufferMember("running_var", &b.RunningVar),
		BufferMember("num_batches_tracked", &b.NumBatchesTracked),
	}
}

// SetTraining switches between batch statistics (true) and running ones.
func (b *BatchNorm2d) SetTraining(training bool) { b.training = training }

// Training reports whether the layer is in training mode.
func (b *BatchNorm2d) Training() bool { return b.training }

// GroupNorm normalises x [N, C, ...] over groups of C/Groups channels within
// each sample (Wu and He 2018) and applies a per-channel "weight" (ones) and
// "bias" (zeros). It behaves the same in training and evaluation.
type GroupNorm struct {
	Weight, Bias *autograd.Value
	Groups       int
	Eps          float64
}

// NewGroupNorm returns a group normalisation of c channels in the given
// number of groups, with eps 1e-5. c must be a multiple of groups.
func NewGroupNorm(dt tensor.DType, groups, c int) (*GroupNorm, error) {
	if err := checkDType("GroupNorm", dt); err != nil {
		return nil, err
	}
	if err := positive("GroupNorm", "groups", groups, "channels", c); err != nil {
		return nil, err
	}
	if c%groups != 0 {
		return nil, fmt.Errorf("nn: GroupNorm: %d channels do not divide into %d groups", c, groups)
	}
	return &GroupNorm{
		Weight: newParam(tensor.Ones(dt, c)),
		Bias:   newParam(tensor.Zeros(dt, c)),
		Groups: groups,
		Eps:    1e-5,
	}, nil
}

// Forward normalises x.
func (n *GroupNorm) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return g.GroupNorm(x, n.Weight, n.Bias, n.Groups, n.Eps)
}

// ForwardReLU returns ReLU(n.Forward(g, x)) as one operation
// (autograd.Graph.GroupNormReLU): the same values and gradients.
func (n *GroupNorm) ForwardReLU(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return g.GroupNormReLU(x, n.Weight, n.Bias, n.Groups, n.Eps)
}

// Members returns "weight" and "bias".
func (n *GroupNorm) Members() []Member {
	return []Member{ParamMember("weight", &n.Weight), ParamMember("bias", &n.Bias)}
}
