package ode

import (
	"slices"
	"testing"
)

// The exported frozen-step helpers give what the package's own gradient
// tests use: the accepted step sizes, and a Naive solve over them whose
// gradient is the frozen-step backprop ACA equals.
func TestFrozenStepsExported(t *testing.T) {
	p := mlpProblem([]float64{0, 0.3, 1.1, 2})
	opts := Options{Method: Dopri5, RTol: 1e-5, ATol: 1e-6}
	_, ps := p.leaves()
	hs, err := AcceptedSteps(p.dyn(ps), p.y0, p.times, opts)
	if err != nil {
		t.Fatal(err)
	}
	if want := schedule(t, p, opts); !slices.Equal(hs, want) || len(hs) < 3 {
		t.Fatalf("AcceptedSteps %v, want %v", hs, want)
	}
	frozen := opts.WithFrozenSteps(hs)
	frozen.Gradient = Naive
	got, _ := gradsOf(t, p, frozen)
	aca := opts
	aca.Gradient = ACA
	acaGot, _ := gradsOf(t, p, aca)
	if e := worstRelErr(got, frozenGrads(t, p, opts, hs)); e != 0 {
		t.Errorf("Naive over WithFrozenSteps differs from frozen-step backprop by %.3g", e)
	}
	if e := worstRelErr(acaGot, got); e > 1e-10 {
		t.Errorf("ACA differs from Naive over WithFrozenSteps by %.3g", e)
	}
	if _, err := AcceptedSteps(p.dyn(ps), p.y0, []float64{0, 1, 0.5}, opts); err == nil {
		t.Error("AcceptedSteps accepted unsorted output times")
	}
}
