package latentode

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/nn"
)

// tanhCell is h' = tanh(W_ih x + b_ih + W_hh h + b_hh).
type tanhCell struct {
	IH, HH *nn.Linear
}

func (c *tanhCell) step(g *autograd.Graph, x, h *autograd.Value) *autograd.Value {
	return g.Tanh(g.Add(c.IH.Forward(g, x), c.HH.Forward(g, h)))
}

// Recurrent is the RNN-Δt or GRU-Δt baseline (see the package
// documentation). Members: "cell" (for the RNN "cell.ih" and "cell.hh",
// each a Linear; for the GRU an nn.GRUCell) and "decoder" (Linear from
// [h, Δ] to x).
type Recurrent struct {
	kind    string
	rnn     *tanhCell
	gru     *nn.GRUCell
	Decoder *nn.Linear
	hidden  int
	cfg     Config
}

// NewRecurrent returns the baseline of the given kind, "rnn" or "gru",
// drawing its parameters from rng.
func NewRecurrent(rng *rand.Rand, kind string, c Config) (*Recurrent, error) {
	if err := c.Check(); err != nil {
		return nil, err
	}
	r := &Recurrent{kind: kind, hidden: c.Hidden, cfg: c}
	var err error
	switch kind {
	case "rnn":
		r.rnn = &tanhCell{}
		if r.rnn.IH, err = nn.NewLinear(rng, c.DType, c.Dim+1, c.Hidden, true); err != nil {
			return nil, err
		}
		if r.rnn.HH, err = nn.NewLinear(rng, c.DType, c.Hidden, c.Hidden, true); err != nil {
			return nil, err
		}
	case "gru":
		if r.gru, err = nn.NewGRUCell(rng, c.DType, c.Dim+1, c.Hidden); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("latentode: recurrent model %q, want rnn or gru", kind)
	}
	if r.Decoder, err = nn.NewLinear(rng, c.DType, c.Hidden+1, c.Dim, true); err != nil {
		return nil, err
	}
	return r, nil
}

// Name returns "rnn" or "gru".
func (r *Recurrent) Name() string { return r.kind }

// Forward panics: the model reads a Batch (use Run).
func (r *Recurrent) Forward(*autograd.Graph, *autograd.Value) *autograd.Value {
	panic("latentode: Recurrent.Forward: the model reads a Batch; call Run")
}

// Members returns "cell" and "decoder".
func (r *Recurrent) Members() []nn.Member {
	var cell nn.Module = r.gru
	if r.rnn != nil {
		cell = &rnnMembers{r.rnn}
	}
	return []nn.Member{nn.ChildMember("cell", cell), nn.ChildMember("decoder", r.Decoder)}
}

type rnnMembers struct{ c *tanhCell }

func (m *rnnMembers) Forward(*autograd.Graph, *autograd.Value) *autograd.Value {
	panic("latentode: the RNN cell has no Forward")
}

func (m *rnnMembers) Members() []nn.Member {
	return []nn.Member{nn.ChildMember("ih", m.c.IH), nn.ChildMember("hh", m.c.HH)}
}

// Run predicts every time of the batch; rng and klWeight are unused.
func (r *Recurrent) Run(g *autograd.Graph, b *Batch, _ *rand.Rand, _ float64) (*Output, error) {
	t, n, d := b.Size()
	if d != r.cfg.Dim {
		return nil, fmt.Errorf("latentode: %s: batch has %d dimensions, the model %d", r.kind, d, r.cfg.Dim)
	}
	dt := r.cfg.DType
	h := constant(dt, make([]float64, n*r.hidden), n, r.hidden)
	last := make([]float64, n) // time of each sequence's last observation
	for s := range last {
		last[s] = b.Times[0]
	}
	preds := make([]*autograd.Value, t)
	gap := make([]float64, n)
	for i := range t {
		for s := range n {
			gap[s] = b.Times[i] - last[s]
		}
		gv := constant(dt, gap, n, 1)
		preds[i] = r.Decoder.Forward(g, g.Concat(1, h, gv))
		m, any := b.maskAt(i)
		if !any {
			continue
		}
		in := constant(dt, slices.Clone(b.at(i)), n, d)
		in = g.Concat(1, in, gv)
		var hn *autograd.Value
		if r.gru != nil {
			hn = r.gru.Step(g, in, h)
		} else {
			hn = r.rnn.step(g, in, h)
		}
		h = g.Add(h, g.Mul(constant(dt, m, n, 1), g.Sub(hn, h)))
		for s := range n {
			if m[s] != 0 {
				last[s] = b.Times[i]
			}
		}
	}
	pred := g.Stack(0, preds...)
	return &Output{Pred: pred, Loss: maskedMSE(g, b, pred)}, nil
}
