package nn

import (
	"fmt"
	"slices"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

// CrossEntropy returns the mean over the batch of the cross-entropy between
// softmax(logits) for logits [N, C] and the labels (N classes in [0, C)),
// with label smoothing ε in [0, 1] (0 turns it off): the target puts
// 1 − ε + ε/C on the label and ε/C on every other class, as PyTorch's
// cross_entropy(label_smoothing=ε). It panics for ε outside [0, 1] and for
// labels out of range.
func CrossEntropy(g *autograd.Graph, logits *autograd.Value, labels []int, smoothing float64) *autograd.Value {
	if !(smoothing >= 0 && smoothing <= 1) {
		panic(fmt.Sprintf("nn: CrossEntropy: label smoothing %v is outside [0, 1]", smoothing))
	}
	ce := g.CrossEntropy(logits, labels)
	if smoothing == 0 {
		return ce
	}
	// −Σ_c q_c log p_c = (1−ε)·(−log p_label) + ε·mean_c(−log p_c); averaged
	// over the batch, the second term is −ε times the mean of log p over all
	// N·C entries.
	uniform := g.MeanAll(g.LogSoftmax(logits, 1))
	return g.Sub(g.Scale(ce, 1-smoothing), g.Scale(uniform, smoothing))
}

// MSE returns the mean of (a − b)² over all elements; a and b must have the
// same shape.
func MSE(g *autograd.Graph, a, b *autograd.Value) *autograd.Value { return g.MSE(a, b) }

// L1 returns the mean of |a − b| over all elements (gradient 0 where they
// are equal); a and b must have the same shape.
func L1(g *autograd.Graph, a, b *autograd.Value) *autograd.Value {
	if !slices.Equal(a.Shape(), b.Shape()) {
		panic(fmt.Sprintf("nn: L1: shapes %v and %v differ", a.Shape(), b.Shape()))
	}
	return g.MeanAll(g.Abs(g.Sub(a, b)))
}

// Accuracy returns the fraction of rows of logits [N, C] whose largest entry
// (the first, at ties) is at the label. It panics if len(labels) is not N.
func Accuracy(logits *tensor.Tensor, labels []int) float64 {
	s := logits.Shape()
	if len(s) != 2 || s[0] != len(labels) {
		panic(fmt.Sprintf("nn: Accuracy: logits %v for %d labels (want [%d classes])", s, len(labels), len(labels)))
	}
	if len(labels) == 0 {
		return 0
	}
	v := logits.Values()
	c := s[1]
	right := 0
	for i, l := range labels {
		row := v[i*c : (i+1)*c]
		best := 0
		for j, x := range row {
			if x > row[best] {
				best = j
			}
		}
		if best == l {
			right++
		}
	}
	return float64(right) / float64(len(labels))
}
