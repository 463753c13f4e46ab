package optim

import (
	"fmt"
	"math"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

// AdamConfig configures Adam and AdamW. Zero fields are taken literally;
// start from AdamDefaults or AdamWDefaults.
type AdamConfig struct {
	LR           float64 // learning rate
	Beta1, Beta2 float64 // decay rates of the moment estimates, in [0, 1)
	Eps          float64 // added to the denominator; must be > 0
	WeightDecay  float64 // λ: an L2 penalty (Adam) or decoupled decay (AdamW)
	AMSGrad      bool    // use the running maximum of the second moment
}

// AdamDefaults returns PyTorch's defaults for Adam: lr 1e-3, betas (0.9,
// 0.999), eps 1e-8, no weight decay.
func AdamDefaults() AdamConfig { return AdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8} }

// AdamWDefaults returns PyTorch's defaults for AdamW: Adam's with weight
// decay 1e-2.
func AdamWDefaults() AdamConfig {
	c := AdamDefaults()
	c.WeightDecay = 1e-2
	return c
}

// Adam is Adam (Kingma and Ba 2015) or, made by NewAdamW, AdamW (Loshchilov
// and Hutter 2019), with PyTorch's update: for each parameter p with
// gradient g, at its t-th update,
//
//	d = g + λp                (Adam)
//	d = g,  p = p·(1 − lr·λ)  (AdamW)
//	m = β₁m + (1−β₁)d
//	v = β₂v + (1−β₂)d²
//	v̂ = max(v̂, v) (AMSGrad)  or  v̂ = v
//	p = p − (lr/(1−β₁ᵗ)) · m / (√v̂/√(1−β₂ᵗ) + ε)
//
// State: "<i>.step" (t, a Float64 scalar), "<i>.exp_avg" (m),
// "<i>.exp_avg_sq" (v) and, with AMSGrad, "<i>.max_exp_avg_sq" (v̂).
type Adam struct {
	base
	cfg       AdamConfig
	decoupled bool
}

// NewAdam returns an Adam optimizer over params (weight decay as an L2
// penalty added to the gradient).
func NewAdam(params []*autograd.Value, c AdamConfig) (*Adam, error) {
	return newAdam("Adam", params, c, false)
}

// NewAdamW returns an AdamW optimizer over params (weight decay decoupled
// from the gradient: the parameter shrinks by lr·λ before the Adam step).
func NewAdamW(params []*autograd.Value, c AdamConfig) (*Adam, error) {
	return newAdam("AdamW", params, c, true)
}

func newAdam(name string, params []*autograd.Value, c AdamConfig, decoupled bool) (*Adam, error) {
	if !(c.Beta1 >= 0 && c.Beta1 < 1) || !(c.Beta2 >= 0 && c.Beta2 < 1) {
		return nil, fmt.Errorf("optim: %s: betas (%v, %v) must be in [0, 1)", name, c.Beta1, c.Beta2)
	}
	if !finiteNonNeg(c.WeightDecay) {
		return nil, fmt.Errorf("optim: %s: weight decay %v must be finite and not negative", name, c.WeightDecay)
	}
	if !(c.Eps > 0) || math.IsInf(c.Eps, 0) {
		// 0 would divide 0 by 0 wherever a gradient element stays exactly
		// 0 (a dead ReLU's weights): the parameter would become NaN.
		return nil, fmt.Errorf("optim: %s: eps %v must be positive and finite", name, c.Eps)
	}
	keys := []string{"step", "exp_avg", "exp_avg_sq"}
	if c.AMSGrad {
		keys = append(keys, "max_exp_avg_sq")
	}
	b, err := newBase(name, params, c.LR, keys)
	if err != nil {
		return nil, err
	}
	return &Adam{base: b, cfg: c, decoupled: decoupled}, nil
}

// Step updates every parameter that has a gradient.
func (o *Adam) Step() {
	o.each(func(p, g *tensor.Tensor, st map[string]*tensor.Tensor, _ bool) {
		step := st["step"]
		t := step.Item() + 1
		step.Set(t)
		if p.DType() == tensor.Float32 {
			adam(o, t, data[float32](p), data[float32](g), data[float32](st["exp_avg"]), data[float32](st["exp_avg_sq"]), data[float32](st["max_exp_avg_sq"]))
		} else {
			adam(o, t, data[float64](p), data[float64](g), data[float64](st["exp_avg"]), data[float64](st["exp_avg_sq"]), data[float64](st["max_exp_avg_sq"]))
		}
	})
}

// adam computes in float64 and stores in T; vmax is nil without AMSGrad.
func adam[T float](o *Adam, t float64, p, g, m, v, vmax []T) {
	c, lr := o.cfg, o.lr
	b1, b2 := c.Beta1, c.Beta2
	stepSize := lr / (1 - math.Pow(b1, t))
	bc2 := math.Sqrt(1 - math.Pow(b2, t))
	for j := range p {
		pj, d := float64(p[j]), float64(g[j])
		if c.WeightDecay != 0 {
			if o.decoupled {
				pj *= 1 - lr*c.WeightDecay
			} else {
				d += c.WeightDecay * pj
			}
		}
		m[j] = T(b1*float64(m[j]) + (1-b1)*d)
		v[j] = T(b2*float64(v[j]) + (1-b2)*d*d)
		vh := float64(v[j])
		if vmax != nil {
			vmax[j] = max(vmax[j], v[j])
			vh = float64(vmax[j])
		}
		p[j] = T(pj - stepSize*float64(m[j])/(math.Sqrt(vh)/bc2+c.Eps))
	}
}
