package nn

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

// Sequential applies its layers in order. Its members are the layers, named
// "0", "1", … as in PyTorch, so a parameter's name is "2.weight".
type Sequential struct {
	Layers []Module
}

// NewSequential returns the composition of layers, first to last.
func NewSequential(layers ...Module) *Sequential {
	return &Sequential{Layers: append([]Module(nil), layers...)}
}

// Forward applies the layers to x in order. Runs of Linear layers, each
// optionally followed by Tanh, Sigmoid or ReLU, are computed as one fused
// operation (autograd's MLP), and so is a ReLUFuser (GroupNorm) followed by
// ReLU: the same values and gradients with fewer passes over memory and
// less bookkeeping.
func (s *Sequential) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	for i := 0; i < len(s.Layers); {
		if n, y := s.fusedReLU(g, i, x); n > 0 {
			x, i = y, i+n
			continue
		}
		if n, y := s.fused(g, i, x); n > 0 {
			x, i = y, i+n
			continue
		}
		x = s.Layers[i].Forward(g, x)
		i++
	}
	return x
}

// ForwardT applies the layers in order at time t: those that implement
// TimeModule get t, the others are called with Forward (and fused as
// Forward fuses them).
func (s *Sequential) ForwardT(g *autograd.Graph, t float64, x *autograd.Value) *autograd.Value {
	for i := 0; i < len(s.Layers); {
		if n, y := s.fusedReLU(g, i, x); n > 0 {
			x, i = y, i+n
			continue
		}
		if n, y := s.fused(g, i, x); n > 0 {
			x, i = y, i+n
			continue
		}
		x = ForwardT(g, s.Layers[i], t, x)
		i++
	}
	return x
}

// fusedAct returns the elementwise function of an activation layer MLP
// fuses, or 0.
func fusedAct(m Module) tensor.UnaryOp {
	switch m.(type) {
	case Tanh:
		return tensor.OpTanh
	case Sigmoid:
		return tensor.OpSigmoid
	case ReLU:
		return tensor.OpReLU
	}
	return 0
}

// fused applies the run of fusable layers starting at layer i to x as one
// MLP operation and returns how many layers it covered and the result, or
// 0 if there is no run of at least two layers there.
func (s *Sequential) fused(g *autograd.Graph, i int, x *autograd.Value) (int, *autograd.Value) {
	var dense [8]autograd.Dense
	layers := dense[:0]
	j := i
	for j < len(s.Layers) {
		l, ok := s.Layers[j].(*Linear)
		if !ok || l == nil || l.Weight == nil {
			break
		}
		d := autograd.Dense{W: l.Weight, B: l.Bias}
		j++
		if j < len(s.Layers) {
			if act := fusedAct(s.Layers[j]); act != 0 {
				d.Act = act
				j++
			}
		}
		layers = append(layers, d)
	}
	if j-i < 2 {
		return 0, nil
	}
	return j - i, g.MLP(x, layers...)
}

// fusedReLU computes layers i and i+1 as one operation if layer i is a
// ReLUFuser and layer i+1 is ReLU, and returns how many layers it computed
// (0 or 2) and the result.
func (s *Sequential) fusedReLU(g *autograd.Graph, i int, x *autograd.Value) (int, *autograd.Value) {
	if i+1 >= len(s.Layers) {
		return 0, nil
	}
	f, ok := s.Layers[i].(ReLUFuser)
	if _, relu := s.Layers[i+1].(ReLU); !ok || !relu {
		return 0, nil
	}
	return 2, f.ForwardReLU(g, x)
}

// Members returns the layers, named by their index.
func (s *Sequential) Members() []Member {
	m := make([]Member, len(s.Layers))
	for i, l := range s.Layers {
		m[i] = ChildMember(strconv.Itoa(i), l)
	}
	return m
}

// Residual is y = x + F(x), the skip connection of a residual network and
// the one-step Euler discretisation of dz/dt = F(z) that ODE blocks replace.
// Its only member is "f".
type Residual struct {
	F Module
}

// Forward returns x + F(x); F must preserve x's shape.
func (r *Residual) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return addSameShape(g, "Residual", x, r.F.Forward(g, x))
}

// ForwardT returns x + F(t, x).
func (r *Residual) ForwardT(g *autograd.Graph, t float64, x *autograd.Value) *autograd.Value {
	return addSameShape(g, "Residual", x, ForwardT(g, r.F, t, x))
}

// Members returns "f".
func (r *Residual) Members() []Member { return []Member{ChildMember("f", r.F)} }

func addSameShape(g *autograd.Graph, what string, a, b *autograd.Value) *autograd.Value {
	if !slices.Equal(a.Shape(), b.Shape()) {
		panic(fmt.Sprintf("nn: %s: the branch maps %v to %v; the sum needs the same shape", what, a.Shape(), b.Shape()))
	}
	return g.Add(a, b)
}

// BasicBlockConfig describes a ResNet basic block.
type BasicBlockConfig struct {
	In, Out int // input and output channels
	Stride  int // stride of the first convolution and the shortcut; 0 means 1
	// Norm makes the normalisation layers; nil means BatchNorm2d.
	Norm func(dt tensor.DType, channels int) (Module, error)
}

// BasicBlock is ResNet's basic block (He et al. 2016), as torchvision's:
//
//	y = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))
//
// with 3×3 convolutions without bias (conv1 carries the stride) and a
// shortcut that is the identity, or, when the stride is not 1 or the channel
// count changes, "downsample": a Sequential of a 1×1 convolution with the
// stride and a normalisation. Members: "conv1", "bn1", "conv2", "bn2" and
// "downsample" (when present), so names match torchvision's
// ("layer1.0.conv1.weight", "layer2.0.downsample.1.running_mean").
type BasicBlock struct {
	Conv1      *Conv2d
	BN1        Module
	Conv2      *Conv2d
	BN2        Module
	Downsample *Sequential // nil: identity shortcut
}

// nonNilNorm wraps a normalisation constructor so that one returning a nil
// module without an error is an error.
func nonNilNorm(norm func(tensor.DType, int) (Module, error)) func(tensor.DType, int) (Module, error) {
	return func(dt tensor.DType, ch int) (Module, error) {
		m, err := norm(dt, ch)
		if err == nil && m == nil {
			return nil, fmt.Errorf("nn: BasicBlock: the Norm constructor returned a nil module for %d channels", ch)
		}
		return m, err
	}
}

// NewBasicBlock returns a basic block with PyTorch's default initialisation,
// drawn from rng in member order.
func NewBasicBlock(rng *rand.Rand, dt tensor.DType, c BasicBlockConfig) (*BasicBlock, error) {
	if err := positive("BasicBlock", "In", c.In, "Out", c.Out); err != nil {
		return nil, err
	}
	if c.Stride < 0 {
		return nil, fmt.Errorf("nn: BasicBlock: negative stride %d", c.Stride)
	}
	stride := max(c.Stride, 1)
	norm := c.Norm
	if norm == nil {
		norm = func(dt tensor.DType, ch int) (Module, error) { return NewBatchNorm2d(dt, ch) }
	}
	norm = nonNilNorm(norm)
	b := &BasicBlock{}
	var err error
	if b.Conv1, err = NewConv2d(rng, dt, Conv2dConfig{In: c.In, Out: c.Out, Kernel: 3, Stride: stride, Padding: 1, NoBias: true}); err != nil {
		return nil, err
	}
	if b.BN1, err = norm(dt, c.Out); err != nil {
		return nil, err
	}
	if b.Conv2, err = NewConv2d(rng, dt, Conv2dConfig{In: c.Out, Out: c.Out, Kernel: 3, Padding: 1, NoBias: true}); err != nil {
		return nil, err
	}
	if b.BN2, err = norm(dt, c.Out); err != nil {
		return nil, err
	}
	if stride != 1 || c.In != c.Out {
		sc, err := NewConv2d(rng, dt, Conv2dConfig{In: c.In, Out: c.Out, Kernel: 1, Stride: stride, NoBias: true})
		if err != nil {
			return nil, err
		}
		bn, err := norm(dt, c.Out)
		if err != nil {
			return nil, err
		}
		b.Downsample = NewSequential(sc, bn)
	}
	return b, nil
}

// Forward applies the block to x [N, In, H, W].
func (b *BasicBlock) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	y := ApplyReLU(g, b.BN1, b.Conv1.Forward(g, x))
	y = b.BN2.Forward(g, b.Conv2.Forward(g, y))
	sc := x
	if b.Downsample != nil {
		sc = b.Downsample.Forward(g, x)
	}
	return g.ReLU(addSameShape(g, "BasicBlock", sc, y))
}

// Members returns "conv1", "bn1", "conv2", "bn2" and "downsample".
func (b *BasicBlock) Members() []Member {
	m := []Member{
		ChildMember("conv1", b.Conv1),
		ChildMember("bn1", b.BN1),
		ChildMember("conv2", b.Conv2),
		ChildMember("bn2", b.BN2),
	}
	if b.Downsample != nil {
		m = append(m, ChildMember("downsample", b.Downsample))
	}
	return m
}
