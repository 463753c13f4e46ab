package ode

import (
	"math"
	"testing"
)

// scaledErr returns max_i |got_i − want_i| / (atol + rtol·|want_i|): the
// error in units of the tolerance.
func scaledErr(got, want []float64, tol float64) float64 {
	var worst float64
	for i := range got {
		worst = math.Max(worst, math.Abs(got[i]-want[i])/(tol+tol*math.Abs(want[i])))
	}
	return worst
}

func linspace(a, b float64, n int) []float64 {
	ts := make([]float64, n)
	for i := range ts {
		ts[i] = a + (b-a)*float64(i)/float64(n-1)
	}
	ts[n-1] = b
	return ts
}

// kepler returns the state (x, y, vx, vy) at time t of the orbit with
// semi-major axis 1, eccentricity e and μ = 1 that starts at periapsis on
// the x axis.
func kepler(t, e float64) []float64 {
	// Solve Kepler's equation E − e·sin E = t by Newton's method.
	E := t
	for range 50 {
		E -= (E - e*math.Sin(E) - t) / (1 - e*math.Cos(E))
	}
	b := math.Sqrt(1 - e*e)
	dE := 1 / (1 - e*math.Cos(E))
	return []float64{math.Cos(E) - e, b * math.Sin(E), -math.Sin(E) * dE, b * math.Cos(E) * dE}
}

func keplerRHS(_ float64, y, dy []float64) {
	r := math.Hypot(y[0], y[1])
	r3 := r * r * r
	dy[0], dy[1] = y[2], y[3]
	dy[2], dy[3] = -y[0]/r3, -y[1]/r3
}

func keplerEnergy(y []float64) float64 {
	return 0.5*(y[2]*y[2]+y[3]*y[3]) - 1/math.Hypot(y[0], y[1])
}

func vanDerPol(_ float64, y, dy []float64) {
	dy[0] = y[1]
	dy[1] = (1-y[0]*y[0])*y[1] - y[0]
}

// TestAdaptiveAccuracy runs every adaptive method at rtol = atol = 1e-6 on
// problems with known solutions and requires the error at every output
// time (most of them inside steps, so through the dense output) to be at
// most 100 times the tolerance.
func TestAdaptiveAccuracy(t *testing.T) {
	const tol = 1e-6
	type problem struct {
		name  string
		f     func(float64, []float64, []float64)
		y0    []float64
		times []float64
		exact func(t float64) []float64
	}
	problems := []problem{
		{"growth", func(_ float64, y, dy []float64) { dy[0] = y[0] }, []float64{1}, linspace(0, 5, 41),
			func(t float64) []float64 { return []float64{math.Exp(t)} }},
		{"decay", func(_ float64, y, dy []float64) { dy[0] = -y[0] }, []float64{1}, linspace(0, 5, 41),
			func(t float64) []float64 { return []float64{math.Exp(-t)} }},
		{"oscillator, 10 periods", func(_ float64, y, dy []float64) { dy[0], dy[1] = y[1], -y[0] }, []float64{1, 0}, linspace(0, 20*math.Pi, 201),
			func(t float64) []float64 { return []float64{math.Cos(t), -math.Sin(t)} }},
	}
	for _, m := range []*Tableau{HeunEuler, BogackiShampine, Dopri5, Tsit5} {
		for _, p := range problems {
			t.Run(m.Name+"/"+p.name, func(t *testing.T) {
				sol, err := SolveFunc(p.f, p.y0, p.times, Options{Method: m, RTol: tol, ATol: tol})
				if err != nil {
					t.Fatal(err)
				}
				var worst float64
				for i, ti := range p.times {
					worst = math.Max(worst, scaledErr(sol.Y[i], p.exact(ti), tol))
				}
				t.Logf("worst error %.3g × tol over %d outputs (NFE %d, %d accepted, %d rejected)", worst, len(p.times), sol.Stats.NFE, sol.Stats.Accepted, sol.Stats.Rejected)
				if worst > 100 {
					t.Errorf("error %.3g × tolerance, want ≤ 100", worst)
				}
			})
		}
	}
}

// TestKepler integrates a two-body orbit with eccentricity 0.5 over three
// periods at rtol = atol = 1e-6 and checks the position against the
// analytic solution (Kepler's equation) at 97 output times and the energy
// drift at the end.
//
// The energy drift stays within 100 × tol. The position error does not:
// with torchdiffeq's controller every method ends 146–401 × tol away (the
// phase error near periapsis, where the orbit is fastest, grows with each
// period; it scales linearly with the tolerance, 1e-9 and 1e-12 give the
// same ratio). The bound asserted for position is therefore 500 × tol, the
// measured values are logged, and the gap is documented rather than hidden.
func TestKepler(t *testing.T) {
	const tol = 1e-6
	const e = 0.5
	times := linspace(0, 6*math.Pi, 97)
	y0 := kepler(0, e)
	for _, m := range []*Tableau{HeunEuler, BogackiShampine, Dopri5, Tsit5} {
		sol, err := SolveFunc(keplerRHS, y0, times, Options{Method: m, RTol: tol, ATol: tol})
		if err != nil {
			t.Fatal(err)
		}
		var worst, end float64
		for i, ti := range times {
			w := kepler(ti, e)
			d := math.Hypot(sol.Y[i][0]-w[0], sol.Y[i][1]-w[1]) / (tol + tol*math.Hypot(w[0], w[1]))
			worst = math.Max(worst, d)
			end = d
		}
		e0, e1 := keplerEnergy(y0), keplerEnergy(sol.Y[len(times)-1])
		drift := math.Abs(e1-e0) / (tol + tol*math.Abs(e0))
		t.Logf("%s: position error at the end %.0f × tol, worst %.0f × tol; energy drift %.3g × tol (NFE %d)", m.Name, end, worst, drift, sol.Stats.NFE)
		if drift > 100 {
			t.Errorf("%s: energy drift %.3g × tol, want ≤ 100", m.Name, drift)
		}
		if worst > 500 {
			t.Errorf("%s: position error %.3g × tol, want ≤ 500", m.Name, worst)
		}
	}
}

// TestVanDerPol checks each adaptive method at 1e-6 against a reference
// computed at rtol = atol = 1e-12 by a different method.
func TestVanDerPol(t *testing.T) {
	const tol = 1e-6
	times := linspace(0, 20, 81)
	y0 := []float64{2, 0}
	ref := map[*Tableau]*FuncSolution{}
	for _, m := range []*Tableau{Dopri5, Tsit5} {
		s, err := SolveFunc(vanDerPol, y0, times, Options{Method: m, RTol: 1e-12, ATol: 1e-12})
		if err != nil {
			t.Fatal(err)
		}
		ref[m] = s
	}
	// The two references agree far below the tolerance being tested.
	var refGap float64
	for i := range times {
		refGap = math.Max(refGap, scaledErr(ref[Dopri5].Y[i], ref[Tsit5].Y[i], tol))
	}
	if refGap > 0.01 {
		t.Fatalf("references disagree by %.3g × tol", refGap)
	}
	for _, m := range []*Tableau{HeunEuler, BogackiShampine, Dopri5, Tsit5} {
		r := ref[Dopri5]
		if m == Dopri5 {
			r = ref[Tsit5]
		}
		sol, err := SolveFunc(vanDerPol, y0, times, Options{Method: m, RTol: tol, ATol: tol})
		if err != nil {
			t.Fatal(err)
		}
		var worst float64
		for i := range times {
			worst = math.Max(worst, scaledErr(sol.Y[i], r.Y[i], tol))
		}
		t.Logf("%s: worst error %.3g × tol (NFE %d)", m.Name, worst, sol.Stats.NFE)
		if worst > 100 {
			t.Errorf("%s: error %.3g × tolerance, want ≤ 100", m.Name, worst)
		}
	}
}

// TestNFEParity checks the number of function evaluations against
// torchdiffeq's on dz/dt = kz, z(0) = 1, t ∈ [0, 10], Dopri5 at
// rtol = atol = 1e-5: 128 for k = +1 and 86 for k = −1. We follow
// torchdiffeq's controller, first step and error weights, so the counts
// match exactly, as the README says.
func TestNFEParity(t *testing.T) {
	for _, c := range []struct {
		k   float64
		nfe int
	}{{1, 128}, {-1, 86}} {
		f := func(_ float64, y, dy []float64) { dy[0] = c.k * y[0] }
		sol, err := SolveFunc(f, []float64{1}, []float64{0, 10}, Options{Method: Dopri5, RTol: 1e-5, ATol: 1e-5})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("k = %+g: NFE %d (torchdiffeq %d), %d accepted, %d rejected", c.k, sol.Stats.NFE, c.nfe, sol.Stats.Accepted, sol.Stats.Rejected)
		if sol.Stats.NFE != c.nfe {
			t.Errorf("k = %+g: NFE %d, torchdiffeq's is %d", c.k, sol.Stats.NFE, c.nfe)
		}
		// NFE bookkeeping: f(t0), one evaluation for the first step, then six
		// per attempted step (FSAL).
		if want := 2 + 6*(sol.Stats.Accepted+sol.Stats.Rejected); sol.Stats.NFE != want {
			t.Errorf("NFE %d, want 2 + 6·steps = %d", sol.Stats.NFE, want)
		}
	}
}
