package ode

import (
	"errors"
	"math"
	"testing"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

// TestDynamicsMayAliasMemory covers dynamics that return y itself, a view
// of y, or one buffer of their own every call: the solver must copy such
// results rather than let its buffer reuse overwrite them.
func TestDynamicsMayAliasMemory(t *testing.T) {
	// dy/dt = y: returning y is the derivative itself.
	ident := Func(func(_ *autograd.Graph, _ float64, y *autograd.Value) *autograd.Value { return y })
	view := Func(func(g *autograd.Graph, _ float64, y *autograd.Value) *autograd.Value {
		return g.Reshape(g.Reshape(y, 2, 1), 2)
	})
	var out *tensor.Tensor
	reused := TensorFunc(func(_ float64, y *tensor.Tensor) *tensor.Tensor {
		if out == nil {
			out = tensor.ZerosLike(y)
		}
		out.CopyFrom(y)
		return out
	})
	for _, c := range []struct {
		name string
		f    Dynamics
	}{{"returns y", ident}, {"returns a view of y", view}, {"reuses its own buffer", reused}} {
		for _, o := range []Options{
			{Method: Dopri5, RTol: 1e-8, ATol: 1e-8},
			{Method: Tsit5, RTol: 1e-8, ATol: 1e-8},
			{Method: BogackiShampine, RTol: 1e-8, ATol: 1e-8},
			{Method: HeunEuler, RTol: 1e-8, ATol: 1e-8},
			{Method: RK4, Steps: 100},
		} {
			y0 := tensor.FromFloat64([]float64{1, 2}, 2)
			sol, err := Solve(c.f, y0, []float64{0, 0.5, 1}, o)
			if err != nil {
				t.Fatal(err)
			}
			got := sol.Y[2].Float64s()
			if math.Abs(got[0]-math.E) > 1e-5 || math.Abs(got[1]-2*math.E) > 1e-5 {
				t.Errorf("%s, %s: y(1) = %v, want [e 2e]", c.name, o.Method.Name, got)
			}
			if y0.Float64s()[0] != 1 || y0.Float64s()[1] != 2 {
				t.Errorf("%s, %s: y0 was written to", c.name, o.Method.Name)
			}
		}
	}
}

// TestTinyStepSize: a step size so small that the step count overflows an
// int is a step-limit error, not one silent step.
func TestTinyStepSize(t *testing.T) {
	f := func(_ float64, y, dy []float64) { dy[0] = -y[0] }
	_, err := SolveFunc(f, []float64{1}, []float64{0, 1}, Options{Method: RK4, StepSize: 1e-19})
	var le *StepLimitError
	if !errors.As(err, &le) {
		t.Fatalf("got %v, want a *StepLimitError", err)
	}
}

// TestInvalidTableaus: inconsistent user tableaus are option errors.
func TestInvalidTableaus(t *testing.T) {
	bs := *BogackiShampine
	emptyDense := bs
	emptyDense.Dense = [][]float64{{2.0 / 9}, {1.0 / 3}, {4.0 / 9}, {}}
	shortDense := bs
	shortDense.Dense = [][]float64{{1}}
	badFSAL := Tableau{Name: "bad-fsal", Order: 1, C: []float64{0, 0.5, 1}, A: [][]float64{{}, {0.5}, {0.25, 0.25}}, B: []float64{0.25, 0.25, 0.5}, BErr: []float64{0, 0, 0}, FSAL: true}
	nonzeroC0 := Tableau{Name: "c0", Order: 1, C: []float64{0.5}, A: [][]float64{{}}, B: []float64{1}}
	for _, tb := range []*Tableau{&emptyDense, &shortDense, &badFSAL, &nonzeroC0} {
		_, err := SolveFunc(func(_ float64, y, dy []float64) { dy[0] = 1 }, []float64{0}, []float64{0, 1}, Options{Method: tb, Steps: 2})
		var oe *OptionError
		if !errors.As(err, &oe) || oe.Field != "method" {
			t.Errorf("%s: got %v, want an *OptionError for the method", tb.Name, err)
		}
	}
}

// TestZeroATol: with atol = 0 an element that stays exactly zero
// contributes no error (0/0 would otherwise poison the norm).
func TestZeroATol(t *testing.T) {
	f := func(_ float64, y, dy []float64) { dy[0], dy[1] = -y[0], 0 }
	for _, o := range []Options{{RTol: 1e-6}, {RTol: 1e-6, FirstStep: 0.01}} {
		sol, err := SolveFunc(f, []float64{1, 0}, []float64{0, 1}, o)
		if err != nil {
			t.Fatal(err)
		}
		if d := math.Abs(sol.Y[1][0] - math.Exp(-1)); d > 1e-5 || sol.Y[1][1] != 0 {
			t.Errorf("y(1) = %v", sol.Y[1])
		}
	}
	// On a graph the error ratio's VJP skips such elements too: the
	// gradient is finite (finite differences are not, since the ratio jumps
	// to infinity as soon as the element moves off zero).
	g := autograd.NewGraph()
	h := autograd.Leaf(tensor.Scalar(tensor.Float64, 0.3))
	k := autograd.Leaf(tensor.FromFloat64([]float64{1, 0, -2}, 3))
	y0 := autograd.Leaf(tensor.FromFloat64([]float64{1, 0, 3}, 3))
	y1 := autograd.Leaf(tensor.FromFloat64([]float64{2, 0, 1}, 3))
	r := errOp(g, h, []*autograd.Value{k}, []float64{0.5}, y0, y1, 1e-2, 0)
	grads, err := g.Grad(r, nil, h, k, y0, y1)
	if err != nil {
		t.Fatal(err)
	}
	for i, gr := range grads {
		if !tensor.AllFinite(gr) {
			t.Errorf("input %d: non-finite gradient %v", i, gr.Values())
		}
	}
}

func TestFirstStepBelowMinStep(t *testing.T) {
	_, err := SolveFunc(func(_ float64, y, dy []float64) { dy[0] = 1 }, []float64{0}, []float64{0, 1}, Options{RTol: 1e-6, FirstStep: 1e-5, MinStep: 1e-3})
	var oe *OptionError
	if !errors.As(err, &oe) || oe.Field != "first step" {
		t.Fatalf("got %v, want an *OptionError for the first step", err)
	}
}

// TestDenseOpGradCheck checks the dense-output operation's VJP, including
// its dependence on h and t through θ, and on the output time τ when it is
// a value, forward and backward in time, for Dopri5's polynomial and for
// cubic Hermite weights.
func TestDenseOpGradCheck(t *testing.T) {
	for _, h0 := range []float64{0.5, -0.5} {
		for _, hermite := range []bool{false, true} {
			for _, timed := range []bool{false, true} {
				tau0 := 0.2 + 0.3*h0 // θ = 0.3 when t = 0.2
				f := func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
					tau, tv := tau0, (*autograd.Value)(nil)
					if timed {
						tv = in[len(in)-1]
						tau = tv.Item()
						in = in[:len(in)-1]
					}
					h, tt := in[len(in)-2], in[len(in)-1]
					th := (tau - tt.Item()) / h.Item()
					if hermite {
						t2, t3 := th*th, th*th*th
						a := []float64{2*t3 - 3*t2 + 1, -2*t3 + 3*t2}
						da := []float64{6*t2 - 6*th, -6*t2 + 6*th}
						c := []float64{t3 - 2*t2 + th, t3 - t2}
						dc := []float64{3*t2 - 4*th + 1, 3*t2 - 2*th}
						return denseOp(g, nil, in[0:2], a, da, h, in[2:4], c, dc, tt, tau, tv)
					}
					c, dc := make([]float64, 7), make([]float64, 7)
					denseWeights(Dopri5.Dense, th, c, dc)
					return denseOp(g, nil, in[0:1], []float64{1}, []float64{0}, h, in[1:8], c, dc, tt, tau, tv)
				}
				n := 8
				if hermite {
					n = 4
				}
				var ins []*tensor.Tensor
				for i := range n {
					ins = append(ins, randT(uint64(10+i), 1, 2, 3))
				}
				ins = append(ins, tensor.Scalar(tensor.Float64, h0), tensor.Scalar(tensor.Float64, 0.2))
				if timed {
					ins = append(ins, tensor.Scalar(tensor.Float64, tau0))
				}
				if _, err := autograd.GradCheck(f, ins, autograd.CheckOptions{}); err != nil {
					t.Errorf("h = %g, hermite = %v, timed = %v: %v", h0, hermite, timed, err)
				}
			}
		}
	}
}
