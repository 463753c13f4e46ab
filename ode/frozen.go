package ode

import "github.com/acaode/aca/tensor"

// AcceptedSteps returns the sizes of the steps that a solve of f from y0
// through times with opts accepts, in order: the steps ACA checkpoints and
// re-runs. Nothing is recorded. With WithFrozenSteps it gives the discrete
// map ACA differentiates exactly, for checking ACA's gradient from outside
// this package (a model's ODE blocks, for instance).
func AcceptedSteps(f Dynamics, y0 *tensor.Tensor, times []float64, opts Options) ([]float64, error) {
	o, dir, err := prepare(y0, times, opts)
	if err != nil {
		return nil, err
	}
	var hs []float64
	hk := &hooks[*tensor.Tensor, float64]{accepted: func(s *stepRec[*tensor.Tensor, float64]) { hs = append(hs, s.h) }}
	if _, _, err := run[*tensor.Tensor, float64](unrecordedBackend(f, y0), &o, y0, times, dir, hk); err != nil {
		return nil, err
	}
	return hs, nil
}

// WithFrozenSteps returns a copy of o that takes exactly the step sizes hs
// (from AcceptedSteps), each accepted without error control: the forward
// pass with its step sizes frozen. A Naive solve with it backpropagates
// through those steps alone, the reference ACA's gradient equals.
func (o Options) WithFrozenSteps(hs []float64) Options {
	frozen := append(make([]float64, 0, len(hs)), hs...)
	o.frozen = &frozen
	return o
}

// frozenSteps is the step policy of a solve "with the step sizes frozen":
// it takes the given step sizes, each accepted, advancing t as the adaptive
// policy does (so that the sizes recorded from an adaptive solve reproduce
// it bit for bit). It is the reference ACA is checked against.
type frozenSteps[V, S any] struct {
	hs []float64
	i  int
	tS S
}

func (p *frozenSteps[V, S]) start(r *runner[V, S], t float64, _, _ V) error {
	p.tS = r.b.constant(t)
	return nil
}

func (p *frozenSteps[V, S]) propose(r *runner[V, S], s *stepRec[V, S]) error {
	if p.i >= len(p.hs) {
		return &StepLimitError{T: s.t, Limit: len(p.hs), End: r.times[len(r.times)-1], fixed: true}
	}
	hv := p.hs[p.i]
	s.h, s.hS, s.tS, s.t1 = hv, r.b.constant(hv), p.tS, s.t+hv
	return nil
}

func (p *frozenSteps[V, S]) needLast() bool { return true }

func (p *frozenSteps[V, S]) judge(_ *runner[V, S], _ *stepRec[V, S], err error) (bool, bool, error) {
	return err == nil, false, err
}

func (p *frozenSteps[V, S]) next(r *runner[V, S], s *stepRec[V, S], _ bool) {
	p.tS = r.b.add(p.tS, s.hS)
	p.i++
}
