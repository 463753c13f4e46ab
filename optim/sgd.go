package optim

import (
	"fmt"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

// SGDConfig configures SGD. The zero value of every field but LR is plain
// gradient descent.
type SGDConfig struct {
	LR          float64 // learning rate
	Momentum    float64 // μ; 0 turns momentum off
	Dampening   float64 // τ
	WeightDecay float64 // λ, an L2 penalty added to the gradient
	Nesterov    bool    // Nesterov momentum (needs μ > 0 and τ = 0)
}

// SGD is stochastic gradient descent with optional momentum, Nesterov
// momentum and weight decay, with PyTorch's update: for each parameter p
// with gradient g,
//
//	d = g + λp
//	b = d at the first step, else μb + (1−τ)d     (if μ ≠ 0)
//	d = d + μb (Nesterov) or b                     (if μ ≠ 0)
//	p = p − lr·d
//
// State: "<i>.momentum_buffer" (b) when μ ≠ 0.
type SGD struct {
	base
	cfg SGDConfig
}

// NewSGD returns an SGD optimizer over params. It is an error for a
// parameter to be nil, not a leaf or listed twice, for a rate to be
// negative, or for Nesterov momentum without momentum or with dampening.
func NewSGD(params []*autograd.Value, c SGDConfig) (*SGD, error) {
	if !finiteNonNeg(c.Momentum) || !finiteNonNeg(c.WeightDecay) || !finiteNonNeg(c.Dampening) {
		return nil, fmt.Errorf("optim: SGD: momentum %v, dampening %v and weight decay %v must be finite and not negative", c.Momentum, c.Dampening, c.WeightDecay)
	}
	if c.Nesterov && (c.Momentum == 0 || c.Dampening != 0) {
		return nil, fmt.Errorf("optim: SGD: Nesterov momentum needs a momentum and zero dampening (have momentum %v, dampening %v)", c.Momentum, c.Dampening)
	}
	var keys []string
	if c.Momentum != 0 {
		keys = []string{"momentum_buffer"}
	}
	b, err := newBase("SGD", params, c.LR, keys)
	if err != nil {
		return nil, err
	}
	return &SGD{base: b, cfg: c}, nil
}

// Step updates every parameter that has a gradient.
func (o *SGD) Step() {
	o.each(func(p, g *tensor.Tensor, st map[string]*tensor.Tensor, fresh bool) {
		if p.DType() == tensor.Float32 {
			sgd(o.cfg, o.lr, data[float32](p), data[float32](g), data[float32](st["momentum_buffer"]), fresh)
		} else {
			sgd(o.cfg, o.lr, data[float64](p), data[float64](g), data[float64](st["momentum_buffer"]), fresh)
		}
	})
}

// sgd computes in float64 and stores in T; buf is nil without momentum.
func sgd[T float](c SGDConfig, lr float64, p, g, buf []T, first bool) {
	mu, damp, wd := c.Momentum, c.Dampening, c.WeightDecay
	for j := range p {
		d := float64(g[j])
		if wd != 0 {
			d += wd * float64(p[j])
		}
		if mu != 0 {
			b := d
			if !first {
				b = mu*float64(buf[j]) + (1-damp)*d
			}
			buf[j] = T(b)
			b = float64(buf[j])
			if c.Nesterov {
				d += mu * b
			} else {
				d = b
			}
		}
		p[j] = T(float64(p[j]) - lr*d)
	}
}
