package autograd_test

import (
	"testing"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

// BenchmarkODEDemoDynamics times one recorded evaluation and backward pass of
// torchdiffeq's ode_demo dynamics, f(y) = Linear(50→2)(tanh(Linear(2→50)(y³))),
// on a batch of 20 states in float64: the per-evaluation overhead the ODE
// solvers will pay (the PyTorch peers spend 0.3–0.5 ms on it). The
// Unrecorded variant is the same forward on a nil graph.
func BenchmarkODEDemoDynamics(b *testing.B) {
	rng := tensor.NewRNG(1)
	w1 := autograd.Leaf(tensor.RandN(rng, tensor.Float64, 0, 0.1, 50, 2))
	b1 := autograd.Leaf(tensor.Zeros(tensor.Float64, 50))
	w2 := autograd.Leaf(tensor.RandN(rng, tensor.Float64, 0, 0.1, 2, 50))
	b2 := autograd.Leaf(tensor.Zeros(tensor.Float64, 2))
	y := autograd.Constant(tensor.RandN(rng, tensor.Float64, 0, 1, 20, 2))
	f := func(g *autograd.Graph, y *autograd.Value) *autograd.Value {
		return g.Linear(g.Tanh(g.Linear(g.Pow(y, 3), w1, b1)), w2, b2)
	}
	seed := tensor.Ones(tensor.Float64, 20, 2)
	b.Run("Recorded", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			g := autograd.NewGraph()
			if err := g.Backward(f(g, y), seed); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Unrecorded", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			f(nil, y)
		}
	})
}
