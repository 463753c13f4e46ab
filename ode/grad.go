package ode

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

// Gradient selects how SolveGraph differentiates a solve (the paper's
// Table 1).
type Gradient int

const (
	// ACA is the adaptive checkpoint adjoint (Zhuang et al. 2020, Algorithm
	// 2): the forward pass records nothing and keeps the accepted times and
	// states; the backward pass re-runs each accepted step on a graph of its
	// own, with the step size as a constant, and backpropagates through it.
	// Its gradients are exact for the discrete solve. The default.
	ACA Gradient = iota
	// Naive records every operation of the solve on the caller's graph,
	// rejected trial steps and the step-size controller included, and
	// backpropagates through all of it. Its backward pass checks the
	// gradient with respect to the state that starts each accepted step,
	// as ACA checks its λ.
	Naive
	// Adjoint is the adjoint method of Chen et al. (2018): the forward
	// pass records nothing and keeps only the outputs; the backward pass
	// solves the augmented system [z, a, a_θ] backward in time with its own
	// error control. Its gradients carry the error of that second solve.
	Adjoint
)

var gradientNames = [...]string{ACA: "aca", Naive: "naive", Adjoint: "adjoint"}

func (m Gradient) valid() bool { return m >= 0 && int(m) < len(gradientNames) }

// String returns the method's name: "aca", "naive" or "adjoint".
func (m Gradient) String() string {
	if !m.valid() {
		return fmt.Sprintf("Gradient(%d)", int(m))
	}
	return gradientNames[m]
}

// MarshalText returns the method's name, so that JSON and flags show it.
func (m Gradient) MarshalText() ([]byte, error) {
	if !m.valid() {
		return nil, fmt.Errorf("ode: %d is not a gradient method", int(m))
	}
	return []byte(m.String()), nil
}

// UnmarshalText parses a method's name (see ParseGradient).
func (m *Gradient) UnmarshalText(b []byte) error {
	g, err := ParseGradient(string(b))
	if err != nil {
		return err
	}
	*m = g
	return nil
}

// ParseGradient returns the gradient method named s ("aca", "naive" or
// "adjoint", in any case).
func ParseGradient(s string) (Gradient, error) {
	for i, n := range gradientNames {
		if strings.EqualFold(s, n) {
			return Gradient(i), nil
		}
	}
	return 0, fmt.Errorf("ode: unknown gradient method %q (want aca, naive or adjoint)", s)
}

// Parametric is implemented by dynamics that declare the parameters they
// compute with, as a module lists its own. ACA and the adjoint method need
// the list: their backward passes compute the gradient with respect to
// exactly these values. The parameters must be leaves (or constants, which
// get no gradient), not values recorded on a graph.
type Parametric interface {
	Params() []*autograd.Value
}

// WithParams returns f declaring params as its parameters, for dynamics
// written as a Func (or TimeFunc) over leaves of one's own. The result is a
// TimeDynamics if f is.
func WithParams(f Dynamics, params ...*autograd.Value) Dynamics {
	p := paramDynamics{f, append([]*autograd.Value(nil), params...)}
	if td, ok := f.(TimeDynamics); ok {
		return paramTimeDynamics{p, td}
	}
	return p
}

type paramDynamics struct {
	Dynamics
	ps []*autograd.Value
}

func (p paramDynamics) Params() []*autograd.Value { return p.ps }

type paramTimeDynamics struct {
	paramDynamics
	td TimeDynamics
}

func (p paramTimeDynamics) EvalTime(g *autograd.Graph, t, y *autograd.Value) *autograd.Value {
	return p.td.EvalTime(g, t, y)
}

// GradStats reports the work, time and memory of a differentiable solve.
// The forward fields are set when SolveGraph returns; for ACA and the
// adjoint the backward fields are set when the backward pass has run
// (Backprop), in the GraphSolution's Stats.
type GradStats struct {
	// Method is the gradient method used.
	Method Gradient
	// Forward counts the forward solve's evaluations and steps, and its wall
	// time.
	Forward Stats
	// Backward counts the backward pass's work. ACA: the evaluations of the
	// dynamics re-running the accepted steps (Accepted is the number of
	// steps re-run); a step whose graph the forward pass kept
	// (Options.ACAMemory) is not re-run and counts in neither, so a solve
	// that kept every step has a backward NFE of 0. Adjoint: the evaluations of the augmented dynamics
	// (each one evaluation of f and one vector-Jacobian product) and the
	// steps of the backward solves. Naive: the evaluations recorded on the
	// graph, each of which the backward pass differentiates (known at the
	// forward pass; Accepted and Rejected are the forward ones). Runtime is
	// the backward pass's wall time for ACA and the adjoint; zero for
	// Naive, whose backward pass is the caller's graph's (time
	// Graph.Backward).
	Backward Stats
	// Backprop reports whether the backward pass has run (always true for
	// Naive, whose backward work is fixed by the forward pass).
	Backprop bool
	// GraphBytes is the largest amount of memory held by graphs for this
	// solve, as autograd counts it (recorded outputs and saved tensors).
	// Naive: what the forward pass recorded on the caller's graph, held
	// until the backward pass. ACA: the largest one-step graph of the
	// backward pass. Adjoint: the largest one-evaluation graph of the
	// backward pass.
	GraphBytes int64
	// CheckpointBytes is the memory the method keeps between the forward
	// and the backward pass besides the outputs: ACA's accepted states and
	// their times and step sizes; zero for the others.
	CheckpointBytes int64
	// KeptBytes is, for ACA with Options.ACAMemory set, the bytes of the
	// step graphs the forward pass kept for the backward pass (as autograd
	// counts them), and KeptSteps the number of accepted steps kept; the
	// others (Forward.Accepted − KeptSteps) are re-run. The checkpoints of
	// kept steps are their times and step sizes only.
	KeptBytes int64
	KeptSteps int
	// ReconError is, for the adjoint, the largest absolute difference
	// between the state its backward solve reconstructs at the first time
	// and the true initial state (the reverse inaccuracy of the paper's
	// Fig. 3–4); ReconRelError divides it by the largest |z(t0)| (or 1 if
	// that is smaller). Like torchdiffeq, the backward solve restarts from
	// the forward state at every output time, so this is the error of the
	// last interval, [times[0], times[1]]. Zero for the other methods.
	ReconError, ReconRelError float64
}

// PeakBytes is the largest memory held at once for the solve's gradient:
// graphs plus checkpoints.
func (s *GradStats) PeakBytes() int64 { return s.GraphBytes + s.CheckpointBytes + s.KeptBytes }

// GraphSolution is the result of SolveGraph.
type GraphSolution struct {
	// Times are the output times, as requested.
	Times []float64
	// Y[i] is the state at Times[i], as a value on the graph (a constant
	// when the graph is nil or nothing requires a gradient). Y[0] is y0.
	Y []*autograd.Value
	// Stats is the work of the solve: its forward fields are set by
	// SolveGraph, and for ACA and the adjoint the backward pass fills in
	// the backward ones here, in place (see GradStats). Keep a pointer to
	// it (&sol.Stats), not a copy, to read them after the backward pass.
	Stats GradStats

	bw *backward // nil for Naive
}

// Gradients is the result of GraphSolution.Backward.
type Gradients struct {
	// Y0 is the gradient with respect to the initial state.
	Y0 *tensor.Tensor
	// Params holds the gradient with respect to each declared parameter,
	// in the order Params listed them.
	Params []*tensor.Tensor
	// Times is the gradient with respect to the output times, for a solve
	// by SolveGraphAt (nil otherwise).
	Times *tensor.Tensor
}

// ErrConsumed is returned by a backward pass through a solve whose
// backward pass has already run: ACA's checkpoints (and the adjoint's saved
// outputs) are released by it.
var ErrConsumed = errors.New("ode: the backward pass of this solve has already run and released its checkpoints; solve again to differentiate again")

// BackwardError reports a failure of a backward pass at a step: a
// non-finite adjoint λ, or dynamics that did not reproduce the forward pass
// when the step was re-run.
type BackwardError struct {
	// Method is the gradient method.
	Method Gradient
	// Step is the index of the accepted forward step (0-based) being
	// differentiated, and T and H its start and size (for Naive, the step
	// whose starting state received a non-finite gradient); for the adjoint, the
	// index of the interval between output times being solved backward, and
	// the time and step size where its solve failed. Step is −1 for a
	// non-finite gradient of the loss with respect to an output (T is the
	// output's time).
	Step int
	T, H float64
	// What says what went wrong.
	What string
}

// Error describes the failure with the method, the step and its t and h.
func (e *BackwardError) Error() string {
	if e.Step < 0 {
		return fmt.Sprintf("ode: %s backward pass at t = %.17g: %s", e.Method, e.T, e.What)
	}
	return fmt.Sprintf("ode: %s backward pass, step %d (t = %.17g, h = %.3g): %s", e.Method, e.Step, e.T, e.H, e.What)
}

// Names of the operations SolveGraph records for ACA and the adjoint.
const (
	opSolve  = "ode.solve"
	opOutput = "ode.output"
)

// SolveGraph integrates dy/dt = f(t, y) from y0 at times[0] through every
// time in times, as Solve does, and returns the states as values on g, so
// that any loss built from them can be differentiated with respect to y0
// and the dynamics' parameters. opts.Gradient chooses how (see Gradient);
// changing it is the only change a model needs to switch methods. A nil g
// records nothing and returns constants.
//
// For ACA and the adjoint, f must declare its parameters (Parametric; see
// WithParams; an nn module's Dynamics does); the backward pass is an
// error if f computes with a leaf it did not declare. The dynamics must be
// deterministic: ACA re-runs the accepted steps and checks that they
// reproduce the forward pass. Outputs between steps are differentiated
// through the dense-output formula.
//
// Errors are those of Solve, and an *OptionError for parameters recorded on
// a graph, or (for the adjoint) of another dtype than the state. As with
// Solve, a solve that fails after it started returns with the error the
// outputs it reached (Times and Y shorter than requested, Y[0] always
// there), as constants: no gradient flows through a failed solve. The
// backward pass of every method fails with a *BackwardError where the
// gradient with respect to an output or to a step's state is not finite.
func SolveGraph(g *autograd.Graph, f Dynamics, y0 *autograd.Value, times []float64, opts Options) (*GraphSolution, error) {
	return solveGraph(g, f, y0, times, nil, opts)
}

// SolveGraphAt is SolveGraph with the output times as a value: a 1-D
// float64 value holding them, a leaf or a value recorded on g. The loss's
// gradient with respect to them then flows back to it too: dL/dt_i for the
// outputs, and dL/dt_0 for the start, for every gradient method. Naive
// differentiates the adaptive solve (the outputs' interpolation, and the
// stage times of TimeDynamics, which move with the start); ACA the solve
// with its step sizes frozen, every step moving with the start; the
// adjoint uses the continuous formulas, dL/dt_i = ⟨∂L/∂z(t_i), f(t_i,
// z(t_i))⟩ and dL/dt_0 = −⟨dL/dz(t_0), f(t_0, z(t_0))⟩, one evaluation of f
// each. An output that falls on a step's end is then the step's
// interpolant there (equal to its end state to rounding), so that it has a
// derivative in time. It needs an adaptive solve: a fixed step's grid would
// move with the times. A first step chosen automatically is taken as a
// constant.
func SolveGraphAt(g *autograd.Graph, f Dynamics, y0 *autograd.Value, times *autograd.Value, opts Options) (*GraphSolution, error) {
	switch {
	case times == nil:
		return nil, &OptionError{Field: "times", Msg: "nil"}
	case times.DType() != tensor.Float64 || len(times.Shape()) != 1:
		return nil, &OptionError{Field: "times", Msg: fmt.Sprintf("a %v value of shape %v; want a 1-D float64 value", times.DType(), times.Shape())}
	case times.Graph() != nil && times.Graph() != g:
		return nil, &OptionError{Field: "times", Msg: "recorded on another graph than the one given"}
	case opts.StepSize != 0 || opts.Steps != 0:
		return nil, &OptionError{Field: "times", Msg: "gradients with respect to the times need an adaptive solve (a fixed step's grid would move with them); unset StepSize and Steps"}
	}
	tv := times
	if !g.Recording() || !times.RequiresGrad() {
		tv = nil
	}
	return solveGraph(g, f, y0, append([]float64(nil), times.Data().Float64s()...), tv, opts)
}

// solveGraph is SolveGraph, differentiating with respect to the times too
// when tv (their value) is not nil.
func solveGraph(g *autograd.Graph, f Dynamics, y0 *autograd.Value, times []float64, tv *autograd.Value, opts Options) (*GraphSolution, error) {
	if f == nil {
		return nil, &OptionError{Field: "dynamics", Msg: "nil"}
	}
	if y0 == nil {
		return nil, &OptionError{Field: "y0", Msg: "nil"}
	}
	if y0.Graph() != nil && y0.Graph() != g {
		return nil, &OptionError{Field: "y0", Msg: "recorded on another graph than the one given"}
	}
	o, dir, err := prepare(y0.Data(), times, opts)
	if err != nil {
		return nil, err
	}
	if o.Gradient == Naive {
		return solveNaive(g, f, y0, times, tv, o, dir)
	}
	var params []*autograd.Value
	if p, ok := f.(Parametric); ok {
		// A parameter listed twice would receive its gradient twice.
		seen := map[*autograd.Value]bool{}
		for _, v := range p.Params() {
			if !seen[v] {
				seen[v] = true
				params = append(params, v)
			}
		}
	}
	for i, p := range params {
		switch {
		case p == nil:
			return nil, &OptionError{Field: "params", Msg: fmt.Sprintf("parameter %d is nil", i)}
		case p.Graph() != nil:
			return nil, &OptionError{Field: "params", Msg: fmt.Sprintf("parameter %d (shape %v) is a value recorded on a graph; %s needs parameters that are leaves (or use Naive)", i, p.Shape(), o.Gradient)}
		case o.Gradient == Adjoint && p.RequiresGrad() && p.DType() != y0.DType():
			return nil, &OptionError{Field: "params", Msg: fmt.Sprintf("parameter %d is %v but the state is %v; the adjoint's augmented state needs one dtype", i, p.DType(), y0.DType())}
		}
	}
	return solveCheckpointed(g, f, params, y0, times, tv, o, dir)
}

// naiveBackend is the graph backend of the naive method: it counts the
// evaluations recorded on its graph and remembers the accepted steps, so
// that the backward pass can name the step where a gradient stops being
// finite.
type naiveBackend struct {
	*graphBackend
	recorded int
	steps    []checkpoint // t and h of the accepted steps
}

func (b *naiveBackend) eval(t, h float64, y *autograd.Value, at when[*autograd.Value]) (*autograd.Value, error) {
	v, err := b.graphBackend.eval(t, h, y, at)
	if err == nil && v != nil && v.Graph() != nil {
		b.recorded++
	}
	return v, err
}

// Names of the operation through which the naive method checks gradients,
// and of the one that takes a time out of the times' value.
const (
	opCheck  = "ode.check"
	opTimeAt = "ode.timeat"
)

// timeAt returns element i of the 1-D value tv as a scalar value on g.
func timeAt(g *autograd.Graph, tv *autograd.Value, i int) *autograd.Value {
	n := tv.Len()
	return g.Record(autograd.Op{Name: opTimeAt, Fresh: true, VJP: func(gy *tensor.Tensor, _ []bool) []*tensor.Tensor {
		d := tensor.Zeros(tensor.Float64, n)
		d.Float64s()[i] = gy.Item()
		return []*tensor.Tensor{d}
	}}, tensor.Scalar(tensor.Float64, tv.Data().Float64s()[i]), tv)
}

// checked returns v behind an identity on g whose backward rule fails
// with err() if the gradient reaching v is not finite: the naive method's
// counterpart of the checks ACA and the adjoint make on λ. All uses of v
// by the solve after it go through the identity, so v's gradient is summed
// as before, in the same order. A value that needs no gradient is
// returned as is.
func checked(g *autograd.Graph, v *autograd.Value, err func() *BackwardError) *autograd.Value {
	if !g.Recording() || !v.RequiresGrad() {
		return v
	}
	return g.Record(autograd.Op{Name: opCheck, View: true, Backward: func(gy *tensor.Tensor, _ []bool) ([]*tensor.Tensor, error) {
		if !tensor.AllFinite(gy) {
			return nil, err()
		}
		return []*tensor.Tensor{gy}, nil
	}}, v.Data(), v)
}

// solveNaive records the whole solve on g. The states that start the
// accepted steps and the outputs are checked in the backward pass (see
// checked): a non-finite gradient there is a BackwardError naming the step
// or the output, as it is for ACA, instead of NaN gradients.
func solveNaive(g *autograd.Graph, f Dynamics, y0 *autograd.Value, times []float64, tv *autograd.Value, o Options, dir float64) (*GraphSolution, error) {
	start := time.Now()
	before := g.Bytes()
	b := &naiveBackend{graphBackend: &graphBackend{g: g, f: f}}
	hk := &hooks[*autograd.Value, *autograd.Value]{
		accepted: func(s *stepRec[*autograd.Value, *autograd.Value]) {
			b.steps = append(b.steps, checkpoint{t: s.t, h: s.h})
		},
		state: func(i int, t float64, y *autograd.Value) *autograd.Value {
			return checked(g, y, func() *BackwardError {
				var h float64
				if i < len(b.steps) {
					h = b.steps[i].h
				}
				return &BackwardError{Method: Naive, Step: i, T: t, H: h, What: "non-finite gradient dL/dz of the state that starts the step, after backpropagating through the solve from there on"}
			})
		},
	}
	var tm *timing[*autograd.Value]
	if tv != nil {
		tm = &timing[*autograd.Value]{taus: make([]*autograd.Value, len(times))}
		for i := range times {
			tm.taus[i] = timeAt(g, tv, i)
		}
		tm.t0 = tm.taus[0]
	}
	ys, st, err := runTimed[*autograd.Value, *autograd.Value](b, &o, y0, times, dir, hk, tm)
	if err != nil {
		st.Runtime = time.Since(start)
		return partial(times, ys, st, Naive, err)
	}
	for k := 1; k < len(ys); k++ {
		ys[k] = checked(g, ys[k], func() *BackwardError {
			return &BackwardError{Method: Naive, Step: -1, T: times[k], What: fmt.Sprintf("the gradient of the loss with respect to output %d is not finite", k)}
		})
	}
	st.Runtime = time.Since(start)
	stats := GradStats{
		Method:     Naive,
		Forward:    st,
		Backward:   Stats{NFE: b.recorded, Accepted: st.Accepted, Rejected: st.Rejected},
		Backprop:   true,
		GraphBytes: g.Bytes() - before,
	}
	return &GraphSolution{Times: append([]float64(nil), times...), Y: ys, Stats: stats}, nil
}

// partial returns the outputs a solve reached before it failed with err,
// as constants (no gradient flows through a failed solve), or nil if it
// failed before any output.
func partial[V *autograd.Value | *tensor.Tensor](times []float64, ys []V, st Stats, m Gradient, err error) (*GraphSolution, error) {
	if len(ys) == 0 {
		return nil, err
	}
	sol := &GraphSolution{Times: append([]float64(nil), times[:len(ys)]...), Y: make([]*autograd.Value, len(ys)), Stats: GradStats{Method: m, Forward: st}}
	for i, y := range ys {
		switch y := any(y).(type) {
		case *autograd.Value:
			sol.Y[i] = autograd.Constant(y.Data())
		case *tensor.Tensor:
			sol.Y[i] = autograd.Constant(y)
		}
	}
	return sol, err
}

// backward holds what the backward pass of ACA or the adjoint needs.
type backward struct {
	f      Dynamics
	params []*autograd.Value
	o      Options
	times  []float64
	dir    float64
	y0     *tensor.Tensor
	ys     []*tensor.Tensor // forward outputs
	ckpt   []checkpoint     // ACA
	// kept holds, for ACA keeping step graphs (Options.ACAMemory), the
	// graph of each accepted step the forward pass kept (nil for a step to
	// re-run).
	kept  []*keptStep
	gys   []*tensor.Tensor // output gradients collected from the graph
	stats *GradStats
	meter *autograd.Meter
	done  bool
	// stepTime is the forward pass's mean wall time per accepted step, for
	// PipelineAuto.
	stepTime time.Duration
	// timed is set when the solve differentiates its output times
	// (SolveGraphAt); the backward pass then leaves dL/dtimes in gtimes.
	timed  bool
	gtimes *tensor.Tensor
}

// unrecordedBackend returns a tensor backend evaluating f without
// recording. f runs on an inference graph: after each evaluation its result
// is copied into a buffer of the backend and the storage of the values it
// computed is recycled, so repeated evaluations do not each allocate fresh
// memory for their intermediate tensors.
func unrecordedBackend(f Dynamics, y0 *tensor.Tensor) *tensorBackend {
	if tf, ok := f.(TensorFunc); ok {
		return newTensorBackend(y0, func(t float64, y, dst *tensor.Tensor) error {
			return copyDerivative(t, y, tf(t, y), dst)
		})
	}
	ig := autograd.NewInferenceGraph()
	return newTensorBackend(y0, func(t float64, y, dst *tensor.Tensor) error {
		defer ig.Reclaim()
		v := f.Eval(ig, t, autograd.Constant(y))
		if v == nil {
			return checkDerivative(t, y, nil)
		}
		return copyDerivative(t, y, v.Data(), dst)
	})
}

func solveCheckpointed(g *autograd.Graph, f Dynamics, params []*autograd.Value, y0 *autograd.Value, times []float64, tv *autograd.Value, o Options, dir float64) (*GraphSolution, error) {
	sol := &GraphSolution{Times: append([]float64(nil), times...), Y: make([]*autograd.Value, len(times)), Stats: GradStats{Method: o.Gradient}}
	stats := &sol.Stats
	bw := &backward{f: f, params: params, o: o, times: append([]float64(nil), times...), dir: dir, y0: y0.Data(), stats: stats, meter: g.Meter()}
	start := time.Now()
	var ys []*tensor.Tensor
	var st Stats
	var err error
	// Step graphs are kept only for a backward pass: a graph that records
	// nothing (nil, or in inference mode) gets the plain forward pass.
	if o.Gradient == ACA && o.ACAMemory != 0 && tv == nil && g.Recording() {
		ys, st, stats.KeptBytes, err = keepForward(bw, y0.Data(), &o)
	} else {
		var hk *hooks[*tensor.Tensor, float64]
		if o.Gradient == ACA {
			hk = &hooks[*tensor.Tensor, float64]{accepted: func(s *stepRec[*tensor.Tensor, float64]) {
				bw.ckpt = append(bw.ckpt, checkpoint{t: s.t, h: s.h, z: s.y0.Clone(), first: s.firstOut})
			}}
		}
		ys, st, err = run[*tensor.Tensor, float64](unrecordedBackend(f, y0.Data()), &o, y0.Data(), times, dir, hk)
	}
	st.Runtime = time.Since(start)
	if err != nil {
		return partial(times, ys, st, o.Gradient, err)
	}
	if st.Accepted > 0 {
		bw.stepTime = st.Runtime / time.Duration(st.Accepted)
	}
	stats.Forward = st
	bw.ys = ys
	for i, c := range bw.ckpt {
		stats.CheckpointBytes += 16 // t and h
		if i < len(bw.kept) && bw.kept[i] != nil {
			stats.KeptSteps++
		} else {
			stats.CheckpointBytes += c.z.Bytes()
		}
	}
	bw.gys = make([]*tensor.Tensor, len(times))
	inputs := append([]*autograd.Value{y0}, params...)
	if tv != nil {
		bw.timed = true
		inputs = append(inputs, tv)
	}
	node := g.Record(autograd.Op{Name: opSolve, Fresh: true, Backward: bw.opBackward, Saved: stats.CheckpointBytes + stats.KeptBytes}, tensor.Scalar(tensor.Float64, 0), inputs...)
	sol.bw = bw
	sol.Y[0] = y0
	for k := 1; k < len(times); k++ {
		k := k
		sol.Y[k] = g.Record(autograd.Op{Name: opOutput, VJP: func(gy *tensor.Tensor, _ []bool) []*tensor.Tensor {
			if !bw.done { // else the solve's node reports ErrConsumed
				bw.gys[k] = gy.Clone()
			}
			return []*tensor.Tensor{tensor.Scalar(tensor.Float64, 0)}
		}}, ys[k], node)
	}
	return sol, nil
}

// opBackward is the backward rule of the solve's node on the caller's
// graph: the output nodes have deposited their gradients in bw.gys.
func (bw *backward) opBackward(_ *tensor.Tensor, need []bool) ([]*tensor.Tensor, error) {
	gz, gp, err := bw.run()
	if err != nil {
		return nil, err
	}
	out := make([]*tensor.Tensor, len(need))
	if need[0] {
		out[0] = gz
	}
	for i, p := range gp {
		if need[i+1] {
			out[i+1] = p
		}
	}
	if bw.timed && need[len(need)-1] {
		out[len(need)-1] = bw.gtimes
	}
	return out, nil
}

// Backward runs the backward pass of an ACA or adjoint solve directly,
// without a graph: dY[i] is the gradient of the loss with respect to Y[i]
// (nil means zero), and the result is the gradient with respect to y0 (dY[0]
// included) and to each declared parameter. It runs once: a second call, or
// a call after a graph's backward pass went through the solve, returns
// ErrConsumed. For Naive, whose graph is the caller's, it is an error.
func (s *GraphSolution) Backward(dY []*tensor.Tensor) (*Gradients, error) {
	if s.bw == nil {
		return nil, errors.New("ode: GraphSolution.Backward is for ACA and the adjoint; a Naive solve is differentiated through its graph (Graph.Backward or Grad)")
	}
	bw := s.bw
	if len(dY) != len(bw.times) {
		return nil, fmt.Errorf("ode: %d output gradients for %d output times", len(dY), len(bw.times))
	}
	for i, d := range dY {
		if d != nil && (d.DType() != bw.y0.DType() || !tensor.SameShape(d, bw.y0)) {
			return nil, fmt.Errorf("ode: output gradient %d is %v %v; the state is %v %v", i, d.DType(), d.Shape(), bw.y0.DType(), bw.y0.Shape())
		}
	}
	if !bw.done {
		copy(bw.gys, dY)
	}
	gz, gp, err := bw.run()
	if err != nil {
		return nil, err
	}
	if dY[0] != nil {
		gz.AddScaledInPlace(1, dY[0])
	}
	return &Gradients{Y0: gz, Params: gp, Times: bw.gtimes}, nil
}

// run is the backward pass: it returns the gradients with respect to y0
// (the outputs after the first) and the parameters, and releases the
// checkpoints.
func (bw *backward) run() (*tensor.Tensor, []*tensor.Tensor, error) {
	if bw.done {
		return nil, nil, ErrConsumed
	}
	bw.done = true
	for k, g := range bw.gys {
		if g != nil && !tensor.AllFinite(g) {
			bw.freeKept()
			bw.ckpt, bw.gys, bw.ys, bw.kept = nil, nil, nil, nil
			return nil, nil, &BackwardError{Method: bw.o.Gradient, Step: -1, T: bw.times[k], What: fmt.Sprintf("the gradient of the loss with respect to output %d is not finite", k)}
		}
	}
	defer func() {
		bw.freeKept()
		bw.ckpt, bw.gys, bw.ys, bw.kept = nil, nil, nil, nil
	}()
	start := time.Now()
	var gz *tensor.Tensor
	var gp []*tensor.Tensor
	var err error
	if bw.o.Gradient == ACA {
		gz, gp, err = bw.aca()
	} else {
		gz, gp, err = bw.adjoint()
		if err == nil && bw.timed {
			err = bw.adjointTimes(gz)
		}
	}
	bw.stats.Backward.Runtime = time.Since(start)
	bw.stats.Backprop = err == nil
	return gz, gp, err
}

// checkLeaves reports a leaf the dynamics computed with on lg that is
// neither one of the solver's own (the state, the times) nor a declared
// parameter.
func (bw *backward) checkLeaves(lg *autograd.Graph, own ...*autograd.Value) error {
	for _, l := range lg.Leaves() {
		declared := false
		for _, o := range own {
			if o == l {
				declared = true
				break
			}
		}
		for _, p := range bw.params {
			if p == l {
				declared = true
				break
			}
		}
		if !declared {
			return fmt.Errorf("ode: %s backward pass: the dynamics compute with a leaf of shape %v that they do not declare as a parameter (Parametric, WithParams); its gradient would be lost", bw.o.Gradient, l.Shape())
		}
	}
	return nil
}
