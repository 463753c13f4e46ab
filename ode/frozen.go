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
	hk := &hooks[*tensor.Tensor, float64]{accepted: func(a *acceptInfo[*tensor.Tensor, float64]) { hs = append(hs, a.h) }}
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
	o.schedule = append(make([]float64, 0, len(hs)), hs...)
	return o
}
