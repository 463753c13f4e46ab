package autograd_test

import (
	"testing"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

// BenchmarkODEDemoDynamics times one recorded evaluation and backward pass of
// torchdiffeq's ode_demo dynamics, f(y) = Linear(50→2)(tanh(Linear(2→50)(y³))),
// on a batch of 20 states in float64: the per-evaluation overhead the ODE
// solvers will pay (the PyTorch peers spend 0.3–0.5 ms on it), with the
// layers recorded one by one and fused (MLP), on the graphs the solvers use:
// Recorded is a step graph that recycles its outputs, Unrecorded the forward
// on an inference graph.
func BenchmarkODEDemoDynamics(b *testing.B) {
	rng := tensor.NewRNG(1)
	w1 := autograd.Leaf(tensor.RandN(rng, tensor.Float64, 0, 0.1, 50, 2))
	b1 := autograd.Leaf(tensor.Zeros(tensor.Float64, 50))
	w2 := autograd.Leaf(tensor.RandN(rng, tensor.Float64, 0, 0.1, 2, 50))
	b2 := autograd.Leaf(tensor.Zeros(tensor.Float64, 2))
	y := autograd.Constant(tensor.RandN(rng, tensor.Float64, 0, 1, 20, 2))
	layers := func(g *autograd.Graph, y *autograd.Value) *autograd.Value {
		return g.Linear(g.Tanh(g.Linear(g.Pow(y, 3), w1, b1)), w2, b2)
	}
	fused := func(g *autograd.Graph, y *autograd.Value) *autograd.Value {
		return g.MLP(g.Pow(y, 3), autograd.Dense{W: w1, B: b1, Act: tensor.OpTanh}, autograd.Dense{W: w2, B: b2})
	}
	seed := tensor.Ones(tensor.Float64, 20, 2)
	for _, v := range []struct {
		name string
		f    func(*autograd.Graph, *autograd.Value) *autograd.Value
	}{{"Layers", layers}, {"MLP", fused}} {
		b.Run(v.name+"/Recorded", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				g := autograd.NewGraph().RecycleOutputs()
				if err := g.Backward(v.f(g, y), seed); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(v.name+"/Unrecorded", func(b *testing.B) {
			b.ReportAllocs()
			g := autograd.NewInferenceGraph()
			for i := 0; i < b.N; i++ {
				v.f(g, y)
				g.Reclaim()
			}
		})
	}
}
