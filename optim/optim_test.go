package optim_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/optim"
	"github.com/acaode/aca/tensor"
)

// setGrad gives leaf p exactly the gradient grad (zeroing what it had), by
// backpropagating Σ p·grad.
func setGrad(t *testing.T, p *autograd.Value, grad *tensor.Tensor) {
	t.Helper()
	p.ZeroGrad()
	g := autograd.NewGraph()
	if err := g.SumAll(g.Mul(p, autograd.Constant(grad))).Backward(); err != nil {
		t.Fatal(err)
	}
}

// Two steps of each optimizer against its update written out by hand for
// one element: p0 then gradients g1 and g2, in float64.
func TestTwoStepsByHand(t *testing.T) {
	p0 := []float64{0.5, -1.5}
	g1 := []float64{0.1, -0.3}
	g2 := []float64{-0.2, 0.01} // the second element's gradient shrinks: AMSGrad's maximum matters
	sqrt := math.Sqrt
	cases := []struct {
		name string
		make func([]*autograd.Value) (optim.Optimizer, error)
		want func(p0, g1, g2 float64) float64
	}{
		{"SGD", func(ps []*autograd.Value) (optim.Optimizer, error) {
			return optim.NewSGD(ps, optim.SGDConfig{LR: 0.1})
		}, func(p, g1, g2 float64) float64 {
			p1 := p - 0.1*g1
			return p1 - 0.1*g2
		}},
		{"SGD momentum dampening", func(ps []*autograd.Value) (optim.Optimizer, error) {
			return optim.NewSGD(ps, optim.SGDConfig{LR: 0.1, Momentum: 0.9, Dampening: 0.5})
		}, func(p, g1, g2 float64) float64 {
			b1 := g1 // the first buffer is the gradient itself, undampened
			p1 := p - 0.1*b1
			b2 := 0.9*b1 + 0.5*g2
			return p1 - 0.1*b2
		}},
		{"SGD Nesterov weight decay", func(ps []*autograd.Value) (optim.Optimizer, error) {
			return optim.NewSGD(ps, optim.SGDConfig{LR: 0.1, Momentum: 0.9, WeightDecay: 0.01, Nesterov: true})
		}, func(p, g1, g2 float64) float64 {
			d1 := g1 + 0.01*p
			b1 := d1
			p1 := p - 0.1*(d1+0.9*b1)
			d2 := g2 + 0.01*p1
			b2 := 0.9*b1 + d2
			return p1 - 0.1*(d2+0.9*b2)
		}},
		{"Adam", func(ps []*autograd.Value) (optim.Optimizer, error) {
			return optim.NewAdam(ps, optim.AdamDefaults())
		}, func(p, g1, g2 float64) float64 {
			m1, v1 := 0.1*g1, 0.001*g1*g1
			p1 := p - 1e-3*(m1/(1-0.9))/(sqrt(v1/(1-0.999))+1e-8)
			m2, v2 := 0.9*m1+0.1*g2, 0.999*v1+0.001*g2*g2
			return p1 - 1e-3*(m2/(1-0.9*0.9))/(sqrt(v2/(1-0.999*0.999))+1e-8)
		}},
		{"Adam L2 AMSGrad", func(ps []*autograd.Value) (optim.Optimizer, error) {
			c := optim.AdamConfig{LR: 0.01, Beta1: 0.8, Beta2: 0.9, Eps: 1e-3, WeightDecay: 0.1, AMSGrad: true}
			return optim.NewAdam(ps, c)
		}, func(p, g1, g2 float64) float64 {
			d1 := g1 + 0.1*p
			m1, v1 := 0.2*d1, 0.1*d1*d1
			p1 := p - 0.01*(m1/(1-0.8))/(sqrt(v1/(1-0.9))+1e-3)
			d2 := g2 + 0.1*p1
			m2, v2 := 0.8*m1+0.2*d2, 0.9*v1+0.1*d2*d2
			vmax := math.Max(v1, v2)
			return p1 - 0.01*(m2/(1-0.8*0.8))/(sqrt(vmax/(1-0.9*0.9))+1e-3)
		}},
		{"AdamW", func(ps []*autograd.Value) (optim.Optimizer, error) {
			c := optim.AdamWDefaults()
			c.LR, c.WeightDecay = 0.01, 0.1
			return optim.NewAdamW(ps, c)
		}, func(p, g1, g2 float64) float64 {
			m1, v1 := 0.1*g1, 0.001*g1*g1
			p1 := p*(1-0.01*0.1) - 0.01*(m1/(1-0.9))/(sqrt(v1/(1-0.999))+1e-8)
			m2, v2 := 0.9*m1+0.1*g2, 0.999*v1+0.001*g2*g2
			return p1*(1-0.01*0.1) - 0.01*(m2/(1-0.9*0.9))/(sqrt(v2/(1-0.999*0.999))+1e-8)
		}},
		{"RMSprop", func(ps []*autograd.Value) (optim.Optimizer, error) {
			return optim.NewRMSprop(ps, optim.RMSpropDefaults())
		}, func(p, g1, g2 float64) float64 {
			s1 := 0.01 * g1 * g1
			p1 := p - 0.01*g1/(sqrt(s1)+1e-8)
			s2 := 0.99*s1 + 0.01*g2*g2
			return p1 - 0.01*g2/(sqrt(s2)+1e-8)
		}},
		{"RMSprop momentum", func(ps []*autograd.Value) (optim.Optimizer, error) {
			c := optim.RMSpropDefaults()
			c.Momentum = 0.9
			return optim.NewRMSprop(ps, c)
		}, func(p, g1, g2 float64) float64 {
			s1 := 0.01 * g1 * g1
			b1 := g1 / (sqrt(s1) + 1e-8)
			p1 := p - 0.01*b1
			s2 := 0.99*s1 + 0.01*g2*g2
			b2 := 0.9*b1 + g2/(sqrt(s2)+1e-8)
			return p1 - 0.01*b2
		}},
		{"RMSprop centered momentum weight decay", func(ps []*autograd.Value) (optim.Optimizer, error) {
			return optim.NewRMSprop(ps, optim.RMSpropConfig{LR: 0.01, Alpha: 0.9, Eps: 1e-6, WeightDecay: 0.1, Momentum: 0.5, Centered: true})
		}, func(p, g1, g2 float64) float64 {
			d1 := g1 + 0.1*p
			s1, a1 := 0.1*d1*d1, 0.1*d1
			b1 := d1 / (sqrt(s1-a1*a1) + 1e-6)
			p1 := p - 0.01*b1
			d2 := g2 + 0.1*p1
			s2, a2 := 0.9*s1+0.1*d2*d2, 0.9*a1+0.1*d2
			b2 := 0.5*b1 + d2/(sqrt(s2-a2*a2)+1e-6)
			return p1 - 0.01*b2
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := autograd.Leaf(tensor.FromValues(tensor.Float64, p0, 2))
			o, err := c.make([]*autograd.Value{p})
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range [][]float64{g1, g2} {
				setGrad(t, p, tensor.FromFloat64(g, 2))
				o.Step()
			}
			for j, got := range p.Data().Values() {
				want := c.want(p0[j], g1[j], g2[j])
				if math.Abs(got-want) > 1e-15*math.Max(1, math.Abs(want)) {
					t.Errorf("element %d: %.17g, want %.17g", j, got, want)
				}
			}
			// The same in float32, to float32 precision.
			p32 := autograd.Leaf(tensor.FromValues(tensor.Float32, p0, 2))
			o32, _ := c.make([]*autograd.Value{p32})
			for _, g := range [][]float64{g1, g2} {
				setGrad(t, p32, tensor.FromValues(tensor.Float32, g, 2))
				o32.Step()
			}
			for j, got := range p32.Data().Values() {
				if want := c.want(p0[j], g1[j], g2[j]); math.Abs(got-want) > 1e-5 {
					t.Errorf("float32 element %d: %v, want %v", j, got, want)
				}
			}
		})
	}
}

type config struct {
	name string
	make func([]*autograd.Value) (optim.Optimizer, error)
}

var configs = []config{
	{"SGD", func(ps []*autograd.Value) (optim.Optimizer, error) {
		return optim.NewSGD(ps, optim.SGDConfig{LR: 0.05})
	}},
	{"SGD Nesterov", func(ps []*autograd.Value) (optim.Optimizer, error) {
		return optim.NewSGD(ps, optim.SGDConfig{LR: 0.05, Momentum: 0.9, Nesterov: true, WeightDecay: 1e-3})
	}},
	{"Adam AMSGrad", func(ps []*autograd.Value) (optim.Optimizer, error) {
		c := optim.AdamDefaults()
		c.AMSGrad, c.WeightDecay = true, 1e-2
		return optim.NewAdam(ps, c)
	}},
	{"AdamW", func(ps []*autograd.Value) (optim.Optimizer, error) { return optim.NewAdamW(ps, optim.AdamWDefaults()) }},
	{"RMSprop centered momentum", func(ps []*autograd.Value) (optim.Optimizer, error) {
		c := optim.RMSpropDefaults()
		c.Centered, c.Momentum = true, 0.5
		return optim.NewRMSprop(ps, c)
	}},
}

// An optimizer restored from another's State, over parameters holding the
// same values, takes bit for bit the same steps; State is a copy.
func TestStateRestoreContinuesExactly(t *testing.T) {
	for _, c := range configs {
		for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
			t.Run(c.name+"/"+dt.String(), func(t *testing.T) {
				rng := tensor.NewRNG(3)
				// The third parameter never gets a gradient: it has no state.
				ps := []*autograd.Value{
					autograd.Leaf(tensor.RandN(rng, dt, 0, 1, 2, 3)),
					autograd.Leaf(tensor.RandN(rng, dt, 0, 1, 3)),
					autograd.Leaf(tensor.RandN(rng, dt, 0, 1, 4)),
				}
				grads := make([][]*tensor.Tensor, 6)
				for k := range grads {
					grads[k] = []*tensor.Tensor{tensor.RandN(rng, dt, 0, 1, 2, 3), tensor.RandN(rng, dt, 0, 1, 3)}
				}
				run := func(o optim.Optimizer, ps []*autograd.Value, steps [][]*tensor.Tensor) {
					for _, gs := range steps {
						for i, g := range gs {
							setGrad(t, ps[i], g)
						}
						o.Step()
					}
				}
				o, err := c.make(ps)
				if err != nil {
					t.Fatal(err)
				}
				run(o, ps, grads[:3])
				o.SetLR(o.LR() * 0.5)
				state := o.State()
				snapshot := make([]*autograd.Value, len(ps))
				for i, p := range ps {
					snapshot[i] = autograd.Leaf(p.Data().Clone())
				}
				for k := range state {
					if strings.HasPrefix(k, "2.") {
						t.Errorf("state %q for a parameter never updated", k)
					}
				}
				// State is a copy: spoiling one must not touch the optimizer.
				for _, v := range o.State() {
					v.Fill(math.NaN())
				}
				run(o, ps, grads[3:])

				o2, _ := c.make(snapshot)
				if err := o2.LoadState(state); err != nil {
					t.Fatal(err)
				}
				if o2.LR() != o.LR() {
					t.Errorf("restored lr %v, want %v", o2.LR(), o.LR())
				}
				run(o2, snapshot, grads[3:])
				for i := range ps {
					if !slices.Equal(ps[i].Data().Values(), snapshot[i].Data().Values()) {
						t.Errorf("parameter %d differs after the restored steps: %v vs %v", i, ps[i].Data().Values(), snapshot[i].Data().Values())
					}
				}
				final, restored := o.State(), o2.State()
				if len(final) != len(restored) {
					t.Fatalf("state names %d vs %d", len(final), len(restored))
				}
				for k, v := range final {
					if r := restored[k]; r == nil || !slices.Equal(v.Values(), r.Values()) {
						t.Errorf("state %q differs", k)
					}
				}
			})
		}
	}
}

func TestStateNames(t *testing.T) {
	cases := []struct {
		config
		want []string
	}{
		{configs[0], []string{"lr"}},
		{configs[1], []string{"0.momentum_buffer", "lr"}},
		{configs[2], []string{"0.exp_avg", "0.exp_avg_sq", "0.max_exp_avg_sq", "0.step", "lr"}},
		{configs[3], []string{"0.exp_avg", "0.exp_avg_sq", "0.step", "lr"}},
		{configs[4], []string{"0.grad_avg", "0.momentum_buffer", "0.square_avg", "0.step", "lr"}},
	}
	for _, c := range cases {
		p := autograd.Leaf(tensor.Ones(tensor.Float64, 2))
		o, _ := c.make([]*autograd.Value{p})
		setGrad(t, p, tensor.Ones(tensor.Float64, 2))
		o.Step()
		o.Step()
		var got []string
		for k := range o.State() {
			got = append(got, k)
		}
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
		if s, ok := o.State()["0.step"]; ok && s.Item() != 2 {
			t.Errorf("%s: step %v, want 2", c.name, s.Item())
		}
	}
}

func TestLoadStateErrors(t *testing.T) {
	p := autograd.Leaf(tensor.Ones(tensor.Float32, 2))
	o, _ := optim.NewAdam([]*autograd.Value{p}, optim.AdamDefaults())
	good := func() map[string]*tensor.Tensor {
		return map[string]*tensor.Tensor{
			"lr":           tensor.Scalar(tensor.Float64, 0.1),
			"0.step":       tensor.Scalar(tensor.Float64, 3),
			"0.exp_avg":    tensor.Ones(tensor.Float32, 2),
			"0.exp_avg_sq": tensor.Ones(tensor.Float32, 2),
		}
	}
	cases := []struct {
		name string
		edit func(map[string]*tensor.Tensor)
		want string
	}{
		{"unknown name", func(s map[string]*tensor.Tensor) { s["0.momentum_buffer"] = tensor.Ones(tensor.Float32, 2) }, "unexpected entry"},
		{"index out of range", func(s map[string]*tensor.Tensor) { s["1.exp_avg"] = tensor.Ones(tensor.Float32, 2) }, "unexpected entry"},
		{"shape", func(s map[string]*tensor.Tensor) { s["0.exp_avg"] = tensor.Ones(tensor.Float32, 3) }, "parameter 0 is"},
		{"dtype", func(s map[string]*tensor.Tensor) { s["0.exp_avg_sq"] = tensor.Ones(tensor.Float64, 2) }, "parameter 0 is"},
		{"incomplete", func(s map[string]*tensor.Tensor) { delete(s, "0.step") }, "lacks 0.step"},
		{"negative lr", func(s map[string]*tensor.Tensor) { s["lr"] = tensor.Scalar(tensor.Float64, -1) }, "learning rate"},
		{"nil", func(s map[string]*tensor.Tensor) { s["0.exp_avg"] = nil }, "nil"},
		{"NaN moment", func(s map[string]*tensor.Tensor) {
			s["0.exp_avg"] = tensor.FromValues(tensor.Float32, []float64{1, math.NaN()}, 2)
		}, "non-finite"},
		{"negative mean square", func(s map[string]*tensor.Tensor) {
			s["0.exp_avg_sq"] = tensor.FromValues(tensor.Float32, []float64{1, -1e-3}, 2)
		}, "negative"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := good()
			c.edit(s)
			err := o.LoadState(s)
			if err == nil || !strings.Contains(err.Error(), c.want) || strings.Count(err.Error(), "optim:") != 1 {
				t.Fatalf("error %v, want one mentioning %q (and the package once)", err, c.want)
			}
			if o.LR() != 1e-3 || len(o.State()) != 1 {
				t.Error("a failed LoadState changed the optimizer")
			}
		})
	}
	if err := o.LoadState(good()); err != nil {
		t.Fatal(err)
	}
	if o.LR() != 0.1 || o.State()["0.step"].Item() != 3 {
		t.Error("LoadState did not take the state")
	}
}

func TestConstructorErrors(t *testing.T) {
	p := autograd.Leaf(tensor.Ones(tensor.Float32, 2))
	ps := []*autograd.Value{p}
	errOf := func(_ any, err error) error { return err }
	cases := []struct {
		name string
		err  error
	}{
		{"no params", errOf(optim.NewSGD(nil, optim.SGDConfig{LR: 1}))},
		{"nil param", errOf(optim.NewSGD([]*autograd.Value{nil}, optim.SGDConfig{LR: 1}))},
		{"constant param", errOf(optim.NewSGD([]*autograd.Value{autograd.Constant(tensor.Ones(tensor.Float32, 1))}, optim.SGDConfig{LR: 1}))},
		{"duplicate param", errOf(optim.NewSGD([]*autograd.Value{p, p}, optim.SGDConfig{LR: 1}))},
		{"negative lr", errOf(optim.NewSGD(ps, optim.SGDConfig{LR: -1}))},
		{"NaN lr", errOf(optim.NewAdam(ps, optim.AdamConfig{LR: math.NaN(), Beta1: 0.9, Beta2: 0.9}))},
		{"Nesterov without momentum", errOf(optim.NewSGD(ps, optim.SGDConfig{LR: 1, Nesterov: true}))},
		{"Nesterov with dampening", errOf(optim.NewSGD(ps, optim.SGDConfig{LR: 1, Momentum: 0.9, Dampening: 0.1, Nesterov: true}))},
		{"beta 1", errOf(optim.NewAdam(ps, optim.AdamConfig{LR: 1, Beta1: 1, Beta2: 0.9}))},
		{"negative eps", errOf(optim.NewAdamW(ps, optim.AdamConfig{LR: 1, Beta1: 0.9, Beta2: 0.9, Eps: -1}))},
		{"alpha 1", errOf(optim.NewRMSprop(ps, optim.RMSpropConfig{LR: 1, Alpha: 1}))},
		{"negative momentum", errOf(optim.NewRMSprop(ps, optim.RMSpropConfig{LR: 1, Alpha: 0.9, Momentum: -1, Eps: 1e-8}))},
		{"Adam eps 0", errOf(optim.NewAdam(ps, optim.AdamConfig{LR: 1, Beta1: 0.9, Beta2: 0.9}))},
		{"RMSprop eps 0", errOf(optim.NewRMSprop(ps, optim.RMSpropConfig{LR: 1, Alpha: 0.9}))},
	}
	for _, c := range cases {
		if c.err == nil {
			t.Errorf("%s: no error", c.name)
		} else if !strings.HasPrefix(c.err.Error(), "optim: ") {
			t.Errorf("%s: %q does not start with optim:", c.name, c.err)
		}
	}
}

// TestCenteredRMSpropFloat32 checks that centered RMSprop keeps float32
// parameters finite when the variance estimate s − a², computed from the
// float32-rounded averages, comes out just below zero (alpha 0 makes s =
// d² and a = d, so it is 0 but for rounding).
func TestCenteredRMSpropFloat32(t *testing.T) {
	rng := tensor.NewRNG(3)
	p := autograd.Leaf(tensor.RandN(rng, tensor.Float32, 0, 1, 1000))
	o, err := optim.NewRMSprop([]*autograd.Value{p}, optim.RMSpropConfig{LR: 0.01, Alpha: 0, Eps: 1e-8, Centered: true})
	if err != nil {
		t.Fatal(err)
	}
	setGrad(t, p, tensor.RandN(rng, tensor.Float32, 0, 1, 1000))
	o.Step()
	for i, v := range p.Data().Values() {
		if math.IsNaN(v) {
			t.Fatalf("parameter %d is NaN after one step", i)
		}
	}
}

// ClipGradNorm panics, naming the bound, on one that would reverse or
// destroy the gradients.
func TestClipGradNormBadBound(t *testing.T) {
	a := autograd.Leaf(tensor.Zeros(tensor.Float64, 2))
	setGrad(t, a, tensor.FromFloat64([]float64{3, 4}, 2))
	for _, m := range []float64{-1, math.NaN(), math.Inf(1)} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "max norm") {
					t.Errorf("max norm %v: recovered %v, want a panic naming the bound", m, r)
				}
			}()
			optim.ClipGradNorm([]*autograd.Value{a}, m)
		}()
	}
}

// Step skips parameters without a gradient; ZeroGrad zeroes the gradients.
func TestStepSkipsAndZeroGrad(t *testing.T) {
	a := autograd.Leaf(tensor.Ones(tensor.Float64, 2))
	b := autograd.Leaf(tensor.Ones(tensor.Float64, 2))
	o, _ := optim.NewSGD([]*autograd.Value{a, b}, optim.SGDConfig{LR: 0.5})
	setGrad(t, a, tensor.Full(tensor.Float64, 2, 2))
	o.Step()
	if got := a.Data().Values(); !slices.Equal(got, []float64{0, 0}) {
		t.Errorf("a = %v, want 0 0", got)
	}
	if got := b.Data().Values(); !slices.Equal(got, []float64{1, 1}) {
		t.Errorf("b = %v, want unchanged", got)
	}
	o.ZeroGrad()
	if got := a.Grad().Values(); !slices.Equal(got, []float64{0, 0}) {
		t.Errorf("grad after ZeroGrad %v", got)
	}
	if got := o.Params(); len(got) != 2 || got[0] != a || got[1] != b {
		t.Error("Params does not return the parameters in order")
	}
}

func TestClipGradNorm(t *testing.T) {
	a := autograd.Leaf(tensor.Zeros(tensor.Float64, 2))
	b := autograd.Leaf(tensor.Zeros(tensor.Float64, 1))
	cases := []struct {
		max  float64
		want []float64
	}{
		{20, []float64{3, 4, 12}},
		{6.5, []float64{1.5, 2, 6}},
	}
	for _, c := range cases {
		setGrad(t, a, tensor.FromFloat64([]float64{3, 4}, 2))
		setGrad(t, b, tensor.FromFloat64([]float64{12}, 1))
		if n := optim.ClipGradNorm([]*autograd.Value{a, b}, c.max); n != 13 {
			t.Errorf("norm %v, want 13", n)
		}
		got := append(a.Grad().Values(), b.Grad().Values()...)
		for i := range got {
			if math.Abs(got[i]-c.want[i]) > 1e-6 {
				t.Errorf("max %v: gradients %v, want %v", c.max, got, c.want)
				break
			}
		}
	}
}
