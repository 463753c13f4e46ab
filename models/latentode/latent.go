package latentode

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/nn"
	"github.com/acaode/aca/ode"
)

// LatentODE is the latent ODE with an ODE-RNN encoder (see the package
// documentation). Members: "enc_f" (the encoder's ODE function), "enc_gru"
// (its GRU update), "enc_out" (Linear from the state to [μ, log σ²]),
// "dec_f" (the latent ODE function) and "decoder" (Linear from z to x).
type LatentODE struct {
	EncF    *nn.Sequential
	EncGRU  *nn.GRUCell
	EncOut  *nn.Linear
	DecF    *nn.Sequential
	Decoder *nn.Linear
	// Opts are the options of every solve, the gradient method included.
	Opts ode.Options
	cfg  Config
}

// NewLatentODE returns the model, drawing its parameters from rng in the
// order of its members, solving with opts.
func NewLatentODE(rng *rand.Rand, c Config, opts ode.Options) (*LatentODE, error) {
	if err := c.Check(); err != nil {
		return nil, err
	}
	m := &LatentODE{Opts: opts, cfg: c}
	var err error
	if m.EncF, err = mlp(rng, c, c.Rec, c.Rec); err != nil {
		return nil, err
	}
	if m.EncGRU, err = nn.NewGRUCell(rng, c.DType, c.Dim+1, c.Rec); err != nil {
		return nil, err
	}
	if m.EncOut, err = nn.NewLinear(rng, c.DType, c.Rec, 2*c.Latent, true); err != nil {
		return nil, err
	}
	if m.DecF, err = mlp(rng, c, c.Latent, c.Latent); err != nil {
		return nil, err
	}
	if m.Decoder, err = nn.NewLinear(rng, c.DType, c.Latent, c.Dim, true); err != nil {
		return nil, err
	}
	return m, nil
}

// Name returns "latent-ode".
func (m *LatentODE) Name() string { return "latent-ode" }

// Forward panics: the model reads a Batch (use Run).
func (m *LatentODE) Forward(*autograd.Graph, *autograd.Value) *autograd.Value {
	panic("latentode: LatentODE.Forward: the model reads a Batch; call Run")
}

// Members returns the five parts.
func (m *LatentODE) Members() []nn.Member {
	return []nn.Member{
		nn.ChildMember("enc_f", m.EncF),
		nn.ChildMember("enc_gru", m.EncGRU),
		nn.ChildMember("enc_out", m.EncOut),
		nn.ChildMember("dec_f", m.DecF),
		nn.ChildMember("decoder", m.Decoder),
	}
}

// Encode runs the ODE-RNN encoder backwards over the batch and returns the
// mean and log-variance of q(z0), each [B, Latent], with the encoder's
// solves.
func (m *LatentODE) Encode(g *autograd.Graph, b *Batch) (mu, logvar *autograd.Value, solves []*ode.GraphSolution, err error) {
	t, n, d := b.Size()
	if d != m.cfg.Dim {
		return nil, nil, nil, fmt.Errorf("latentode: latent ODE: batch has %d dimensions, the model %d", d, m.cfg.Dim)
	}
	dt := m.cfg.DType
	f := nn.Dynamics{F: m.EncF}
	h := constant(dt, make([]float64, n*m.cfg.Rec), n, m.cfg.Rec)
	prev := -1
	for i := t - 1; i >= 0; i-- {
		mask, any := b.maskAt(i)
		if !any {
			continue
		}
		if prev >= 0 {
			sol, err := ode.SolveGraph(g, f, h, []float64{b.Times[prev], b.Times[i]}, m.Opts)
			if err != nil {
				return nil, nil, solves, fmt.Errorf("latentode: encoder solve from t = %g to %g: %w", b.Times[prev], b.Times[i], err)
			}
			solves = append(solves, sol)
			h = sol.Y[1]
		}
		x := slices.Clone(b.at(i))
		in := make([]float64, 0, n*(d+1))
		for s := range n {
			for k := range d {
				in = append(in, x[s*d+k]*mask[s])
			}
			in = append(in, mask[s])
		}
		mv := constant(dt, mask, n, 1)
		hn := m.EncGRU.Step(g, constant(dt, in, n, d+1), h)
		h = g.Add(h, g.Mul(mv, g.Sub(hn, h)))
		prev = i
	}
	if prev != 0 {
		return nil, nil, solves, fmt.Errorf("latentode: latent ODE: the first time is not observed in every sequence")
	}
	parts := g.Split(m.EncOut.Forward(g, h), 1, m.cfg.Latent, m.cfg.Latent)
	return parts[0], parts[1], solves, nil
}

// Run encodes the batch, samples z0 (its mean when rng is nil), solves the
// latent ODE through every time and decodes.
func (m *LatentODE) Run(g *autograd.Graph, b *Batch, rng *rand.Rand, klWeight float64) (*Output, error) {
	mu, logvar, solves, err := m.Encode(g, b)
	if err != nil {
		return nil, err
	}
	for i, o := range b.Observed {
		if !o[0] {
			return nil, fmt.Errorf("latentode: sequence %d of the batch is not observed at the first time", i)
		}
	}
	_, n, _ := b.Size()
	l := m.cfg.Latent
	z0 := mu
	if rng != nil {
		eps := make([]float64, n*l)
		for i := range eps {
			eps[i] = rng.NormFloat64()
		}
		z0 = g.Add(mu, g.Mul(g.Exp(g.Scale(logvar, 0.5)), constant(m.cfg.DType, eps, n, l)))
	}
	sol, err := ode.SolveGraph(g, nn.Dynamics{F: m.DecF}, z0, b.Times, m.Opts)
	if err != nil {
		return nil, fmt.Errorf("latentode: latent solve: %w", err)
	}
	solves = append(solves, sol)
	pred := m.Decoder.Forward(g, g.Stack(0, sol.Y...))
	s2 := m.cfg.ObsStd * m.cfg.ObsStd
	// Gaussian NLL: (x̂ − x)²/2σ² + log σ per observed value, averaged.
	nll := g.AddScalar(g.Scale(maskedMSE(g, b, pred), 1/(2*s2)), math.Log(m.cfg.ObsStd))
	// KL(N(μ, σ²) ‖ N(0, 1)) = ½ Σ (μ² + σ² − log σ² − 1), averaged over B.
	kl := g.Scale(g.SumAll(g.Sub(g.Add(g.Square(mu), g.Exp(logvar)), g.AddScalar(logvar, 1))), 0.5/float64(n))
	loss := nll
	if klWeight != 0 {
		loss = g.Add(nll, g.Scale(kl, klWeight))
	}
	return &Output{Pred: pred, Loss: loss, Solves: solves}, nil
}
