package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

// CellParams holds the four parameters of an LSTM or GRU cell, each a
// stack of G gate blocks (G = 4 for the LSTM, 3 for the GRU) of H rows.
type CellParams struct {
	WeightIH *autograd.Value // [gates·H, I]
	WeightHH *autograd.Value // [gates·H, H]
	BiasIH   *autograd.Value // [gates·H]
	BiasHH   *autograd.Value // [gates·H]
}

func newRNNCell(layer string, rng *rand.Rand, dt tensor.DType, input, hidden, gates int) (CellParams, error) {
	if err := checkDType(layer, dt); err != nil {
		return CellParams{}, err
	}
	if err := positive(layer, "input size", input, "hidden size", hidden); err != nil {
		return CellParams{}, err
	}
	if rng == nil {
		return CellParams{}, fmt.Errorf("nn: %s %s", layer, errNilRNG)
	}
	// PyTorch draws every parameter from U(±1/√H).
	k := 1 / math.Sqrt(float64(hidden))
	u := func(shape ...int) *autograd.Value { return newParam(tensor.RandU(rng, dt, -k, k, shape...)) }
	return CellParams{
		WeightIH: u(gates*hidden, input),
		WeightHH: u(gates*hidden, hidden),
		BiasIH:   u(gates * hidden),
		BiasHH:   u(gates * hidden),
	}, nil
}

func (c *CellParams) members(suffix string) []Member {
	return []Member{
		ParamMember("weight_ih"+suffix, &c.WeightIH),
		ParamMember("weight_hh"+suffix, &c.WeightHH),
		ParamMember("bias_ih"+suffix, &c.BiasIH),
		ParamMember("bias_hh"+suffix, &c.BiasHH),
	}
}

func (c *CellParams) inputSize() int  { return c.WeightIH.Shape()[1] }
func (c *CellParams) hiddenSize() int { return c.WeightHH.Shape()[1] }

// state returns s, or zeros [b, H] when s is nil, after checking its shape.
func (c *CellParams) state(layer, what string, s *autograd.Value, dt tensor.DType, b int) *autograd.Value {
	h := c.hiddenSize()
	if s == nil {
		return autograd.Constant(tensor.Zeros(dt, b, h))
	}
	if sh := s.Shape(); len(sh) != 2 || sh[0] != b || sh[1] != h {
		panic(fmt.Sprintf("nn: %s: %s state has shape %v, want [%d %d]", layer, what, sh, b, h))
	}
	return s
}

// checkStep panics unless x is [B, I] for the cell's input size I.
func (c *CellParams) checkStep(layer string, x *autograd.Value) int {
	if s := x.Shape(); len(s) != 2 || s[1] != c.inputSize() {
		panic(fmt.Sprintf("nn: %s: input has shape %v, want [batch %d]", layer, s, c.inputSize()))
	}
	return x.Shape()[0]
}

// LSTMCell is one step of a long short-term memory (PyTorch's LSTMCell).
// With gates in the order i, f, g, o stacked in the weights' rows:
//
//	i = σ(W_ii x + b_ii + W_hi h + b_hi)
//	f = σ(W_if x + b_if + W_hf h + b_hf)
//	g = tanh(W_ig x + b_ig + W_hg h + b_hg)
//	o = σ(W_io x + b_io + W_ho h + b_ho)
//	c' = f ⊙ c + i ⊙ g
//	h' = o ⊙ tanh(c')
//
// Members: "weight_ih" [4H, I], "weight_hh" [4H, H], "bias_ih" and
// "bias_hh" [4H].
type LSTMCell struct{ CellParams }

// NewLSTMCell returns an LSTM cell from input to hidden features, every
// parameter drawn from U(±1/√hidden) as in PyTorch.
func NewLSTMCell(rng *rand.Rand, dt tensor.DType, input, hidden int) (*LSTMCell, error) {
	c, err := newRNNCell("LSTMCell", rng, dt, input, hidden, 4)
	if err != nil {
		return nil, err
	}
	return &LSTMCell{c}, nil
}

// HiddenSize returns H.
func (c *LSTMCell) HiddenSize() int { return c.hiddenSize() }

// Step advances the state (h, c), each [B, H] (nil means zeros), by one
// input x [B, I], returning the new h and c.
func (c *LSTMCell) Step(g *autograd.Graph, x, h, cs *autograd.Value) (*autograd.Value, *autograd.Value) {
	b := c.checkStep("LSTMCell", x)
	h = c.state("LSTMCell", "hidden", h, x.DType(), b)
	cs = c.state("LSTMCell", "cell", cs, x.DType(), b)
	n := c.hiddenSize()
	gx := g.Linear(x, c.WeightIH, c.BiasIH)
	gates := g.Split(g.Add(gx, g.Linear(h, c.WeightHH, c.BiasHH)), 1, n, n, n, n)
	i, f, gg, o := g.Sigmoid(gates[0]), g.Sigmoid(gates[1]), g.Tanh(gates[2]), g.Sigmoid(gates[3])
	c2 := g.Add(g.Mul(f, cs), g.Mul(i, gg))
	return g.Mul(o, g.Tanh(c2)), c2
}

// Forward runs one step from the zero state and returns h'.
func (c *LSTMCell) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	h, _ := c.Step(g, x, nil, nil)
	return h
}

// Members returns "weight_ih", "weight_hh", "bias_ih" and "bias_hh".
func (c *LSTMCell) Members() []Member { return c.members("") }

// GRUCell is one step of a gated recurrent unit (PyTorch's GRUCell). With
// gates in the order r, z, n stacked in the weights' rows:
//
//	r = σ(W_ir x + b_ir + W_hr h + b_hr)
//	z = σ(W_iz x + b_iz + W_hz h + b_hz)
//	n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
//	h' = (1 − z) ⊙ n + z ⊙ h
//
// Members: "weight_ih" [3H, I], "weight_hh" [3H, H], "bias_ih" and
// "bias_hh" [3H].
type GRUCell struct{ CellParams }

// NewGRUCell returns a GRU cell from input to hidden features, every
// parameter drawn from U(±1/√hidden) as in PyTorch.
func NewGRUCell(rng *rand.Rand, dt tensor.DType, input, hidden int) (*GRUCell, error) {
	c, err := newRNNCell("GRUCell", rng, dt, input, hidden, 3)
	if err != nil {
		return nil, err
	}
	return &GRUCell{c}, nil
}

// HiddenSize returns H.
func (c *GRUCell) HiddenSize() int { return c.hiddenSize() }

// Step advances the state h [B, H] (nil means zeros) by one input x [B, I]
// and returns the new h.
func (c *GRUCell) Step(g *autograd.Graph, x, h *autograd.Value) *autograd.Value {
	b := c.checkStep("GRUCell", x)
	h = c.state("GRUCell", "hidden", h, x.DType(), b)
	n := c.hiddenSize()
	xs := g.Split(g.Linear(x, c.WeightIH, c.BiasIH), 1, n, n, n)
	hs := g.Split(g.Linear(h, c.WeightHH, c.BiasHH), 1, n, n, n)
	r := g.Sigmoid(g.Add(xs[0], hs[0]))
	z := g.Sigmoid(g.Add(xs[1], hs[1]))
	cand := g.Tanh(g.Add(xs[2], g.Mul(r, hs[2])))
	// (1 − z)·n + z·h = n + z·(h − n)
	return g.Add(cand, g.Mul(z, g.Sub(h, cand)))
}

// Forward runs one step from the zero state and returns h'.
func (c *GRUCell) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return c.Step(g, x, nil)
}

// Members returns "weight_ih", "weight_hh", "bias_ih" and "bias_hh".
func (c *GRUCell) Members() []Member { return c.members("") }

// seqInput checks x [T, B, F] and gaps [T, B, 1] (may be nil) and returns
// the first layer's input at every step, [B, F] or, with gaps, [B, F+1].
//
// The steps are sliced from x (and gaps) one by one rather than from one
// recorded product: a slice's backward pass writes into a zero tensor of the
// whole input, so slicing a recorded [T, B, ·] at every step would make the
// backward pass quadratic in T. Slicing the data costs nothing in the
// backward pass unless x itself requires a gradient.
func seqInput(g *autograd.Graph, layer string, x, gaps *autograd.Value, want int) ([]*autograd.Value, int) {
	s := x.Shape()
	if len(s) != 3 || s[0] == 0 {
		panic(fmt.Sprintf("nn: %s: input has shape %v, want [time batch features] with at least one step", layer, s))
	}
	f := s[2]
	if gaps != nil {
		if gs := gaps.Shape(); len(gs) != 3 || gs[0] != s[0] || gs[1] != s[1] || gs[2] != 1 {
			panic(fmt.Sprintf("nn: %s: time gaps have shape %v, want [%d %d 1] for input %v", layer, gs, s[0], s[1], s))
		}
		f++
	}
	if f != want {
		extra := ""
		if gaps != nil {
			extra = " (with the time gap as the last feature)"
		}
		panic(fmt.Sprintf("nn: %s: %d input features%s, the layer takes %d", layer, f, extra, want))
	}
	steps := make([]*autograd.Value, s[0])
	for t := range steps {
		steps[t] = step(g, x, t)
		if gaps != nil {
			steps[t] = g.Concat(1, steps[t], step(g, gaps, t))
		}
	}
	return steps, s[1]
}

// initial returns layer k's initial state from s [L, B, H] (nil: nil).
func initial(g *autograd.Graph, layer, what string, s *autograd.Value, k, layers, b, h int) *autograd.Value {
	if s == nil {
		return nil
	}
	if sh := s.Shape(); len(sh) != 3 || sh[0] != layers || sh[1] != b || sh[2] != h {
		panic(fmt.Sprintf("nn: %s: initial %s state has shape %v, want [%d %d %d]", layer, what, sh, layers, b, h))
	}
	return g.Reshape(g.Slice(s, 0, k, k+1), b, h)
}

// step returns x[t] as [B, F] from x [T, B, F].
func step(g *autograd.Graph, x *autograd.Value, t int) *autograd.Value {
	s := x.Shape()
	return g.Reshape(g.Slice(x, 0, t, t+1), s[1], s[2])
}

func checkLayers(layer string, layers int) error {
	return positive(layer, "layers", layers)
}

// LSTM is a stack of LSTM cells run over a time-major sequence (PyTorch's
// nn.LSTM, unidirectional, without dropout between layers). Cell k > 0 takes
// the hidden states of cell k−1. Members are PyTorch's: "weight_ih_l0",
// "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_ih_l1", …
type LSTM struct {
	Cells []*LSTMCell
}

// NewLSTM returns an LSTM of the given number of layers from input to
// hidden features, drawing each layer's parameters from rng in turn.
func NewLSTM(rng *rand.Rand, dt tensor.DType, input, hidden, layers int) (*LSTM, error) {
	if err := checkLayers("LSTM", layers); err != nil {
		return nil, err
	}
	l := &LSTM{}
	for k := range layers {
		in := input
		if k > 0 {
			in = hidden
		}
		c, err := NewLSTMCell(rng, dt, in, hidden)
		if err != nil {
			return nil, err
		}
		l.Cells = append(l.Cells, c)
	}
	return l, nil
}

// Run runs the layers over x [T, B, F], with time gaps [T, B, 1]
// concatenated to the features if gaps is not nil, from the initial states
// h0 and c0 [L, B, H] (nil means zeros). It returns the last layer's hidden
// state at every step, out [T, B, H], and the final states hN and cN
// [L, B, H].
func (l *LSTM) Run(g *autograd.Graph, x, gaps, h0, c0 *autograd.Value) (out, hN, cN *autograd.Value) {
	if len(l.Cells) == 0 {
		panic("nn: LSTM.Run: the LSTM has no layers (build it with NewLSTM)")
	}
	seq, b := seqInput(g, "LSTM", x, gaps, l.Cells[0].inputSize())
	n := len(l.Cells)
	hs, cs := make([]*autograd.Value, n), make([]*autograd.Value, n)
	for k, cell := range l.Cells {
		hd := cell.hiddenSize()
		h := initial(g, "LSTM", "hidden", h0, k, n, b, hd)
		c := initial(g, "LSTM", "cell", c0, k, n, b, hd)
		for t, xt := range seq {
			h, c = cell.Step(g, xt, h, c)
			seq[t] = h // the next layer's input
		}
		hs[k], cs[k] = h, c
	}
	return g.Stack(0, seq...), g.Stack(0, hs...), g.Stack(0, cs...)
}

// Forward runs the layers over x [T, B, F] from the zero state, without
// time gaps, and returns the hidden states [T, B, H].
func (l *LSTM) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	out, _, _ := l.Run(g, x, nil, nil, nil)
	return out
}

// Members returns each layer's parameters with the suffix _l<k>.
func (l *LSTM) Members() []Member {
	var m []Member
	for k, c := range l.Cells {
		m = append(m, c.members(fmt.Sprintf("_l%d", k))...)
	}
	return m
}

// GRU is a stack of GRU cells run over a time-major sequence (PyTorch's
// nn.GRU, unidirectional, without dropout between layers). Members are
// PyTorch's: "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", …
type GRU struct {
	Cells []*GRUCell
}

// NewGRU returns a GRU of the given number of layers from input to hidden
// features, drawing each layer's parameters from rng in turn.
func NewGRU(rng *rand.Rand, dt tensor.DType, input, hidden, layers int) (*GRU, error) {
	if err := checkLayers("GRU", layers); err != nil {
		return nil, err
	}
	l := &GRU{}
	for k := range layers {
		in := input
		if k > 0 {
			in = hidden
		}
		c, err := NewGRUCell(rng, dt, in, hidden)
		if err != nil {
			return nil, err
		}
		l.Cells = append(l.Cells, c)
	}
	return l, nil
}

// Run runs the layers over x [T, B, F], with time gaps [T, B, 1]
// concatenated to the features if gaps is not nil, from the initial state
// h0 [L, B, H] (nil means zeros). It returns the last layer's hidden state
// at every step, out [T, B, H], and the final state hN [L, B, H].
func (l *GRU) Run(g *autograd.Graph, x, gaps, h0 *autograd.Value) (out, hN *autograd.Value) {
	if len(l.Cells) == 0 {
		panic("nn: GRU.Run: the GRU has no layers (build it with NewGRU)")
	}
	seq, b := seqInput(g, "GRU", x, gaps, l.Cells[0].inputSize())
	n := len(l.Cells)
	hs := make([]*autograd.Value, n)
	for k, cell := range l.Cells {
		h := initial(g, "GRU", "hidden", h0, k, n, b, cell.hiddenSize())
		for t, xt := range seq {
			h = cell.Step(g, xt, h)
			seq[t] = h // the next layer's input
		}
		hs[k] = h
	}
	return g.Stack(0, seq...), g.Stack(0, hs...)
}

// Forward runs the layers over x [T, B, F] from the zero state, without
// time gaps, and returns the hidden states [T, B, H].
func (l *GRU) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	out, _ := l.Run(g, x, nil, nil)
	return out
}

// Members returns each layer's parameters with the suffix _l<k>.
func (l *GRU) Members() []Member {
	var m []Member
	for k, c := range l.Cells {
		m = append(m, c.members(fmt.Sprintf("_l%d", k))...)
	}
	return m
}
