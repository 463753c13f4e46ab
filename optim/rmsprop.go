package optim

import (
	"fmt"
	"math"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

// RMSpropConfig configures RMSprop. Zero fields are taken literally; start
// from RMSpropDefaults.
type RMSpropConfig struct {
	LR          float64 // learning rate
	Alpha       float64 // decay rate of the squared-gradient average, in [0, 1)
	Eps         float64 // added to the denominator; must be > 0
	WeightDecay float64 // λ, an L2 penalty added to the gradient
	Momentum    float64 // μ; 0 turns momentum off
	Centered    bool    // divide by an estimate of the gradient's variance instead
}

// RMSpropDefaults returns PyTorch's defaults: lr 0.01, alpha 0.99, eps
// 1e-8, no weight decay or momentum, not centered.
func RMSpropDefaults() RMSpropConfig { return RMSpropConfig{LR: 0.01, Alpha: 0.99, Eps: 1e-8} }

// RMSprop is RMSprop (Hinton's lecture 6e) with PyTorch's update: for each
// parameter p with gradient g,
//
//	d = g + λp
//	s = αs + (1−α)d²
//	a = αa + (1−α)d,  q = √(s − a²) + ε   (centered)   or   q = √s + ε
//	b = μb + d/q,  p = p − lr·b           (μ > 0)      or   p = p − lr·d/q
//
// State: "<i>.step" (a Float64 scalar counting updates, as PyTorch keeps
// it), "<i>.square_avg" (s), with momentum "<i>.momentum_buffer" (b) and
// centered "<i>.grad_avg" (a).
type RMSprop struct {
	base
	cfg RMSpropConfig
}

// NewRMSprop returns an RMSprop optimizer over params.
func NewRMSprop(params []*autograd.Value, c RMSpropConfig) (*RMSprop, error) {
	if !(c.Alpha >= 0 && c.Alpha < 1) {
		return nil, fmt.Errorf("optim: RMSprop: alpha %v must be in [0, 1)", c.Alpha)
	}
	if !finiteNonNeg(c.WeightDecay) || !finiteNonNeg(c.Momentum) {
		return nil, fmt.Errorf("optim: RMSprop: weight decay %v and momentum %v must be finite and not negative", c.WeightDecay, c.Momentum)
	}
	if !(c.Eps > 0) || math.IsInf(c.Eps, 0) {
		// 0 would divide 0 by 0 wherever a gradient element is exactly 0
		// (a dead ReLU's weights): the parameter would become NaN.
		return nil, fmt.Errorf("optim: RMSprop: eps %v must be positive and finite", c.Eps)
	}
	keys := []string{"step", "square_avg"}
	if c.Momentum > 0 {
		keys = append(keys, "momentum_buffer")
	}
	if c.Centered {
		keys = append(keys, "grad_avg")
	}
	b, err := newBase("RMSprop", params, c.LR, keys)
	if err != nil {
		return nil, err
	}
	return &RMSprop{base: b, cfg: c}, nil
}

// Step updates every parameter that has a gradient.
func (o *RMSprop) Step() {
	o.each(func(p, g *tensor.Tensor, st map[string]*tensor.Tensor, _ bool) {
		step := st["step"]
		step.Set(step.Item() + 1)
		if p.DType() == tensor.Float32 {
			rmsprop(o.cfg, o.lr, data[float32](p), data[float32](g), data[float32](st["square_avg"]), data[float32](st["grad_avg"]), data[float32](st["momentum_buffer"]))
		} else {
			rmsprop(o.cfg, o.lr, data[float64](p), data[float64](g), data[float64](st["square_avg"]), data[float64](st["grad_avg"]), data[float64](st["momentum_buffer"]))
		}
	})
}

// rmsprop computes in float64 and stores in T; ga and buf are nil when not
// used.
func rmsprop[T float](c RMSpropConfig, lr float64, p, g, sq, ga, buf []T) {
	a := c.Alpha
	for j := range p {
		pj, d := float64(p[j]), float64(g[j])
		if c.WeightDecay != 0 {
			d += c.WeightDecay * pj
		}
		sq[j] = T(a*float64(sq[j]) + (1-a)*d*d)
		s := float64(sq[j])
		if ga != nil {
			ga[j] = T(a*float64(ga[j]) + (1-a)*d)
			// The variance estimate, which rounding of the stored averages
			// (float32 parameters) can push below 0.
			s = max(s-float64(ga[j])*float64(ga[j]), 0)
		}
		q := math.Sqrt(s) + c.Eps
		if buf != nil {
			buf[j] = T(c.Momentum*float64(buf[j]) + d/q)
			p[j] = T(pj - lr*float64(buf[j]))
		} else {
			p[j] = T(pj - lr*d/q)
		}
	}
}
