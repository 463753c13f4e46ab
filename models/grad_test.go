package models

import (
	"math"
	"testing"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/nn"
	"github.com/acaode/aca/ode"
	"github.com/acaode/aca/tensor"
)

// gradCase is a small float64 NODE18 classifier, a batch of images and
// labels.
type gradCase struct {
	net    *Net
	x      *tensor.Tensor
	labels []int
}

func newGradCase(t *testing.T, opts ode.Options) gradCase {
	t.Helper()
	n, err := NewNODE(tensor.NewRNG(7), Config{Depth: 18, Width: 2, InChannels: 1, Classes: 3, DType: tensor.Float64, ODE: opts})
	if err != nil {
		t.Fatal(err)
	}
	// Larger weights than the default initialisation make the dynamics
	// stiff enough for the controller to take several steps (and reject
	// some).
	for _, b := range n.ODEBlocks() {
		for _, p := range nn.Params(b) {
			if len(p.Shape()) == 4 {
				v := p.Data().Float64s()
				for i := range v {
					v[i] *= 2
				}
			}
		}
	}
	return gradCase{net: n, x: tensor.RandN(tensor.NewRNG(8), tensor.Float64, 0, 1, 2, 1, 12, 12), labels: []int{2, 0}}
}

// loss is the cross-entropy of the classifier on the batch, recorded on g
// (nil: unrecorded), for images x.
func (c gradCase) loss(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return nn.CrossEntropy(g, c.net.Forward(g, x), c.labels, 0)
}

// grads returns the gradients of the loss with respect to the images and
// every parameter, in NamedParams order, with the blocks' current options.
func (c gradCase) grads(t *testing.T) []*tensor.Tensor {
	t.Helper()
	nn.ZeroGrad(c.net)
	x := autograd.Leaf(c.x.Clone())
	g := autograd.NewGraph()
	if err := c.loss(g, x).Backward(); err != nil {
		t.Fatal(err)
	}
	out := []*tensor.Tensor{x.Grad().Clone()}
	for _, p := range nn.Params(c.net) {
		out = append(out, p.Grad().Clone())
	}
	return out
}

// freeze sets every ODE block to take exactly the steps its adaptive solve
// accepts on this batch, with the Naive method (so the backward pass
// differentiates those steps and nothing else), and returns the number of
// steps per block. It follows Net.Forward, unrecorded, to find each
// block's input.
func (c gradCase) freeze(t *testing.T) []int {
	t.Helper()
	n := c.net
	var g *autograd.Graph // nil: unrecorded
	y := g.ReLU(n.BN1.Forward(g, n.Conv1.Forward(g, autograd.Constant(c.x))))
	var steps []int
	for _, l := range n.Layers {
		y = l.Layers[0].Forward(g, y)
		b := l.Layers[1].(*nn.ODEBlock)
		hs, err := ode.AcceptedSteps(nn.Dynamics{F: b.F}, y.Data(), []float64{b.T0, b.T1}, b.Options)
		if err != nil {
			t.Fatal(err)
		}
		y = b.Forward(g, y)
		b.Options = b.Options.WithFrozenSteps(hs)
		b.Options.Gradient = ode.Naive
		steps = append(steps, len(hs))
	}
	return steps
}

// relErr is ‖a − b‖₂ / max(‖a‖₂, ‖b‖₂).
func relErr(a, b *tensor.Tensor) float64 {
	av, bv := a.Float64s(), b.Float64s()
	var d, na, nb float64
	for i := range av {
		d += (av[i] - bv[i]) * (av[i] - bv[i])
		na += av[i] * av[i]
		nb += bv[i] * bv[i]
	}
	return math.Sqrt(d) / math.Max(math.Sqrt(math.Max(na, nb)), 1e-300)
}

// TestACAGradientOfClassifier: in float64, ACA's gradient of a small NODE18
// classifier's loss, with respect to the images and every parameter, equals
// backpropagation through the same accepted steps with their sizes frozen
// (Naive over ode.WithFrozenSteps) to 1e-10, and central finite differences
// of that frozen-step map along random directions to 1e-6 (measured ≤ 7e-8): the model as
// built (GroupNorm and ReLU inside f, residual blocks around the ODE
// blocks) keeps ACA exact.
func TestACAGradientOfClassifier(t *testing.T) {
	for _, opts := range []ode.Options{
		{Method: ode.HeunEuler, RTol: 1e-4, ATol: 1e-4},
		{Method: ode.Dopri5, RTol: 1e-6, ATol: 1e-6},
	} {
		c := newGradCase(t, opts)
		got := c.grads(t)
		var fwd, rejected int
		for _, b := range c.net.ODEBlocks() {
			fwd += b.LastStats().Forward.NFE
			rejected += b.LastStats().Forward.Rejected
		}
		steps := c.freeze(t)
		ref := c.grads(t)
		var worst float64
		for i := range got {
			worst = math.Max(worst, relErr(got[i], ref[i]))
		}
		t.Logf("%s: accepted steps per block %v, %d rejected, %d evaluations; ACA vs frozen-step backprop %.2g", opts.Method.Name, steps, rejected, fwd, worst)
		if worst > 1e-10 {
			t.Errorf("%s: ACA differs from backprop through the frozen steps by %.3g (want ≤ 1e-10)", opts.Method.Name, worst)
		}
		if rejected == 0 && opts.Method == ode.HeunEuler {
			t.Errorf("%s: no rejected step; the test is meant to cover them", opts.Method.Name)
		}

		// Central differences of the frozen-step map (its blocks now take
		// the frozen steps), along random directions: over every input at
		// once, over the ODE blocks' parameters alone, over the images.
		params := nn.Params(c.net)
		inputs := append([]*tensor.Tensor{c.x}, make([]*tensor.Tensor, len(params))...)
		for i, p := range params {
			inputs[i+1] = p.Data()
		}
		inODE := map[*autograd.Value]bool{}
		for _, b := range c.net.ODEBlocks() {
			for _, p := range nn.Params(b) {
				inODE[p] = true
			}
		}
		rng := tensor.NewRNG(9)
		for d, which := range []string{"all", "all", "ode", "images"} {
			dirs := make([]*tensor.Tensor, len(inputs))
			for i, in := range inputs {
				dirs[i] = tensor.RandN(rng, tensor.Float64, 0, 1, in.Shape()...)
				if (which == "ode" && (i == 0 || !inODE[params[i-1]])) || (which == "images" && i != 0) {
					dirs[i] = tensor.ZerosLike(in)
				}
			}
			var analytic float64
			for i := range inputs {
				gv, dv := got[i].Float64s(), dirs[i].Float64s()
				for j := range gv {
					analytic += gv[j] * dv[j]
				}
			}
			at := func(eps float64) float64 {
				saved := make([][]float64, len(inputs))
				for i, in := range inputs {
					v := in.Float64s()
					saved[i] = append([]float64(nil), v...)
					for j, dj := range dirs[i].Float64s() {
						v[j] += eps * dj
					}
				}
				l := c.loss(nil, autograd.Constant(c.x)).Item()
				for i, in := range inputs {
					copy(in.Float64s(), saved[i])
				}
				return l
			}
			// The frozen-step map is only piecewise smooth: hundreds of
			// thousands of ReLU evaluations, some of which a perturbation
			// of size eps pushes across zero. The finite-difference error
			// was measured to fall in proportion to eps (about 3e-3 at
			// 1e-5, 3e-4 at 1e-6, 1e-8 at 1e-8) until rounding takes over
			// (1e-7 at 1e-9), so eps is 1e-8.
			const eps = 1e-8
			fd := (at(eps) - at(-eps)) / (2 * eps)
			e := math.Abs(fd-analytic) / math.Max(math.Abs(analytic), 1e-12)
			t.Logf("%s: direction %d (%s): ACA %.12g, finite differences %.12g, relative difference %.2g", opts.Method.Name, d, which, analytic, fd, e)
			if e > 1e-6 {
				t.Errorf("%s: direction %d (%s): ACA's directional derivative %.12g, finite differences of the frozen-step map %.12g (relative difference %.3g, want ≤ 1e-6)", opts.Method.Name, d, which, analytic, fd, e)
			}
		}
	}
}
