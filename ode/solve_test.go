package ode

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

// oscillator is y” = −ω²y written on a tensor of shape [..., 2] as a Func
// (so it also runs recorded).
func linearFunc(a *tensor.Tensor) Func {
	// dy/dt = y·Aᵀ for a state of shape [B, n].
	return func(g *autograd.Graph, _ float64, y *autograd.Value) *autograd.Value {
		return g.MatMul(y, autograd.Constant(a), false, true)
	}
}

// TestBackwardInTime integrates backward from t = 5 to 0 and compares with
// the analytic solution, for adaptive and fixed steps.
func TestBackwardInTime(t *testing.T) {
	f := func(_ float64, y, dy []float64) { dy[0] = -y[0] }
	times := []float64{5, 4, 2.5, 1, 0}
	for _, o := range []Options{
		{Method: Dopri5, RTol: 1e-8, ATol: 1e-8},
		{Method: Tsit5, RTol: 1e-8, ATol: 1e-8},
		{Method: RK4, StepSize: 0.01},
	} {
		sol, err := SolveFunc(f, []float64{math.Exp(-5)}, times, o)
		if err != nil {
			t.Fatal(err)
		}
		for i, ti := range times {
			if d := math.Abs(sol.Y[i][0]-math.Exp(-ti)) / math.Exp(-ti); d > 1e-6 {
				t.Errorf("%s: y(%g) off by relative %.3g", o.Method.Name, ti, d)
			}
		}
	}
	// A round trip: forward 0→3 then backward 3→0 returns to y0.
	y0 := []float64{1, 0}
	osc := func(_ float64, y, dy []float64) { dy[0], dy[1] = y[1], -y[0] }
	fw, err := SolveFunc(osc, y0, []float64{0, 3}, Options{RTol: 1e-10, ATol: 1e-10})
	if err != nil {
		t.Fatal(err)
	}
	bw, err := SolveFunc(osc, fw.Y[1], []float64{3, 0}, Options{RTol: 1e-10, ATol: 1e-10})
	if err != nil {
		t.Fatal(err)
	}
	if d := math.Hypot(bw.Y[1][0]-1, bw.Y[1][1]); d > 1e-8 {
		t.Errorf("forward then backward misses y0 by %.3g", d)
	}
}

// TestBatch solves a batch of independent linear systems in one tensor and
// checks each row against its own analytic solution, in float64 and
// float32, and checks that a batch shares one step sequence.
func TestBatch(t *testing.T) {
	// y' = A y with A the rotation generator: y(t) = R(t) y0.
	a := tensor.FromFloat64([]float64{0, 1, -1, 0}, 2, 2)
	const B = 5
	init := make([]float64, 2*B)
	for i := range B {
		init[2*i] = float64(i + 1)
		init[2*i+1] = float64(i) - 2
	}
	times := []float64{0, 0.7, 2, 3.3}
	for _, dt := range []tensor.DType{tensor.Float64, tensor.Float32} {
		y0 := tensor.FromValues(dt, init, B, 2)
		f := linearFunc(a.Cast(dt))
		tol := 1e-9
		if dt == tensor.Float32 {
			tol = 1e-5
		}
		sol, err := Solve(f, y0, times, Options{Method: Dopri5, RTol: tol, ATol: tol})
		if err != nil {
			t.Fatal(err)
		}
		for k, tk := range times {
			if sol.Y[k].DType() != dt {
				t.Fatalf("output dtype %v, want %v", sol.Y[k].DType(), dt)
			}
			got := sol.Y[k].Values()
			c, s := math.Cos(tk), math.Sin(tk)
			for i := range B {
				x, v := init[2*i], init[2*i+1]
				wx, wv := c*x+s*v, -s*x+c*v
				if d := math.Hypot(got[2*i]-wx, got[2*i+1]-wv); d > 200*tol*(1+math.Hypot(wx, wv)) {
					t.Errorf("%v: row %d at t=%g off by %.3g", dt, i, tk, d)
				}
			}
		}
		// A batch takes one step sequence: the same number of steps as the
		// row with the largest norm needs is an upper bound for any row
		// alone, and the batch is not charged per row.
		one, err := Solve(f, tensor.FromValues(dt, init[2*(B-1):], 1, 2), times, Options{Method: Dopri5, RTol: tol, ATol: tol})
		if err != nil {
			t.Fatal(err)
		}
		if sol.Stats.NFE > 2*one.Stats.NFE {
			t.Errorf("%v: batch NFE %d vs single row %d: the batch should share one step sequence", dt, sol.Stats.NFE, one.Stats.NFE)
		}
	}
}

// TestSolveAgreesWithSolveFunc checks the two entry points compute the
// same numbers for the same problem.
func TestSolveAgreesWithSolveFunc(t *testing.T) {
	times := linspace(0, 20, 11)
	a, err := SolveFunc(vanDerPol, []float64{2, 0}, times, Options{RTol: 1e-6, ATol: 1e-6})
	if err != nil {
		t.Fatal(err)
	}
	vdp := TensorFunc(func(_ float64, y *tensor.Tensor) *tensor.Tensor {
		v := y.Float64s()
		return tensor.FromFloat64([]float64{v[1], (1-v[0]*v[0])*v[1] - v[0]}, 2)
	})
	b, err := Solve(vdp, tensor.FromFloat64([]float64{2, 0}, 2), times, Options{RTol: 1e-6, ATol: 1e-6})
	if err != nil {
		t.Fatal(err)
	}
	if a.Stats.work() != b.Stats.work() {
		t.Errorf("stats differ: %+v vs %+v", a.Stats, b.Stats)
	}
	for i := range times {
		for j, v := range b.Y[i].Float64s() {
			if v != a.Y[i][j] {
				t.Fatalf("t=%g: Solve %v, SolveFunc %v", times[i], b.Y[i].Float64s(), a.Y[i])
			}
		}
	}
	// Outputs are the caller's: changing one must not change another.
	b.Y[0].Float64s()[0] = 99
	if a.Y[0][0] != 2 || b.Y[1].Float64s()[0] == 99 {
		t.Error("outputs share memory")
	}
}

// countingFunc counts evaluations, to prove invalid options fail before any
// work.
type countingFunc struct{ n int }

func (c *countingFunc) f(_ float64, y, dy []float64) {
	c.n++
	copy(dy, y)
}

func TestInvalidOptions(t *testing.T) {
	ok := Options{Method: Dopri5, RTol: 1e-6, ATol: 1e-6}
	with := func(mod func(*Options)) Options { o := ok; mod(&o); return o }
	cases := []struct {
		name  string
		y0    []float64
		times []float64
		opts  Options
		field string
	}{
		{"negative rtol", []float64{1}, []float64{0, 1}, with(func(o *Options) { o.RTol = -1e-6 }), "rtol"},
		{"negative atol", []float64{1}, []float64{0, 1}, with(func(o *Options) { o.ATol = -1 }), "atol"},
		{"both tolerances zero", []float64{1}, []float64{0, 1}, with(func(o *Options) { o.RTol, o.ATol = 0, 0 }), "rtol"},
		{"NaN tolerance", []float64{1}, []float64{0, 1}, with(func(o *Options) { o.RTol = math.NaN() }), "rtol"},
		{"empty times", []float64{1}, nil, ok, "times"},
		{"unsorted times", []float64{1}, []float64{0, 2, 1}, ok, "times"},
		{"repeated time", []float64{1}, []float64{0, 1, 1}, ok, "times"},
		{"NaN time", []float64{1}, []float64{0, math.NaN()}, ok, "times"},
		{"NaN in y0", []float64{1, math.NaN()}, []float64{0, 1}, ok, "y0"},
		{"Inf in y0", []float64{math.Inf(1)}, []float64{0, 1}, ok, "y0"},
		{"fixed-step method without a step", []float64{1}, []float64{0, 1}, Options{Method: RK4}, "step size"},
		{"negative step size", []float64{1}, []float64{0, 1}, Options{Method: RK4, StepSize: -0.1}, "step size"},
		{"step size and steps", []float64{1}, []float64{0, 1}, Options{Method: RK4, StepSize: 0.1, Steps: 3}, "step size"},
		{"negative steps", []float64{1}, []float64{0, 1}, Options{Method: Euler, Steps: -3}, "steps"},
		{"min above max", []float64{1}, []float64{0, 1}, with(func(o *Options) { o.MinStep, o.MaxStep = 1, 0.1 }), "min step"},
		{"safety above 1", []float64{1}, []float64{0, 1}, with(func(o *Options) { o.Safety = 2 }), "safety"},
		{"dfactor 1", []float64{1}, []float64{0, 1}, with(func(o *Options) { o.DFactor = 1 }), "dfactor"},
		{"ifactor below 1", []float64{1}, []float64{0, 1}, with(func(o *Options) { o.IFactor = 0.5 }), "ifactor"},
		{"bad tableau", []float64{1}, []float64{0, 1}, Options{Method: &Tableau{Name: "broken", Order: 1, B: []float64{1}, C: []float64{0, 1}, A: [][]float64{{}}}, Steps: 1}, "method"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var cf countingFunc
			_, err := SolveFunc(cf.f, c.y0, c.times, c.opts)
			var oe *OptionError
			if !errors.As(err, &oe) {
				t.Fatalf("got %v, want an *OptionError", err)
			}
			if oe.Field != c.field {
				t.Errorf("error names %q, want %q: %v", oe.Field, c.field, err)
			}
			if cf.n != 0 {
				t.Errorf("f was evaluated %d times before the error", cf.n)
			}
		})
	}
	if _, err := Solve(nil, tensor.Scalar(tensor.Float64, 1), []float64{0, 1}, ok); err == nil {
		t.Error("nil dynamics accepted")
	}
	if _, err := Solve(Func(func(g *autograd.Graph, _ float64, y *autograd.Value) *autograd.Value { return y }), nil, []float64{0, 1}, ok); err == nil {
		t.Error("nil y0 accepted")
	}
}

func TestStepSizeUnderflow(t *testing.T) {
	// y' = y² from y(0) = 1 blows up at t = 1: the steps shrink until t+h
	// rounds to t.
	f := func(_ float64, y, dy []float64) { dy[0] = y[0] * y[0] }
	_, err := SolveFunc(f, []float64{1}, []float64{0, 2}, Options{RTol: 1e-8, ATol: 1e-8})
	var se *StepSizeError
	var nf *NonFiniteError
	switch {
	case errors.As(err, &se):
		if math.Abs(se.T-1) > 0.01 || se.MinStep != 0 {
			t.Errorf("underflow at t = %g, h = %g; want t near 1", se.T, se.H)
		}
	case errors.As(err, &nf):
		t.Fatalf("got %v; want a step size underflow (the state stays finite below t = 1)", err)
	default:
		t.Fatalf("got %v, want a *StepSizeError", err)
	}
	// With MinStep the same problem fails early, naming the bound.
	_, err = SolveFunc(f, []float64{1}, []float64{0, 2}, Options{RTol: 1e-8, ATol: 1e-8, MinStep: 1e-4})
	if !errors.As(err, &se) || se.MinStep != 1e-4 || math.Abs(se.H) >= 1e-4 {
		t.Fatalf("got %v, want a *StepSizeError below MinStep", err)
	}
	if !strings.Contains(err.Error(), "MinStep") {
		t.Errorf("message %q does not name MinStep", err)
	}
}

func TestStepLimit(t *testing.T) {
	osc := func(_ float64, y, dy []float64) { dy[0], dy[1] = y[1], -y[0] }
	_, err := SolveFunc(osc, []float64{1, 0}, []float64{0, 100}, Options{RTol: 1e-8, ATol: 1e-8, MaxSteps: 20})
	var le *StepLimitError
	if !errors.As(err, &le) || le.Limit != 20 || le.T <= 0 || le.T >= 100 || le.H == 0 {
		t.Fatalf("got %v, want a *StepLimitError with t and h", err)
	}
	_, err = SolveFunc(osc, []float64{1, 0}, []float64{0, 100}, Options{Method: RK4, StepSize: 0.01, MaxSteps: 20})
	if !errors.As(err, &le) {
		t.Fatalf("fixed step: got %v, want a *StepLimitError", err)
	}
}

func TestNonFinite(t *testing.T) {
	var nf *NonFiniteError
	// NaN derivative at the start.
	nan := func(_ float64, _, dy []float64) { dy[0] = math.NaN() }
	_, err := SolveFunc(nan, []float64{1}, []float64{0, 1}, Options{RTol: 1e-6, ATol: 1e-6})
	if !errors.As(err, &nf) || nf.T != 0 || !strings.Contains(nf.What, "initial") {
		t.Fatalf("got %v, want a *NonFiniteError at the initial state", err)
	}
	// A derivative that is NaN everywhere but at t = 0: every trial step
	// fails, however short, so the solve gives up with t and h.
	after := func(t float64, y, dy []float64) {
		if t != 0 {
			dy[0] = math.NaN()
		} else {
			dy[0] = 1
		}
	}
	_, err = SolveFunc(after, []float64{1}, []float64{0, 1}, Options{RTol: 1e-6, ATol: 1e-6})
	if !errors.As(err, &nf) || nf.T != 0 || nf.H == 0 {
		t.Fatalf("got %v, want a *NonFiniteError carrying t and h", err)
	}
	// Fixed steps: y' = y² with a step too long overflows to +Inf in the
	// derivative at the end of the first step.
	sq := func(_ float64, y, dy []float64) { dy[0] = y[0] * y[0] }
	_, err = SolveFunc(sq, []float64{1e150}, []float64{0, 1}, Options{Method: Euler, Steps: 4})
	if !errors.As(err, &nf) || nf.H != 0.25 {
		t.Fatalf("got %v, want a *NonFiniteError with h = 0.25", err)
	}
	// A state that overflows in a trial step is retried shorter and the
	// solve succeeds: y' = −y from a huge but finite value.
	decay := func(_ float64, y, dy []float64) { dy[0] = -y[0] }
	sol, err := SolveFunc(decay, []float64{1e300}, []float64{0, 1}, Options{RTol: 1e-6, ATol: 1e-6, FirstStep: 1e5})
	if err != nil {
		t.Fatalf("a shrinkable overflow failed: %v", err)
	}
	if d := math.Abs(sol.Y[1][0]/(1e300*math.Exp(-1)) - 1); d > 1e-5 || sol.Stats.Rejected == 0 {
		t.Errorf("relative error %.3g with %d rejections", d, sol.Stats.Rejected)
	}
}

func TestWrongDerivativeShape(t *testing.T) {
	bad := Func(func(_ *autograd.Graph, _ float64, y *autograd.Value) *autograd.Value {
		return autograd.Constant(tensor.Zeros(y.DType(), 3))
	})
	_, err := Solve(bad, tensor.Zeros(tensor.Float64, 2), []float64{0, 1}, DefaultOptions())
	if err == nil || !strings.Contains(err.Error(), "[3]") || !strings.Contains(err.Error(), "[2]") {
		t.Fatalf("got %v, want an error naming both shapes", err)
	}
	wrongType := Func(func(_ *autograd.Graph, _ float64, y *autograd.Value) *autograd.Value {
		return autograd.Constant(tensor.Zeros(tensor.Float32, 2))
	})
	if _, err := Solve(wrongType, tensor.Zeros(tensor.Float64, 2), []float64{0, 1}, DefaultOptions()); err == nil {
		t.Fatal("a float32 derivative for a float64 state was accepted")
	}
}

// TestSingleTime returns y0 for a single output time without evaluating f.
func TestSingleTime(t *testing.T) {
	var cf countingFunc
	sol, err := SolveFunc(cf.f, []float64{3}, []float64{7}, DefaultOptions())
	if err != nil || len(sol.Y) != 1 || sol.Y[0][0] != 3 || cf.n != 0 {
		t.Fatalf("got %+v, %v after %d evaluations", sol, err, cf.n)
	}
}

// TestFixedStepGrid checks the fixed-step grid: Steps equal steps, StepSize
// steps with a shortened last one, and outputs that fall on step ends
// returned exactly.
func TestFixedStepGrid(t *testing.T) {
	var cf countingFunc
	sol, err := SolveFunc(cf.f, []float64{1}, []float64{0, 1}, Options{Method: Euler, Steps: 4})
	if err != nil {
		t.Fatal(err)
	}
	if want := math.Pow(1.25, 4); sol.Y[1][0] != want || sol.Stats.Accepted != 4 || cf.n != 4 {
		t.Errorf("Euler, 4 steps: y = %v (want %v), %d steps, %d evaluations", sol.Y[1][0], want, sol.Stats.Accepted, cf.n)
	}
	// StepSize 0.3 on [0, 1]: steps 0.3, 0.3, 0.3, 0.1.
	sol, err = SolveFunc(cf.f, []float64{1}, []float64{0, 1}, Options{Method: Euler, StepSize: 0.3})
	if err != nil {
		t.Fatal(err)
	}
	if want := 1.3 * 1.3 * 1.3 * (1 + (1 - 3*0.3)); math.Abs(sol.Y[1][0]-want) > 1e-15 || sol.Stats.Accepted != 4 {
		t.Errorf("Euler, h = 0.3: y = %v (want %v), %d steps", sol.Y[1][0], want, sol.Stats.Accepted)
	}
}

// TestPartialSolution checks that a solve failing on the way returns the
// outputs it reached with the error: dy/dt = y² from y(0) = 1 blows up at
// t = 1.
func TestPartialSolution(t *testing.T) {
	f := func(_ float64, y, dy []float64) { dy[0] = y[0] * y[0] }
	times := []float64{0, 0.5, 0.9, 2}
	sol, err := SolveFunc(f, []float64{1}, times, Options{Method: Dopri5, RTol: 1e-8, ATol: 1e-8})
	if err == nil {
		t.Fatal("no error through a blow-up")
	}
	if sol == nil || len(sol.Y) != 3 || len(sol.Times) != 3 {
		t.Fatalf("partial solution %+v, want the 3 outputs before t = 1", sol)
	}
	for i, ti := range sol.Times {
		if want := 1 / (1 - ti); math.Abs(sol.Y[i][0]-want) > 1e-6*want {
			t.Errorf("y(%g) = %g, want %g", ti, sol.Y[i][0], want)
		}
	}
	ts, err := Solve(TensorFunc(func(_ float64, y *tensor.Tensor) *tensor.Tensor { return tensor.Mul(y, y) }), tensor.Ones(tensor.Float64, 1), times, Options{Method: Dopri5, RTol: 1e-8, ATol: 1e-8})
	if err == nil || ts == nil || len(ts.Y) != 3 {
		t.Errorf("tensor solve: %v, %v outputs", err, ts)
	}
	if s, err := SolveFunc(f, []float64{1}, []float64{0, 1}, Options{RTol: -1}); s != nil || err == nil {
		t.Error("an option error returned a solution")
	}
}
