package nn_test

import (
	"math"
	"testing"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/nn"
	"github.com/acaode/aca/tensor"
)

// Cross-entropy with label smoothing ε against the definition: the target
// is (1−ε)·onehot + ε/C, the loss −Σ q log softmax, averaged over the batch.
func TestCrossEntropySmoothing(t *testing.T) {
	logits := randn(1, 5, 4)
	labels := []int{0, 3, 1, 1, 2}
	for _, eps := range []float64{0, 0.1, 0.5, 1} {
		got := nn.CrossEntropy(nil, constant(logits), labels, eps).Item()
		want := 0.0
		lp := tensor.LogSoftmax(logits, 1)
		for i, l := range labels {
			for c := range 4 {
				q := eps / 4
				if c == l {
					q += 1 - eps
				}
				want -= q * lp.At(i, c) / 5
			}
		}
		if math.Abs(got-want) > 1e-14 {
			t.Errorf("ε %v: %v, want %v", eps, got, want)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("smoothing 1.5 did not panic")
		}
	}()
	nn.CrossEntropy(nil, constant(logits), labels, 1.5)
}

func TestRegressionLosses(t *testing.T) {
	a := tensor.FromFloat64([]float64{1, -2, 3, 0.5}, 2, 2)
	b := tensor.FromFloat64([]float64{0, 1, 3, -0.5}, 2, 2)
	cases := []struct {
		name string
		f    func(g *autograd.Graph, a, b *autograd.Value) *autograd.Value
		want float64
	}{
		{"MSE", nn.MSE, (1 + 9 + 0 + 1) / 4.0},
		{"L1", nn.L1, (1 + 3 + 0 + 1) / 4.0},
	}
	for _, c := range cases {
		if got := c.f(nil, constant(a), constant(b)).Item(); got != c.want {
			t.Errorf("%s = %v, want %v", c.name, got, c.want)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("L1 of [2 2] and [4] did not panic")
		}
	}()
	nn.L1(nil, constant(a), constant(b.Reshape(4)))
}

func TestAccuracy(t *testing.T) {
	logits := tensor.FromFloat64([]float64{
		1, 2, 0,
		5, 5, 1, // tie: the first wins
		0, 0, 3,
		2, 1, 0,
	}, 4, 3)
	if got := nn.Accuracy(logits, []int{1, 0, 2, 1}); got != 0.75 {
		t.Errorf("accuracy %v, want 0.75", got)
	}
}
