package latentode

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/nn"
	"github.com/acaode/aca/ode"
	"github.com/acaode/aca/tensor"
)

// Config sizes the models.
type Config struct {
	// Dim is D, the data's dimensions.
	Dim int
	// Latent is the size of z (Rubanova's MuJoCo setting: 15).
	Latent int
	// Rec is the size of the ODE-RNN encoder's state (30).
	Rec int
	// Units is the width of the hidden layers of both ODE functions (300).
	Units int
	// Layers is the number of linear layers of each ODE function (3: in →
	// Units → Units → out, tanh between).
	Layers int
	// Hidden is the recurrent baselines' state size (100).
	Hidden int
	// ObsStd is the fixed standard deviation of the latent ODE's Gaussian
	// likelihood (0.01).
	ObsStd float64
	// DType is the models' dtype (Float32 or Float64).
	DType tensor.DType
}

// DefaultConfig returns Rubanova's MuJoCo sizes for data of dim dimensions,
// in float32.
func DefaultConfig(dim int) Config {
	return Config{Dim: dim, Latent: 15, Rec: 30, Units: 300, Layers: 3, Hidden: 100, ObsStd: 0.01, DType: tensor.Float32}
}

// Check returns an error naming the first invalid field.
func (c Config) Check() error {
	for _, f := range []struct {
		name string
		v    int
	}{{"dim", c.Dim}, {"latent", c.Latent}, {"rec", c.Rec}, {"units", c.Units}, {"hidden", c.Hidden}} {
		if f.v < 1 {
			return fmt.Errorf("latentode: %s size is %d, want ≥ 1", f.name, f.v)
		}
	}
	if c.Layers < 1 {
		return fmt.Errorf("latentode: %d layers, want ≥ 1", c.Layers)
	}
	if !(c.ObsStd > 0) || math.IsInf(c.ObsStd, 0) {
		return fmt.Errorf("latentode: observation std %g, want > 0", c.ObsStd)
	}
	if c.DType != tensor.Float32 && c.DType != tensor.Float64 {
		return fmt.Errorf("latentode: dtype %v, want float32 or float64", c.DType)
	}
	return nil
}

// Output is what a model computes on a batch.
type Output struct {
	// Pred is the prediction at every time, [T, B, D].
	Pred *autograd.Value
	// Loss is the training loss (a scalar on the graph).
	Loss *autograd.Value
	// Solves are the ODE solves made (none for the baselines); their Stats
	// count the backward pass's work once it has run.
	Solves []*ode.GraphSolution
}

// Model is one of the experiment's models.
type Model interface {
	nn.Module
	// Name is "rnn", "gru" or "latent-ode".
	Name() string
	// Run computes the model on the batch. rng draws the latent ODE's
	// ε (nil: ε = 0, for evaluation); klWeight weights its KL term.
	Run(g *autograd.Graph, b *Batch, rng *rand.Rand, klWeight float64) (*Output, error)
	// Config returns the model's configuration.
	Config() Config
}

// mlp returns Layers linear layers from in to out through Units, tanh
// between them.
func mlp(rng *rand.Rand, c Config, in, out int) (*nn.Sequential, error) {
	var layers []nn.Module
	for k := range c.Layers {
		a, b := c.Units, c.Units
		if k == 0 {
			a = in
		}
		if k == c.Layers-1 {
			b = out
		}
		l, err := nn.NewLinear(rng, c.DType, a, b, true)
		if err != nil {
			return nil, err
		}
		layers = append(layers, l)
		if k < c.Layers-1 {
			layers = append(layers, nn.Tanh{})
		}
	}
	return nn.NewSequential(layers...), nil
}

// constant wraps values [shape] of dtype dt.
func constant(dt tensor.DType, v []float64, shape ...int) *autograd.Value {
	return autograd.Constant(tensor.FromValues(dt, v, shape...))
}

// maskedMSE returns Σ w ⊙ (pred − x)² for the batch's loss weights.
func maskedMSE(g *autograd.Graph, b *Batch, pred *autograd.Value) *autograd.Value {
	w := autograd.Constant(b.lossWeights())
	return g.SumAll(g.Mul(w, g.Square(g.Sub(pred, autograd.Constant(b.X)))))
}

// Config returns the model's configuration.
func (m *LatentODE) Config() Config { return m.cfg }

// Config returns the model's configuration.
func (r *Recurrent) Config() Config { return r.cfg }
