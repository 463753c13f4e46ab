package autograd_test

import (
	"strings"
	"testing"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

// TestGradCheckCatchesWrongVJP makes sure GradCheck can fail: a custom op
// whose VJP is off by a little, or has the wrong layout, must be reported.
func TestGradCheckCatchesWrongVJP(t *testing.T) {
	rng := tensor.NewRNG(7)
	x := tensor.RandN(rng, tensor.Float64, 0, 1, 3, 4)
	cube := func(scale float64, transposed bool) func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
		return func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
			x := in[0]
			out := tensor.Mul(tensor.Square(x.Data()), x.Data())
			return g.Record(autograd.Op{Name: "cube", VJP: func(gy *tensor.Tensor, _ []bool) []*tensor.Tensor {
				d := tensor.Mul(gy, tensor.Scale(tensor.Square(x.Data()), 3*scale))
				if transposed {
					d = tensor.Transpose(d.Reshape(4, 3)).Reshape(3, 4)
				}
				return []*tensor.Tensor{d}
			}}, out, x)
		}
	}
	if _, err := autograd.GradCheck(cube(1, false), []*tensor.Tensor{x}, autograd.CheckOptions{}); err != nil {
		t.Fatalf("correct VJP rejected: %v", err)
	}
	for _, bad := range []struct {
		name  string
		scale float64
		tr    bool
	}{{"scaled by 1+1e-5", 1 + 1e-5, false}, {"wrong layout", 1, true}} {
		_, err := autograd.GradCheck(cube(bad.scale, bad.tr), []*tensor.Tensor{x}, autograd.CheckOptions{})
		if err == nil || !strings.Contains(err.Error(), "relative error") {
			t.Errorf("%s: GradCheck accepted a wrong VJP (err = %v)", bad.name, err)
		}
	}
}

func TestGradCheckRejectsFloat32(t *testing.T) {
	x := tensor.Ones(tensor.Float32, 2)
	_, err := autograd.GradCheck(func(g *autograd.Graph, in []*autograd.Value) *autograd.Value { return g.Exp(in[0]) },
		[]*tensor.Tensor{x}, autograd.CheckOptions{})
	if err == nil || !strings.Contains(err.Error(), "float64") {
		t.Fatalf("want a float64 error, got %v", err)
	}
}
