package latentdata

import (
	"math"
	"testing"

	"github.com/acaode/aca/ode"
)

// The linearised frequencies against the hand-solved cases: one link
// √(g/L); two equal links (mass m, length L each) ω² = (g/L)(2 ∓ √2), with
// shapes (1, ±√2)/√2 scaled to a largest component of 1.
func TestNormalModesHandSolved(t *testing.T) {
	one := &Chain{Lengths: []float64{0.7}, Masses: []float64{2}, Gravity: 9.81}
	w, v, err := one.NormalModes()
	if err != nil || len(w) != 1 || math.Abs(w[0]-math.Sqrt(9.81/0.7)) > 1e-12 || v[0][0] != 1 {
		t.Errorf("one link: ω %v, shape %v, %v; want %g", w, v, err, math.Sqrt(9.81/0.7))
	}
	two := &Chain{Lengths: []float64{0.5, 0.5}, Masses: []float64{1, 1}, Gravity: 9.81}
	w, v, err = two.NormalModes()
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{math.Sqrt(9.81 / 0.5 * (2 - math.Sqrt2)), math.Sqrt(9.81 / 0.5 * (2 + math.Sqrt2))}
	shapes := [][]float64{{1 / math.Sqrt2, 1}, {-1 / math.Sqrt2, 1}}
	for j := range 2 {
		if math.Abs(w[j]-want[j]) > 1e-12*want[j] {
			t.Errorf("two links: ω%d = %.15g, want %.15g", j+1, w[j], want[j])
		}
		for i := range 2 {
			if math.Abs(v[j][i]-shapes[j][i]) > 1e-12 {
				t.Errorf("two links: mode %d shape %v, want %v", j+1, v[j], shapes[j])
			}
		}
	}
}

// Started in one normal mode at a tiny amplitude, the full nonlinear chain
// (Deriv, solved by Dopri5) keeps the mode's shape and comes back to its
// start after one period 2π/ω: the modes are those of the equations of
// motion the data set is generated with, not only of the formulas above.
func TestNormalModesOfTheNonlinearChain(t *testing.T) {
	ch := DefaultPendulum().Chain()
	ch.Damping = 0
	w, v, err := ch.NormalModes()
	if err != nil {
		t.Fatal(err)
	}
	n := ch.Links()
	const amp = 1e-5
	for j := range n {
		y0 := make([]float64, 2*n)
		for i := range n {
			y0[i] = amp * v[j][i]
		}
		period := 2 * math.Pi / w[j]
		times := []float64{0, period / 4, period}
		sol, err := ode.SolveFunc(ch.Deriv(), y0, times, ode.Options{Method: ode.Dopri5, RTol: 1e-12, ATol: 1e-16})
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			// After a quarter period the angles pass through 0 and the
			// rates are −ω·amp·shape; after a whole one the state is back.
			if d := math.Abs(sol.Y[1][i]); d > 1e-4*amp {
				t.Errorf("mode %d: angle %d is %.3g at a quarter period, want 0", j+1, i, d)
			}
			if d := math.Abs(sol.Y[1][n+i] + w[j]*amp*v[j][i]); d > 1e-4*w[j]*amp {
				t.Errorf("mode %d: rate %d off by %.3g at a quarter period", j+1, i, d)
			}
			if d := math.Abs(sol.Y[2][i] - y0[i]); d > 1e-4*amp {
				t.Errorf("mode %d: angle %d off by %.3g after a period", j+1, i, d)
			}
		}
	}
	if p := 2 * math.Pi / w[n-1]; math.Abs(p-0.172) > 5e-4 {
		t.Errorf("fastest period %.4f s, the documentation says 0.17 s", p)
	}
}

// With Modes k the initial states lie in the span of the k slowest modes
// (their components along the others, which are M₀-orthogonal to them,
// vanish), stay within MaxAngle and MaxRate, and are reproducible.
func TestInitialInSlowModes(t *testing.T) {
	c := DefaultPendulum()
	c.Modes = 3
	n := c.Links
	ch := c.Chain()
	_, v, err := ch.NormalModes()
	if err != nil {
		t.Fatal(err)
	}
	mu := ch.tail()
	m0 := func(a, b []float64) float64 { // aᵀ M₀ b
		s := 0.0
		for i := range n {
			for k := range n {
				s += a[i] * mu[max(i, k)] * ch.Lengths[i] * ch.Lengths[k] * b[k]
			}
		}
		return s
	}
	for seq := range 50 {
		y, err := c.Initial(seq)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := c.Initial(seq)
		for part, bound := range []float64{c.MaxAngle, c.MaxRate} {
			x := y[part*n : (part+1)*n]
			for i := range n {
				if math.Abs(x[i]) > bound || again[part*n+i] != x[i] {
					t.Fatalf("sequence %d: component %v (bound %g, again %v)", seq, x, bound, again[part*n:(part+1)*n])
				}
			}
			for j := c.Modes; j < n; j++ {
				if p := m0(v[j], x) / math.Sqrt(m0(v[j], v[j])*m0(x, x)); math.Abs(p) > 1e-12 {
					t.Errorf("sequence %d: part %d has %.3g of mode %d", seq, part, p, j+1)
				}
			}
		}
	}
	for _, bad := range []int{-1, n + 1} {
		c.Modes = bad
		if _, err := c.Initial(0); err == nil {
			t.Errorf("Modes %d accepted", bad)
		}
	}
	c.Modes, c.Gravity = 2, 0
	if _, err := c.Initial(0); err == nil {
		t.Error("Modes 2 without gravity accepted")
	}
}
