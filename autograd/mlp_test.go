package autograd_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

// unfusedMLP applies the layers one by one with Linear and the activations'
// own operations: the reference MLP must reproduce.
func unfusedMLP(g *autograd.Graph, x *autograd.Value, layers []autograd.Dense) *autograd.Value {
	for _, l := range layers {
		x = g.Linear(x, l.W, l.B)
		switch l.Act {
		case tensor.OpTanh:
			x = g.Tanh(x)
		case tensor.OpSigmoid:
			x = g.Sigmoid(x)
		case tensor.OpReLU:
			x = g.ReLU(x)
		case tensor.OpExp:
			x = g.Exp(x)
		}
	}
	return x
}

// TestMLPMatchesLayerByLayer checks the fused operation against the same
// layers recorded one by one: the values and every gradient are the same
// bits (the same kernels run in the same order), for the sizes of the
// ode_demo dynamics and for odd ones, float64 and float32, on a plain graph
// and on one that recycles its outputs, with only some gradients needed.
func TestMLPMatchesLayerByLayer(t *testing.T) {
	type layer struct {
		out  int
		act  tensor.UnaryOp
		bias bool
	}
	configs := []struct {
		x      []int
		layers []layer
	}{
		{[]int{20, 2}, []layer{{50, tensor.OpTanh, true}, {2, 0, true}}},
		{[]int{3, 5, 7}, []layer{{9, tensor.OpSigmoid, true}, {6, tensor.OpReLU, false}, {4, tensor.OpExp, true}}},
		{[]int{33, 17}, []layer{{65, tensor.OpReLU, true}, {3, tensor.OpTanh, true}}},
	}
	for ci, c := range configs {
		for _, dt := range []tensor.DType{tensor.Float64, tensor.Float32} {
			for _, recycle := range []bool{false, true} {
				for _, wantX := range []bool{true, false} {
					name := fmt.Sprintf("config %d %v recycle %v need x %v", ci, dt, recycle, wantX)
					rng := tensor.NewRNG(uint64(ci + 1))
					x := autograd.Leaf(tensor.RandN(rng, dt, 0, 1, c.x...))
					var layers []autograd.Dense
					in := c.x[len(c.x)-1]
					for _, l := range c.layers {
						d := autograd.Dense{W: autograd.Leaf(tensor.RandN(rng, dt, 0, 0.5, l.out, in)), Act: l.act}
						if l.bias {
							d.B = autograd.Leaf(tensor.RandN(rng, dt, 0, 0.5, l.out))
						}
						layers = append(layers, d)
						in = l.out
					}
					wrt := []*autograd.Value{}
					if wantX {
						wrt = append(wrt, x)
					}
					for _, l := range layers {
						wrt = append(wrt, l.W)
						if l.B != nil {
							wrt = append(wrt, l.B)
						}
					}
					var vals []*tensor.Tensor
					var grads [][]*tensor.Tensor
					for _, fused := range []bool{true, false} {
						g := autograd.NewGraph()
						if recycle {
							g.RecycleOutputs()
						}
						var y *autograd.Value
						if fused {
							y = g.MLP(x, layers...)
						} else {
							y = unfusedMLP(g, x, layers)
						}
						vals = append(vals, y.Data().Clone())
						seed := tensor.RandN(tensor.NewRNG(9), dt, 0, 1, y.Shape()...)
						gs, err := g.GradMulti([]*autograd.Value{y}, []*tensor.Tensor{seed}, wrt...)
						if err != nil {
							t.Fatal(name, err)
						}
						grads = append(grads, gs)
					}
					if !tensor.SameShape(vals[0], vals[1]) || !equalBits(vals[0], vals[1]) {
						t.Fatalf("%s: fused value differs from layer by layer", name)
					}
					for i := range grads[0] {
						if !equalBits(grads[0][i], grads[1][i]) {
							t.Fatalf("%s: gradient %d (shape %v) differs from layer by layer", name, i, wrt[i].Shape())
						}
					}
				}
			}
		}
	}
}

func equalBits(a, b *tensor.Tensor) bool {
	if !tensor.SameShape(a, b) || a.DType() != b.DType() {
		return false
	}
	av, bv := a.Values(), b.Values()
	for i := range av {
		if av[i] != bv[i] {
			return false
		}
	}
	return true
}

// TestMLPUnrecorded checks that without a graph MLP computes the same value
// and that an inference graph reclaims it.
func TestMLPUnrecorded(t *testing.T) {
	rng := tensor.NewRNG(4)
	x := autograd.Constant(tensor.RandN(rng, tensor.Float64, 0, 1, 20, 2))
	l := []autograd.Dense{
		{W: autograd.Leaf(tensor.RandN(rng, tensor.Float64, 0, 1, 50, 2)), B: autograd.Leaf(tensor.RandN(rng, tensor.Float64, 0, 1, 50)), Act: tensor.OpTanh},
		{W: autograd.Leaf(tensor.RandN(rng, tensor.Float64, 0, 1, 2, 50))},
	}
	want := unfusedMLP(nil, x, l).Data()
	var g *autograd.Graph
	if got := g.MLP(x, l...).Data(); !equalBits(got, want) {
		t.Fatal("nil graph: MLP differs from layer by layer")
	}
	ig := autograd.NewInferenceGraph()
	v := ig.MLP(x, l...)
	if got := v.Data(); !equalBits(got, want) {
		t.Fatal("inference graph: MLP differs from layer by layer")
	}
	out := v.Data()
	ig.Reclaim()
	// The value is gone, and its tensor serves the next allocation of its
	// shape.
	if v.Data() != nil {
		t.Error("a reclaimed value still has a tensor")
	}
	if next := tensor.New(tensor.Float64, 20, 2); next != out {
		t.Error("the reclaimed tensor was not reused")
	}
}

// TestMLPBadInput checks that mismatched layers panic with a message that
// names the layer and the shapes.
func TestMLPBadInput(t *testing.T) {
	g := autograd.NewGraph()
	x := autograd.Leaf(tensor.New(tensor.Float64, 4, 3))
	w := autograd.Leaf(tensor.New(tensor.Float64, 5, 3))
	for _, c := range []struct {
		layers []autograd.Dense
		want   string
	}{
		{nil, "no layers"},
		{[]autograd.Dense{{W: w}, {W: w}}, "layer 1: weight [5 3] does not take 5 features"},
		{[]autograd.Dense{{W: w, B: autograd.Leaf(tensor.New(tensor.Float64, 4))}}, "layer 0: bias [4] does not match weight [5 3]"},
		{[]autograd.Dense{{W: w, Act: tensor.OpSoftplus}}, "cannot be fused"},
		{[]autograd.Dense{{}}, "layer 0 has no weight"},
	} {
		msg := mustPanic(t, func() { g.MLP(x, c.layers...) })
		if !strings.Contains(msg, c.want) {
			t.Errorf("panic %q does not say %q", msg, c.want)
		}
	}
}
