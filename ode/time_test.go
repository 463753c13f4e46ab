package ode

import (
	"errors"
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
		// gradsWith solves with method m and the dynamics mk makes over the
		// leaves k and a, and returns dL/d(k, a) and its worst relative
		// error against the differences.
		gradsWith := func(m Gradient, mk func(k, a *autograd.Value) Dynamics) ([]float64, float64, *GraphSolution) {
			k := autograd.Leaf(tensor.FromFloat64(append([]float64(nil), kv...), 3))
			a := autograd.Leaf(tensor.Scalar(tensor.Float64, av))
			g := autograd.NewGraph()
			oo := o
			oo.Gradient = m
			sol, err := SolveGraph(g, mk(k, a), autograd.Constant(y0), times, oo)
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
			return got, worst, sol
		}
		// The same dynamics as a Func, whose time is a float64: naive then
		// differentiates the step sizes but not the stage times they set,
		// and misses.
		_, worst, _ := gradsWith(Naive, func(k, a *autograd.Value) Dynamics {
			td := timeProblem(k, a).(TimeDynamics)
			return WithParams(Func(func(g *autograd.Graph, tt float64, y *autograd.Value) *autograd.Value {
				return td.Eval(g, tt, y)
			}), k, a)
		})
		t.Logf("%s naive with a Func: relative error %.2g", o.Method.Name, worst)
		if worst < 1e-3 {
			t.Errorf("%s: naive with a Func is within %.2g of the differences; the docs say it misses ∂f/∂t", o.Method.Name, worst)
		}
		for _, m := range []Gradient{Naive, ACA, Adjoint} {
			got, worst, sol := gradsWith(m, timeProblem)
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

// TestTimeGradients: SolveGraphAt's gradients with respect to the output
// times (the start included) against central differences of the adaptive
// solve, for every method, on autonomous dynamics (an MLP with a batch,
// forward and backward in time) and on time-dependent ones (TimeFunc, the
// first step fixed). Naive is the derivative of the adaptive solve; ACA's
// frozen steps are that too on autonomous dynamics (the step sizes do not
// depend on the times then), and differ by the step sizes' dependence on
// the times otherwise. The adjoint's continuous formulas are checked
// against the differences of a solve at 1e-11 (the continuous derivative):
// the dense output's derivative, which the others differentiate, is a
// coarser approximation of it (its error reached 0.6 % at 1e-5 here).
func TestTimeGradients(t *testing.T) {
	type problem struct {
		name  string
		y0    *tensor.Tensor
		f     func() Dynamics
		times []float64
		opts  Options
		auto  bool // autonomous
	}
	mlp := mlpProblem(nil)
	_, mps := mlp.leaves()
	k := autograd.Constant(tensor.FromFloat64([]float64{-0.8, 0.3, -0.2}, 3))
	a := autograd.Constant(tensor.Scalar(tensor.Float64, 0.6))
	var problems []problem
	for _, times := range [][]float64{{0, 0.3, 1.1, 2}, {1.5, 0.2, -0.4}} {
		problems = append(problems, problem{"mlp", mlp.y0, func() Dynamics { return mlp.dyn(mps) }, times, Options{Method: Dopri5, RTol: 1e-6, ATol: 1e-7}, true})
	}
	problems = append(problems,
		problem{"mlp", mlp.y0, func() Dynamics { return mlp.dyn(mps) }, []float64{0, 0.3, 1.1, 2}, Options{Method: BogackiShampine, RTol: 1e-5, ATol: 1e-6}, true},
		problem{"tanh(2t−1)", tensor.FromFloat64([]float64{0.5, -1, 2}, 3), func() Dynamics { return timeProblem(k, a) }, []float64{0.1, 0.7, 1.6}, Options{Method: Dopri5, RTol: 1e-5, ATol: 1e-5, FirstStep: 0.05}, false},
		problem{"tanh(2t−1)", tensor.FromFloat64([]float64{0.5, -1, 2}, 3), func() Dynamics { return timeProblem(k, a) }, []float64{0.1, 0.7, 1.6}, Options{Method: Tsit5, RTol: 1e-5, ATol: 1e-5, FirstStep: 0.05}, false},
	)
	for _, p := range problems {
		w := make([]*tensor.Tensor, len(p.times))
		for i := 1; i < len(p.times); i++ {
			w[i] = randT(uint64(200+i), 1, p.y0.Shape()...)
		}
		lossAt := func(times []float64, o Options) float64 {
			sol, err := Solve(p.f(), p.y0, times, o)
			if err != nil {
				t.Fatal(err)
			}
			ys := make([]*autograd.Value, len(sol.Y))
			for i, y := range sol.Y {
				ys[i] = autograd.Constant(y)
			}
			return weightedLoss(nil, ys, w).Item()
		}
		diffs := func(o Options, eps float64) []float64 {
			fd := make([]float64, len(p.times))
			for i := range fd {
				up, down := append([]float64(nil), p.times...), append([]float64(nil), p.times...)
				up[i] += eps
				down[i] -= eps
				fd[i] = (lossAt(up, o) - lossAt(down, o)) / (2 * eps)
			}
			return fd
		}
		adaptive := diffs(p.opts, 1e-6)
		continuous := diffs(Options{Method: Dopri5, RTol: 1e-11, ATol: 1e-11}, 1e-4)
		var scale float64
		for _, v := range adaptive {
			scale = math.Max(scale, math.Abs(v))
		}
		for _, m := range []Gradient{Naive, ACA, Adjoint} {
			o := p.opts
			o.Gradient = m
			tv := autograd.Leaf(tensor.FromFloat64(append([]float64(nil), p.times...), len(p.times)))
			g := autograd.NewGraph()
			sol, err := SolveGraphAt(g, p.f(), autograd.Constant(p.y0), tv, o)
			if err != nil {
				t.Fatal(err)
			}
			if err := weightedLoss(g, sol.Y, w).Backward(); err != nil {
				t.Fatalf("%s %s: %v", p.name, m, err)
			}
			got := tv.Grad().Float64s()
			fd := adaptive
			if m == Adjoint {
				fd = continuous
			}
			var worst float64
			for i := range got {
				worst = math.Max(worst, math.Abs(got[i]-fd[i])/scale)
			}
			t.Logf("%s %s %v %s: dL/dtimes %.6g, differences %.6g: error %.2g of the largest", p.name, o.Method.Name, p.times, m, got, fd, worst)
			tol := 1e-7 // the derivative of the adaptive solve, to the differences' error
			switch {
			case m == Adjoint:
				tol = 100 * o.RTol
			case m == ACA && !p.auto:
				tol = 100 * o.RTol
			}
			if worst > tol {
				t.Errorf("%s %s %v %s: dL/dtimes %v, central differences %v (error %.3g of the largest > %.3g)", p.name, o.Method.Name, p.times, m, got, fd, worst, tol)
			}
		}
	}
}

// TestSolveGraphAtMisuse: SolveGraphAt refuses what it cannot
// differentiate, before any work, and GraphSolution.Backward returns the
// times' gradient too.
func TestSolveGraphAtMisuse(t *testing.T) {
	f := Func(func(g *autograd.Graph, _ float64, y *autograd.Value) *autograd.Value { return g.Neg(y) })
	y0 := autograd.Constant(tensor.FromFloat64([]float64{1}, 1))
	g := autograd.NewGraph()
	for name, c := range map[string]struct {
		times *autograd.Value
		opts  Options
	}{
		"nil":        {nil, DefaultOptions()},
		"float32":    {autograd.Leaf(tensor.FromFloat32([]float32{0, 1}, 2)), DefaultOptions()},
		"2-D":        {autograd.Leaf(tensor.FromFloat64([]float64{0, 1}, 1, 2)), DefaultOptions()},
		"fixed step": {autograd.Leaf(tensor.FromFloat64([]float64{0, 1}, 2)), Options{Method: RK4, Steps: 4}},
	} {
		var oe *OptionError
		if _, err := SolveGraphAt(g, f, y0, c.times, c.opts); !errors.As(err, &oe) || oe.Field != "times" {
			t.Errorf("%s: got %v, want an *OptionError for the times", name, err)
		}
	}
	// dy/dt = −y from 1: L = y(t1) = e^(t0−t1), dL/dt0 = L, dL/dt1 = −L.
	for _, m := range []Gradient{ACA, Adjoint} {
		tv := autograd.Leaf(tensor.FromFloat64([]float64{0.2, 1.2}, 2))
		sol, err := SolveGraphAt(autograd.NewGraph(), f, y0, tv, Options{RTol: 1e-8, ATol: 1e-8, Gradient: m})
		if err != nil {
			t.Fatal(err)
		}
		gr, err := sol.Backward([]*tensor.Tensor{nil, tensor.FromFloat64([]float64{1}, 1)})
		if err != nil {
			t.Fatal(err)
		}
		want := math.Exp(-1)
		if gr.Times == nil || math.Abs(gr.Times.Float64s()[0]-want) > 1e-6 || math.Abs(gr.Times.Float64s()[1]+want) > 1e-6 {
			t.Errorf("%s: dL/dtimes = %v, want [%g %g]", m, gr.Times, want, -want)
		}
	}
}
