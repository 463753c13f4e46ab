package ode

import (
	"math"
	"testing"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

// reportPerStep adds ns/step and ns/eval metrics.
func reportPerStep(b *testing.B, st Stats) {
	steps := float64(st.Accepted+st.Rejected) * float64(b.N)
	evals := float64(st.NFE) * float64(b.N)
	ns := float64(b.Elapsed().Nanoseconds())
	b.ReportMetric(ns/steps, "ns/step")
	b.ReportMetric(ns/evals, "ns/eval")
	b.ReportMetric(float64(st.Accepted+st.Rejected), "steps/solve")
}

// BenchmarkDopri5Oscillator2D is the solver's overhead per step on a
// 2-dimensional problem (a plain function), where the dynamics cost
// almost nothing.
func BenchmarkDopri5Oscillator2D(b *testing.B) {
	f := func(_ float64, y, dy []float64) { dy[0], dy[1] = y[1], -y[0] }
	opts := Options{Method: Dopri5, RTol: 1e-8, ATol: 1e-8}
	times := []float64{0, 10 * math.Pi}
	var st Stats
	b.ReportAllocs()
	for b.Loop() {
		sol, err := SolveFunc(f, []float64{1, 0}, times, opts)
		if err != nil {
			b.Fatal(err)
		}
		st = sol.Stats
	}
	reportPerStep(b, st)
}

// BenchmarkDopri5MLP is one forward solve of torchdiffeq's ode_demo
// dynamics size class: a batch of 20 states of width 2 through a 50-wide
// tanh MLP, float64, Dopri5 at 1e-6 over [0, 1], nothing recorded.
func BenchmarkDopri5MLP(b *testing.B) {
	rng := tensor.NewRNG(1)
	w1 := autograd.Leaf(tensor.RandN(rng, tensor.Float64, 0, 0.1, 50, 2))
	b1 := autograd.Leaf(tensor.Zeros(tensor.Float64, 50))
	w2 := autograd.Leaf(tensor.RandN(rng, tensor.Float64, 0, 0.1, 2, 50))
	b2 := autograd.Leaf(tensor.Zeros(tensor.Float64, 2))
	f := Func(func(g *autograd.Graph, _ float64, y *autograd.Value) *autograd.Value {
		return g.Linear(g.Tanh(g.Linear(g.Pow(y, 3), w1, b1)), w2, b2)
	})
	y0 := tensor.RandN(rng, tensor.Float64, 0, 1, 20, 2)
	opts := Options{Method: Dopri5, RTol: 1e-6, ATol: 1e-6}
	times := []float64{0, 1}
	var st Stats
	b.ReportAllocs()
	for b.Loop() {
		sol, err := Solve(f, y0, times, opts)
		if err != nil {
			b.Fatal(err)
		}
		st = sol.Stats
	}
	reportPerStep(b, st)
}
