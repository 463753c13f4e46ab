package models

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/nn"
	"github.com/acaode/aca/ode"
	"github.com/acaode/aca/tensor"
)

// Config describes a ResNet or NODE image classifier.
type Config struct {
	// Depth is 18 (two blocks per stage, the paper's), or 10 (one basic
	// block per stage; ResNet only).
	Depth int
	// Width is the base width w: the stages have w, 2w, 4w and 8w channels.
	Width int
	// InChannels is the number of image channels: 1 for Fashion-MNIST, 3
	// for CIFAR.
	InChannels int
	// Classes is the number of outputs (logits).
	Classes int
	// DType is the parameters' dtype; the zero value means tensor.Float32.
	DType tensor.DType
	// Norm is the normalisation: "group" (GroupNorm with min(32, c)
	// groups; "" means "group") or "batch" (BatchNorm2d; ResNet only, see
	// the package documentation).
	Norm string
	// ODE is the solver, tolerances or steps and gradient method of every
	// ODE block (NODE only). If Method, RTol, ATol, StepSize and Steps are
	// all zero, Heun–Euler with rtol = atol = 1e-3 is used, with the
	// other fields as given (the Gradient, ACA when zero; ACA's memory
	// budget, which applies to each ODE block on its own).
	ODE ode.Options
}

// DefaultODEOptions returns the ODE options a zero Config.ODE stands for:
// Heun–Euler, rtol = atol = 1e-3, ACA (the PyTorch twin's defaults).
func DefaultODEOptions() ode.Options {
	return ode.Options{Method: ode.HeunEuler, RTol: 1e-3, ATol: 1e-3, Gradient: ode.ACA}
}

// Net is a ResNet or NODE image classifier: an nn.Module mapping images
// [N, InChannels, H, W] to logits [N, Classes]. Its members are "conv1",
// "bn1", "layer1" … "layer4" (each an nn.Sequential of blocks) and "fc".
type Net struct {
	Conv1  *nn.Conv2d
	BN1    nn.Module
	Layers [4]*nn.Sequential
	FC     *nn.Linear

	cfg    Config
	blocks []*nn.ODEBlock
}

// NewResNet returns a ResNet (Depth 18 or 10) with PyTorch's default
// initialisation drawn from rng in member order.
func NewResNet(rng *rand.Rand, c Config) (*Net, error) {
	return build(rng, c, false)
}

// NewNODE returns a NODE18: ResNet18 with the second block of each stage
// an ODE block of the same parameters. Its weights are those NewResNet
// draws from a source in the same state.
func NewNODE(rng *rand.Rand, c Config) (*Net, error) {
	return build(rng, c, true)
}

// resolve checks c and fills in its defaults.
func (c Config) resolve(node bool) (Config, error) {
	model := "ResNet"
	if node {
		model = "NODE"
	}
	switch {
	case c.Depth != 18 && c.Depth != 10:
		return c, fmt.Errorf("models: %s depth %d: want 18 (or 10 for ResNet)", model, c.Depth)
	case node && c.Depth != 18:
		return c, fmt.Errorf("models: NODE depth %d: only 18 has a second block per stage to make an ODE block", c.Depth)
	case c.Width <= 0 || c.Width > maxWidth:
		return c, fmt.Errorf("models: %s width %d: want 1..%d", model, c.Width, maxWidth)
	case c.InChannels <= 0 || c.InChannels > maxWidth:
		return c, fmt.Errorf("models: %s input channels %d: want 1..%d", model, c.InChannels, maxWidth)
	case c.Classes <= 0 || c.Classes > maxClasses:
		return c, fmt.Errorf("models: %s classes %d: want 1..%d", model, c.Classes, maxClasses)
	}
	if c.DType == 0 {
		c.DType = tensor.Float32
	}
	if !c.DType.Valid() {
		return c, fmt.Errorf("models: %s dtype %v: want Float32 or Float64", model, c.DType)
	}
	switch c.Norm {
	case "", "group":
		c.Norm = "group"
	case "batch":
		if node {
			return c, errors.New(`models: NODE norm "batch": batch normalisation is not allowed inside an ODE block (its running statistics would be updated at every evaluation, rejected and re-run ones included, and each image's dynamics would depend on the batch); use "group"`)
		}
	default:
		return c, fmt.Errorf(`models: %s norm %q: want "group" or "batch"`, model, c.Norm)
	}
	for _, ch := range []int{c.Width, 2 * c.Width, 4 * c.Width, 8 * c.Width} {
		if g := groups(ch); c.Norm == "group" && ch%g != 0 {
			return c, fmt.Errorf("models: %s width %d: %d channels do not divide into min(32, %d) = %d groups for GroupNorm (every stage, of width, 2×, 4× and 8× width channels, needs fewer than 32 or a multiple of 32: widths 1–4, 8, 16 or a multiple of 32)", model, c.Width, ch, ch, g)
		}
	}
	if node {
		o := c.ODE
		if o.Method == nil && o.RTol == 0 && o.ATol == 0 && o.StepSize == 0 && o.Steps == 0 {
			// Only the solver and its tolerances are defaulted: the
			// gradient method and its options (ACA's memory budget …) stay.
			d := DefaultODEOptions()
			o.Method, o.RTol, o.ATol = d.Method, d.RTol, d.ATol
			c.ODE = o
		}
		if err := checkODEOptions(c.ODE); err != nil {
			return c, fmt.Errorf("models: NODE ODE options: %w", err)
		}
	} else {
		c.ODE = ode.Options{}
	}
	return c, nil
}

// maxWidth bounds the width and the input channels: the last stage's 8×
// width channels and its 3×3 weights (64·width²·9 values) stay far from
// overflowing, and the paper's width is 64. maxClasses bounds the classes.
const (
	maxWidth   = 1 << 14
	maxClasses = 1 << 24
)

// Validate reports what NewNODE (node true) or NewResNet (node false)
// would refuse in c, without building anything: a caller can check a
// configuration (a command-line width, say) before it loads data.
func (c Config) Validate(node bool) error {
	_, err := c.resolve(node)
	return err
}

// groups is the number of GroupNorm groups for c channels, min(32, c).
func groups(c int) int { return min(32, c) }

// checkODEOptions returns the solver's error for options it would refuse,
// by solving dz/dt = 0 on [0, 1] with them (no work beyond a few
// evaluations of nothing).
func checkODEOptions(o ode.Options) error {
	_, err := ode.SolveFunc(func(_ float64, _, dydt []float64) { dydt[0] = 0 }, []float64{0}, []float64{0, 1}, o)
	return err
}

// normFunc returns the constructor of the configured normalisation.
func normFunc(kind string) func(dt tensor.DType, ch int) (nn.Module, error) {
	if kind == "batch" {
		return func(dt tensor.DType, ch int) (nn.Module, error) { return nn.NewBatchNorm2d(dt, ch) }
	}
	return func(dt tensor.DType, ch int) (nn.Module, error) { return nn.NewGroupNorm(dt, groups(ch), ch) }
}

func build(rng *rand.Rand, c Config, node bool) (*Net, error) {
	c, err := c.resolve(node)
	if err != nil {
		return nil, err
	}
	if rng == nil {
		return nil, errors.New("models: a random source is needed for the initial weights (rng is nil)")
	}
	norm := normFunc(c.Norm)
	dt, w := c.DType, c.Width
	n := &Net{cfg: c}
	if n.Conv1, err = nn.NewConv2d(rng, dt, nn.Conv2dConfig{In: c.InChannels, Out: w, Kernel: 3, Padding: 1, NoBias: true}); err != nil {
		return nil, err
	}
	if n.BN1, err = norm(dt, w); err != nil {
		return nil, err
	}
	in := w
	for s := range 4 {
		out, stride := w<<s, 2
		if s == 0 {
			stride = 1
		}
		first, err := nn.NewBasicBlock(rng, dt, nn.BasicBlockConfig{In: in, Out: out, Stride: stride, Norm: norm})
		if err != nil {
			return nil, fmt.Errorf("models: layer%d.0: %w", s+1, err)
		}
		layer := nn.NewSequential(first)
		if c.Depth == 18 {
			if node {
				f, err := NewODEFunc(rng, dt, out)
				if err != nil {
					return nil, fmt.Errorf("models: layer%d.1: %w", s+1, err)
				}
				b, err := nn.NewODEBlock(f, c.ODE)
				if err != nil {
					return nil, fmt.Errorf("models: layer%d.1: %w", s+1, err)
				}
				n.blocks = append(n.blocks, b)
				layer.Layers = append(layer.Layers, b)
			} else {
				second, err := nn.NewBasicBlock(rng, dt, nn.BasicBlockConfig{In: out, Out: out, Stride: 1, Norm: norm})
				if err != nil {
					return nil, fmt.Errorf("models: layer%d.1: %w", s+1, err)
				}
				layer.Layers = append(layer.Layers, second)
			}
		}
		n.Layers[s] = layer
		in = out
	}
	if n.FC, err = nn.NewLinear(rng, dt, 8*w, c.Classes, true); err != nil {
		return nil, err
	}
	return n, nil
}

// Config returns the model's configuration with its defaults filled in
// (ODE holds the options the blocks were made with; SetODEOptions updates
// it).
func (n *Net) Config() Config { return n.cfg }

// Forward returns the logits [N, Classes] of images x [N, InChannels, H,
// W]. It panics if x has another shape (a programmer error), and with an
// *nn.SolveError if an ODE block's solve fails (nn.Try turns that into an
// error).
func (n *Net) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	if s := x.Shape(); len(s) != 4 || s[1] != n.cfg.InChannels {
		panic(fmt.Sprintf("models: input %v is not [N, %d, H, W]", s, n.cfg.InChannels))
	}
	y := nn.ApplyReLU(g, n.BN1, n.Conv1.Forward(g, x))
	for _, l := range n.Layers {
		y = l.Forward(g, y)
	}
	return n.FC.Forward(g, g.GlobalAvgPool2d(y))
}

// Members returns "conv1", "bn1", "layer1" … "layer4" and "fc".
func (n *Net) Members() []nn.Member {
	m := []nn.Member{nn.ChildMember("conv1", n.Conv1), nn.ChildMember("bn1", n.BN1)}
	for i, l := range n.Layers {
		m = append(m, nn.ChildMember(fmt.Sprintf("layer%d", i+1), l))
	}
	return append(m, nn.ChildMember("fc", n.FC))
}

// ODEBlocks returns the ODE blocks, layer1's first (empty for a ResNet).
func (n *Net) ODEBlocks() []*nn.ODEBlock { return append([]*nn.ODEBlock(nil), n.blocks...) }

// SetODEOptions gives every ODE block the options opts (solver, steps or
// tolerances, gradient method), after checking them; no weight changes.
// For a ResNet it only checks opts.
func (n *Net) SetODEOptions(opts ode.Options) error {
	if err := checkODEOptions(opts); err != nil {
		return fmt.Errorf("models: ODE options: %w", err)
	}
	for _, b := range n.blocks {
		b.Options = opts
	}
	if len(n.blocks) > 0 {
		n.cfg.ODE = opts
	}
	return nil
}

// NFE returns the function evaluations of the latest solves, summed over
// the ODE blocks: forward, and backward (zero until the backward pass has
// run; for Naive the evaluations its backward pass differentiates). Both
// are zero for a ResNet or before the first forward pass.
func (n *Net) NFE() (forward, backward int) {
	for _, b := range n.blocks {
		if st := b.LastStats(); st != nil {
			forward += st.Forward.NFE
			backward += st.Backward.NFE
		}
	}
	return forward, backward
}

// ODEFunc is the dynamics of a NODE18 ODE block, f(z) =
// ReLU(norm(conv(ReLU(norm(conv(z)))))) with 3×3 convolutions of c → c
// channels without bias, padding 1, and GroupNorm. Its members are
// "conv1", "bn1", "conv2" and "bn2", as in the basic block it replaces.
type ODEFunc struct {
	Conv1, Conv2 *nn.Conv2d
	BN1, BN2     nn.Module
}

// NewODEFunc returns the dynamics over c channels, its convolutions drawn
// from rng (conv1 first) as nn.NewBasicBlock draws them.
func NewODEFunc(rng *rand.Rand, dt tensor.DType, c int) (*ODEFunc, error) {
	norm := normFunc("group")
	f := &ODEFunc{}
	var err error
	if f.Conv1, err = nn.NewConv2d(rng, dt, nn.Conv2dConfig{In: c, Out: c, Kernel: 3, Padding: 1, NoBias: true}); err != nil {
		return nil, err
	}
	if f.BN1, err = norm(dt, c); err != nil {
		return nil, err
	}
	if f.Conv2, err = nn.NewConv2d(rng, dt, nn.Conv2dConfig{In: c, Out: c, Kernel: 3, Padding: 1, NoBias: true}); err != nil {
		return nil, err
	}
	if f.BN2, err = norm(dt, c); err != nil {
		return nil, err
	}
	return f, nil
}

// Forward returns f(z) for z [N, c, H, W].
func (f *ODEFunc) Forward(g *autograd.Graph, z *autograd.Value) *autograd.Value {
	y := nn.ApplyReLU(g, f.BN1, f.Conv1.Forward(g, z))
	return nn.ApplyReLU(g, f.BN2, f.Conv2.Forward(g, y))
}

// Members returns "conv1", "bn1", "conv2" and "bn2".
func (f *ODEFunc) Members() []nn.Member {
	return []nn.Member{
		nn.ChildMember("conv1", f.Conv1),
		nn.ChildMember("bn1", f.BN1),
		nn.ChildMember("conv2", f.Conv2),
		nn.ChildMember("bn2", f.BN2),
	}
}
