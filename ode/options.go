package ode

import (
	"fmt"
	"math"
	"time"
)

// Options configures a solve. The zero value is not usable on its own: an
// adaptive solve needs a tolerance (see DefaultOptions), a fixed-step solve
// a step size or a step count. Zero in any other field selects its default.
type Options struct {
	// Method is the Runge–Kutta method. Default Dopri5.
	Method *Tableau

	// RTol and ATol are the relative and absolute tolerances of an adaptive
	// solve: a step is accepted when the RMS over all elements of
	// e / (ATol + RTol·max(|y0|, |y1|)) is at most 1, e being the embedded
	// error estimate. Neither may be negative and not both zero.
	RTol, ATol float64
	// FirstStep is the size of the first step; 0 selects it automatically
	// (Hairer's algorithm, as torchdiffeq does).
	FirstStep float64
	// MinStep and MaxStep bound |h| in an adaptive solve (the first step
	// included). A step the controller wants below MinStep is an error
	// (StepSizeError), not a silent loss of accuracy. MaxStep 0 means no
	// bound. A fixed-step solve ignores both.
	MinStep, MaxStep float64
	// MaxSteps bounds the number of step attempts, accepted and rejected,
	// over the whole solve (torchdiffeq counts per output interval).
	// Default 100000.
	MaxSteps int
	// Safety, IFactor and DFactor are the controller constants: the next step
	// is h·min(IFactor, max(DFactor, Safety·err^(−1/p))). Defaults 0.9, 10
	// and 0.2, torchdiffeq's.
	Safety, IFactor, DFactor float64

	// StepSize runs the method with a fixed step of this size (the last
	// step is shortened to end on the last output time). Any method can run
	// with a fixed step; methods without an error estimate must.
	StepSize float64
	// Steps runs the method with this many equal fixed steps from the first
	// to the last output time. At most one of StepSize and Steps may be set.
	Steps int

	// Gradient is how SolveGraph differentiates the solve: ACA (the zero
	// value, so the default), Naive or Adjoint. Solve and SolveFunc, which
	// differentiate nothing, ignore it and the adjoint options below.
	Gradient Gradient
	// AdjointRTol and AdjointATol are the tolerances of the adjoint
	// method's backward solve of [z, a, a_θ]; 0 means the forward RTol and
	// ATol (torchdiffeq's default). Ignored by the other methods.
	AdjointRTol, AdjointATol float64
	// AdjointMethod is the method of the adjoint's backward solve; nil
	// means Method.
	AdjointMethod *Tableau
	// ACAPipeline chooses whether ACA's backward pass re-runs checkpointed
	// steps on a goroutine of its own, one step ahead: the re-run of step
	// i−1 then overlaps the backward pass through step i, and at most two
	// step graphs are alive. The gradients are the same bits either way.
	// The default, PipelineAuto, pipelines when there are two or more
	// threads (tensor.Threads) and the forward pass took at least
	// PipelineMinStep per step, so that the overlap outweighs handing steps
	// over: a convolutional ODE block's step gained about 7 %, a small
	// MLP's (microseconds per step) lost. When pipelined, the dynamics'
	// Eval runs at the same time as backward rules that an earlier Eval
	// recorded, so the two must share no mutable state (a scratch buffer
	// kept on the struct, a counter); dynamics that do set PipelineOff.
	// Ignored by the other methods.
	ACAPipeline Pipeline
	// ACAMemory is how many bytes of step graphs ACA may keep from the
	// forward pass for the backward one. 0 (the default) keeps none: the
	// forward pass records nothing and the backward pass re-runs every
	// accepted step from its checkpoint. Otherwise the forward pass records
	// each trial step on a graph of its own (dropping a rejected step's),
	// keeps an accepted step's graph while the kept graphs' bytes (as
	// autograd counts them, Graph.Bytes) stay within ACAMemory, and
	// checkpoints the steps past the budget as before; the backward pass
	// backpropagates through a kept graph directly and re-runs the others.
	// A negative value (ACAMemoryAll) keeps every step. The outputs and
	// gradients are the same bits for every budget, and so are the steps;
	// a kept step with an output inside it spends one more evaluation in
	// the forward pass (f at its end state on its own graph, for the dense
	// output, as the re-run would), counted in GradStats.Forward.NFE. A
	// solve that differentiates its output times (SolveGraphAt) re-runs
	// every step. Ignored by the other methods.
	ACAMemory int64

	// frozen, when not nil, holds the step sizes to take, each accepted
	// without error control (set by WithFrozenSteps). A pointer, so that
	// Options stays comparable with ==.
	frozen *[]float64
}

// ACAMemoryAll is an Options.ACAMemory that keeps the graph of every
// accepted step: the backward pass re-runs none (the peers' "keep the
// graph" mode).
const ACAMemoryAll int64 = -1

// Pipeline is Options.ACAPipeline's choice.
type Pipeline int

const (
	// PipelineAuto pipelines ACA's re-runs when there are two or more
	// threads and the forward pass took at least PipelineMinStep per step.
	PipelineAuto Pipeline = iota
	// PipelineOff keeps ACA's backward pass on the caller's goroutine.
	PipelineOff
	// PipelineOn pipelines whenever there are two or more threads.
	PipelineOn
)

// PipelineMinStep is the forward pass's mean time per step from which
// PipelineAuto pipelines ACA's re-runs. Handing a step over costs tens of
// microseconds.
const PipelineMinStep = time.Millisecond

// DefaultOptions returns torchdiffeq's defaults: Dopri5 with rtol 1e-7 and
// atol 1e-9.
func DefaultOptions() Options {
	return Options{Method: Dopri5, RTol: 1e-7, ATol: 1e-9}
}

// Default values for the controller.
const (
	DefaultSafety   = 0.9
	DefaultIFactor  = 10.0
	DefaultDFactor  = 0.2
	DefaultMaxSteps = 100000
)

// fixed reports whether o asks for a fixed step.
func (o *Options) fixed() bool { return o.StepSize != 0 || o.Steps != 0 }

// resolve validates o and returns a copy with defaults filled in.
func (o Options) resolve() (Options, error) {
	bad := func(field, format string, a ...any) (Options, error) {
		return o, &OptionError{Field: field, Msg: fmt.Sprintf(format, a...)}
	}
	if o.Method == nil {
		o.Method = Dopri5
	}
	o.Method = canonical(o.Method)
	if err := checkTableau(o.Method); err != nil {
		return o, err
	}
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	for _, f := range []struct {
		name string
		v    float64
	}{{"rtol", o.RTol}, {"atol", o.ATol}, {"first step", o.FirstStep}, {"min step", o.MinStep},
		{"max step", o.MaxStep}, {"safety", o.Safety}, {"ifactor", o.IFactor}, {"dfactor", o.DFactor},
		{"step size", o.StepSize}, {"adjoint rtol", o.AdjointRTol}, {"adjoint atol", o.AdjointATol}} {
		if !finite(f.v) {
			return bad(f.name, "%v is not a finite number", f.v)
		}
		if f.v < 0 {
			return bad(f.name, "%g is negative", f.v)
		}
	}
	if o.Steps < 0 {
		return bad("steps", "%d is negative", o.Steps)
	}
	if o.MaxSteps < 0 {
		return bad("max steps", "%d is negative", o.MaxSteps)
	}
	if o.StepSize != 0 && o.Steps != 0 {
		return bad("step size", "both StepSize (%g) and Steps (%d) are set; set one", o.StepSize, o.Steps)
	}
	if !o.fixed() {
		if !o.Method.Adaptive() {
			return bad("step size", "%s has no error estimate, so it needs a fixed step: set StepSize or Steps (a fixed step of zero is not a step)", o.Method.Name)
		}
		if o.RTol == 0 && o.ATol == 0 {
			return bad("rtol", "rtol and atol are both zero; set at least one (torchdiffeq's defaults are rtol 1e-7, atol 1e-9)")
		}
	}
	if o.MaxStep != 0 && o.MinStep > o.MaxStep {
		return bad("min step", "MinStep %g is larger than MaxStep %g", o.MinStep, o.MaxStep)
	}
	if o.FirstStep != 0 && o.FirstStep < o.MinStep {
		return bad("first step", "FirstStep %g is smaller than MinStep %g", o.FirstStep, o.MinStep)
	}
	if !o.Gradient.valid() {
		return bad("gradient", "%d is not a gradient method (ACA, Naive or Adjoint)", int(o.Gradient))
	}
	if o.ACAPipeline < PipelineAuto || o.ACAPipeline > PipelineOn {
		return bad("aca pipeline", "%d is not PipelineAuto, PipelineOff or PipelineOn", int(o.ACAPipeline))
	}
	if o.AdjointMethod != nil {
		o.AdjointMethod = canonical(o.AdjointMethod)
		if err := checkTableau(o.AdjointMethod); err != nil {
			return o, err
		}
		if !o.fixed() && !o.AdjointMethod.Adaptive() {
			return bad("adjoint method", "%s has no error estimate, so the adjoint's backward solve cannot follow the adaptive forward one; choose an adaptive method or a fixed step", o.AdjointMethod.Name)
		}
	}
	if o.Safety == 0 {
		o.Safety = DefaultSafety
	}
	if o.IFactor == 0 {
		o.IFactor = DefaultIFactor
	}
	if o.DFactor == 0 {
		o.DFactor = DefaultDFactor
	}
	if o.Safety > 1 {
		return bad("safety", "%g is larger than 1", o.Safety)
	}
	if o.IFactor < 1 {
		return bad("ifactor", "%g is smaller than 1: steps could never grow", o.IFactor)
	}
	if o.DFactor >= 1 {
		return bad("dfactor", "%g is not smaller than 1: rejected steps would never shrink", o.DFactor)
	}
	if o.MaxStep == 0 {
		o.MaxStep = math.Inf(1)
	}
	if o.MaxSteps == 0 {
		o.MaxSteps = DefaultMaxSteps
	}
	return o, nil
}

// checkTableau verifies that a tableau's arrays have consistent sizes.
func checkTableau(tb *Tableau) error {
	bad := func(format string, a ...any) error {
		return &OptionError{Field: "method", Msg: fmt.Sprintf("tableau %q: ", tb.Name) + fmt.Sprintf(format, a...)}
	}
	s := len(tb.B)
	if s == 0 {
		return bad("no stages")
	}
	if len(tb.C) != s || len(tb.A) != s {
		return bad("%d weights but %d stage times and %d rows of A", s, len(tb.C), len(tb.A))
	}
	for i, row := range tb.A {
		if len(row) != i {
			return bad("row %d of A has %d entries, want %d", i, len(row), i)
		}
	}
	if tb.BErr != nil && len(tb.BErr) != s {
		return bad("%d error weights for %d stages", len(tb.BErr), s)
	}
	if tb.C[0] != 0 {
		return bad("the first stage time is %g; explicit methods here start with f(t, y)", tb.C[0])
	}
	if tb.Order < 1 {
		return bad("order %d", tb.Order)
	}
	if tb.FSAL {
		if tb.C[s-1] != 1 || tb.B[s-1] != 0 {
			return bad("FSAL but the last stage time is %g and its weight %g (want 1 and 0)", tb.C[s-1], tb.B[s-1])
		}
		for j, a := range tb.A[s-1] {
			if a != tb.B[j] {
				return bad("FSAL but the last row of A differs from B at %d (%g vs %g)", j, a, tb.B[j])
			}
		}
	}
	if tb.Dense != nil {
		if len(tb.Dense) != s {
			return bad("%d dense-output polynomials for %d stages", len(tb.Dense), s)
		}
		for j, p := range tb.Dense {
			if len(p) == 0 {
				return bad("dense-output polynomial %d is empty", j)
			}
		}
	}
	return nil
}

// checkTimes validates the output times: finite, at least one, strictly
// monotonic. It returns the direction of integration (+1 or −1; +1 for a
// single time).
func checkTimes(times []float64) (float64, error) {
	if len(times) == 0 {
		return 0, &OptionError{Field: "times", Msg: "no output times (the first is the initial time)"}
	}
	for i, t := range times {
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return 0, &OptionError{Field: "times", Msg: fmt.Sprintf("times[%d] = %v is not finite", i, t)}
		}
	}
	if len(times) == 1 {
		return 1, nil
	}
	dir := 1.0
	if times[1] < times[0] {
		dir = -1
	}
	for i := 1; i < len(times); i++ {
		if d := (times[i] - times[i-1]) * dir; !(d > 0) {
			word := "increasing"
			if dir < 0 {
				word = "decreasing"
			}
			return 0, &OptionError{Field: "times", Msg: fmt.Sprintf("times must be strictly increasing or strictly decreasing; they start %s but times[%d] = %g follows times[%d] = %g", word, i, times[i], i-1, times[i-1])}
		}
	}
	return dir, nil
}
