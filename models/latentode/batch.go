package latentode

import (
	"fmt"

	"github.com/acaode/aca/tensor"
)

// Batch is B sequences sampled at T shared times. Build it with NewBatch.
type Batch struct {
	// Times are the T sample times, increasing.
	Times []float64
	// X holds the values [T, B, D]; unobserved values are never read.
	X *tensor.Tensor
	// Observed[b][i] says whether sequence b is observed at time i.
	Observed [][]bool

	vals []float64 // X's values as float64
}

// NewBatch builds a batch of dtype dt from sequences of T·D values each
// (time-major, as latentdata.Set stores them) and their masks.
func NewBatch(dt tensor.DType, times []float64, dim int, seqs [][]float64, observed [][]bool) (*Batch, error) {
	t, b := len(times), len(seqs)
	if t == 0 || b == 0 || dim < 1 {
		return nil, fmt.Errorf("latentode: batch of %d sequences of %d times and %d dimensions", b, t, dim)
	}
	if len(observed) != b {
		return nil, fmt.Errorf("latentode: %d sequences but %d masks", b, len(observed))
	}
	x := make([]float64, t*b*dim)
	for s, seq := range seqs {
		if len(seq) != t*dim {
			return nil, fmt.Errorf("latentode: sequence %d has %d values, want %d times × %d dimensions", s, len(seq), t, dim)
		}
		if len(observed[s]) != t {
			return nil, fmt.Errorf("latentode: mask %d has %d times, want %d", s, len(observed[s]), t)
		}
		for i := range t {
			copy(x[(i*b+s)*dim:(i*b+s+1)*dim], seq[i*dim:(i+1)*dim])
		}
	}
	return &Batch{Times: append([]float64(nil), times...), X: tensor.FromValues(dt, x, t, b, dim), Observed: observed, vals: x}, nil
}

// Size returns T, B and D.
func (b *Batch) Size() (t, n, d int) {
	s := b.X.Shape()
	return s[0], s[1], s[2]
}

// at returns X[i] as [B, D] values.
func (b *Batch) at(i int) []float64 {
	_, n, d := b.Size()
	return b.vals[i*n*d : (i+1)*n*d]
}

// maskAt returns m [B, 1] with 1 where sequence b is observed at time i.
func (b *Batch) maskAt(i int) ([]float64, bool) {
	m := make([]float64, len(b.Observed))
	any := false
	for s, obs := range b.Observed {
		if obs[i] {
			m[s] = 1
			any = true
		}
	}
	return m, any
}

// lossWeights returns w [T, B, 1] with w = 1/(B·D·n_b) where sequence b
// (with n_b observed times) is observed, 0 elsewhere: Σ w·(x̂ − x)² is the
// mean over the batch of each sequence's mean squared error over its
// observed values.
func (b *Batch) lossWeights() *tensor.Tensor {
	t, n, d := b.Size()
	w := make([]float64, t*n)
	for s, obs := range b.Observed {
		c := 0
		for _, o := range obs {
			if o {
				c++
			}
		}
		for i, o := range obs {
			if o {
				w[i*n+s] = 1 / float64(n*d*c)
			}
		}
	}
	return tensor.FromValues(b.X.DType(), w, t, n, 1)
}

// MSE returns the mean squared error of pred [T, B, D] against X over every
// time and dimension, observed or not.
func (b *Batch) MSE(pred *tensor.Tensor) float64 {
	p, x := pred.Values(), b.vals
	s := 0.0
	for i := range x {
		d := p[i] - x[i]
		s += d * d
	}
	return s / float64(len(x))
}
