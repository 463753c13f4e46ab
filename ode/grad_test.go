package ode

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

// A differentiable problem for the gradient tests: dynamics over declared
// parameters, an initial state and output times.
type gradProblem struct {
	name   string
	params []*tensor.Tensor
	y0     *tensor.Tensor
	// dyn builds the dynamics over the given parameter values.
	dyn   func(ps []*autograd.Value) Dynamics
	times []float64
}

// mlpProblem is a 2-layer tanh MLP on a batch of 4 states of width 3.
func mlpProblem(times []float64) gradProblem {
	return gradProblem{
		name:   "mlp",
		params: []*tensor.Tensor{randT(11, 0.6, 8, 3), randT(12, 0.3, 8), randT(13, 0.6, 3, 8), randT(14, 0.3, 3)},
		y0:     randT(15, 1, 4, 3),
		dyn: func(ps []*autograd.Value) Dynamics {
			return WithParams(Func(func(g *autograd.Graph, _ float64, y *autograd.Value) *autograd.Value {
				return g.Linear(g.Tanh(g.Linear(y, ps[0], ps[1])), ps[2], ps[3])
			}), ps...)
		},
		times: times,
	}
}

// convProblem is a small convolutional dynamics, tanh(conv(z)), on a batch
// of 2 two-channel 5×5 images.
func convProblem(times []float64) gradProblem {
	p := tensor.Conv2dParams{PadH: 1, PadW: 1}
	return gradProblem{
		name:   "conv",
		params: []*tensor.Tensor{randT(21, 0.4, 2, 2, 3, 3), randT(22, 0.2, 2)},
		y0:     randT(23, 1, 2, 2, 5, 5),
		dyn: func(ps []*autograd.Value) Dynamics {
			return WithParams(Func(func(g *autograd.Graph, _ float64, y *autograd.Value) *autograd.Value {
				return g.Tanh(g.Conv2d(y, ps[0], ps[1], p))
			}), ps...)
		},
		times: times,
	}
}

// leaves wraps the problem's tensors as fresh leaves.
func (p gradProblem) leaves() (y0 *autograd.Value, ps []*autograd.Value) {
	ps = make([]*autograd.Value, len(p.params))
	for i, t := range p.params {
		ps[i] = autograd.Leaf(t.Clone())
	}
	return autograd.Leaf(p.y0.Clone()), ps
}

// lossOf is L = Σ_k ⟨w_k, y(t_k)⟩ for k ≥ 1, with fixed random weights w_k.
func lossWeights(p gradProblem) []*tensor.Tensor {
	w := make([]*tensor.Tensor, len(p.times))
	for k := 1; k < len(p.times); k++ {
		w[k] = randT(uint64(100+k), 1, p.y0.Shape()...)
	}
	return w
}

func weightedLoss(g *autograd.Graph, ys []*autograd.Value, w []*tensor.Tensor) *autograd.Value {
	var loss *autograd.Value
	for k := 1; k < len(ys); k++ {
		term := g.SumAll(g.Mul(ys[k], autograd.Constant(w[k])))
		if loss == nil {
			loss = term
		} else {
			loss = g.Add(loss, term)
		}
	}
	return loss
}

// gradsOf solves p with opts, backpropagates the weighted loss and returns
// the gradients [dL/dy0, dL/dθ...] and the solution.
func gradsOf(t *testing.T, p gradProblem, opts Options) ([]*tensor.Tensor, *GraphSolution) {
	t.Helper()
	y0, ps := p.leaves()
	g := autograd.NewGraph()
	sol, err := SolveGraph(g, p.dyn(ps), y0, p.times, opts)
	if err != nil {
		t.Fatalf("%s %s: %v", p.name, opts.Gradient, err)
	}
	if err := weightedLoss(g, sol.Y, lossWeights(p)).Backward(); err != nil {
		t.Fatalf("%s %s backward: %v", p.name, opts.Gradient, err)
	}
	out := []*tensor.Tensor{y0.Grad()}
	for _, q := range ps {
		out = append(out, q.Grad())
	}
	return out, sol
}

// schedule records the accepted step sizes of an unrecorded solve.
func schedule(t *testing.T, p gradProblem, opts Options) []float64 {
	t.Helper()
	_, ps := p.leaves()
	var hs []float64
	o, dir, err := prepare(p.y0, p.times, opts)
	if err != nil {
		t.Fatal(err)
	}
	hk := &hooks[*tensor.Tensor, float64]{accepted: func(s *stepRec[*tensor.Tensor, float64]) { hs = append(hs, s.h) }}
	if _, _, err := run[*tensor.Tensor, float64](unrecordedBackend(p.dyn(ps), p.y0), &o, p.y0, p.times, dir, hk); err != nil {
		t.Fatal(err)
	}
	return hs
}

// solveFrozen records on g (if not nil) the solve that takes the step
// sizes hs.
func solveFrozen(g *autograd.Graph, f Dynamics, y0 *autograd.Value, times []float64, opts Options, hs []float64) ([]*autograd.Value, error) {
	o, dir, err := prepare(y0.Data(), times, opts)
	if err != nil {
		return nil, err
	}
	ys, _, err := runWith(&graphBackend{g: g, f: f}, &o, y0, times, dir, nil, &frozenSteps[*autograd.Value, *autograd.Value]{hs: hs}, nil)
	return ys, err
}

// frozenGrads backpropagates through one recorded solve that takes the
// given step sizes (the forward pass with its step sizes frozen): the
// reference ACA must equal.
func frozenGrads(t *testing.T, p gradProblem, opts Options, hs []float64) []*tensor.Tensor {
	t.Helper()
	y0, ps := p.leaves()
	g := autograd.NewGraph()
	ys, err := solveFrozen(g, p.dyn(ps), y0, p.times, opts, hs)
	if err != nil {
		t.Fatal(err)
	}
	if err := weightedLoss(g, ys, lossWeights(p)).Backward(); err != nil {
		t.Fatal(err)
	}
	out := []*tensor.Tensor{y0.Grad()}
	for _, q := range ps {
		out = append(out, q.Grad())
	}
	return out
}

// frozenLoss evaluates the weighted loss of the frozen-step discrete map at
// the given inputs, unrecorded.
func frozenLoss(t *testing.T, p gradProblem, opts Options, hs []float64, y0 *tensor.Tensor, params []*tensor.Tensor) float64 {
	ps := make([]*autograd.Value, len(params))
	for i, q := range params {
		ps[i] = autograd.Constant(q)
	}
	ys, err := solveFrozen(nil, p.dyn(ps), autograd.Constant(y0), p.times, opts, hs)
	if err != nil {
		t.Fatal(err)
	}
	return weightedLoss(nil, ys, lossWeights(p)).Item()
}

// relErr is ‖a − b‖₂ / max(‖a‖₂, ‖b‖₂, tiny).
func relErr(a, b *tensor.Tensor) float64 {
	av, bv := a.Values(), b.Values()
	var d, na, nb float64
	for i := range av {
		d += (av[i] - bv[i]) * (av[i] - bv[i])
		na += av[i] * av[i]
		nb += bv[i] * bv[i]
	}
	return math.Sqrt(d) / math.Max(math.Sqrt(math.Max(na, nb)), 1e-300)
}

func worstRelErr(a, b []*tensor.Tensor) float64 {
	var w float64
	for i := range a {
		w = math.Max(w, relErr(a[i], b[i]))
	}
	return w
}

// TestACAExactForDiscreteSolve is the first criterion and the
// README's claim: in float64, ACA's gradients equal backpropagation through
// the accepted steps only (the forward pass with its step sizes frozen) to
// rounding, within 1e-14 (measured at most 1.8e-15), and central finite
// differences of that discrete map within 1e-8 (measured at most 3.2e-9,
// the differences' own error), on an MLP dynamics with a batch and on a
// conv dynamics, for several methods and with output times inside steps.
func TestACAExactForDiscreteSolve(t *testing.T) {
	for _, p := range []gradProblem{
		mlpProblem([]float64{0, 0.3, 1.1, 2}),
		mlpProblem([]float64{2, 1.1, 0}), // backward in time
		convProblem([]float64{0, 0.5, 1}),
	} {
		for _, opts := range []Options{
			{Method: Dopri5, RTol: 1e-5, ATol: 1e-6},
			{Method: Tsit5, RTol: 1e-4, ATol: 1e-5},
			{Method: BogackiShampine, RTol: 1e-4, ATol: 1e-4},
			{Method: HeunEuler, RTol: 1e-3, ATol: 1e-3},
			{Method: RK4, Steps: 7},
			{Method: eulerSubsteps(13), RTol: 1e-3, ATol: 1e-3},
		} {
			opts.Gradient = ACA
			got, sol := gradsOf(t, p, opts)
			hs := schedule(t, p, opts)
			if len(hs) != sol.Stats.Forward.Accepted {
				t.Fatalf("%d scheduled steps, %d accepted", len(hs), sol.Stats.Forward.Accepted)
			}
			ref := frozenGrads(t, p, opts, hs)
			e := worstRelErr(got, ref)
			// Finite differences of the discrete map, every input element.
			var fdWorst float64
			inputs := append([]*tensor.Tensor{p.y0}, p.params...)
			for i, x := range inputs {
				fd := tensor.ZerosLike(x)
				xv := x.Float64s()
				for j := range xv {
					eps := 1e-6 * math.Max(1, math.Abs(xv[j]))
					perturbed := func(d float64) float64 {
						ins := append([]*tensor.Tensor(nil), inputs...)
						c := x.Clone()
						c.Float64s()[j] += d
						ins[i] = c
						return frozenLoss(t, p, opts, hs, ins[0], ins[1:])
					}
					fd.Float64s()[j] = (perturbed(eps) - perturbed(-eps)) / (2 * eps)
				}
				fdWorst = math.Max(fdWorst, relErr(got[i], fd))
			}
			t.Logf("%s %s: %d steps (%d rejected), vs frozen backprop %.2g, vs finite differences %.2g", p.name, opts.Method.Name, sol.Stats.Forward.Accepted, sol.Stats.Forward.Rejected, e, fdWorst)
			if e > 1e-14 {
				t.Errorf("%s %s: ACA differs from backprop through the frozen steps by %.3g (want ≤ 1e-14)", p.name, opts.Method.Name, e)
			}
			if fdWorst > 1e-8 {
				t.Errorf("%s %s: ACA differs from finite differences of the discrete map by %.3g (want ≤ 1e-8)", p.name, opts.Method.Name, fdWorst)
			}
		}
	}
}

// eulerSubsteps is a user's tableau with more stages than any built in:
// n forward Euler substeps of h/n, the error estimated against one Euler
// step of h, with linear dense output.
func eulerSubsteps(n int) *Tableau {
	tb := &Tableau{Name: fmt.Sprintf("euler%d", n), Order: 1}
	for i := range n {
		tb.C = append(tb.C, float64(i)/float64(n))
		a := make([]float64, i)
		for j := range a {
			a[j] = 1 / float64(n)
		}
		tb.A = append(tb.A, a)
		tb.B = append(tb.B, 1/float64(n))
		tb.BErr = append(tb.BErr, 1/float64(n))
		tb.Dense = append(tb.Dense, []float64{1 / float64(n)})
	}
	tb.BErr[0] -= 1
	return tb
}

// toy is the paper's section 4.1 problem: dz/dt = kz with k a parameter.
func toyDynamics(k *autograd.Value) Dynamics {
	return WithParams(Func(func(g *autograd.Graph, _ float64, z *autograd.Value) *autograd.Value {
		return g.Mul(z, k)
	}), k)
}

// toyGrads returns dL/dz0 and dL/dk for L = z(T)² under a method.
func toyGrads(t *testing.T, m Gradient, k, z0, T float64, opts Options) (gz, gk float64, st *GradStats) {
	t.Helper()
	kv := autograd.Leaf(tensor.FromFloat64([]float64{k}, 1))
	zv := autograd.Leaf(tensor.FromFloat64([]float64{z0}, 1))
	opts.Gradient = m
	g := autograd.NewGraph()
	sol, err := SolveGraph(g, toyDynamics(kv), zv, []float64{0, T}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.SumAll(g.Square(sol.Y[1])).Backward(); err != nil {
		t.Fatal(err)
	}
	return zv.Grad().Item(), kv.Grad().Item(), &sol.Stats
}

// TestToyProblem is section 4.1: Dopri5 at 1e-5, z0 = 1, T = 1…10. For
// k = +1 all three methods are within 1e-3 of the exact gradients at every
// T; for k = −1 at T = 10 the adjoint's error in dL/dz0 is at least 10×
// ACA's.
func TestToyProblem(t *testing.T) {
	opts := Options{Method: Dopri5, RTol: 1e-5, ATol: 1e-5}
	for _, k := range []float64{1, -1} {
		for T := 1.0; T <= 10; T++ {
			wantZ := 2 * math.Exp(2*k*T)     // 2 z0 e^{2kT}
			wantK := 2 * T * math.Exp(2*k*T) // 2 z0² T e^{2kT}
			errs := map[Gradient]float64{}
			for _, m := range []Gradient{Naive, Adjoint, ACA} {
				gz, gk, st := toyGrads(t, m, k, 1, T, opts)
				ez := math.Abs(gz-wantZ) / wantZ
				ek := math.Abs(gk-wantK) / wantK
				errs[m] = ez
				if T == 10 {
					t.Logf("k = %+g, T = %g, %-7s: rel. error dL/dz0 %.3g, dL/dk %.3g (NFE %d fwd, %d bwd)", k, T, m, ez, ek, st.Forward.NFE, st.Backward.NFE)
				}
				if k > 0 && (ez > 1e-3 || ek > 1e-3) {
					t.Errorf("k = +1, T = %g, %s: relative errors %.3g (z0), %.3g (k); want ≤ 1e-3", T, m, ez, ek)
				}
			}
			if k < 0 && T == 10 && errs[Adjoint] < 10*errs[ACA] {
				t.Errorf("k = −1, T = 10: adjoint error %.3g is not ≥ 10× ACA's %.3g", errs[Adjoint], errs[ACA])
			}
		}
	}
}

// TestMethodsAgree checks that at rtol = atol = 1e-9 the three methods'
// gradients agree within 1e-5 on the MLP dynamics.
func TestMethodsAgree(t *testing.T) {
	p := mlpProblem([]float64{0, 0.4, 1.5})
	opts := Options{Method: Dopri5, RTol: 1e-9, ATol: 1e-9}
	var ref []*tensor.Tensor
	for _, m := range []Gradient{ACA, Naive, Adjoint} {
		opts.Gradient = m
		got, sol := gradsOf(t, p, opts)
		if ref == nil {
			ref = got
			continue
		}
		e := worstRelErr(got, ref)
		t.Logf("%s vs ACA: %.3g (NFE fwd %d, bwd %d)", m, e, sol.Stats.Forward.NFE, sol.Stats.Backward.NFE)
		if e > 1e-5 {
			t.Errorf("%s differs from ACA by %.3g, want ≤ 1e-5", m, e)
		}
	}
}

// TestMultipleOutputTimes checks a loss on 10 output times: ACA equals
// backprop through the frozen steps within 1e-8.
func TestMultipleOutputTimes(t *testing.T) {
	times := make([]float64, 11)
	for i := range times {
		times[i] = 0.17 * float64(i)
	}
	p := mlpProblem(times)
	opts := Options{Method: Dopri5, RTol: 1e-6, ATol: 1e-6, Gradient: ACA}
	got, sol := gradsOf(t, p, opts)
	ref := frozenGrads(t, p, opts, schedule(t, p, opts))
	e := worstRelErr(got, ref)
	t.Logf("10 outputs over %d steps: %.3g", sol.Stats.Forward.Accepted, e)
	if e > 1e-8 {
		t.Errorf("ACA differs from frozen-step backprop by %.3g, want ≤ 1e-8", e)
	}
}

// TestDuplicateParams checks that a parameter declared twice gets its
// gradient once.
func TestDuplicateParams(t *testing.T) {
	p := mlpProblem([]float64{0, 1})
	want, _ := gradsOf(t, p, Options{Method: Dopri5, RTol: 1e-6, ATol: 1e-6})
	twice := p
	twice.dyn = func(ps []*autograd.Value) Dynamics {
		d := p.dyn(ps).(paramDynamics)
		return WithParams(d.Dynamics, append(ps, ps[0], ps[2])...)
	}
	got, _ := gradsOf(t, twice, Options{Method: Dopri5, RTol: 1e-6, ATol: 1e-6})
	if e := worstRelErr(got, want); e != 0 {
		t.Errorf("declaring parameters twice changed the gradients by %.3g", e)
	}
}

// TestBackwardDirect checks GraphSolution.Backward against the graph's
// backward pass, and that a second backward pass is ErrConsumed.
func TestBackwardDirect(t *testing.T) {
	p := mlpProblem([]float64{0, 0.5, 1})
	for _, m := range []Gradient{ACA, Adjoint} {
		opts := Options{Method: Dopri5, RTol: 1e-6, ATol: 1e-6, Gradient: m}
		want, _ := gradsOf(t, p, opts)
		y0, ps := p.leaves()
		sol, err := SolveGraph(autograd.NewGraph(), p.dyn(ps), y0, p.times, opts)
		if err != nil {
			t.Fatal(err)
		}
		w := lossWeights(p)
		res, err := sol.Backward(w)
		if err != nil {
			t.Fatal(err)
		}
		got := append([]*tensor.Tensor{res.Y0}, res.Params...)
		if e := worstRelErr(got, want); e > 1e-14 {
			t.Errorf("%s: direct backward differs from the graph's by %.3g", m, e)
		}
		if _, err := sol.Backward(w); !errors.Is(err, ErrConsumed) {
			t.Errorf("%s: second Backward: %v, want ErrConsumed", m, err)
		}
	}
}

// TestBadUse checks that misuse is an error, not a wrong number.
func TestBadUse(t *testing.T) {
	p := mlpProblem([]float64{0, 1})
	opts := Options{Method: Dopri5, RTol: 1e-6, ATol: 1e-6}

	t.Run("consumed checkpoints", func(t *testing.T) {
		for _, m := range []Gradient{ACA, Adjoint} {
			o := opts
			o.Gradient = m
			y0, ps := p.leaves()
			g := autograd.NewGraph()
			sol, err := SolveGraph(g, p.dyn(ps), y0, p.times, o)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := sol.Backward([]*tensor.Tensor{nil, tensor.Ones(tensor.Float64, p.y0.Shape()...)}); err != nil {
				t.Fatal(err)
			}
			err = g.SumAll(sol.Y[1]).Backward()
			if !errors.Is(err, ErrConsumed) {
				t.Errorf("%s: backward through a consumed solve: %v, want ErrConsumed", m, err)
			}
			if y0.Grad() != nil {
				t.Errorf("%s: a failed backward left a gradient on y0", m)
			}
		}
	})

	t.Run("non-finite lambda", func(t *testing.T) {
		// dz/dt = −√(z²) from z = (0, 1): the first component stays 0, where
		// the derivative of √ is infinite, so λ becomes NaN inside a step
		// while the forward pass is finite.
		f := Func(func(g *autograd.Graph, _ float64, y *autograd.Value) *autograd.Value {
			return g.Neg(g.Sqrt(g.Mul(y, y)))
		})
		y0 := tensor.FromFloat64([]float64{0, 1}, 2)
		for _, m := range []Gradient{ACA, Adjoint} {
			o := opts
			o.Gradient = m
			g := autograd.NewGraph()
			sol, err := SolveGraph(g, f, autograd.Leaf(y0.Clone()), []float64{0, 1}, o)
			if err != nil {
				t.Fatal(err)
			}
			err = g.SumAll(sol.Y[1]).Backward()
			var be *BackwardError
			if !errors.As(err, &be) || !strings.Contains(err.Error(), "non-finite") || be.Step < 0 {
				t.Errorf("%s: %v, want a BackwardError about a non-finite λ at a step", m, err)
				continue
			}
			t.Logf("%s: %v", m, err)
		}
		// A non-finite gradient of the loss itself is named as such.
		for _, m := range []Gradient{ACA, Adjoint} {
			o := opts
			o.Gradient = m
			y0, ps := p.leaves()
			sol, err := SolveGraph(autograd.NewGraph(), p.dyn(ps), y0, p.times, o)
			if err != nil {
				t.Fatal(err)
			}
			seed := tensor.Ones(tensor.Float64, p.y0.Shape()...)
			seed.Float64s()[3] = math.Inf(1)
			_, err = sol.Backward([]*tensor.Tensor{nil, seed})
			if err == nil || !strings.Contains(err.Error(), "output 1 is not finite") {
				t.Errorf("%s: %v, want an error naming output 1", m, err)
			}
		}
	})

	t.Run("shape-changing dynamics", func(t *testing.T) {
		f := Func(func(g *autograd.Graph, _ float64, y *autograd.Value) *autograd.Value {
			return g.SumAll(y)
		})
		for _, m := range []Gradient{ACA, Adjoint, Naive} {
			o := opts
			o.Gradient = m
			_, err := SolveGraph(autograd.NewGraph(), f, autograd.Leaf(p.y0.Clone()), p.times, o)
			if err == nil || !strings.Contains(err.Error(), "derivative") {
				t.Errorf("%s: %v, want an error about the derivative's shape", m, err)
			}
		}
	})

	t.Run("undeclared parameter", func(t *testing.T) {
		y0, ps := p.leaves()
		d := p.dyn(ps).(paramDynamics)
		hidden := WithParams(d.Dynamics, ps[:3]...) // ps[3] is used but not declared
		for _, m := range []Gradient{ACA, Adjoint} {
			o := opts
			o.Gradient = m
			g := autograd.NewGraph()
			sol, err := SolveGraph(g, hidden, y0, p.times, o)
			if err != nil {
				t.Fatal(err)
			}
			err = g.SumAll(sol.Y[1]).Backward()
			if err == nil || !strings.Contains(err.Error(), "do not declare") {
				t.Errorf("%s: %v, want an error about an undeclared leaf", m, err)
			}
		}
	})

	t.Run("non-deterministic dynamics", func(t *testing.T) {
		calls := 0
		_, ps := p.leaves()
		inner := p.dyn(ps)
		f := WithParams(Func(func(g *autograd.Graph, tt float64, y *autograd.Value) *autograd.Value {
			calls++
			return g.Scale(inner.Eval(g, tt, y), 1+1e-3*float64(calls%3))
		}), ps...)
		g := autograd.NewGraph()
		sol, err := SolveGraph(g, f, autograd.Leaf(p.y0.Clone()), p.times, Options{Method: Dopri5, RTol: 1e-6, ATol: 1e-6})
		if err != nil {
			t.Fatal(err)
		}
		err = g.SumAll(sol.Y[1]).Backward()
		var be *BackwardError
		if !errors.As(err, &be) || !strings.Contains(err.Error(), "reproduce") {
			t.Errorf("%v, want a BackwardError about reproducing the forward pass", err)
		}
	})

	t.Run("recorded parameter", func(t *testing.T) {
		g := autograd.NewGraph()
		w := g.Scale(autograd.Leaf(tensor.Ones(tensor.Float64, 1)), 2)
		f := WithParams(Func(func(g *autograd.Graph, _ float64, y *autograd.Value) *autograd.Value { return g.Mul(y, w) }), w)
		_, err := SolveGraph(g, f, autograd.Leaf(tensor.Ones(tensor.Float64, 1)), []float64{0, 1}, opts)
		var oe *OptionError
		if !errors.As(err, &oe) || oe.Field != "params" {
			t.Errorf("%v, want an OptionError on params", err)
		}
	})

	t.Run("bad gradient method", func(t *testing.T) {
		o := opts
		o.Gradient = Gradient(7)
		_, err := SolveGraph(nil, p.dyn(nil), autograd.Constant(p.y0), p.times, o)
		var oe *OptionError
		if !errors.As(err, &oe) || oe.Field != "gradient" {
			t.Errorf("%v, want an OptionError on gradient", err)
		}
		if _, err := ParseGradient("backprop"); err == nil {
			t.Error("ParseGradient accepted an unknown name")
		}
		for _, m := range []Gradient{ACA, Naive, Adjoint} {
			if got, err := ParseGradient(strings.ToUpper(m.String())); err != nil || got != m {
				t.Errorf("ParseGradient(%q) = %v, %v", m, got, err)
			}
		}
	})
}

// vdpProblem is van der Pol with a trainable μ on a batch of three states,
// a problem whose adaptive solve rejects steps.
func vdpDynamics(mu *autograd.Value) Dynamics {
	return WithParams(Func(func(g *autograd.Graph, _ float64, y *autograd.Value) *autograd.Value {
		x := g.Slice(y, 1, 0, 1)
		v := g.Slice(y, 1, 1, 2)
		dv := g.Sub(g.Mul(g.Mul(mu, g.AddScalar(g.Neg(g.Square(x)), 1)), v), x)
		return g.Concat(1, v, dv)
	}), mu)
}

// TestTable1Measured measures the paper's Table 1 on van der Pol over
// T = 10, 20, 40 (Dopri5, 1e-6): ACA's backward pass evaluates the
// dynamics 6 times per accepted step, plus once for the interpolated
// output; the naive method's graph grows in proportion to the attempted
// steps N + R; ACA's graph stays one step's while its checkpoints double
// with T; the adjoint's graph does not grow with T.
func TestTable1Measured(t *testing.T) {
	type row struct {
		n, r int
		st   GradStats
	}
	rows := map[Gradient][]row{}
	for _, T := range []float64{10, 20, 40} {
		for _, m := range []Gradient{Naive, ACA, Adjoint} {
			mu := autograd.Leaf(tensor.FromFloat64([]float64{1}, 1))
			y0 := autograd.Leaf(tensor.FromFloat64([]float64{2, 0, 1, 1, -1, 0.5}, 3, 2))
			g := autograd.NewGraph()
			sol, err := SolveGraph(g, vdpDynamics(mu), y0, []float64{0, T}, Options{Method: Dopri5, RTol: 1e-6, ATol: 1e-6, Gradient: m})
			if err != nil {
				t.Fatal(err)
			}
			if err := g.SumAll(sol.Y[1]).Backward(); err != nil {
				t.Fatal(err)
			}
			s := sol.Stats
			if !s.Backprop {
				t.Fatalf("%s: stats say the backward pass has not run", m)
			}
			rows[m] = append(rows[m], row{s.Forward.Accepted, s.Forward.Rejected, s})
			t.Logf("T = %2g %-7s: N = %3d, R = %2d, NFE fwd %4d bwd %4d, graph %7d B, checkpoints %6d B", T, m, s.Forward.Accepted, s.Forward.Rejected, s.Forward.NFE, s.Backward.NFE, s.GraphBytes, s.CheckpointBytes)
		}
	}
	for _, r := range rows[ACA] {
		// Dopri5 has 7 stages; the 7th (FSAL) is not needed for y1, so a
		// re-run step costs 6 evaluations. The solve steps past T and
		// interpolates back, which needs f(t1, y1) once more.
		if want := 6*r.n + 1; r.st.Backward.NFE != want {
			t.Errorf("ACA backward NFE %d for N = %d, want 6·N + 1 = %d", r.st.Backward.NFE, r.n, want)
		}
		if r.st.Backward.Accepted != r.n {
			t.Errorf("ACA re-ran %d steps, want %d", r.st.Backward.Accepted, r.n)
		}
		if r.r == 0 {
			t.Error("no rejected steps: the problem does not exercise Table 1's m")
		}
	}
	lo, hi := math.Inf(1), 0.0
	for _, r := range rows[Naive] {
		per := float64(r.st.GraphBytes) / float64(r.n+r.r)
		lo, hi = math.Min(lo, per), math.Max(hi, per)
	}
	if hi > 1.05*lo {
		t.Errorf("naive graph bytes per attempted step range over %.0f…%.0f: not proportional to N + R", lo, hi)
	}
	for i := 1; i < len(rows[ACA]); i++ {
		a, b := rows[ACA][i-1].st, rows[ACA][i].st
		if r := float64(b.CheckpointBytes) / float64(a.CheckpointBytes); r < 1.8 || r > 2.2 {
			t.Errorf("ACA checkpoint bytes grew %.2f× when T doubled, want about 2×", r)
		}
		if r := float64(b.GraphBytes) / float64(a.GraphBytes); r > 1.2 || r < 1/1.2 {
			t.Errorf("ACA graph bytes changed %.2f× when T doubled, want within 20%%", r)
		}
		c, d := rows[Adjoint][i-1].st, rows[Adjoint][i].st
		if d.GraphBytes > c.GraphBytes {
			t.Errorf("adjoint graph bytes grew from %d to %d when T doubled", c.GraphBytes, d.GraphBytes)
		}
		if d.ReconError == 0 {
			t.Error("adjoint reports no reconstruction error")
		}
	}
	// ACA holds far less than the naive graph.
	if n, a := rows[Naive][2].st.PeakBytes(), rows[ACA][2].st.PeakBytes(); a*10 > n {
		t.Errorf("ACA peak %d B is not an order of magnitude below naive's %d B", a, n)
	}
}

// TestACAThreads checks that ACA's backward pass gives the same bits on
// one thread (re-runs and backward passes in turn) and pipelined on two
// (PipelineOn: re-runs on a goroutine of their own, a step ahead), that
// with PipelineOff no backward rule runs during an Eval,
// and that when pipelined a failure or a panic of the dynamics during a
// re-run reaches the caller.
func TestACAThreads(t *testing.T) {
	defer tensor.SetThreads(tensor.Threads())
	times := make([]float64, 6)
	for i := range times {
		times[i] = 0.3 * float64(i)
	}
	p := mlpProblem(times)
	opts := Options{Method: Dopri5, RTol: 1e-7, ATol: 1e-7, Gradient: ACA, ACAPipeline: PipelineOn}
	var res [][]*tensor.Tensor
	for _, n := range []int{1, 2} {
		tensor.SetThreads(n)
		got, sol := gradsOf(t, p, opts)
		if sol.Stats.Forward.Accepted < 4 {
			t.Fatalf("only %d steps: the pipeline is not exercised", sol.Stats.Forward.Accepted)
		}
		res = append(res, got)
	}
	if e := worstRelErr(res[0], res[1]); e != 0 {
		t.Errorf("two threads differ from one by %.3g", e)
	}
	// PipelineOff on two threads: the same bits, and no backward rule runs
	// while the dynamics are being evaluated.
	var inEval, overlaps atomic.Int32
	seq := p
	seq.dyn = func(ps []*autograd.Value) Dynamics {
		inner := p.dyn(ps)
		return WithParams(Func(func(g *autograd.Graph, tt float64, y *autograd.Value) *autograd.Value {
			inEval.Add(1)
			defer inEval.Add(-1)
			out := inner.Eval(g, tt, y)
			return g.Record(autograd.Op{Name: "test.watch", VJP: func(gy *tensor.Tensor, _ []bool) []*tensor.Tensor {
				if inEval.Load() != 0 {
					overlaps.Add(1)
				}
				return []*tensor.Tensor{gy}
			}}, out.Data().Clone(), out)
		}), ps...)
	}
	seqOpts := opts
	seqOpts.ACAPipeline = PipelineOff
	got, _ := gradsOf(t, seq, seqOpts)
	if e := worstRelErr(res[0], got); e != 0 {
		t.Errorf("with PipelineOff the gradients differ from one thread's by %.3g", e)
	}
	if n := overlaps.Load(); n != 0 {
		t.Errorf("with PipelineOff, %d backward rules ran during an Eval", n)
	}

	tensor.SetThreads(2)
	// Dynamics that panic on a call of the backward re-runs: the fourth
	// after the forward pass.
	calls, panicAt := 0, -1
	y0 := tensor.FromFloat64([]float64{1, 0.5}, 2)
	k := autograd.Leaf(tensor.Scalar(tensor.Float64, -0.7))
	f := WithParams(Func(func(g *autograd.Graph, _ float64, y *autograd.Value) *autograd.Value {
		calls++
		if calls == panicAt {
			panic("dynamics failed")
		}
		return g.Mul(y, k)
	}), k)
	// The graph of the re-run that panics must give its bytes back.
	m := &autograd.Meter{}
	g := autograd.NewGraph().SetMeter(m)
	sol, err := SolveGraph(g, f, autograd.Leaf(y0), []float64{0, 3}, Options{Method: Dopri5, RTol: 1e-6, ATol: 1e-6, ACAPipeline: PipelineOn})
	if err != nil {
		t.Fatal(err)
	}
	if sol.Stats.Forward.Accepted < 3 {
		t.Fatalf("only %d steps", sol.Stats.Forward.Accepted)
	}
	panicAt = calls + 4
	func() {
		defer func() {
			if r := recover(); r != "dynamics failed" {
				t.Errorf("recovered %v, want the dynamics' panic", r)
			}
		}()
		_ = g.SumAll(sol.Y[1]).Backward()
	}()
	// The outer graph frees itself on a panic, so nothing may be left.
	if m.Current() != 0 {
		t.Errorf("the meter holds %d bytes after the panic, want 0", m.Current())
	}

	// A slow backward pass (each step's rule sleeps): the re-runs, which
	// are quick, go ahead by one step only, so at most two step graphs are
	// alive.
	slow := WithParams(Func(func(g *autograd.Graph, _ float64, y *autograd.Value) *autograd.Value {
		out := tensor.Mul(y.Data(), tensor.Full(tensor.Float64, k.Data().Item(), y.Shape()...))
		return g.Record(autograd.Op{Name: "test.slow", VJP: func(gy *tensor.Tensor, need []bool) []*tensor.Tensor {
			time.Sleep(200 * time.Microsecond)
			return []*tensor.Tensor{tensor.Mul(gy, tensor.Full(tensor.Float64, k.Data().Item(), gy.Shape()...)), tensor.Scalar(tensor.Float64, tensor.Dot(gy, y.Data()))}
		}}, out, y, k)
	}), k)
	g = autograd.NewGraph()
	m = &autograd.Meter{}
	g.SetMeter(m)
	sol, err = SolveGraph(g, slow, autograd.Leaf(y0), []float64{0, 3}, Options{Method: Dopri5, RTol: 1e-6, ATol: 1e-6, ACAPipeline: PipelineOn})
	if err != nil {
		t.Fatal(err)
	}
	if sol.Stats.Forward.Accepted < 4 {
		t.Fatalf("only %d steps", sol.Stats.Forward.Accepted)
	}
	m.ResetPeak()
	held := m.Current()
	if err := g.SumAll(sol.Y[1]).Backward(); err != nil {
		t.Fatal(err)
	}
	if alive := float64(m.Peak()-held) / float64(sol.Stats.GraphBytes); alive > 2 {
		t.Errorf("the backward pass held %.2f step graphs at its peak, want at most 2", alive)
	} else {
		t.Logf("at most %.2f step graphs alive", alive)
	}

	// A backward rule that panics while re-runs are under way: the panic
	// (or the error the engine makes of it) reaches the caller, and the
	// re-runs' goroutine is gone.
	before := runtime.NumGoroutine()
	boom := WithParams(Func(func(g *autograd.Graph, _ float64, y *autograd.Value) *autograd.Value {
		out := tensor.Mul(y.Data(), tensor.Full(tensor.Float64, k.Data().Item(), y.Shape()...))
		return g.Record(autograd.Op{Name: "test.boom", VJP: func(*tensor.Tensor, []bool) []*tensor.Tensor {
			panic("backward rule failed")
		}}, out, y, k)
	}), k)
	g = autograd.NewGraph()
	sol, err = SolveGraph(g, boom, autograd.Leaf(y0), []float64{0, 3}, Options{Method: Dopri5, RTol: 1e-6, ATol: 1e-6, ACAPipeline: PipelineOn})
	if err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() { recover() }()
		if err := g.SumAll(sol.Y[1]).Backward(); err == nil {
			t.Error("a panicking backward rule gave no error")
		}
	}()
	for i := 0; i < 100 && runtime.NumGoroutine() > before; i++ {
		time.Sleep(time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after the failed backward pass, %d before", n, before)
	}
}

// TestPipelineChoice: PipelineAuto pipelines ACA's re-runs only with two
// or more threads and steps of at least PipelineMinStep; PipelineOn and
// PipelineOff override the step time; other values are option errors.
func TestPipelineChoice(t *testing.T) {
	defer tensor.SetThreads(tensor.Threads())
	for _, c := range []struct {
		threads int
		p       Pipeline
		step    time.Duration
		want    bool
	}{
		{2, PipelineAuto, 2 * PipelineMinStep, true},
		{2, PipelineAuto, PipelineMinStep / 100, false},
		{1, PipelineAuto, 2 * PipelineMinStep, false},
		{2, PipelineOn, 0, true},
		{1, PipelineOn, 0, false},
		{2, PipelineOff, 2 * PipelineMinStep, false},
	} {
		tensor.SetThreads(c.threads)
		bw := &backward{o: Options{ACAPipeline: c.p}, stepTime: c.step}
		if got := bw.pipelined(); got != c.want {
			t.Errorf("threads %d, pipeline %d, step %v: pipelined %v, want %v", c.threads, c.p, c.step, got, c.want)
		}
	}
	y0 := autograd.Leaf(tensor.FromFloat64([]float64{1}, 1))
	k := autograd.Leaf(tensor.Scalar(tensor.Float64, -1))
	_, err := SolveGraph(autograd.NewGraph(), toyDynamics(k), y0, []float64{0, 1}, Options{Method: Dopri5, RTol: 1e-6, ATol: 1e-6, ACAPipeline: 7})
	var oe *OptionError
	if !errors.As(err, &oe) || oe.Field != "aca pipeline" {
		t.Errorf("ACAPipeline 7: got %v, want an *OptionError for the aca pipeline", err)
	}
}

// TestRMSScaled32 checks that the initial step's norm on float32 states,
// computed in place, is the bits of the norm of their float64 values.
func TestRMSScaled32(t *testing.T) {
	// A short state (the scalar tail alone) and long ones (the vector
	// blocks) from several seeds, with zeros in x and in y.
	xs := [][]float64{{0, 1.5, -2.25, 3e-3, 0, -7}}
	ys := [][]float64{{0, -0.5, 4, 0, 1, 2}}
	for seed := uint64(5); seed < 25; seed++ {
		rng := rand.New(rand.NewPCG(seed, 6))
		var xl, yl []float64
		for i := 0; i < 1037; i++ {
			xv, yv := rng.NormFloat64(), 10*rng.NormFloat64()
			if i%9 == 0 {
				xv = 0
			}
			if i%13 == 0 {
				yv = 0
			}
			xl, yl = append(xl, xv), append(yl, yv)
		}
		xs, ys = append(xs, xl), append(ys, yl)
	}
	for c := range xs {
		x := tensor.FromValues(tensor.Float32, xs[c], len(xs[c]))
		y := tensor.FromValues(tensor.Float32, ys[c], len(ys[c]))
		for _, tol := range [][2]float64{{1e-3, 1e-6}, {1e-5, 0}} {
			got := rmsScaled(x, y, tol[0], tol[1])
			want := rmsScaledValues(x.Values(), y.Values(), tol[0], tol[1])
			if math.Float64bits(got) != math.Float64bits(want) {
				t.Errorf("%d elements, rtol %g atol %g: %v in place, %v from the values", len(xs[c]), tol[0], tol[1], got, want)
			}
		}
	}
}
