package ode

import (
	"fmt"
	"math"
	"time"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

// Dynamics is the right-hand side of dy/dt = f(t, y). Eval computes f on
// the graph g; when the solver is not recording, g is an inference graph
// (autograd.NewInferenceGraph), which records nothing, so the same code
// then runs as plain tensor arithmetic. A model whose parameters should be
// trained builds f from them with g's operations.
//
// y is valid only during the call: the solver reuses its memory afterwards.
// The result must have y's shape and dtype. It may be y itself, a view of
// y, or a tensor of the dynamics' own that they leave unchanged during the
// solve (the solver copies such results and never writes to them); a Func
// must not overwrite a result it returned earlier, while a TensorFunc may
// (Solve copies its results). On a graph, the explicit dependence of f on a
// float64 t is not differentiated; dynamics that depend on time and are
// solved with the naive method should implement TimeDynamics (TimeFunc),
// which receives t as a value. The values f computes
// on the graphs of the ACA and adjoint backward passes are valid only until
// that step's backward pass: their storage is then reused
// (autograd.Graph.RecycleOutputs), so f must not keep them.
//
// When ACA's backward pass is pipelined (Options.ACAPipeline; by default
// for steps of a millisecond or more on two or more threads), it calls
// Eval (to re-run a step) while backward rules recorded by an earlier Eval
// run on another goroutine: Eval must then share no mutable state with the
// backward rules of the operations it records, or the solve must set
// PipelineOff. The operations of the autograd and nn packages share none.
type Dynamics interface {
	Eval(g *autograd.Graph, t float64, y *autograd.Value) *autograd.Value
}

// Func adapts a function to Dynamics.
type Func func(g *autograd.Graph, t float64, y *autograd.Value) *autograd.Value

// Eval calls f.
func (f Func) Eval(g *autograd.Graph, t float64, y *autograd.Value) *autograd.Value {
	return f(g, t, y)
}

// TimeDynamics is implemented by dynamics that depend on time and take it
// as a value on the graph, so that a recorded solve (the naive method)
// differentiates that dependence too: the stage times of a step depend on
// the step sizes, which depend on the parameters through the error
// control. EvalTime computes f(t, y) like Eval; t is a scalar value (shape
// []) of y's dtype. Where nothing is recorded, or the time is a constant
// (ACA's re-runs, the adjoint), the solver may call Eval instead, with t
// as a float64; the two must agree.
type TimeDynamics interface {
	Dynamics
	EvalTime(g *autograd.Graph, t, y *autograd.Value) *autograd.Value
}

// TimeFunc adapts a function of a time value to TimeDynamics: dynamics
// that depend on time, written with graph operations on t as on y.
type TimeFunc func(g *autograd.Graph, t, y *autograd.Value) *autograd.Value

// Eval calls f with t as a constant scalar of y's dtype.
func (f TimeFunc) Eval(g *autograd.Graph, t float64, y *autograd.Value) *autograd.Value {
	return f(g, autograd.Constant(tensor.Scalar(y.DType(), t)), y)
}

// EvalTime calls f.
func (f TimeFunc) EvalTime(g *autograd.Graph, t, y *autograd.Value) *autograd.Value {
	return f(g, t, y)
}

// TensorFunc adapts a function on plain tensors to Dynamics, for solves
// that need no gradients. It must not be used where the solve is recorded.
// Solve copies its results, so the function may return the same buffer on
// every call.
type TensorFunc func(t float64, y *tensor.Tensor) *tensor.Tensor

// Eval calls f on y's data. It panics if g is recording: a TensorFunc
// cannot be differentiated.
func (f TensorFunc) Eval(g *autograd.Graph, t float64, y *autograd.Value) *autograd.Value {
	if g.Recording() {
		panic("ode: a TensorFunc cannot be recorded on a graph; write the dynamics as a Func")
	}
	return autograd.Constant(f(t, y.Data()))
}

// Solution is the result of Solve.
type Solution struct {
	// Times are the output times, as requested.
	Times []float64
	// Y[i] is the state at Times[i]; Y[0] is a copy of y0.
	Y []*tensor.Tensor
	// Stats counts the work done and its wall time.
	Stats Stats
}

// Solve integrates dy/dt = f(t, y) from y(times[0]) = y0 and returns the
// state at every time in times, which must be strictly increasing or
// strictly decreasing (integrating backward in time). y0 may have any shape
// and be float32 or float64; a batch of states shares one sequence of
// steps, the error norm being taken over the whole tensor. Outputs between
// steps come from the method's dense output. Nothing is recorded: f is
// called with an inference graph (autograd.NewInferenceGraph), whose
// values are valid only during the call.
//
// Errors: an *OptionError for invalid options or arguments (before any
// work), a *StepSizeError, *StepLimitError or *NonFiniteError if the solve
// fails; the dynamics returning a tensor of the wrong shape or dtype is an
// error too. When the solve fails after it started, the solution returned
// with the error holds the outputs reached before the failure (Times and Y
// are then shorter than requested; Y[0] is always there); it is nil for
// errors found before any work.
func Solve(f Dynamics, y0 *tensor.Tensor, times []float64, opts Options) (*Solution, error) {
	if f == nil {
		return nil, &OptionError{Field: "dynamics", Msg: "nil"}
	}
	o, dir, err := prepare(y0, times, opts)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	b := unrecordedBackend(f, y0)
	ys, st, err := run[*tensor.Tensor, float64](b, &o, y0, times, dir, nil)
	st.Runtime = time.Since(start)
	if err != nil {
		if len(ys) == 0 {
			return nil, err
		}
		return &Solution{Times: append([]float64(nil), times[:len(ys)]...), Y: ys, Stats: st}, err
	}
	return &Solution{Times: append([]float64(nil), times...), Y: ys, Stats: st}, nil
}

// prepare validates the options, times and initial state.
func prepare(y0 *tensor.Tensor, times []float64, opts Options) (Options, float64, error) {
	if y0 == nil {
		return opts, 0, &OptionError{Field: "y0", Msg: "nil"}
	}
	o, err := opts.resolve()
	if err != nil {
		return o, 0, err
	}
	dir, err := checkTimes(times)
	if err != nil {
		return o, 0, err
	}
	if !tensor.AllFinite(y0) {
		for i, v := range y0.Values() {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return o, 0, &OptionError{Field: "y0", Msg: fmt.Sprintf("element %d is %v", i, v)}
			}
		}
	}
	return o, dir, nil
}

// FuncSolution is the result of SolveFunc.
type FuncSolution struct {
	// Times are the output times, as requested.
	Times []float64
	// Y[i] is the state at Times[i].
	Y [][]float64
	// Stats counts the work done and its wall time.
	Stats Stats
}

// SolveFunc integrates dy/dt = f(t, y) for a plain function on float64
// slices: f writes the derivative at (t, y) into dydt (both of length
// len(y0)) and must not keep either slice. Everything else is as in Solve,
// partial results on a failure included.
func SolveFunc(f func(t float64, y, dydt []float64), y0 []float64, times []float64, opts Options) (*FuncSolution, error) {
	if f == nil {
		return nil, &OptionError{Field: "dynamics", Msg: "nil"}
	}
	y := tensor.FromFloat64(append([]float64(nil), y0...), len(y0))
	o, dir, err := prepare(y, times, opts)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	b := newTensorBackend(y, func(t float64, y, dst *tensor.Tensor) error {
		d := dst.Float64s()
		clear(d)
		f(t, y.Float64s(), d)
		return nil
	})
	ys, st, err := run[*tensor.Tensor, float64](b, &o, y, times, dir, nil)
	st.Runtime = time.Since(start)
	if err != nil && len(ys) == 0 {
		return nil, err
	}
	res := &FuncSolution{Times: append([]float64(nil), times[:len(ys)]...), Y: make([][]float64, len(ys)), Stats: st}
	for i, v := range ys {
		res.Y[i] = v.Float64s()
	}
	return res, err
}
