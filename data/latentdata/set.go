package latentdata

import (
	"fmt"
	"math"
)

// Set is a data set of sequences sampled at shared times: Times [T] and
// values [N, T, D] flattened (sequence-major, then time, then dimension).
type Set struct {
	// Name says what the set is ("pendulum", "periodic").
	Name string
	// Times are the sample times, increasing, shared by every sequence.
	Times []float64
	// Dim is D, the number of dimensions per time.
	Dim int
	// Train and Test hold the sequences' values, [N, T, D] flattened,
	// scaled to [0, 1] per dimension over the training set (a test value
	// may fall slightly outside).
	Train, Test []float64
	// Min and Scale undo the scaling: raw = Min[d] + Scale[d]·value.
	Min, Scale []float64
}

// Len returns the numbers of training and test sequences.
func (s *Set) Len() (train, test int) {
	n := len(s.Times) * s.Dim
	return len(s.Train) / n, len(s.Test) / n
}

// Sequence returns sequence i of vals (Train or Test) as [T·D] values,
// a view (not a copy).
func (s *Set) Sequence(vals []float64, i int) []float64 {
	n := len(s.Times) * s.Dim
	return vals[i*n : (i+1)*n]
}

// split scales raw [N, T, D] per dimension to [0, 1] over its first nTrain
// sequences and returns the set.
func split(name string, times []float64, dim int, raw []float64, nTrain int) (*Set, error) {
	per := len(times) * dim
	if nTrain < 1 || nTrain*per >= len(raw) {
		return nil, fmt.Errorf("latentdata: %s: %d sequences cannot be split into %d for training and at least one for testing", name, len(raw)/per, nTrain)
	}
	lo := make([]float64, dim)
	hi := make([]float64, dim)
	for d := range dim {
		lo[d], hi[d] = math.Inf(1), math.Inf(-1)
	}
	for i := 0; i < nTrain*per; i++ {
		d := i % dim
		lo[d] = min(lo[d], raw[i])
		hi[d] = max(hi[d], raw[i])
	}
	scale := make([]float64, dim)
	for d := range dim {
		scale[d] = hi[d] - lo[d]
		if scale[d] == 0 {
			scale[d] = 1 // a constant dimension maps to 0
		}
	}
	out := make([]float64, len(raw))
	for i, v := range raw {
		d := i % dim
		out[i] = (v - lo[d]) / scale[d]
	}
	return &Set{
		Name: name, Times: append([]float64(nil), times...), Dim: dim,
		Train: out[:nTrain*per], Test: out[nTrain*per:],
		Min: lo, Scale: scale,
	}, nil
}

// trainCount is the 80 % of n used for training (at least 1, leaving at
// least 1 for testing when n ≥ 2).
func trainCount(n int) int {
	k := int(math.Round(0.8 * float64(n)))
	return max(1, min(k, n-1))
}
