package latentdata

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/acaode/aca/ode"
)

func solveChain(t *testing.T, c *Chain, y0, times []float64) *ode.FuncSolution {
	t.Helper()
	sol, err := ode.SolveFunc(c.Deriv(), y0, times, ode.Options{Method: ode.Dopri5, RTol: 1e-11, ATol: 1e-11, MaxSteps: 1_000_000})
	if err != nil {
		t.Fatal(err)
	}
	return sol
}

// agm is the arithmetic-geometric mean.
func agm(a, b float64) float64 {
	for math.Abs(a-b) > 1e-16*a {
		a, b = (a+b)/2, math.Sqrt(a*b)
	}
	return a
}

// One link is a simple pendulum, whose exact period from amplitude θ0 is
// 2π√(L/g) / AGM(1, cos(θ0/2)): it swings to −θ0 in half a period and back
// in a whole one, and keeps the energy −m g L cos θ0.
func TestOneLinkPeriod(t *testing.T) {
	for _, th0 := range []float64{1e-3, 0.3, 1.5} {
		c := &Chain{Lengths: []float64{0.7}, Masses: []float64{2}, Gravity: 9.81}
		period := 2 * math.Pi * math.Sqrt(0.7/9.81) / agm(1, math.Cos(th0/2))
		if th0 == 1e-3 {
			// The small-angle period, to the O(θ0²) correction.
			if small := 2 * math.Pi * math.Sqrt(0.7/9.81); math.Abs(period-small) > small*th0*th0/15 {
				t.Fatalf("period %v, small-angle %v", period, small)
			}
		}
		sol := solveChain(t, c, []float64{th0, 0}, []float64{0, period / 2, period})
		for i, want := range []float64{th0, -th0, th0} {
			y := sol.Y[i]
			if math.Abs(y[0]-want) > 1e-7*th0 || math.Abs(y[1]) > 1e-7*th0 {
				t.Errorf("θ0 %g: state at %g·period = %v, want (%g, 0)", th0, float64(i)/2, y, want)
			}
			if e, want := c.Energy(y), -2*9.81*0.7*math.Cos(th0); math.Abs(e-want) > 1e-8*math.Abs(want) {
				t.Errorf("θ0 %g: energy %v, want %v", th0, e, want)
			}
		}
	}
}

// doublePendulum is the textbook double pendulum (point masses m1, m2 on
// massless rods l1, l2, absolute angles), written out by hand.
func doublePendulum(m1, m2, l1, l2, g float64, y []float64) (a1, a2 float64) {
	t1, t2, w1, w2 := y[0], y[1], y[2], y[3]
	d := t1 - t2
	den := 2*m1 + m2 - m2*math.Cos(2*t1-2*t2)
	a1 = (-g*(2*m1+m2)*math.Sin(t1) - m2*g*math.Sin(t1-2*t2) -
		2*math.Sin(d)*m2*(w2*w2*l2+w1*w1*l1*math.Cos(d))) / (l1 * den)
	a2 = 2 * math.Sin(d) * (w1*w1*l1*(m1+m2) + g*(m1+m2)*math.Cos(t1) + w2*w2*l2*m2*math.Cos(d)) / (l2 * den)
	return a1, a2
}

func TestTwoLinkMatchesDoublePendulum(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	c := &Chain{Lengths: []float64{0.8, 1.3}, Masses: []float64{1.7, 0.6}, Gravity: 9.81}
	f := c.Deriv()
	dy := make([]float64, 4)
	for range 50 {
		y := []float64{6*rng.Float64() - 3, 6*rng.Float64() - 3, 4*rng.Float64() - 2, 4*rng.Float64() - 2}
		f(0, y, dy)
		a1, a2 := doublePendulum(1.7, 0.6, 0.8, 1.3, 9.81, y)
		if dy[0] != y[2] || dy[1] != y[3] {
			t.Fatalf("dq/dt = %v, want %v", dy[:2], y[2:])
		}
		if math.Abs(dy[2]-a1) > 1e-12*(1+math.Abs(a1)) || math.Abs(dy[3]-a2) > 1e-12*(1+math.Abs(a2)) {
			t.Fatalf("at %v: accelerations %v, hand-derived (%v, %v)", y, dy[2:], a1, a2)
		}
	}
	// And the trajectories agree over a chaotic second.
	y0 := []float64{2, -1, 0.5, 1}
	times := []float64{0, 1}
	hand, err := ode.SolveFunc(func(_ float64, y, dy []float64) {
		dy[0], dy[1] = y[2], y[3]
		dy[2], dy[3] = doublePendulum(1.7, 0.6, 0.8, 1.3, 9.81, y)
	}, y0, times, ode.Options{Method: ode.Dopri5, RTol: 1e-11, ATol: 1e-11})
	if err != nil {
		t.Fatal(err)
	}
	ours := solveChain(t, c, y0, times)
	for k := range 4 {
		if d := math.Abs(ours.Y[1][k] - hand.Y[1][k]); d > 1e-7 {
			t.Errorf("state %d at t = 1: %v, hand-derived %v", k, ours.Y[1][k], hand.Y[1][k])
		}
	}
}

// Without damping the 7-link chain of the data set keeps its energy to a
// relative 1e-8 over the horizon at the generator's tolerance.
func TestEnergyConservation(t *testing.T) {
	cfg := DefaultPendulum()
	cfg.Damping = 0
	c := cfg.Chain()
	for i := range 3 {
		y, st, err := cfg.Trajectory(i)
		if err != nil {
			t.Fatal(err)
		}
		n := 2 * cfg.Links
		e0 := c.Energy(y[:n])
		worst := 0.0
		for k := range cfg.Times {
			worst = max(worst, math.Abs(c.Energy(y[k*n:(k+1)*n])-e0)/math.Abs(e0))
		}
		t.Logf("sequence %d: %d steps, relative energy drift %.2g", i, st.Accepted, worst)
		if worst > 1e-8 {
			t.Errorf("sequence %d: relative energy drift %g > 1e-8", i, worst)
		}
	}
}

// With damping the energy falls at the rate of the dissipation:
// d/dt Energy(y(t)) = −Dissipation(y), checked by a central difference
// along the flow at random states of a 7-link chain.
func TestDampingPowerBalance(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	c := &Chain{Gravity: 9.81, Damping: 0.3}
	for k := range 7 {
		c.Lengths = append(c.Lengths, 0.1+0.1*float64(k%3))
		c.Masses = append(c.Masses, 0.5+0.2*float64(k%4))
	}
	f := c.Deriv()
	dy := make([]float64, 14)
	for range 20 {
		y := make([]float64, 14)
		for k := range y {
			y[k] = 2*rng.Float64() - 1
		}
		f(0, y, dy)
		const eps = 1e-6
		plus, minus := make([]float64, 14), make([]float64, 14)
		for k := range y {
			plus[k], minus[k] = y[k]+eps*dy[k], y[k]-eps*dy[k]
		}
		rate := (c.Energy(plus) - c.Energy(minus)) / (2 * eps)
		if want := -c.Dissipation(y); math.Abs(rate-want) > 1e-6*(1+math.Abs(want)) {
			t.Fatalf("dE/dt = %v, −dissipation = %v", rate, want)
		}
		if c.Dissipation(y) <= 0 {
			t.Fatalf("dissipation %v at a moving state", c.Dissipation(y))
		}
	}
}

func TestChainCheck(t *testing.T) {
	for _, c := range []*Chain{
		{},
		{Lengths: []float64{1}, Masses: []float64{1, 2}},
		{Lengths: []float64{-1}, Masses: []float64{1}},
		{Lengths: []float64{1}, Masses: []float64{0}},
		{Lengths: []float64{1}, Masses: []float64{1}, Damping: -1},
		{Lengths: []float64{1}, Masses: []float64{1}, Gravity: math.NaN()},
	} {
		if err := c.Check(); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
}
