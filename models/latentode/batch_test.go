package latentode

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/acaode/aca/ode"
	"github.com/acaode/aca/tensor"
)

func TestNewBatchLayout(t *testing.T) {
	// Sequence s, time i, dimension k holds 100s + 10i + k.
	seqs := [][]float64{{0, 1, 10, 11, 20, 21}, {100, 101, 110, 111, 120, 121}}
	obs := [][]bool{{true, false, true}, {true, true, true}}
	b, err := NewBatch(tensor.Float64, []float64{0, 1, 2}, 2, seqs, obs)
	if err != nil {
		t.Fatal(err)
	}
	x := b.X.Float64s()
	for i := range 3 {
		for s := range 2 {
			for k := range 2 {
				if got, want := x[(i*2+s)*2+k], float64(100*s+10*i+k); got != want {
					t.Fatalf("X[%d, %d, %d] = %v, want %v", i, s, k, got, want)
				}
			}
		}
	}
	// Loss weights: 1/(B·D·n_b) at the observed points.
	w := b.lossWeights().Float64s()
	want := []float64{1.0 / 8, 1.0 / 12, 0, 1.0 / 12, 1.0 / 8, 1.0 / 12}
	if !slices.Equal(w, want) {
		t.Fatalf("loss weights %v, want %v", w, want)
	}
	if _, err := NewBatch(tensor.Float64, []float64{0, 1, 2}, 2, seqs[:1], obs); err == nil {
		t.Fatal("mismatched masks: no error")
	}
	if _, err := NewBatch(tensor.Float64, []float64{0, 1}, 2, seqs, obs); err == nil {
		t.Fatal("short times: no error")
	}
}

// The models never read an unobserved value, and the baselines predict a
// time before reading its observation.
func TestModelsReadObservedOnly(t *testing.T) {
	b := tinyBatch(t)
	opts := ode.Options{Method: ode.Dopri5, RTol: 1e-8, ATol: 1e-8}
	lat, err := NewLatentODE(rand.New(rand.NewPCG(1, 2)), tinyConfig(), opts)
	if err != nil {
		t.Fatal(err)
	}
	rnn, _ := NewRecurrent(rand.New(rand.NewPCG(1, 3)), "rnn", tinyConfig())
	gru, _ := NewRecurrent(rand.New(rand.NewPCG(1, 4)), "gru", tinyConfig())
	changed := *b
	changed.vals = slices.Clone(b.vals)
	// Sequence 0 is not observed at time 1, sequence 1 not at time 2.
	changed.vals[(1*2+0)*2] += 5
	changed.vals[(2*2+1)*2+1] -= 3
	changed.X = tensor.FromFloat64(slices.Clone(changed.vals), b.X.Shape()...)
	for _, m := range []Model{lat, rnn, gru} {
		a, err := m.Run(nil, b, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		c, err := m.Run(nil, &changed, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(a.Pred.Data().Float64s(), c.Pred.Data().Float64s()) {
			t.Errorf("%s: predictions depend on unobserved values", m.Name())
		}
	}
	// The baselines' prediction at an observed time i does not depend on x_i
	// (nor on any later value); the last time is observed in sequence 0.
	last := *b
	last.vals = slices.Clone(b.vals)
	last.vals[(4*2+0)*2] += 1
	last.X = tensor.FromFloat64(slices.Clone(last.vals), b.X.Shape()...)
	for _, m := range []Model{rnn, gru} {
		a, _ := m.Run(nil, b, nil, 0)
		c, _ := m.Run(nil, &last, nil, 0)
		if !slices.Equal(a.Pred.Data().Float64s(), c.Pred.Data().Float64s()) {
			t.Errorf("%s: the prediction reads the value it predicts", m.Name())
		}
		// The loss does see it.
		if a.Loss.Item() == c.Loss.Item() {
			t.Errorf("%s: the loss ignores an observed value", m.Name())
		}
	}
}

// The latent ODE's loss is the Gaussian NLL plus the weighted KL, checked
// against a direct computation from the model's own μ, log σ² and output.
func TestLatentODELossValue(t *testing.T) {
	b := tinyBatch(t)
	cfg := tinyConfig()
	m, err := NewLatentODE(rand.New(rand.NewPCG(3, 3)), cfg, ode.Options{Method: ode.Dopri5, RTol: 1e-8, ATol: 1e-8})
	if err != nil {
		t.Fatal(err)
	}
	out, err := m.Run(nil, b, nil, 0.3)
	if err != nil {
		t.Fatal(err)
	}
	mu, lv, _, err := m.Encode(nil, b)
	if err != nil {
		t.Fatal(err)
	}
	pred := out.Pred.Data().Float64s()
	nll := 0.0
	for s, obs := range b.Observed {
		n, sum := 0, 0.0
		for i, o := range obs {
			if !o {
				continue
			}
			n++
			for k := range 2 {
				j := (i*2+s)*2 + k
				d := pred[j] - b.vals[j]
				sum += d*d/(2*cfg.ObsStd*cfg.ObsStd) + math.Log(cfg.ObsStd)
			}
		}
		nll += sum / float64(2*n)
	}
	nll /= 2
	kl := 0.0
	for i, u := range mu.Data().Float64s() {
		v := lv.Data().Float64s()[i]
		kl += 0.5 * (u*u + math.Exp(v) - v - 1)
	}
	kl /= 2
	if want := nll + 0.3*kl; math.Abs(out.Loss.Item()-want) > 1e-12*math.Abs(want) {
		t.Fatalf("loss %v, want NLL %v + 0.3 · KL %v = %v", out.Loss.Item(), nll, kl, want)
	}
}
