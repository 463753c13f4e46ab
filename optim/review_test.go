package optim

import (
	"math"
	"strings"
	"testing"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

// TestNonFiniteSettings: NaN and infinite settings are errors, not NaN
// parameters one step later.
func TestNonFiniteSettings(t *testing.T) {
	p := []*autograd.Value{autograd.Leaf(tensor.Ones(tensor.Float64, 2))}
	nan, inf := math.NaN(), math.Inf(1)
	for name, mk := range map[string]func() error{
		"SGD momentum NaN":       func() error { _, err := NewSGD(p, SGDConfig{LR: 0.1, Momentum: nan}); return err },
		"SGD weight decay Inf":   func() error { _, err := NewSGD(p, SGDConfig{LR: 0.1, WeightDecay: inf}); return err },
		"SGD dampening NaN":      func() error { _, err := NewSGD(p, SGDConfig{LR: 0.1, Momentum: 0.9, Dampening: nan}); return err },
		"Adam eps Inf":           func() error { c := AdamDefaults(); c.Eps = inf; _, err := NewAdam(p, c); return err },
		"AdamW weight decay Inf": func() error { c := AdamWDefaults(); c.WeightDecay = inf; _, err := NewAdamW(p, c); return err },
		"RMSprop momentum NaN":   func() error { c := RMSpropDefaults(); c.Momentum = nan; _, err := NewRMSprop(p, c); return err },
	} {
		if err := mk(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestLoadStateRejectsBadSteps: a step count must be a whole number ≥ 0,
// and an index must be written as State writes it.
func TestLoadStateRejectsBadSteps(t *testing.T) {
	p := autograd.Leaf(tensor.Ones(tensor.Float64, 2))
	opt, err := NewAdam([]*autograd.Value{p}, AdamDefaults())
	if err != nil {
		t.Fatal(err)
	}
	// One step, so that the state exists.
	g := autograd.NewGraph()
	if err := g.SumAll(g.Square(p)).Backward(); err != nil {
		t.Fatal(err)
	}
	opt.Step()
	good := opt.State()
	for _, step := range []float64{-1, 2.5, math.NaN(), math.Inf(1)} {
		s := opt.State()
		s["0.step"] = tensor.Scalar(tensor.Float64, step)
		if err := opt.LoadState(s); err == nil || !strings.Contains(err.Error(), "0.step") {
			t.Errorf("step %v: got %v", step, err)
		}
	}
	s := opt.State()
	s["+0.step"] = good["0.step"]
	if err := opt.LoadState(s); err == nil || !strings.Contains(err.Error(), "+0.step") {
		t.Errorf("an aliased index: got %v", err)
	}
}

// TestClipGradNormNonFinite: an infinite or NaN norm poisons every gradient
// instead of leaving some untouched.
func TestClipGradNormNonFinite(t *testing.T) {
	a := autograd.Leaf(tensor.FromFloat64([]float64{math.Inf(1), 1}, 2))
	b := autograd.Leaf(tensor.FromFloat64([]float64{3, 4}, 2))
	g := autograd.NewGraph()
	if err := g.Add(g.SumAll(g.Mul(a, a)), g.SumAll(b)).Backward(); err != nil {
		t.Fatal(err)
	}
	n := ClipGradNorm([]*autograd.Value{a, b}, 1)
	if !math.IsInf(n, 1) && !math.IsNaN(n) {
		t.Fatalf("norm %v", n)
	}
	for _, v := range b.Grad().Values() {
		if !math.IsNaN(v) {
			t.Errorf("gradient %v left as it was", b.Grad().Values())
		}
	}
}
