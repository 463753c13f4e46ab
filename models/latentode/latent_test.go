package latentode

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/nn"
	"github.com/acaode/aca/ode"
	"github.com/acaode/aca/tensor"
)

func tinyConfig() Config {
	return Config{Dim: 2, Latent: 2, Rec: 3, Units: 4, Layers: 2, Hidden: 3, ObsStd: 0.1, DType: tensor.Float64}
}

// tinyBatch is two sequences of five times on [0, 1] with different
// observed times.
func tinyBatch(t *testing.T) *Batch {
	t.Helper()
	rng := rand.New(rand.NewPCG(9, 9))
	times := []float64{0, 0.2, 0.45, 0.7, 1}
	seqs := make([][]float64, 2)
	for s := range seqs {
		for range len(times) * 2 {
			seqs[s] = append(seqs[s], rng.Float64())
		}
	}
	obs := [][]bool{{true, false, true, false, true}, {true, true, false, true, false}}
	b, err := NewBatch(tensor.Float64, times, 2, seqs, obs)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkGradient compares the gradient of loss with respect to every
// parameter of m, computed by backpropagation, with central differences,
// element by element.
func checkGradient(t *testing.T, name string, m nn.Module, loss func(g *autograd.Graph) (*autograd.Value, error), tol float64) {
	t.Helper()
	params := nn.Params(m)
	nn.ZeroGrad(m)
	g := autograd.NewGraph()
	l, err := loss(g)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Backward(); err != nil {
		t.Fatal(err)
	}
	eval := func() float64 {
		v, err := loss(nil)
		if err != nil {
			t.Fatal(err)
		}
		return v.Item()
	}
	worst := 0.0
	for pi, p := range params {
		data := p.Data().Float64s()
		grad := make([]float64, len(data)) // no gradient: a parameter the loss does not use
		if p.Grad() != nil {
			grad = p.Grad().Float64s()
		}
		for k := range data {
			old := data[k]
			const eps = 1e-6
			data[k] = old + eps
			up := eval()
			data[k] = old - eps
			down := eval()
			data[k] = old
			fd := (up - down) / (2 * eps)
			err := math.Abs(grad[k]-fd) / max(1e-2, math.Abs(fd))
			worst = max(worst, err)
			if err > tol {
				t.Errorf("%s: parameter %d element %d: gradient %.10g, finite differences %.10g", name, pi, k, grad[k], fd)
			}
		}
	}
	t.Logf("%s: %d parameters, worst relative error %.2g", name, nn.NumParams(m), worst)
}

// The ODE-RNN encoder's gradient (of a random projection of μ and log σ²)
// agrees with finite differences for each gradient method.
func TestEncoderGradient(t *testing.T) {
	b := tinyBatch(t)
	for _, method := range []ode.Gradient{ode.Naive, ode.Adjoint, ode.ACA} {
		opts := ode.Options{Method: ode.Dopri5, RTol: 1e-10, ATol: 1e-10, Gradient: method}
		m, err := NewLatentODE(rand.New(rand.NewPCG(1, 2)), tinyConfig(), opts)
		if err != nil {
			t.Fatal(err)
		}
		u := tensor.RandN(tensor.NewRNG(3), tensor.Float64, 0, 1, 2, 4)
		loss := func(g *autograd.Graph) (*autograd.Value, error) {
			mu, lv, solves, err := m.Encode(g, b)
			if err != nil {
				return nil, err
			}
			if len(solves) != 4 { // five times, all observed by some sequence
				t.Fatalf("%d encoder solves, want 4", len(solves))
			}
			return g.SumAll(g.Mul(autograd.Constant(u), g.Concat(1, mu, lv))), nil
		}
		checkGradient(t, "encoder "+method.String(), m, loss, 1e-5)
	}
}

// The whole latent ODE loss (encoder, sampled z0, latent solve, decoder,
// NLL and KL) agrees with finite differences, with ACA.
func TestLatentODELossGradient(t *testing.T) {
	b := tinyBatch(t)
	opts := ode.Options{Method: ode.Dopri5, RTol: 1e-10, ATol: 1e-10, Gradient: ode.ACA}
	m, err := NewLatentODE(rand.New(rand.NewPCG(4, 5)), tinyConfig(), opts)
	if err != nil {
		t.Fatal(err)
	}
	loss := func(g *autograd.Graph) (*autograd.Value, error) {
		out, err := m.Run(g, b, rand.New(rand.NewPCG(6, 7)), 0.7)
		if err != nil {
			return nil, err
		}
		return out.Loss, nil
	}
	checkGradient(t, "latent ODE loss", m, loss, 1e-5)
}

func TestRecurrentGradient(t *testing.T) {
	b := tinyBatch(t)
	for _, kind := range []string{"rnn", "gru"} {
		m, err := NewRecurrent(rand.New(rand.NewPCG(1, 1)), kind, tinyConfig())
		if err != nil {
			t.Fatal(err)
		}
		loss := func(g *autograd.Graph) (*autograd.Value, error) {
			out, err := m.Run(g, b, nil, 0)
			if err != nil {
				return nil, err
			}
			return out.Loss, nil
		}
		checkGradient(t, kind, m, loss, 1e-6)
	}
}
