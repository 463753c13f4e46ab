package ode

import (
	"testing"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

// mlpDynamics is f(y) = tanh(y·W1ᵀ + b1)·W2ᵀ with its weights as inputs.
func mlpDynamics(w1, b1, w2 *autograd.Value) Func {
	return func(g *autograd.Graph, _ float64, y *autograd.Value) *autograd.Value {
		return g.Linear(g.Tanh(g.Linear(y, w1, b1)), w2, nil)
	}
}

func randT(seed uint64, std float64, shape ...int) *tensor.Tensor {
	return tensor.RandN(tensor.NewRNG(seed), tensor.Float64, 0, std, shape...)
}

// solveRecorded runs a solve on g, recording everything (the naive
// method's forward pass without its gradient checks), and returns the
// outputs as values.
func solveRecorded(g *autograd.Graph, f Dynamics, y0 *autograd.Value, times []float64, opts Options) ([]*autograd.Value, Stats, error) {
	o, dir, err := prepare(y0.Data(), times, opts)
	if err != nil {
		return nil, Stats{}, err
	}
	return run[*autograd.Value, *autograd.Value](&graphBackend{g: g, f: f}, &o, y0, times, dir, nil)
}

// TestRecordedMatchesUnrecorded runs the same solve through both backends
// and requires identical outputs and stats: the recorded path is the same
// code on the same kernels.
func TestRecordedMatchesUnrecorded(t *testing.T) {
	w1, b1, w2 := autograd.Leaf(randT(1, 0.5, 8, 3)), autograd.Leaf(randT(2, 0.5, 8)), autograd.Leaf(randT(3, 0.5, 3, 8))
	f := mlpDynamics(w1, b1, w2)
	y0 := randT(4, 1, 4, 3)
	times := []float64{0, 0.37, 1.2, 2}
	for _, o := range []Options{
		{Method: Dopri5, RTol: 1e-6, ATol: 1e-6},
		{Method: Tsit5, RTol: 1e-4, ATol: 1e-4},
		{Method: HeunEuler, RTol: 1e-4, ATol: 1e-4},
		{Method: RK4, Steps: 7},
		{Method: BogackiShampine, StepSize: 0.3},
	} {
		want, err := Solve(f, y0, times, o)
		if err != nil {
			t.Fatal(err)
		}
		g := autograd.NewGraph()
		got, st, err := solveRecorded(g, f, autograd.Leaf(y0.Clone()), times, o)
		if err != nil {
			t.Fatal(err)
		}
		if st != want.Stats.work() {
			t.Errorf("%s: recorded stats %+v, unrecorded %+v", o.Method.Name, st, want.Stats)
		}
		for i := range times {
			if tensor.MaxAbsDiff(got[i].Data(), want.Y[i]) != 0 {
				t.Errorf("%s: output %d differs by %g", o.Method.Name, i, tensor.MaxAbsDiff(got[i].Data(), want.Y[i]))
			}
		}
		if g.Len() == 0 {
			t.Errorf("%s: nothing recorded", o.Method.Name)
		}
		g.Free()
	}
}

// TestRecordedGradients checks the recorded solve's gradients with respect
// to the initial state and the dynamics' weights against central finite
// differences. With a fixed first step, the adaptive solve is a smooth
// function of its inputs between accept/reject decisions, and every step
// size after the first is on the graph, so finite differences check the
// differentiation of the error estimate and the controller too.
func TestRecordedGradients(t *testing.T) {
	times := []float64{0, 0.45, 1.3}
	rejected := 0
	for _, o := range []Options{
		{Method: RK4, Steps: 5},
		{Method: Dopri5, Steps: 3},
		{Method: HeunEuler, StepSize: 0.2},
		{Method: Dopri5, RTol: 1e-4, ATol: 1e-4, FirstStep: 0.05},
		{Method: BogackiShampine, RTol: 1e-3, ATol: 1e-3, FirstStep: 0.1},
		// A first step far too long: rejected trials are on the graph too.
		{Method: Dopri5, RTol: 1e-6, ATol: 1e-6, FirstStep: 1},
	} {
		var stats Stats
		res, err := autograd.GradCheck(func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
			f := mlpDynamics(in[1], in[2], in[3])
			ys, st, err := solveRecorded(g, f, in[0], times, o)
			if err != nil {
				t.Fatal(err)
			}
			stats = st
			return g.Concat(0, ys[1], ys[2])
		}, []*tensor.Tensor{randT(5, 1, 2, 3), randT(6, 0.5, 5, 3), randT(7, 0.5, 5), randT(8, 0.5, 3, 5)}, autograd.CheckOptions{Tol: 1e-6})
		if err != nil {
			t.Errorf("%s (%+v): %v", o.Method.Name, stats, err)
			continue
		}
		t.Logf("%s: worst relative error %.2g (%+v, ops %v)", o.Method.Name, res.MaxRelErr, stats, res.Ops)
		if !o.fixed() && res.Ops[opControl] == 0 {
			t.Errorf("%s: the controller was not recorded", o.Method.Name)
		}
		rejected += stats.Rejected
	}
	if rejected == 0 {
		t.Error("no case rejected a step: differentiation through rejected trials is untested")
	}
}

// TestSolverOpsGradCheck checks each solver operation's VJP alone.
func TestSolverOpsGradCheck(t *testing.T) {
	ctl := &controller{safety: 0.9, ifactor: 10, dfactor: 0.2, order: 5, maxStep: 1e9}
	cases := []struct {
		name string
		f    func(g *autograd.Graph, in []*autograd.Value) *autograd.Value
		in   []*tensor.Tensor
	}{
		{"lin", func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
			return linOp(g, nil, in[0:2], []float64{0.3, -1.2}, in[2], in[3:5], []float64{2, 0.5})
		}, []*tensor.Tensor{randT(1, 1, 3, 2), randT(2, 1, 3, 2), tensor.Scalar(tensor.Float64, 0.7), randT(3, 1, 3, 2), randT(4, 1, 3, 2)}},
		{"errratio", func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
			return errOp(g, in[0], in[1:3], []float64{0.4, -0.4}, in[3], in[4], 1e-2, 1e-3)
		}, []*tensor.Tensor{tensor.Scalar(tensor.Float64, 0.3), randT(5, 1, 7), randT(6, 1, 7), randT(7, 1, 7), randT(8, 1, 7)}},
		{"control, growing", func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
			return controlOp(g, in[0], in[1], ctl)
		}, []*tensor.Tensor{tensor.Scalar(tensor.Float64, 0.3), tensor.Scalar(tensor.Float64, 0.05)}},
		{"control, shrinking", func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
			return controlOp(g, in[0], in[1], ctl)
		}, []*tensor.Tensor{tensor.Scalar(tensor.Float64, 0.3), tensor.Scalar(tensor.Float64, 3)}},
	}
	for _, c := range cases {
		if _, err := autograd.GradCheck(c.f, c.in, autograd.CheckOptions{}); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}
