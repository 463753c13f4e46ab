package ode

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

// TestNaiveNonFiniteBackward: a NaN that appears only in the backward pass
// (dz/dt = k·√z from z0 = 0: the forward pass stays at zero, d√z/dz is
// infinite there) is an error for every gradient method, naive included,
// and leaves the leaves' gradients untouched.
func TestNaiveNonFiniteBackward(t *testing.T) {
	for _, m := range []Gradient{Naive, ACA, Adjoint} {
		k := autograd.Leaf(tensor.FromFloat64([]float64{0.5}, 1))
		f := WithParams(Func(func(g *autograd.Graph, _ float64, z *autograd.Value) *autograd.Value {
			return g.Mul(k, g.Sqrt(z))
		}), k)
		z0 := autograd.Leaf(tensor.FromFloat64([]float64{0}, 1))
		g := autograd.NewGraph()
		sol, err := SolveGraph(g, f, z0, []float64{0, 1}, Options{Method: Dopri5, RTol: 1e-6, ATol: 1e-6, Gradient: m})
		if err != nil {
			t.Fatalf("%s: forward: %v", m, err)
		}
		if v := sol.Y[1].Data().Item(); v != 0 {
			t.Fatalf("%s: z(1) = %g, want 0", m, v)
		}
		err = g.SumAll(g.Mul(sol.Y[1], sol.Y[1])).Backward()
		var be *BackwardError
		if !errors.As(err, &be) || be.Method != m {
			t.Fatalf("%s: backward returned %v, want a *BackwardError of this method", m, err)
		}
		if m == Naive && (be.Step < 0 || !strings.Contains(be.What, "non-finite")) {
			t.Errorf("naive: %v does not name a step and the non-finite gradient", err)
		}
		if z0.Grad() != nil || k.Grad() != nil {
			t.Errorf("%s: a failed backward pass changed the leaves' gradients (%v, %v)", m, z0.Grad(), k.Grad())
		}
	}
	// A non-finite gradient of the loss with respect to an output is the
	// same error as ACA's, naming the output's time.
	k := autograd.Leaf(tensor.FromFloat64([]float64{-0.5}, 1))
	f := WithParams(Func(func(g *autograd.Graph, _ float64, z *autograd.Value) *autograd.Value { return g.Mul(k, z) }), k)
	for _, m := range []Gradient{Naive, ACA} {
		g := autograd.NewGraph()
		sol, err := SolveGraph(g, f, autograd.Leaf(tensor.FromFloat64([]float64{1}, 1)), []float64{0, 0.5, 1}, Options{RTol: 1e-6, ATol: 1e-6, Gradient: m})
		if err != nil {
			t.Fatal(err)
		}
		err = g.SumAll(g.Mul(sol.Y[1], autograd.Constant(tensor.FromFloat64([]float64{math.Inf(1)}, 1)))).Backward()
		var be *BackwardError
		if !errors.As(err, &be) || be.Step != -1 || be.T != 0.5 {
			t.Errorf("%s: an infinite output gradient gave %v, want a *BackwardError at t = 0.5", m, err)
		}
	}
}

// TestAdaptiveNonFiniteDynamics: dynamics that return NaN past t = 0.5 are
// a NonFiniteError near t = 0.5 under every adaptive method, as under the
// fixed-step ones, not a step size underflow.
func TestAdaptiveNonFiniteDynamics(t *testing.T) {
	f := func(t float64, y, dy []float64) {
		if t > 0.5 {
			dy[0] = math.NaN()
			return
		}
		dy[0] = -y[0]
	}
	for _, m := range Methods() {
		o := Options{Method: m, RTol: 1e-6, ATol: 1e-6}
		if !m.Adaptive() {
			o = Options{Method: m, Steps: 10}
		}
		_, err := SolveFunc(f, []float64{1}, []float64{0, 1}, o)
		var nf *NonFiniteError
		if !errors.As(err, &nf) || nf.T < 0.4 || nf.T > 0.61 {
			t.Errorf("%s: got %v, want a *NonFiniteError near t = 0.5", m.Name, err)
		}
	}
}

// TestSolveGraphPartial: a differentiable solve that fails on the way
// returns, like Solve, the outputs reached (as constants: no gradient flows
// through a failed solve) with the error.
func TestSolveGraphPartial(t *testing.T) {
	times := []float64{0, 0.5, 0.9, 2}
	for _, m := range []Gradient{ACA, Naive, Adjoint} {
		one := autograd.Leaf(tensor.FromFloat64([]float64{1}, 1))
		f := WithParams(Func(func(g *autograd.Graph, _ float64, y *autograd.Value) *autograd.Value {
			return g.Mul(g.Mul(y, y), one)
		}), one)
		g := autograd.NewGraph()
		sol, err := SolveGraph(g, f, autograd.Leaf(tensor.FromFloat64([]float64{1}, 1)), times, Options{Method: Dopri5, RTol: 1e-8, ATol: 1e-8, Gradient: m})
		var se *StepSizeError
		if !errors.As(err, &se) {
			t.Fatalf("%s: got %v, want a *StepSizeError", m, err)
		}
		if sol == nil || len(sol.Y) != 3 || len(sol.Times) != 3 {
			t.Fatalf("%s: partial solution %+v, want the 3 outputs before t = 1", m, sol)
		}
		for i, ti := range sol.Times {
			if want := 1 / (1 - ti); math.Abs(sol.Y[i].Data().Item()-want) > 1e-6*want {
				t.Errorf("%s: y(%g) = %g, want %g", m, ti, sol.Y[i].Data().Item(), want)
			}
			if sol.Y[i].RequiresGrad() {
				t.Errorf("%s: partial output %d requires a gradient", m, i)
			}
		}
		if sol.Stats.Forward.Accepted == 0 || sol.Stats.Forward.NFE == 0 {
			t.Errorf("%s: partial solution without forward stats: %+v", m, sol.Stats)
		}
	}
}

// TestFixedGridEnd: a fixed-step solve whose last step's t + h rounds away
// from the last output time still ends on it (the step ends on the grid's
// time): the output is there, and ACA re-runs the same step. One RK4 step
// of y' = −y multiplies y by 1 − h + h²/2 − h³/6 + h⁴/24.
func TestFixedGridEnd(t *testing.T) {
	t0, t1 := -0.8856409614763269, 1.5303483314580484
	if t0+(t1-t0) == t1 {
		t.Fatal("the times no longer round away; pick others")
	}
	h := t1 - t0
	want := 1 - h + h*h/2 - h*h*h/6 + h*h*h*h/24
	f := func(_ float64, y, dy []float64) { dy[0] = -y[0] }
	sol, err := SolveFunc(f, []float64{1}, []float64{t0, t1}, Options{Method: RK4, Steps: 1})
	if err != nil || len(sol.Y) != 2 || sol.Y[1] == nil {
		t.Fatalf("got %+v, %v", sol, err)
	}
	if d := math.Abs(sol.Y[1][0] - want); d > 1e-15 {
		t.Errorf("y(t1) = %v, want %v", sol.Y[1][0], want)
	}
	for _, m := range []Gradient{ACA, Naive, Adjoint} {
		z := autograd.Leaf(tensor.FromFloat64([]float64{1}, 1))
		g := autograd.NewGraph()
		neg := Func(func(g *autograd.Graph, _ float64, y *autograd.Value) *autograd.Value { return g.Neg(y) })
		gs, err := SolveGraph(g, neg, z, []float64{t0, t1}, Options{Method: RK4, Steps: 1, Gradient: m})
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		if err := g.SumAll(gs.Y[1]).Backward(); err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		if d := math.Abs(z.Grad().Item() - want); d > 1e-15 {
			t.Errorf("%s: dy(t1)/dy0 = %v, want %v", m, z.Grad().Item(), want)
		}
	}
}

// TestExtremeTolerances: with tolerances float64 cannot divide by (rtol
// 1e-300, atol 0) the norms of Hairer's first step overflow to Inf/Inf and
// every error ratio overflows. The solve must not blame the dynamics (they
// are finite): its error names the tolerances. An atol of 0 with a state
// starting at zero is not such a case: the solve goes on.
func TestExtremeTolerances(t *testing.T) {
	f := func(_ float64, y, dy []float64) { dy[0] = 1 }
	_, err := SolveFunc(f, []float64{1}, []float64{0, 1}, Options{Method: Dopri5, RTol: 1e-300, ATol: 0})
	if err == nil || !strings.Contains(err.Error(), "tolerances too small") || strings.Contains(err.Error(), "derivative") {
		t.Errorf("rtol 1e-300, atol 0: %v; want an error naming the tolerances", err)
	}
	sol, err := SolveFunc(f, []float64{0}, []float64{0, 1}, Options{Method: Dopri5, RTol: 1e-6, ATol: 0})
	if err != nil || math.Abs(sol.Y[1][0]-1) > 1e-12 {
		t.Errorf("y0 0, atol 0: %+v, %v; want y(1) = 1", sol, err)
	}
}
