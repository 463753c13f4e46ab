package nn_test

import (
	"errors"
	"math"
	"reflect"
	"runtime"
	"testing"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/nn"
	"github.com/acaode/aca/ode"
	"github.com/acaode/aca/optim"
	"github.com/acaode/aca/tensor"
)

// rotation returns a block whose dynamics are dz/dt = z·Wᵀ with W = [[0, 1],
// [−1, 0]] (a Linear layer without bias): dz0/dt = z1, dz1/dt = −z0, so
// z(t) is z(0) turned by t radians, z0(t) = z0 cos t + z1 sin t and
// z1(t) = z1 cos t − z0 sin t.
func rotation(t *testing.T, opts ode.Options) *nn.ODEBlock {
	t.Helper()
	lin := nn.Must(nn.NewLinear(tensor.NewRNG(1), tensor.Float64, 2, 2, false))
	lin.Weight = autograd.Leaf(tensor.FromFloat64([]float64{0, 1, -1, 0}, 2, 2))
	b, err := nn.NewODEBlock(lin, opts)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// turned returns the rows of x (n×2) turned by angle radians, as rotation's
// dynamics do over a time angle.
func turned(x []float64, angle float64) []float64 {
	c, s := math.Cos(angle), math.Sin(angle)
	out := make([]float64, len(x))
	for i := 0; i < len(x); i += 2 {
		out[i] = x[i]*c + x[i+1]*s
		out[i+1] = x[i+1]*c - x[i]*s
	}
	return out
}

// maxAbsDiff returns max |a_i − b_i|.
func maxAbsDiff(a, b []float64) float64 {
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(a[i]-b[i]))
	}
	return d
}

// TestODEBlockDefaults checks what NewODEBlock fills in: with no method and
// no tolerance, ode.DefaultOptions (Dopri5, rtol 1e-7, atol 1e-9) with the
// caller's Gradient, over [0, 1]; options that set a method or a tolerance
// are kept as given; nil dynamics are an error. The default block's output
// on linear dynamics is checked against the exact solution, and moving T1
// moves the answer as the exact solution says.
func TestODEBlockDefaults(t *testing.T) {
	for _, gr := range []ode.Gradient{ode.ACA, ode.Naive, ode.Adjoint} {
		b := rotation(t, ode.Options{Gradient: gr})
		want := ode.DefaultOptions()
		want.Gradient = gr
		if !reflect.DeepEqual(b.Options, want) {
			t.Errorf("%v: options %+v, want %+v", gr, b.Options, want)
		}
		if b.T0 != 0 || b.T1 != 1 {
			t.Errorf("%v: interval [%g, %g], want [0, 1]", gr, b.T0, b.T1)
		}
	}
	// The defaults fill the method and tolerances only: ACA's budget and
	// pipeline choice stay.
	kb := rotation(t, ode.Options{ACAMemory: ode.ACAMemoryAll, ACAPipeline: ode.PipelineOff})
	kwant := ode.DefaultOptions()
	kwant.ACAMemory, kwant.ACAPipeline = ode.ACAMemoryAll, ode.PipelineOff
	if !reflect.DeepEqual(kb.Options, kwant) {
		t.Errorf("options %+v, want %+v", kb.Options, kwant)
	}
	for _, o := range []ode.Options{
		{Method: ode.RK4, Steps: 8},
		{RTol: 1e-3},
		{ATol: 1e-4, Gradient: ode.Naive},
		{Method: ode.BogackiShampine, RTol: 1e-5, ATol: 1e-6, Gradient: ode.Adjoint},
		{StepSize: 0.1},
	} {
		if b := rotation(t, o); !reflect.DeepEqual(b.Options, o) {
			t.Errorf("options %+v became %+v", o, b.Options)
		}
	}
	if _, err := nn.NewODEBlock(nil, ode.Options{}); err == nil {
		t.Error("NewODEBlock(nil) did not fail")
	}
	if b := (&nn.ODEBlock{}); nn.Try(func() { b.Forward(nil, autograd.Constant(tensor.Zeros(tensor.Float64, 1, 2))) }) == nil {
		t.Error("a block without dynamics did not fail")
	}

	x0 := []float64{1, 0, 0.3, -2, -0.5, 0.25}
	x := autograd.Constant(tensor.FromFloat64(x0, 3, 2))
	b := rotation(t, ode.Options{})
	if p := nn.NamedParams(b); len(p) != 1 || p[0].Name != "f.weight" {
		t.Errorf("parameters %v, want f.weight only", p)
	}
	got := b.Forward(nil, x).Data().Values()
	// Default tolerances rtol 1e-7, atol 1e-9: the global error of a
	// one-radian turn stays within 10·rtol.
	if d := maxAbsDiff(got, turned(x0, 1)); d > 1e-6 {
		t.Errorf("default block: max error %.3g against the exact turn", d)
	}
	b.T0, b.T1 = 0.5, 3
	got = b.Forward(nil, x).Data().Values()
	if d := maxAbsDiff(got, turned(x0, 2.5)); d > 1e-6 {
		t.Errorf("block over [0.5, 3]: max error %.3g against the exact turn by 2.5", d)
	}
}

// TestODEBlockSolverChange trains a block for a few steps, then changes its
// solver and tolerances as the paper's Table 2 does and checks that the
// weights stay untouched (to the bit, gradients too) while the outputs
// follow the solver: fixed-step RK4 converges to a tight adaptive solve at
// fourth order and Euler at first order (the error falls 16× and 2× when
// the steps double), adaptive Dopri5's error shrinks with its tolerance,
// and fixed-step solves spend exactly their stages' evaluations.
func TestODEBlockSolverChange(t *testing.T) {
	rng := tensor.NewRNG(3)
	dt := tensor.Float64
	f := nn.NewSequential(nn.Must(nn.NewLinear(rng, dt, 2, 16, true)), nn.Tanh{}, nn.Must(nn.NewLinear(rng, dt, 16, 2, true)))
	b := nn.Must(nn.NewODEBlock(f, ode.Options{Method: ode.BogackiShampine, RTol: 1e-4, ATol: 1e-6}))
	x := autograd.Constant(tensor.RandN(rng, dt, 0, 1, 8, 2))
	target := autograd.Constant(tensor.RandN(rng, dt, 0, 1, 8, 2))
	opt := nn.Must(optim.NewSGD(nn.Params(b), optim.SGDConfig{LR: 0.5}))
	var losses []float64
	for range 5 {
		g := autograd.NewGraph()
		loss := nn.MSE(g, b.Forward(g, x), target)
		losses = append(losses, loss.Item())
		opt.ZeroGrad()
		if err := loss.Backward(); err != nil {
			t.Fatal(err)
		}
		opt.Step()
	}
	if !(losses[4] < losses[0]) {
		t.Fatalf("training did not lower the loss: %v", losses)
	}

	params := nn.Params(b)
	snapshot := func() [][]uint64 {
		var s [][]uint64
		for _, p := range params {
			var bits []uint64
			for _, v := range p.Data().Values() {
				bits = append(bits, math.Float64bits(v))
			}
			for _, v := range p.Grad().Values() {
				bits = append(bits, math.Float64bits(v))
			}
			s = append(s, bits)
		}
		return s
	}
	before := snapshot()
	solve := func(o ode.Options) []float64 {
		t.Helper()
		b.Options = o
		out, err := b.Solve(nil, x)
		if err != nil {
			t.Fatalf("%+v: %v", o, err)
		}
		return out.Data().Values()
	}

	ref := solve(ode.Options{Method: ode.Dopri5, RTol: 1e-12, ATol: 1e-12})
	conv := func(m *ode.Tableau, order, stages int) {
		t.Helper()
		var errs []float64
		for _, n := range []int{4, 8, 16, 32} {
			y := solve(ode.Options{Method: m, Steps: n})
			errs = append(errs, maxAbsDiff(y, ref))
			if nfe := b.LastStats().Forward.NFE; nfe != stages*n {
				t.Errorf("%s with %d steps: %d evaluations, want %d", m.Name, n, nfe, stages*n)
			}
		}
		ideal := math.Pow(2, float64(order))
		for i := 1; i < len(errs); i++ {
			if r := errs[i-1] / errs[i]; r < ideal/2 || r > ideal*2 {
				t.Errorf("%s: error %.3g → %.3g when the steps double (ratio %.3g, order %d wants %g): %v",
					m.Name, errs[i-1], errs[i], r, order, ideal, errs)
			}
		}
		t.Logf("%s errors at 4, 8, 16, 32 steps: %.3g", m.Name, errs)
	}
	conv(ode.RK4, 4, 4)
	conv(ode.Euler, 1, 1)

	prev := math.Inf(1)
	for _, tol := range []float64{1e-3, 1e-6, 1e-9} {
		e := maxAbsDiff(solve(ode.Options{Method: ode.Dopri5, RTol: tol, ATol: tol}), ref)
		// Local error control bounds the global error only loosely: measured
		// 24, 0.33 and 0.43 times the tolerance.
		if e >= prev || e > 100*tol {
			t.Errorf("dopri5 at tolerance %g: error %.3g (previous tolerance's %.3g)", tol, e, prev)
		}
		t.Logf("dopri5 at %g: error %.3g", tol, e)
		prev = e
	}

	after := snapshot()
	for i := range before {
		for j := range before[i] {
			if before[i][j] != after[i][j] {
				t.Fatalf("parameter %d (or its gradient) changed at element %d after changing the solver", i, j)
			}
		}
	}
}

// TestTry holds Try to its doc: it returns nil when fn returns, the
// *SolveError of an ODE block failing inside fn (unwrapping to the
// solver's typed error), and lets any other panic through with its value
// unchanged, a plain error or a runtime error included.
func TestTry(t *testing.T) {
	if err := nn.Try(func() {}); err != nil {
		t.Errorf("Try of a function that returns: %v", err)
	}

	b := rotation(t, ode.Options{Method: ode.Dopri5, RTol: -1})
	x := autograd.Constant(tensor.FromFloat64([]float64{1, 0}, 1, 2))
	err := nn.Try(func() { b.Forward(nil, x) })
	var se *nn.SolveError
	var oe *ode.OptionError
	if !errors.As(err, &se) || !errors.As(err, &oe) || oe.Field != "rtol" {
		t.Errorf("Try of a failing block: %v (%T), want a *SolveError wrapping the rtol OptionError", err, err)
	}

	foreign := []any{
		"not a solve error",
		errors.New("a plain error"),
		nn.SolveError{Err: errors.New("a SolveError value, not a pointer")},
	}
	for _, p := range foreign {
		got := func() (r any) {
			defer func() { r = recover() }()
			_ = nn.Try(func() { panic(p) })
			return nil
		}()
		if got != p {
			t.Errorf("Try let %#v through as %#v", p, got)
		}
	}
	got := func() (r any) {
		defer func() { r = recover() }()
		var m map[string]int
		_ = nn.Try(func() { m["x"] = 1 })
		return nil
	}()
	if _, ok := got.(runtime.Error); !ok {
		t.Errorf("Try let a runtime error through as %#v", got)
	}
}

// TestODEBlockString checks the block's description for adaptive and
// fixed-step options and the defaults it shows.
func TestODEBlockString(t *testing.T) {
	for _, c := range []struct {
		opts ode.Options
		want string
	}{
		{ode.Options{}, "ODEBlock(dopri5, rtol 1e-07, atol 1e-09, aca, [0, 1])"},
		{ode.Options{Method: ode.BogackiShampine, RTol: 1e-3, ATol: 1e-5, Gradient: ode.Adjoint}, "ODEBlock(bosh3, rtol 0.001, atol 1e-05, adjoint, [0, 1])"},
		{ode.Options{RTol: 1e-4, Gradient: ode.Naive}, "ODEBlock(dopri5, rtol 0.0001, atol 0, naive, [0, 1])"},
		{ode.Options{Method: ode.RK4, Steps: 8}, "ODEBlock(rk4, 8 steps, aca, [0, 1])"},
		{ode.Options{Method: ode.Euler, StepSize: 0.125, Gradient: ode.Naive}, "ODEBlock(euler, step 0.125, naive, [0, 1])"},
	} {
		b := rotation(t, c.opts)
		if got := b.String(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.opts, got, c.want)
		}
	}
	b := rotation(t, ode.Options{})
	b.T0, b.T1 = 0.5, 2
	if got, want := b.String(), "ODEBlock(dopri5, rtol 1e-07, atol 1e-09, aca, [0.5, 2])"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
}
