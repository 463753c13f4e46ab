package nn

import (
	"errors"
	"fmt"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/ode"
)

// ODEBlock is the continuous counterpart of a residual block: it maps z(T0)
// = x to z(T1) = x + ∫ F(t, z) dt over [T0, T1] (default [0, 1]), solving
// dz/dt = F(t, z) with Options, whose Gradient field chooses how the solve
// is differentiated (ode.ACA by default, ode.Naive or ode.Adjoint). F is
// any module mapping z to a tensor of z's shape, given t if it implements
// TimeModule; its parameters are the block's (member "f", as in Residual,
// so weights move between the two). The solver and the tolerances may be
// changed at any time, for instance to evaluate a trained model with
// another solver (the paper's Table 2).
type ODEBlock struct {
	F       Module
	T0, T1  float64
	Options ode.Options

	last *ode.GradStats
}

// NewODEBlock returns the block integrating f over [0, 1] with opts. An
// opts with no method and no tolerance gets ode.DefaultOptions' method and
// tolerances (Dopri5, rtol 1e-7, atol 1e-9), keeping its other fields (the
// gradient method, ACA's memory budget …).
func NewODEBlock(f Module, opts ode.Options) (*ODEBlock, error) {
	if f == nil {
		return nil, errors.New("nn: ODEBlock needs dynamics (f is nil)")
	}
	if opts.RTol == 0 && opts.ATol == 0 && opts.StepSize == 0 && opts.Steps == 0 && opts.Method == nil {
		d := ode.DefaultOptions()
		opts.Method, opts.RTol, opts.ATol = d.Method, d.RTol, d.ATol
	}
	return &ODEBlock{F: f, T0: 0, T1: 1, Options: opts}, nil
}

// SolveError is the panic value of ODEBlock.Forward when the solve fails
// (Forward has no error result); Try turns it back into an error.
type SolveError struct{ Err error }

// Error returns the solver's message, prefixed.
func (e *SolveError) Error() string { return "nn: ODE block: " + e.Err.Error() }

// Unwrap returns the solver's error.
func (e *SolveError) Unwrap() error { return e.Err }

// Forward returns z(T1) for z(T0) = x, recorded on g. It panics with a
// *SolveError if the solve fails (a step-size underflow, a non-finite
// state, invalid options); use Solve, or Try around a whole model, to get
// the error instead.
func (b *ODEBlock) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	out, err := b.Solve(g, x)
	if err != nil {
		panic(&SolveError{err})
	}
	return out
}

// Solve is Forward returning the solver's error.
func (b *ODEBlock) Solve(g *autograd.Graph, x *autograd.Value) (*autograd.Value, error) {
	sol, err := b.Trajectory(g, x, []float64{b.T0, b.T1})
	if err != nil {
		return nil, err
	}
	return sol.Y[1], nil
}

// Trajectory solves from z(times[0]) = x and returns the states at every
// one of times, differentiable as Forward's output is.
func (b *ODEBlock) Trajectory(g *autograd.Graph, x *autograd.Value, times []float64) (*ode.GraphSolution, error) {
	if b.F == nil {
		return nil, errors.New("nn: ODEBlock has no dynamics (F is nil)")
	}
	sol, err := ode.SolveGraph(g, Dynamics{F: b.F}, x, times, b.Options)
	if err != nil {
		return nil, err
	}
	b.last = &sol.Stats
	return sol, nil
}

// LastStats returns the statistics of the block's latest solve (nil before
// the first): forward work at once, backward work after the backward pass.
func (b *ODEBlock) LastStats() *ode.GradStats { return b.last }

// Members returns "f".
func (b *ODEBlock) Members() []Member { return []Member{ChildMember("f", b.F)} }

// Try runs fn, typically a model's Forward, and returns the error of an
// ODE block that failed inside it instead of its panic. Other panics pass
// through.
func Try(fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			se, ok := r.(*SolveError)
			if !ok {
				panic(r)
			}
			err = se
		}
	}()
	fn()
	return nil
}

// String describes the block: its method (Dopri5 when unset), its step
// control (the tolerances, or the fixed step count or size), its gradient
// method and its interval.
func (b *ODEBlock) String() string {
	o := b.Options
	m := o.Method
	if m == nil {
		m = ode.Dopri5
	}
	control := fmt.Sprintf("rtol %g, atol %g", o.RTol, o.ATol)
	switch {
	case o.Steps != 0:
		control = fmt.Sprintf("%d steps", o.Steps)
	case o.StepSize != 0:
		control = fmt.Sprintf("step %g", o.StepSize)
	}
	return fmt.Sprintf("ODEBlock(%s, %s, %s, [%g, %g])", m.Name, control, o.Gradient, b.T0, b.T1)
}
