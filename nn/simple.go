package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

// ReLU is max(x, 0), elementwise.
type ReLU struct{}

// Forward returns max(x, 0).
func (ReLU) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value { return g.ReLU(x) }

// Members returns nil.
func (ReLU) Members() []Member { return nil }

// Tanh is tanh x, elementwise.
type Tanh struct{}

// Forward returns tanh x.
func (Tanh) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value { return g.Tanh(x) }

// Members returns nil.
func (Tanh) Members() []Member { return nil }

// Sigmoid is 1/(1+e⁻ˣ), elementwise.
type Sigmoid struct{}

// Forward returns 1/(1+e⁻ˣ).
func (Sigmoid) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value { return g.Sigmoid(x) }

// Members returns nil.
func (Sigmoid) Members() []Member { return nil }

// Softplus is ln(1+eˣ), elementwise (PyTorch's Softplus with beta 1; there
// is no threshold: the kernel is accurate for large x).
type Softplus struct{}

// Forward returns ln(1+eˣ).
func (Softplus) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value { return g.Softplus(x) }

// Members returns nil.
func (Softplus) Members() []Member { return nil }

// ReLUFuser is a layer that can apply ReLU to its own output in the same
// pass over memory (GroupNorm). Sequential computes such a layer followed by
// ReLU as one operation, and so does ApplyReLU. Sequential.ForwardT calls
// ForwardReLU without the time, so a layer that depends on t (a
// TimeModule) must not be a ReLUFuser.
type ReLUFuser interface {
	Module
	// ForwardReLU returns ReLU(Forward(g, x)), with the same values and
	// gradients as the two apart.
	ForwardReLU(g *autograd.Graph, x *autograd.Value) *autograd.Value
}

// ApplyReLU returns ReLU(m.Forward(g, x)), fused into m's own pass where m
// is a ReLUFuser: the pattern norm-then-ReLU of convolutional blocks.
func ApplyReLU(g *autograd.Graph, m Module, x *autograd.Value) *autograd.Value {
	if f, ok := m.(ReLUFuser); ok {
		return f.ForwardReLU(g, x)
	}
	return g.ReLU(m.Forward(g, x))
}

// LeakyReLU is x for x > 0 and Slope·x elsewhere (PyTorch's default slope
// is 0.01).
type LeakyReLU struct{ Slope float64 }

// Forward returns the leaky ReLU of x.
func (l LeakyReLU) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return g.LeakyReLU(x, l.Slope)
}

// Members returns nil.
func (LeakyReLU) Members() []Member { return nil }

// Identity returns its input.
type Identity struct{}

// Forward returns x.
func (Identity) Forward(_ *autograd.Graph, x *autograd.Value) *autograd.Value { return x }

// Members returns nil.
func (Identity) Members() []Member { return nil }

// Flatten reshapes x [N, ...] to [N, ∏...], keeping the batch axis.
type Flatten struct{}

// Forward returns x as [N, -1].
func (Flatten) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	if len(x.Shape()) == 0 {
		panic("nn: Flatten: a scalar has no batch axis")
	}
	return g.Reshape(x, x.Shape()[0], -1)
}

// Members returns nil.
func (Flatten) Members() []Member { return nil }

// GlobalAvgPool2d averages x [N, C, H, W] over H and W, giving [N, C].
type GlobalAvgPool2d struct{}

// Forward returns the per-channel mean of x.
func (GlobalAvgPool2d) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return g.GlobalAvgPool2d(x)
}

// Members returns nil.
func (GlobalAvgPool2d) Members() []Member { return nil }

// MaxPool2d takes the maximum of x [N, C, H, W] over windows (a zero stride
// means the kernel size, as in PyTorch).
type MaxPool2d struct{ Params tensor.Pool2dParams }

// Forward returns the pooled x.
func (p MaxPool2d) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return g.MaxPool2d(x, p.Params)
}

// Members returns nil.
func (MaxPool2d) Members() []Member { return nil }

// AvgPool2d averages x [N, C, H, W] over windows (padding counts as zeros).
type AvgPool2d struct{ Params tensor.Pool2dParams }

// Forward returns the pooled x.
func (p AvgPool2d) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return g.AvgPool2d(x, p.Params)
}

// Members returns nil.
func (AvgPool2d) Members() []Member { return nil }

// Dropout zeroes each element with probability P in training mode and scales
// the rest by 1/(1−P) (inverted dropout, as PyTorch); in evaluation mode it
// is the identity. The mask is drawn from RNG, one uniform draw per element
// in row-major order, so a given seed gives the same masks on every run. RNG
// is not safe for concurrent use: one Dropout serves one goroutine. Its
// state is not a buffer: a checkpoint does not restore the masks to come.
type Dropout struct {
	P        float64
	RNG      *rand.Rand
	training bool
}

// NewDropout returns a dropout layer with drop probability p in [0, 1],
// drawing its masks from rng, in training mode.
func NewDropout(rng *rand.Rand, p float64) (*Dropout, error) {
	if !(p >= 0 && p <= 1) {
		return nil, fmt.Errorf("nn: Dropout: probability %v is outside [0, 1]", p)
	}
	if rng == nil {
		return nil, fmt.Errorf("nn: Dropout needs a random source for its masks (rng is nil)")
	}
	return &Dropout{P: p, RNG: rng, training: true}, nil
}

// Forward returns x with dropped elements zeroed and the rest scaled
// (training), or x (evaluation, or P = 0).
func (d *Dropout) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	if !d.training || d.P == 0 {
		return x
	}
	mask := make([]float64, x.Len())
	if d.P < 1 {
		keep := 1 / (1 - d.P)
		for i := range mask {
			if d.RNG.Float64() >= d.P {
				mask[i] = keep
			}
		}
	}
	return g.Mul(x, autograd.Constant(tensor.FromValues(x.DType(), mask, x.Shape()...)))
}

// Members returns nil.
func (d *Dropout) Members() []Member { return nil }

// SetTraining switches dropout on (true) or off.
func (d *Dropout) SetTraining(training bool) { d.training = training }

// Training reports whether dropout is on.
func (d *Dropout) Training() bool { return d.training }
