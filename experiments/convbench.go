package experiments

import (
	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/nn"
	"github.com/acaode/aca/ode"
	"github.com/acaode/aca/optim"
	"github.com/acaode/aca/tensor"
)

// ConvBench is the convolutional workload timed against the peers: a batch
// x of 32 images 1×28×28 drawn N(0, 1) with random labels (fixed seed),
// Conv2d(1→32, 3×3, pad 1) → an ODE block on [0, 1] with f(h) =
// ReLU(GroupNorm(32 groups)(Conv2d(32→32, 3×3, pad 1)(h))) → global mean
// pool → Linear(32→10), cross-entropy, SGD at lr 0.1, Dopri5 at rtol =
// atol = 1e-3 by default, float32. One Step is one training step.
type ConvBench struct {
	Model *nn.Sequential
	Block *nn.ODEBlock
	Opt   *optim.SGD

	x      *autograd.Value
	labels []int
}

// NewConvBench builds the workload with the given seed, gradient method
// and tolerances.
func NewConvBench(seed uint64, method ode.Gradient, rtol, atol float64) (*ConvBench, error) {
	const dt = tensor.Float32
	rng := tensor.NewRNG(seed)
	x := tensor.RandN(rng, dt, 0, 1, 32, 1, 28, 28)
	labels := make([]int, 32)
	for i := range labels {
		labels[i] = rng.IntN(10)
	}
	stem, err := nn.NewConv2d(rng, dt, nn.Conv2dConfig{In: 1, Out: 32, Kernel: 3, Padding: 1})
	if err != nil {
		return nil, err
	}
	conv, err := nn.NewConv2d(rng, dt, nn.Conv2dConfig{In: 32, Out: 32, Kernel: 3, Padding: 1})
	if err != nil {
		return nil, err
	}
	gn, err := nn.NewGroupNorm(dt, 32, 32)
	if err != nil {
		return nil, err
	}
	block, err := nn.NewODEBlock(nn.NewSequential(conv, gn, nn.ReLU{}), ode.Options{Method: ode.Dopri5, RTol: rtol, ATol: atol, Gradient: method})
	if err != nil {
		return nil, err
	}
	head, err := nn.NewLinear(rng, dt, 32, 10, true)
	if err != nil {
		return nil, err
	}
	model := nn.NewSequential(stem, block, nn.GlobalAvgPool2d{}, head)
	opt, err := optim.NewSGD(nn.Params(model), optim.SGDConfig{LR: 0.1})
	if err != nil {
		return nil, err
	}
	return &ConvBench{Model: model, Block: block, Opt: opt, x: autograd.Constant(x), labels: labels}, nil
}

// Step runs one training step and returns the loss before the update and
// the ODE block's statistics.
func (c *ConvBench) Step() (IterResult, error) {
	g := autograd.NewGraph()
	var loss *autograd.Value
	if err := nn.Try(func() { loss = nn.CrossEntropy(g, c.Model.Forward(g, c.x), c.labels, 0) }); err != nil {
		return IterResult{}, err
	}
	c.Opt.ZeroGrad()
	if err := loss.Backward(); err != nil {
		return IterResult{}, err
	}
	c.Opt.Step()
	return IterResult{Loss: loss.Item(), Stats: c.Block.LastStats()}, nil
}
