package ode

import (
	"fmt"
	"math"

	"github.com/acaode/aca/tensor"
)

// backend is the arithmetic the stepping loop runs on. V is a state (a
// tensor, or an autograd value), S a scalar (a float64, or a scalar value on
// a graph, so that the naive method can differentiate the step sizes). The
// stepping loop, the Runge–Kutta step and the dense output are written once
// against this interface; tensorBackend runs them without recording and
// graphBackend records them.
type backend[V, S any] interface {
	// eval returns f(t, y); h is the size of the step it belongs to.
	eval(t, h float64, y V) (V, error)
	// lin returns Σ a_m·x_m + h·Σ c_j·k_j, skipping zero coefficients.
	lin(x []V, a []float64, h S, k []V, c []float64) V
	// dense returns Σ a_m·x_m + h·Σ c_j·k_j, the weights being those of a
	// dense-output rule at θ = (tau − t)/h; da and dc are their derivatives
	// with respect to θ, so that a recording backend can differentiate the
	// output with respect to h and t.
	dense(x []V, a, da []float64, h S, k []V, c, dc []float64, t S, tau float64) V
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

// Stats counts the work of a solve.
type Stats struct {
	// NFE is the number of evaluations of the dynamics.
	NFE int
	// Accepted and Rejected count the steps taken and the trial steps the
	// error control rejected.
	Accepted, Rejected int
}

// acceptInfo describes an accepted step to a hook.
type acceptInfo[V, S any] struct {
	t, h float64 // start and size of the step
	hs   S       // the step size as the backend's scalar
	y0   V       // state at t
	y1   V       // state at t+h
	k    []V     // stages; k[s−1] is nil unless computed
	// firstOut is the index of the first output time the step emits (it
	// emits those in (t, t+h], possibly none).
	firstOut int
}

// hooks lets a gradient method observe the loop. Values passed to a hook
// are valid only during the call: it must keep its own copies.
type hooks[V, S any] struct {
	accepted func(a *acceptInfo[V, S])
	// state, if set, is given the state at the start of accepted step i
	// (at time t) before the loop uses it, and returns the value the loop
	// uses in its place.
	state func(i int, t float64, y V) V
}

// run integrates from times[0] through every time in times and returns the
// states there (out[0] is a copy of y0). On a failure during the solve it
// returns the outputs reached so far with the error.
func run[V, S any](b backend[V, S], o *Options, y0 V, times []float64, dir float64, hk *hooks[V, S]) ([]V, Stats, error) {
	r := &runner[V, S]{b: b, o: o, tb: o.Method, times: times, dir: dir, hk: hk, one: [1]float64{1}}
	r.out = make([]V, len(times))
	r.out[0] = b.keep(r.copyOf(y0))
	if len(times) == 1 {
		return r.out, r.st, nil
	}
	var err error
	if o.schedule != nil {
		err = r.scheduleLoop(y0)
	} else if o.fixed() {
		err = r.fixedLoop(y0)
	} else {
		err = r.adaptiveLoop(y0)
	}
	if err != nil {
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
	st    Stats
	coef  []float64
	x     [1]V // scratch for step's base state
	one   [1]float64
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

func (r *runner[V, S]) eval(t, h float64, y V, what string) (V, error) {
	r.st.NFE++
	v, err := r.b.eval(t, h, y)
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

// step computes one Runge–Kutta step from (t, y0) with f0 = f(t, y0). k
// receives the stages (k[0] = f0). The last stage of an FSAL method is
// computed only when last is set (it is needed for the error estimate and
// the dense output, not for y1). A NonFiniteError from a stage evaluation
// is returned as is.
func (r *runner[V, S]) step(t float64, y0, f0 V, h S, k []V, last bool) (V, error) {
	b, tb := r.b, r.tb
	hv := b.float(h)
	s := tb.Stages()
	k[0] = f0
	r.x[0] = y0
	x, one := r.x[:], r.one[:]
	var y1 V
	for i := 1; i < s; i++ {
		if tb.FSAL && i == s-1 {
			y1 = b.lin(x, one, h, k[:s-1], tb.B[:s-1])
			if !last {
				var zero V
				k[i] = zero
				return y1, nil
			}
			ki, err := r.eval(t+hv, hv, y1, "derivative")
			if err != nil {
				b.release(y1)
				r.releaseStages(k[1:i])
				return y1, err
			}
			k[i] = ki
			return y1, nil
		}
		yi := b.lin(x, one, h, k[:i], tb.A[i])
		ki, err := r.eval(t+tb.C[i]*hv, hv, yi, "derivative")
		b.release(yi)
		if err != nil {
			r.releaseStages(k[1:i])
			return y1, err
		}
		k[i] = ki
	}
	y1 = b.lin(x, one, h, k, tb.B)
	return y1, nil
}

func (r *runner[V, S]) releaseStages(k []V) {
	for _, v := range k {
		r.b.release(v)
	}
}

// fEnd returns f(t+h, y1): the last stage of an FSAL method if computed, a
// new evaluation otherwise.
func (r *runner[V, S]) fEnd(t, h float64, y1 V, k []V, have bool) (V, error) {
	if r.tb.FSAL && have {
		return k[len(k)-1], nil
	}
	return r.eval(t+h, h, y1, "derivative")
}

// emit writes the outputs whose times lie in (t, t+h] (in the direction of
// integration), interpolating inside the step. It reports whether f(t+h, y1)
// was evaluated for the interpolation (then *f1 holds it).
func (r *runner[V, S]) emit(t float64, tS, h S, y0, y1 V, k []V, haveLast bool, f1 *V, haveF1 *bool) error {
	b, tb := r.b, r.tb
	hv := b.float(h)
	t1 := t + hv
	s := tb.Stages()
	for r.next < len(r.times) {
		tau := r.times[r.next]
		if (tau-t1)*r.dir > 0 {
			return nil
		}
		if tau == t1 {
			r.out[r.next] = b.keep(r.copyOf(y1))
			r.next++
			continue
		}
		theta := (tau - t) / hv
		// Interpolation needs f(t1, y1): the FSAL stage, or a new evaluation
		// that the next step reuses as its first stage.
		if !*haveF1 {
			v, err := r.fEnd(t, hv, y1, k, haveLast)
			if err != nil {
				return err
			}
			*f1, *haveF1 = v, true
		}
		if r.coef == nil {
			r.coef = make([]float64, 2*s)
		}
		var y V
		if tb.Dense != nil {
			stages := k
			if tb.FSAL && !haveLast {
				stages = append(append([]V(nil), k[:s-1]...), *f1)
			}
			c, dc := r.coef[:s], r.coef[s:]
			denseWeights(tb.Dense, theta, c, dc)
			y = b.dense([]V{y0}, []float64{1}, []float64{0}, h, stages, c, dc, tS, tau)
		} else {
			t2 := theta * theta
			t3 := t2 * theta
			a := []float64{2*t3 - 3*t2 + 1, -2*t3 + 3*t2}
			da := []float64{6*t2 - 6*theta, -6*t2 + 6*theta}
			c := []float64{t3 - 2*t2 + theta, t3 - t2}
			dc := []float64{3*t2 - 4*theta + 1, 3*t2 - 2*theta}
			y = b.dense([]V{y0, y1}, a, da, h, []V{k[0], *f1}, c, dc, tS, tau)
		}
		r.out[r.next] = b.keep(y)
		r.next++
	}
	return nil
}

// accept finishes an accepted step: hooks, outputs, and the derivative at
// y1 for the next step (returned with ok = false if not yet computed).
func (r *runner[V, S]) accept(t float64, tS, h S, y0, y1 V, k []V, haveLast bool) (f1 V, haveF1 bool, err error) {
	r.st.Accepted++
	if r.hk != nil && r.hk.accepted != nil {
		r.hk.accepted(&acceptInfo[V, S]{t: t, h: r.b.float(h), hs: h, y0: y0, y1: y1, k: k, firstOut: r.next})
	}
	if r.tb.FSAL && haveLast {
		f1, haveF1 = k[len(k)-1], true
	}
	if err := r.emit(t, tS, h, y0, y1, k, haveLast, &f1, &haveF1); err != nil {
		return f1, false, err
	}
	return f1, haveF1, nil
}

func (r *runner[V, S]) fixedLoop(y0 V) error {
	b, o := r.b, r.o
	t0, tEnd := r.times[0], r.times[len(r.times)-1]
	span := tEnd - t0
	var n int
	var hFix float64
	if o.Steps > 0 {
		n = o.Steps
		hFix = span / float64(n)
	} else {
		hFix = math.Copysign(o.StepSize, span)
		// Enough steps of StepSize to cover the span; the last is shortened.
		// Counted in floating point first: a tiny step would overflow an int.
		nf := math.Ceil(math.Abs(span)/o.StepSize - 1e-9)
		if nf > float64(o.MaxSteps) {
			return &StepLimitError{T: t0, H: hFix, Limit: o.MaxSteps, End: tEnd, fixed: true}
		}
		n = max(int(nf), 1)
	}
	if n > o.MaxSteps {
		return &StepLimitError{T: t0, H: hFix, Limit: o.MaxSteps, End: tEnd, fixed: true}
	}
	s := r.tb.Stages()
	k := make([]V, s)
	y := r.enter(t0, y0)
	f0, err := r.eval(t0, 0, y, "derivative at the initial state")
	if err != nil {
		return err
	}
	haveF0 := true
	r.next = 1
	for i := 0; i < n; i++ {
		t := t0 + float64(i)*hFix
		t1 := t0 + float64(i+1)*hFix
		if i == n-1 {
			t1 = tEnd
		}
		hv := t1 - t
		if t1 == t {
			return &StepSizeError{T: t, H: hv, fixed: true}
		}
		if !haveF0 {
			if f0, err = r.eval(t, hv, y, "derivative"); err != nil {
				return err
			}
		}
		h := b.constant(hv)
		y1, err := r.step(t, y, f0, h, k, false)
		if err != nil {
			return err
		}
		if !b.finite(y1) {
			return &NonFiniteError{T: t, H: hv, What: "state"}
		}
		f1, haveF1, err := r.accept(t, b.constant(t), h, y, y1, k, false)
		if err != nil {
			return err
		}
		r.releaseStages(k)
		b.release(y)
		y, f0, haveF0 = r.enter(t1, y1), f1, haveF1
	}
	b.release(y)
	if haveF0 {
		b.release(f0)
	}
	return nil
}

// scheduleLoop takes the steps of o.schedule, each accepted, advancing t
// exactly as the adaptive loop does (so that a schedule recorded from an
// adaptive solve reproduces it bit for bit).
func (r *runner[V, S]) scheduleLoop(y0 V) error {
	b, tb := r.b, r.tb
	t := r.times[0]
	y := r.enter(t, y0)
	f0, err := r.eval(t, 0, y, "derivative at the initial state")
	if err != nil {
		return err
	}
	tS := b.constant(t)
	s := tb.Stages()
	k := make([]V, s)
	haveF0 := true
	r.next = 1
	for _, hv := range r.o.schedule {
		if r.next >= len(r.times) {
			break
		}
		if !haveF0 {
			if f0, err = r.eval(t, hv, y, "derivative"); err != nil {
				return err
			}
		}
		h := b.constant(hv)
		y1, err := r.step(t, y, f0, h, k, tb.FSAL)
		if err != nil {
			return err
		}
		f1, haveF1, err := r.accept(t, tS, h, y, y1, k, tb.FSAL)
		if err != nil {
			return err
		}
		t += hv
		tS = b.add(tS, h)
		y, f0, haveF0 = r.enter(t, y1), f1, haveF1
	}
	if r.next < len(r.times) {
		return &StepLimitError{T: t, Limit: len(r.o.schedule), End: r.times[len(r.times)-1], fixed: true}
	}
	return nil
}

// maxNonFinite is how many trial steps in a row may produce a non-finite
// state or derivative (each shrinking h by DFactor) before the solve fails
// with a NonFiniteError.
const maxNonFinite = 10

func (r *runner[V, S]) adaptiveLoop(y0 V) error {
	b, o, tb := r.b, r.o, r.tb
	ctl := &controller{safety: o.Safety, ifactor: o.IFactor, dfactor: o.DFactor, order: tb.Order, minStep: o.MinStep, maxStep: o.MaxStep}
	t := r.times[0]
	tEnd := r.times[len(r.times)-1]
	y := r.enter(t, y0)
	f0, err := r.eval(t, 0, y, "derivative at the initial state")
	if err != nil {
		return err
	}
	var hv float64
	if o.FirstStep > 0 {
		hv = o.FirstStep * r.dir
	} else {
		r.st.NFE++
		if hv, err = b.initialStep(t, y, f0, r.dir, o); err != nil {
			return err
		}
		hv *= r.dir
	}
	hv, _ = ctl.clampStep(hv)
	h := b.constant(hv)
	// The time, as a backend scalar: on a graph it depends on the step sizes.
	tS := b.constant(t)
	s := tb.Stages()
	k := make([]V, s)
	haveF0 := true
	r.next = 1
	nonFinite := 0
	// lastNF is the last trial step rejected for a non-finite value, unless
	// a step was rejected for its error since.
	var lastNF *NonFiniteError
	for attempts := 0; r.next < len(r.times); attempts++ {
		hv = b.float(h)
		if attempts >= o.MaxSteps {
			return &StepLimitError{T: t, H: hv, Limit: o.MaxSteps, End: tEnd}
		}
		var small *StepSizeError
		if o.MinStep > 0 && math.Abs(hv) < o.MinStep {
			small = &StepSizeError{T: t, H: hv, MinStep: o.MinStep}
		} else if t+hv == t {
			small = &StepSizeError{T: t, H: hv}
		}
		if small != nil {
			if lastNF != nil {
				// The steps shrank because the dynamics keep producing
				// non-finite values just ahead: say so, not "stiff".
				return &NonFiniteError{T: t, H: hv, What: lastNF.What + " in every trial step past this time (the step size shrank " + shrunkTo(small.MinStep) + ")"}
			}
			return small
		}
		if !haveF0 {
			if f0, err = r.eval(t, hv, y, "derivative"); err != nil {
				return err
			}
			haveF0 = true
		}
		y1, err := r.step(t, y, f0, h, k, true)
		var ratio S
		ok := err == nil
		yFinite := true
		if ok {
			ratio = b.errRatio(h, k, tb.BErr, y, y1, o.RTol, o.ATol)
			rv := b.float(ratio)
			yFinite = b.finite(y1)
			ok = !math.IsNaN(rv) && !math.IsInf(rv, 0) && yFinite
		} else if _, isNF := err.(*NonFiniteError); !isNF {
			return err
		}
		if !ok {
			// A trial step too long for the dynamics (overflow, or leaving
			// their domain): shrink and retry, a bounded number of times.
			nonFinite++
			r.st.Rejected++
			if err == nil {
				b.release(y1)
				r.releaseStages(k[1:])
			}
			what := "error estimate"
			if nf, isNF := err.(*NonFiniteError); isNF {
				what = nf.What
			} else if !yFinite {
				what = "state"
			}
			lastNF = &NonFiniteError{T: t, H: hv, What: what}
			if nonFinite > maxNonFinite {
				return &NonFiniteError{T: t, H: hv, What: what + " in every trial step down to this size"}
			}
			h = b.constant(hv * o.DFactor)
			continue
		}
		nonFinite = 0
		if b.float(ratio) <= 1 {
			f1, haveF1, err := r.accept(t, tS, h, y, y1, k, true)
			if err != nil {
				return err
			}
			for j := 1; j < s; j++ {
				if !(tb.FSAL && j == s-1 && haveF1) {
					b.release(k[j])
				}
			}
			b.release(f0)
			b.release(y)
			t += hv
			tS = b.add(tS, h)
			y, f0, haveF0 = r.enter(t, y1), f1, haveF1
		} else {
			r.st.Rejected++
			b.release(y1)
			r.releaseStages(k[1:])
			lastNF = nil
		}
		h = b.control(h, ratio, ctl)
	}
	b.release(y)
	if haveF0 {
		b.release(f0)
	}
	return nil
}

// shrunkTo describes the step size at which an adaptive solve gives up.
func shrunkTo(minStep float64) string {
	if minStep > 0 {
		return fmt.Sprintf("below MinStep %.3g", minStep)
	}
	return "until t + h rounds to t"
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
	return math.Min(100*h0, h1), nil
}
