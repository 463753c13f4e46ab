package ode

import (
	"math"
	"time"

	"github.com/acaode/aca/tensor"
)

// backend is the arithmetic the stepping loop runs on. V is a state (a
// tensor, or an autograd value), S a scalar (a float64, or a scalar value on
// a graph, so that the naive method can differentiate the step sizes). The
// stepping loop, the Runge–Kutta step and the dense output are written once
// against this interface; tensorBackend runs them without recording and
// graphBackend records them.
type backend[V, S any] interface {
	// eval returns f(t, y); h is the size of the step it belongs to and at
	// the time t as the backend's scalars (for dynamics that take time as a
	// value).
	eval(t, h float64, y V, at when[S]) (V, error)
	// lin returns Σ a_m·x_m + h·Σ c_j·k_j, skipping zero coefficients.
	lin(x []V, a []float64, h S, k []V, c []float64) V
	// dense returns Σ a_m·x_m + h·Σ c_j·k_j, the weights being those of a
	// dense-output rule at θ = (tau − t)/h; da and dc are their derivatives
	// with respect to θ, so that a recording backend can differentiate the
	// output with respect to h and t, and to tau if tauS (tau as a scalar)
	// is not nil.
	dense(x []V, a, da []float64, h S, k []V, c, dc []float64, t S, tau float64, tauS *S) V
	// add returns a + b (the time after a step).
	add(a, b S) S
	// errRatio returns the RMS norm of the scaled error estimate h·Σ e_j·k_j.
	errRatio(h S, k []V, e []float64, y0, y1 V, rtol, atol float64) S
	// control returns the next step size from h and the error ratio.
	control(h S, ratio S, c *controller) S
	// initialStep chooses the first step's magnitude (Hairer's algorithm),
	// spending one evaluation.
	initialStep(t0 float64, y0, f0 V, dir float64, o *Options) (float64, error)
	finite(v V) bool
	float(s S) float64
	constant(x float64) S
	// keep hands v to the caller, who may keep it for good.
	keep(v V) V
	// release says the loop no longer needs v.
	release(v V)
}

// when is the time of an evaluation as the backend's scalars: base + c·h
// (base alone when c is 0). The recording backend builds it as a value
// for dynamics that take time as one (TimeDynamics); the others ignore it.
type when[S any] struct {
	base S
	c    float64
	h    S
}

// controller holds the step-size controller's constants.
type controller struct {
	safety, ifactor, dfactor float64
	order                    int
	minStep, maxStep         float64
}

// factor is torchdiffeq's step-size factor: min(ifactor, max(lo,
// safety·ratio^(−1/p))), with lo = 1 after an accepted step (ratio < 1, so a
// step is never shrunk right after it succeeded) and dfactor otherwise, and
// ifactor when the estimate is exactly zero. It also returns d factor /
// d ratio.
func (c *controller) factor(ratio float64) (f, df float64) {
	if ratio == 0 {
		return c.ifactor, 0
	}
	lo := c.dfactor
	if ratio < 1 {
		lo = 1
	}
	p := float64(c.order)
	f = c.safety * math.Pow(ratio, -1/p)
	df = -f / (p * ratio)
	if f < lo {
		f, df = lo, 0
	}
	if f > c.ifactor {
		f, df = c.ifactor, 0
	}
	return f, df
}

// clampStep bounds |h| by maxStep, keeping its sign. It reports whether h
// was clamped.
func (c *controller) clampStep(h float64) (float64, bool) {
	if math.Abs(h) > c.maxStep {
		return math.Copysign(c.maxStep, h), true
	}
	return h, false
}

// Stats counts the work of a solve (or of one pass of a differentiable
// solve, see GradStats).
type Stats struct {
	// NFE is the number of evaluations of the dynamics.
	NFE int
	// Accepted and Rejected count the steps taken and the trial steps the
	// error control rejected.
	Accepted, Rejected int
	// Runtime is the wall time the solve (or pass) took.
	Runtime time.Duration
}

// work returns s without Runtime: the counts, which are the same for the
// same solve.
func (s Stats) work() Stats {
	s.Runtime = 0
	return s
}

// stepRec is one trial step: where it starts, its size, its stages and, as
// the loop learns them, its end state and the derivative there. The loop,
// the FSAL protocol, the dense output and the hooks all read it.
type stepRec[V, S any] struct {
	t, h float64 // start and size
	// t1 is the step's end: t+h for an adaptive step, the grid's time for
	// a fixed one (t+h may round away from it; then fixedEnd is set).
	t1       float64
	fixedEnd bool
	tS, hS   S   // t and h as the backend's scalars
	y0, y1   V   // the states at t and t1
	k        []V // stages; k[0] = f(t, y0)
	// last reports that FSAL's last stage k[s−1] = f(t1, y1) was
	// computed (the error estimate needs it; a fixed step skips it).
	last bool
	// f1 is f(t1, y1) once known (haveF1): FSAL's last stage, or an
	// evaluation made for the dense output that the next step reuses.
	f1     V
	haveF1 bool
	// firstOut is the index of the first output time the step emits (it
	// emits those in (t, t1], possibly none); set when it is accepted.
	firstOut int
}

// hooks lets a gradient method observe the loop. Values passed to a hook
// are valid only during the call: it must keep its own copies.
type hooks[V, S any] struct {
	// accepted is called with each accepted step, before its outputs are
	// emitted.
	accepted func(s *stepRec[V, S])
	// state, if set, is given the state at the start of accepted step i
	// (at time t) before the loop uses it, and returns the value the loop
	// uses in its place.
	state func(i int, t float64, y V) V
	// rejected, if set, is called with each rejected trial step after the
	// loop has released it.
	rejected func(s *stepRec[V, S])
}

// stepStarter is implemented by a backend that records each step on a
// graph of its own (ACA keeping step graphs, see keepBackend): before the
// loop evaluates f at the end state y1 of a trial step (FSAL's last stage,
// or f(t1, y1) for the dense output), it gets the value to evaluate it at,
// the start of the next step's graph.
type stepStarter[V any] interface {
	startNext(y1 V) V
}

// endInput returns the value f(t1, y1) is evaluated at (see stepStarter).
func (r *runner[V, S]) endInput(y1 V) V {
	if ss, ok := any(r.b).(stepStarter[V]); ok {
		return ss.startNext(y1)
	}
	return y1
}

// stepPolicy chooses the steps of a solve: the size of each trial step and
// whether it is accepted. The loop (runner.loop) does the rest.
type stepPolicy[V, S any] interface {
	// start is called once, with the state and derivative at the first
	// time t, before any step; it may spend evaluations.
	start(r *runner[V, S], t float64, y, f0 V) error
	// propose sets the next trial step's size and end time (s.h, s.hS,
	// s.t1) and its time as a scalar (s.tS), s.t being its start; an error
	// ends the solve (step limits, a step too small).
	propose(r *runner[V, S], s *stepRec[V, S]) error
	// needLast reports whether the trial steps compute FSAL's last stage.
	needLast() bool
	// judge decides on the trial step s, computed with the error stepErr
	// (nil when its end state and stages are there): accept it, or reject
	// it and try again; an error ends the solve (after the rejection, if
	// reject is set too).
	judge(r *runner[V, S], s *stepRec[V, S], stepErr error) (accept, reject bool, err error)
	// next is called after each trial step, accepted or rejected, once the
	// loop has committed or discarded it.
	next(r *runner[V, S], s *stepRec[V, S], accepted bool)
}

// timing gives a recording backend the output times as scalars (values
// on a graph), so that the outputs are differentiated with respect to them:
// t0 starts the time of the steps, taus[i] is times[i].
type timing[S any] struct {
	t0   S
	taus []S
}

// run integrates from times[0] through every time in times and returns the
// states there (out[0] is a copy of y0): with a fixed step if o asks for
// one, with error control otherwise. On a failure during the solve it
// returns the outputs reached so far with the error.
func run[V, S any](b backend[V, S], o *Options, y0 V, times []float64, dir float64, hk *hooks[V, S]) ([]V, Stats, error) {
	return runTimed(b, o, y0, times, dir, hk, nil)
}

// runTimed is run with the output times as scalars (tm, if not nil; an
// adaptive solve only).
func runTimed[V, S any](b backend[V, S], o *Options, y0 V, times []float64, dir float64, hk *hooks[V, S], tm *timing[S]) ([]V, Stats, error) {
	var p stepPolicy[V, S]
	if o.frozen != nil {
		p = &frozenSteps[V, S]{hs: *o.frozen}
	} else if o.fixed() {
		fp, err := newFixedSteps[V, S](o, times)
		if err != nil {
			return nil, Stats{}, err
		}
		p = fp
	} else {
		p = newAdaptiveSteps[V, S](o, dir)
	}
	return runWith(b, o, y0, times, dir, hk, p, tm)
}

// runWith is runTimed with the steps chosen by p.
func runWith[V, S any](b backend[V, S], o *Options, y0 V, times []float64, dir float64, hk *hooks[V, S], p stepPolicy[V, S], tm *timing[S]) ([]V, Stats, error) {
	r := &runner[V, S]{b: b, o: o, tb: o.Method, times: times, dir: dir, hk: hk, one: [1]float64{1}, t0S: b.constant(times[0]), tm: tm}
	if tm != nil {
		r.t0S = tm.t0
	}
	r.out = make([]V, len(times))
	r.out[0] = b.keep(r.copyOf(y0))
	if len(times) == 1 {
		return r.out, r.st, nil
	}
	if err := r.loop(y0, p); err != nil {
		return r.out[:r.next], r.st, err
	}
	return r.out, r.st, nil
}

type runner[V, S any] struct {
	b     backend[V, S]
	o     *Options
	tb    *Tableau
	times []float64
	dir   float64
	hk    *hooks[V, S]
	out   []V
	next  int // index of the next output time
	t0S   S   // times[0] as the backend's scalar
	tm    *timing[S]
	st    Stats
	coef  []float64
	x     [1]V // scratch for step's base state
	one   [1]float64
}

// loop takes the steps p chooses until every output time is reached: the
// one stepping loop of every solve.
func (r *runner[V, S]) loop(y0 V, p stepPolicy[V, S]) error {
	b := r.b
	s := &stepRec[V, S]{t: r.times[0], k: make([]V, r.tb.Stages()), last: p.needLast()}
	y := r.enter(s.t, y0)
	f0, err := r.eval(s.t, 0, y, when[S]{base: r.t0S}, "derivative at the initial state")
	if err != nil {
		return err
	}
	if err := p.start(r, s.t, y, f0); err != nil {
		return err
	}
	haveF0 := true
	r.next = 1
	for r.next < len(r.times) {
		if err := p.propose(r, s); err != nil {
			return err
		}
		if !haveF0 {
			if f0, err = r.eval(s.t, s.h, y, when[S]{base: s.tS}, "derivative"); err != nil {
				return err
			}
			haveF0 = true
		}
		s.y0, s.haveF1 = y, false
		var stepErr error
		s.y1, stepErr = r.step(s, f0)
		accept, reject, err := p.judge(r, s, stepErr)
		switch {
		case accept:
			if err := r.accept(s); err != nil {
				return err
			}
			r.releaseStages(s, true)
			b.release(y)
			y, f0, haveF0 = r.enter(s.t1, s.y1), s.f1, s.haveF1
			s.t = s.t1
		case reject:
			r.st.Rejected++
			if stepErr == nil { // a failed step released its own values
				b.release(s.y1)
				r.releaseStages(s, false)
			}
			if r.hk != nil && r.hk.rejected != nil {
				r.hk.rejected(s)
			}
		}
		if err != nil {
			return err
		}
		p.next(r, s, accept)
	}
	b.release(y)
	if haveF0 {
		b.release(f0)
	}
	return nil
}

// enter returns the state y that starts step r.st.Accepted at time t, as
// the loop is to use it (see hooks.state).
func (r *runner[V, S]) enter(t float64, y V) V {
	if r.hk != nil && r.hk.state != nil {
		return r.hk.state(r.st.Accepted, t, y)
	}
	return y
}

func (r *runner[V, S]) copyOf(y V) V {
	return r.b.lin([]V{y}, []float64{1}, r.b.constant(0), nil, nil)
}

func (r *runner[V, S]) eval(t, h float64, y V, at when[S], what string) (V, error) {
	r.st.NFE++
	v, err := r.b.eval(t, h, y, at)
	if err != nil {
		return v, err
	}
	if !r.b.finite(v) {
		r.b.release(v)
		var zero V
		return zero, &NonFiniteError{T: t, H: h, What: what}
	}
	return v, nil
}

// step computes the trial step s from its start (s.t, s.y0) with f0 =
// f(t, y0) and returns its end state; s.k receives the stages (k[0] = f0).
// The last stage of an FSAL method is computed only when s.last is set (it
// is needed for the error estimate and the dense output, not for y1). A
// NonFiniteError from a stage evaluation is returned as is, the stages
// computed before it released.
func (r *runner[V, S]) step(s *stepRec[V, S], f0 V) (V, error) {
	b, tb := r.b, r.tb
	t, hv, h, k := s.t, s.h, s.hS, s.k
	n := tb.Stages()
	k[0] = f0
	r.x[0] = s.y0
	x, one := r.x[:], r.one[:]
	var y1 V
	for i := 1; i < n; i++ {
		if tb.FSAL && i == n-1 {
			y1 = b.lin(x, one, h, k[:n-1], tb.B[:n-1])
			if !s.last {
				var zero V
				k[i] = zero
				return y1, nil
			}
			ki, err := r.eval(t+hv, hv, r.endInput(y1), when[S]{s.tS, 1, h}, "derivative")
			if err != nil {
				b.release(y1)
				r.release(k[1:i])
				return y1, err
			}
			k[i] = ki
			return y1, nil
		}
		yi := b.lin(x, one, h, k[:i], tb.A[i])
		ki, err := r.eval(t+tb.C[i]*hv, hv, yi, when[S]{s.tS, tb.C[i], h}, "derivative")
		b.release(yi)
		if err != nil {
			r.release(k[1:i])
			return y1, err
		}
		k[i] = ki
	}
	y1 = b.lin(x, one, h, k, tb.B)
	return y1, nil
}

func (r *runner[V, S]) release(vs []V) {
	for _, v := range vs {
		r.b.release(v)
	}
}

// releaseStages releases the stages of step s after k[0]; with f0 set,
// k[0] too. An FSAL stage that became f(t1, y1) is kept for the next step.
func (r *runner[V, S]) releaseStages(s *stepRec[V, S], f0 bool) {
	n := len(s.k)
	for j := 1; j < n; j++ {
		if !(r.tb.FSAL && j == n-1 && s.haveF1) {
			r.b.release(s.k[j])
		}
	}
	if f0 {
		r.b.release(s.k[0])
	}
}

// fEnd returns f(t1, y1): the last stage of an FSAL method if computed, a
// new evaluation otherwise.
func (r *runner[V, S]) fEnd(s *stepRec[V, S]) (V, error) {
	if r.tb.FSAL && s.last {
		return s.k[len(s.k)-1], nil
	}
	at := when[S]{s.tS, 1, s.hS}
	if s.fixedEnd {
		at = when[S]{base: r.b.constant(s.t1)}
	}
	return r.eval(s.t1, s.h, r.endInput(s.y1), at, "derivative")
}

// emit writes the outputs whose times lie in (t, t1] (in the direction of
// integration), interpolating inside the step. When the interpolation needs
// f(t1, y1) it evaluates it into s.f1 (the next step reuses it).
func (r *runner[V, S]) emit(s *stepRec[V, S]) error {
	b, tb := r.b, r.tb
	t, hv, t1 := s.t, s.h, s.t1
	n := tb.Stages()
	for r.next < len(r.times) {
		tau := r.times[r.next]
		if (tau-t1)*r.dir > 0 {
			return nil
		}
		var tauS *S
		if r.tm != nil {
			// The output depends on its time: even at the step's end it is
			// the interpolant (equal to y1 to rounding), differentiable in
			// tau.
			tauS = &r.tm.taus[r.next]
		} else if tau == t1 {
			r.out[r.next] = b.keep(r.copyOf(s.y1))
			r.next++
			continue
		}
		theta := (tau - t) / hv
		// Interpolation needs f(t1, y1): the FSAL stage, or a new evaluation
		// that the next step reuses as its first stage.
		if !s.haveF1 {
			v, err := r.fEnd(s)
			if err != nil {
				return err
			}
			s.f1, s.haveF1 = v, true
		}
		if r.coef == nil {
			r.coef = make([]float64, 2*n)
		}
		var y V
		if tb.Dense != nil {
			stages := s.k
			if tb.FSAL && !s.last {
				stages = append(append([]V(nil), s.k[:n-1]...), s.f1)
			}
			c, dc := r.coef[:n], r.coef[n:]
			denseWeights(tb.Dense, theta, c, dc)
			y = b.dense([]V{s.y0}, []float64{1}, []float64{0}, s.hS, stages, c, dc, s.tS, tau, tauS)
		} else {
			t2 := theta * theta
			t3 := t2 * theta
			a := []float64{2*t3 - 3*t2 + 1, -2*t3 + 3*t2}
			da := []float64{6*t2 - 6*theta, -6*t2 + 6*theta}
			c := []float64{t3 - 2*t2 + theta, t3 - t2}
			dc := []float64{3*t2 - 4*theta + 1, 3*t2 - 2*theta}
			y = b.dense([]V{s.y0, s.y1}, a, da, s.hS, []V{s.k[0], s.f1}, c, dc, s.tS, tau, tauS)
		}
		r.out[r.next] = b.keep(y)
		r.next++
	}
	return nil
}

// accept commits step s: hooks, outputs, and f(t1, y1) for the next step
// (s.f1, if known: FSAL's last stage or an evaluation for the outputs).
func (r *runner[V, S]) accept(s *stepRec[V, S]) error {
	r.st.Accepted++
	s.firstOut = r.next
	if r.hk != nil && r.hk.accepted != nil {
		r.hk.accepted(s)
	}
	if r.tb.FSAL && s.last {
		s.f1, s.haveF1 = s.k[len(s.k)-1], true
	}
	if err := r.emit(s); err != nil {
		s.haveF1 = false
		return err
	}
	return nil
}

// hairer is Hairer's initial step selection (Hairer, Nørsett and Wanner,
// Solving ODEs I, II.4) as torchdiffeq implements it, on plain tensors. It
// returns |h| and spends one evaluation of f.
func hairer(f func(t float64, y *tensor.Tensor) (*tensor.Tensor, error), release func(*tensor.Tensor), norm func(x, y *tensor.Tensor, rtol, atol float64) float64, t0 float64, y0, f0 *tensor.Tensor, dir float64, order int, rtol, atol float64) (float64, error) {
	d0 := norm(y0, y0, rtol, atol)
	d1 := norm(f0, y0, rtol, atol)
	var h0 float64
	if d0 < 1e-5 || d1 < 1e-5 {
		h0 = 1e-6
	} else {
		h0 = 0.01 * d0 / d1
	}
	if !(h0 > 0) || math.IsInf(h0, 0) {
		// Both norms overflowed (tolerances near 1e-300, or an atol of 0
		// against zeros in y0): Inf/Inf is no step size. Start small and
		// let the error control find its way, or report the tolerances.
		h0 = 1e-6
	}
	y1 := tensor.ZerosLike(y0)
	linInto(y1, []term{{1, y0}}, h0*dir, []term{{1, f0}})
	f1, err := f(t0+h0*dir, y1)
	if err != nil {
		return 0, err
	}
	if !tensor.AllFinite(f1) {
		release(f1)
		return 0, &NonFiniteError{T: t0, H: h0 * dir, What: "derivative while choosing the first step"}
	}
	diff := tensor.Sub(f1, f0)
	release(f1)
	d2 := norm(diff, y0, rtol, atol) / h0
	var h1 float64
	if d1 <= 1e-15 && d2 <= 1e-15 {
		h1 = math.Max(1e-6, h0*1e-3)
	} else {
		h1 = math.Pow(0.01/math.Max(d1, d2), 1/float64(order))
	}
	if !(h1 > 0) || math.IsInf(h1, 0) {
		h1 = math.Max(1e-6, h0*1e-3) // as above
	}
	return math.Min(100*h0, h1), nil
}
