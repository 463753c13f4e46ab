package ode

import (
	"fmt"
	"math"
)

// fixedSteps takes n equal steps from the first output time to the last
// (Options.Steps), or steps of Options.StepSize with the last one
// shortened, each accepted. The step ends lie on the grid t0 + i·h.
type fixedSteps[V, S any] struct {
	t0, tEnd, h float64
	n, i        int // steps in all, and the next one
}

func newFixedSteps[V, S any](o *Options, times []float64) (*fixedSteps[V, S], error) {
	t0, tEnd := times[0], times[len(times)-1]
	span := tEnd - t0
	p := &fixedSteps[V, S]{t0: t0, tEnd: tEnd}
	if o.Steps > 0 {
		p.n = o.Steps
		p.h = span / float64(p.n)
	} else {
		p.h = math.Copysign(o.StepSize, span)
		// Enough steps of StepSize to cover the span; the last is shortened.
		// Counted in floating point first: a tiny step would overflow an int.
		nf := math.Ceil(math.Abs(span)/o.StepSize - 1e-9)
		if nf > float64(o.MaxSteps) {
			return nil, &StepLimitError{T: t0, H: p.h, Limit: o.MaxSteps, End: tEnd, fixed: true}
		}
		p.n = max(int(nf), 1)
	}
	if p.n > o.MaxSteps {
		return nil, &StepLimitError{T: t0, H: p.h, Limit: o.MaxSteps, End: tEnd, fixed: true}
	}
	return p, nil
}

func (p *fixedSteps[V, S]) start(*runner[V, S], float64, V, V) error { return nil }

func (p *fixedSteps[V, S]) propose(r *runner[V, S], s *stepRec[V, S]) error {
	if p.i >= p.n { // the grid ends on the last output time
		return fmt.Errorf("ode: internal error: %d fixed steps taken but outputs remain", p.n)
	}
	s.t = p.t0 + float64(p.i)*p.h
	s.t1 = p.t0 + float64(p.i+1)*p.h
	if p.i == p.n-1 {
		s.t1 = p.tEnd
	}
	s.h = s.t1 - s.t
	s.fixedEnd = true
	if s.t1 == s.t {
		return &StepSizeError{T: s.t, H: s.h, fixed: true}
	}
	s.hS, s.tS = r.b.constant(s.h), r.b.constant(s.t)
	return nil
}

func (p *fixedSteps[V, S]) needLast() bool { return false }

// judge accepts every step; a non-finite stage or state ends the solve.
func (p *fixedSteps[V, S]) judge(r *runner[V, S], s *stepRec[V, S], stepErr error) (accept, reject bool, err error) {
	if stepErr != nil {
		return false, false, stepErr
	}
	if !r.b.finite(s.y1) {
		return false, false, &NonFiniteError{T: s.t, H: s.h, What: "state"}
	}
	return true, false, nil
}

func (p *fixedSteps[V, S]) next(*runner[V, S], *stepRec[V, S], bool) { p.i++ }

// maxNonFinite is how many trial steps in a row may produce a non-finite
// state or derivative (each shrinking h by DFactor) before the solve fails
// with a NonFiniteError.
const maxNonFinite = 10

// adaptiveSteps is torchdiffeq's error control: a trial step is accepted
// when its error ratio is at most 1, and the next size follows from the
// ratio (controller.factor). A trial step that produces a non-finite value
// is rejected and retried DFactor times shorter, a bounded number of times
// in a row.
type adaptiveSteps[V, S any] struct {
	o        *Options
	ctl      controller
	dir      float64
	h, tS    S // the next trial size, and the time reached, as scalars
	ratio    S // the last trial step's error ratio
	attempts int
	// nonFinite counts the trial steps in a row rejected for a non-finite
	// value (then shrink is set), and lastNF is the last of them, unless a
	// finite trial step (accepted, or rejected for its error) came since.
	nonFinite int
	shrink    bool
	lastNF    *NonFiniteError
}

func newAdaptiveSteps[V, S any](o *Options, dir float64) *adaptiveSteps[V, S] {
	return &adaptiveSteps[V, S]{o: o, dir: dir, ctl: controller{safety: o.Safety, ifactor: o.IFactor, dfactor: o.DFactor, order: o.Method.Order, minStep: o.MinStep, maxStep: o.MaxStep}}
}

// start chooses the first step: Options.FirstStep, or Hairer's algorithm
// (one evaluation).
func (p *adaptiveSteps[V, S]) start(r *runner[V, S], t float64, y, f0 V) error {
	var hv float64
	if p.o.FirstStep > 0 {
		hv = p.o.FirstStep * p.dir
	} else {
		r.st.NFE++
		var err error
		if hv, err = r.b.initialStep(t, y, f0, p.dir, p.o); err != nil {
			return err
		}
		hv *= p.dir
	}
	hv, _ = p.ctl.clampStep(hv)
	p.h = r.b.constant(hv)
	// The time, as a backend scalar: on a graph it depends on the step sizes.
	p.tS = r.t0S
	return nil
}

func (p *adaptiveSteps[V, S]) propose(r *runner[V, S], s *stepRec[V, S]) error {
	hv := r.b.float(p.h)
	if p.attempts >= p.o.MaxSteps {
		return &StepLimitError{T: s.t, H: hv, Limit: p.o.MaxSteps, End: r.times[len(r.times)-1]}
	}
	p.attempts++
	var small *StepSizeError
	if p.o.MinStep > 0 && math.Abs(hv) < p.o.MinStep {
		small = &StepSizeError{T: s.t, H: hv, MinStep: p.o.MinStep}
	} else if s.t+hv == s.t {
		small = &StepSizeError{T: s.t, H: hv}
	}
	if small != nil {
		if p.lastNF != nil {
			// The steps shrank because the dynamics keep producing
			// non-finite values just ahead: say so, not "stiff".
			return &NonFiniteError{T: s.t, H: hv, What: p.lastNF.What + " in every trial step past this time (the step size shrank " + shrunkTo(small.MinStep) + ")"}
		}
		return small
	}
	s.h, s.hS, s.tS, s.t1 = hv, p.h, p.tS, s.t+hv
	return nil
}

// shrunkTo describes the step size at which an adaptive solve gives up.
func shrunkTo(minStep float64) string {
	if minStep > 0 {
		return fmt.Sprintf("below MinStep %.3g", minStep)
	}
	return "until t + h rounds to t"
}

func (p *adaptiveSteps[V, S]) needLast() bool { return true }

func (p *adaptiveSteps[V, S]) judge(r *runner[V, S], s *stepRec[V, S], stepErr error) (accept, reject bool, err error) {
	b, o := r.b, p.o
	ok, yFinite := stepErr == nil, true
	if ok {
		p.ratio = b.errRatio(s.hS, s.k, r.tb.BErr, s.y0, s.y1, o.RTol, o.ATol)
		rv := b.float(p.ratio)
		yFinite = b.finite(s.y1)
		ok = !math.IsNaN(rv) && !math.IsInf(rv, 0) && yFinite
	} else if _, isNF := stepErr.(*NonFiniteError); !isNF {
		return false, false, stepErr
	}
	if !ok {
		// A trial step too long for the dynamics (overflow, or leaving
		// their domain): shrink and retry, a bounded number of times.
		p.nonFinite++
		p.shrink = true
		// The stages and the state were finite (else the branches below):
		// the error relative to the tolerances overflowed.
		what := "error estimate relative to the tolerances (the stages and the state are finite; are the tolerances too small for float64?)"
		if nf, isNF := stepErr.(*NonFiniteError); isNF {
			what = nf.What
		} else if !yFinite {
			what = "state"
		}
		p.lastNF = &NonFiniteError{T: s.t, H: s.h, What: what}
		if p.nonFinite > maxNonFinite {
			return false, true, &NonFiniteError{T: s.t, H: s.h, What: what + " in every trial step down to this size"}
		}
		return false, true, nil
	}
	p.nonFinite = 0
	// A finite trial, accepted or rejected for its error, ends the run of
	// non-finite ones: a later underflow is not their fault.
	p.lastNF = nil
	if b.float(p.ratio) <= 1 {
		return true, false, nil
	}
	return false, true, nil
}

// next advances the time after an accepted step and sets the next trial
// size: DFactor times the last after a non-finite trial step, the
// controller's choice otherwise.
func (p *adaptiveSteps[V, S]) next(r *runner[V, S], s *stepRec[V, S], accepted bool) {
	if accepted {
		p.tS = r.b.add(p.tS, s.hS)
	}
	if p.shrink {
		p.shrink = false
		p.h = r.b.constant(s.h * p.o.DFactor)
		return
	}
	p.h = r.b.control(p.h, p.ratio, &p.ctl)
}
