package ode

import (
	"testing"

	"github.com/acaode/aca/autograd"
)

// TestStatsRuntime: every solve reports its wall time, and a differentiable
// solve's Stats, a value in the GraphSolution, is completed in place by the
// backward pass of ACA and the adjoint (a pointer to it taken before the
// backward pass sees the backward fields; a copy keeps the forward ones).
func TestStatsRuntime(t *testing.T) {
	f := mlpProblem([]float64{0, 0.5, 1})
	y0, ps := f.leaves()
	sol, err := Solve(f.dyn(ps), f.y0, f.times, Options{RTol: 1e-6, ATol: 1e-6})
	if err != nil {
		t.Fatal(err)
	}
	if sol.Stats.Runtime <= 0 || sol.Stats.NFE == 0 {
		t.Errorf("Solve: stats %+v without a wall time", sol.Stats)
	}
	fs, err := SolveFunc(func(_ float64, y, dy []float64) { dy[0] = -y[0] }, []float64{1}, []float64{0, 1}, Options{RTol: 1e-6, ATol: 1e-6})
	if err != nil || fs.Stats.Runtime <= 0 {
		t.Errorf("SolveFunc: stats %+v, %v", fs.Stats, err)
	}
	for _, m := range []Gradient{ACA, Adjoint, Naive} {
		g := autograd.NewGraph()
		gs, err := SolveGraph(g, f.dyn(ps), y0, f.times, Options{RTol: 1e-6, ATol: 1e-6, Gradient: m})
		if err != nil {
			t.Fatal(err)
		}
		live, before := &gs.Stats, gs.Stats
		if before.Forward.Runtime <= 0 || before.Forward.NFE == 0 {
			t.Errorf("%s: forward stats %+v without a wall time", m, before.Forward)
		}
		if m != Naive && (before.Backprop || before.Backward.NFE != 0 || before.Backward.Runtime != 0) {
			t.Errorf("%s: backward stats %+v before the backward pass", m, before.Backward)
		}
		if err := weightedLoss(g, gs.Y, lossWeights(f)).Backward(); err != nil {
			t.Fatal(err)
		}
		if m == Naive {
			continue
		}
		if !live.Backprop || live.Backward.NFE == 0 || live.Backward.Runtime <= 0 {
			t.Errorf("%s: backward stats %+v after the backward pass", m, live.Backward)
		}
		if live.Forward != before.Forward {
			t.Errorf("%s: the backward pass changed the forward stats: %+v, was %+v", m, live.Forward, before.Forward)
		}
	}
}
