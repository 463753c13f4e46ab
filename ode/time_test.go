package ode

import (
	"math"
	"testing"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

// timeProblem is dy/dt = k·y·(1 + tanh(2t − 1)) + a·t on a state of 3,
// with the parameters k and a: dynamics that depend on time.
func timeProblem(k, a *autograd.Value) Dynamics {
	return WithParams(TimeFunc(func(g *autograd.Graph, t, y *autograd.Value) *autograd.Value {
		s := g.AddScalar(g.Tanh(g.AddScalar(g.Scale(t, 2), -1)), 1)
		return g.Add(g.Mul(g.Mul(y, k), s), g.Mul(a, t))
	}), k, a)
}

// timeLoss is Σ_i ⟨w_i, y(t_i)⟩ over the outputs after the first.
func timeLoss(g *autograd.Graph, ys []*autograd.Value) *autograd.Value {
	var loss *autograd.Value
	for i := 1; i < len(ys); i++ {
		w := autograd.Constant(tensor.FromFloat64([]float64{1, -0.5 * float64(i), 0.25}, 3))
		term := g.SumAll(g.Mul(ys[i], w))
		if loss == nil {
			loss = term
		} else {
			loss = g.Add(loss, term)
		}
	}
	return loss
}

// TestNaiveTimeDependent: with dynamics that take time as a value
// (TimeFunc), the naive method's gradient is the derivative of the
// adaptive solve, checked against its central differences (the first
// step fixed, so that the whole solve is a smooth function of the
// parameters between accept/reject decisions). ACA's and the adjoint's,
// which leave the step sizes out, agree with it to the tolerance's order.
func TestNaiveTimeDependent(t *testing.T) {
	y0 := tensor.FromFloat64([]float64{0.5, -1, 2}, 3)
	times := []float64{0, 0.7, 1.6}
	kv, av := []float64{-0.8, 0.3, -0.2}, 0.6
	for _, o := range []Options{
		{Method: Dopri5, RTol: 1e-4, ATol: 1e-4, FirstStep: 0.05},
		{Method: BogackiShampine, RTol: 1e-3, ATol: 1e-3, FirstStep: 0.2},
		{Method: Tsit5, RTol: 1e-5, ATol: 1e-5, FirstStep: 0.1},
	} {
		// lossAt solves unrecorded with the parameters k, a.
		lossAt := func(k []float64, a float64) float64 {
			f := timeProblem(autograd.Constant(tensor.FromFloat64(k, 3)), autograd.Constant(tensor.Scalar(tensor.Float64, a)))
			sol, err := Solve(f, y0, times, o)
			if err != nil {
				t.Fatal(err)
			}
			ys := make([]*autograd.Value, len(sol.Y))
			for i, y := range sol.Y {
				ys[i] = autograd.Constant(y)
			}
			return timeLoss(nil, ys).Item()
		}
		fd := make([]float64, 4)
		for j := range fd {
			const eps = 1e-6
			k1, k2 := append([]float64(nil), kv...), append([]float64(nil), kv...)
			a1, a2 := av, av
			if j < 3 {
				k1[j] += eps
				k2[j] -= eps
			} else {
				a1, a2 = av+eps, av-eps
			}
			fd[j] = (lossAt(k1, a1) - lossAt(k2, a2)) / (2 * eps)
		}
		// The same dynamics as a Func, whose time is a float64: naive then
		// differentiates the step sizes but not the stage times they set,
		// and misses.
		{
			k := autograd.Leaf(tensor.FromFloat64(append([]float64(nil), kv...), 3))
			a := autograd.Leaf(tensor.Scalar(tensor.Float64, av))
			td := timeProblem(k, a).(TimeDynamics)
			f := WithParams(Func(func(g *autograd.Graph, tt float64, y *autograd.Value) *autograd.Value {
				return td.Eval(g, tt, y)
			}), k, a)
			g := autograd.NewGraph()
			oo := o
			oo.Gradient = Naive
			sol, err := SolveGraph(g, f, autograd.Constant(y0), times, oo)
			if err != nil {
				t.Fatal(err)
			}
			if err := timeLoss(g, sol.Y).Backward(); err != nil {
				t.Fatal(err)
			}
			got := append(append([]float64(nil), k.Grad().Float64s()...), a.Grad().Item())
			var worst float64
			for j := range got {
				worst = math.Max(worst, math.Abs(got[j]-fd[j])/math.Max(math.Abs(fd[j]), 1e-3))
			}
			t.Logf("%s naive with a Func: relative error %.2g", o.Method.Name, worst)
			if worst < 1e-3 {
				t.Errorf("%s: naive with a Func is within %.2g of the differences; the docs say it misses ∂f/∂t", o.Method.Name, worst)
			}
		}
		for _, m := range []Gradient{Naive, ACA, Adjoint} {
			k := autograd.Leaf(tensor.FromFloat64(append([]float64(nil), kv...), 3))
			a := autograd.Leaf(tensor.Scalar(tensor.Float64, av))
			g := autograd.NewGraph()
			oo := o
			oo.Gradient = m
			sol, err := SolveGraph(g, timeProblem(k, a), autograd.Constant(y0), times, oo)
			if err != nil {
				t.Fatal(err)
			}
			if err := timeLoss(g, sol.Y).Backward(); err != nil {
				t.Fatal(err)
			}
			got := append(append([]float64(nil), k.Grad().Float64s()...), a.Grad().Item())
			var worst float64
			for j := range got {
				worst = math.Max(worst, math.Abs(got[j]-fd[j])/math.Max(math.Abs(fd[j]), 1e-3))
			}
			t.Logf("%s %s: relative error against the adaptive solve's differences %.2g (%d steps, %d rejected)", o.Method.Name, m, worst, sol.Stats.Forward.Accepted, sol.Stats.Forward.Rejected)
			tol := 5e-9 // naive: the derivative of the adaptive solve (measured ≤ 6e-10)
			if m != Naive {
				tol = 100 * o.RTol // the others leave dh/dθ out
			}
			if worst > tol {
				t.Errorf("%s %s: gradient %v, central differences %v (relative error %.3g > %.3g)", o.Method.Name, m, got, fd, worst, tol)
			}
		}
	}
}
