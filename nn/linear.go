package nn

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

var errNilRNG = errors.New("needs a random source for its initialisation (rng is nil)")

// Linear is a fully connected layer, y = x·Wᵀ + b, over the last axis of x
// [..., In]. Its members are "weight" [Out, In] and "bias" [Out] (absent
// without a bias), as in PyTorch.
type Linear struct {
	Weight *autograd.Value
	Bias   *autograd.Value // nil: no bias
}

// NewLinear returns a Linear layer from in to out features, with a bias if
// bias is set, initialised as PyTorch does: weight and bias uniform on
// ±1/√in, drawn from rng (weight first).
func NewLinear(rng *rand.Rand, dt tensor.DType, in, out int, bias bool) (*Linear, error) {
	if err := checkDType("Linear", dt); err != nil {
		return nil, err
	}
	if err := positive("Linear", "in", in, "out", out); err != nil {
		return nil, err
	}
	if rng == nil {
		return nil, fmt.Errorf("nn: Linear %s", errNilRNG)
	}
	w, b := defaultWeight(rng, dt, bias, out, in)
	l := &Linear{Weight: newParam(w)}
	if bias {
		l.Bias = newParam(b)
	}
	return l, nil
}

// Forward returns x·Wᵀ + b.
func (l *Linear) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return g.Linear(x, l.Weight, l.Bias)
}

// Members returns "weight" and "bias".
func (l *Linear) Members() []Member {
	m := []Member{ParamMember("weight", &l.Weight)}
	if l.Bias != nil {
		m = append(m, ParamMember("bias", &l.Bias))
	}
	return m
}

// Conv2dConfig describes a 2-D convolution layer. Kernels are square; the
// layer's Params field allows different strides or paddings per axis.
type Conv2dConfig struct {
	In, Out int  // input and output channels
	Kernel  int  // kernel height and width
	Stride  int  // 0 means 1
	Padding int  // zeros added on every side
	NoBias  bool // leave out the bias (as before a batch normalisation)
}

// Conv2d is a 2-D convolution (cross-correlation) of x [N, In, H, W] with
// "weight" [Out, In, K, K] plus "bias" [Out], as PyTorch's Conv2d (no
// dilation or groups).
type Conv2d struct {
	Weight *autograd.Value
	Bias   *autograd.Value // nil: no bias
	Params tensor.Conv2dParams
}

// NewConv2d returns a convolution layer initialised as PyTorch does: weight
// and bias uniform on ±1/√(In·K²), drawn from rng (weight first).
func NewConv2d(rng *rand.Rand, dt tensor.DType, c Conv2dConfig) (*Conv2d, error) {
	if err := checkDType("Conv2d", dt); err != nil {
		return nil, err
	}
	if err := positive("Conv2d", "In", c.In, "Out", c.Out, "Kernel", c.Kernel); err != nil {
		return nil, err
	}
	if c.Stride < 0 || c.Padding < 0 {
		return nil, fmt.Errorf("nn: Conv2d: negative stride %d or padding %d", c.Stride, c.Padding)
	}
	if rng == nil {
		return nil, fmt.Errorf("nn: Conv2d %s", errNilRNG)
	}
	s := max(c.Stride, 1)
	w, b := defaultWeight(rng, dt, !c.NoBias, c.Out, c.In, c.Kernel, c.Kernel)
	conv := &Conv2d{Weight: newParam(w), Params: tensor.Conv2dParams{StrideH: s, StrideW: s, PadH: c.Padding, PadW: c.Padding}}
	if !c.NoBias {
		conv.Bias = newParam(b)
	}
	return conv, nil
}

// Forward returns the convolution of x [N, In, H, W].
func (c *Conv2d) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return g.Conv2d(x, c.Weight, c.Bias, c.Params)
}

// Members returns "weight" and "bias".
func (c *Conv2d) Members() []Member {
	m := []Member{ParamMember("weight", &c.Weight)}
	if c.Bias != nil {
		m = append(m, ParamMember("bias", &c.Bias))
	}
	return m
}
