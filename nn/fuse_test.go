package nn_test

import (
	"fmt"
	"testing"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/nn"
	"github.com/acaode/aca/tensor"
)

// TestGroupNormReLUFused checks that Sequential and ApplyReLU compute a
// GroupNorm followed by ReLU as the fused operation (the graph records
// group_norm_relu, not group_norm and relu), with the same output and the
// same gradients, bit for bit, as the two layers applied one by one; and
// that ApplyReLU falls back to the two operations for a norm that cannot
// fuse (BatchNorm2d).
func TestGroupNormReLUFused(t *testing.T) {
	for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
		rng := tensor.NewRNG(3)
		conv, err := nn.NewConv2d(rng, dt, nn.Conv2dConfig{In: 3, Out: 4, Kernel: 3, Padding: 1})
		if err != nil {
			t.Fatal(err)
		}
		gn, err := nn.NewGroupNorm(dt, 2, 4)
		if err != nil {
			t.Fatal(err)
		}
		gn.Weight.Data().Set(-0.7, 1) // a negative scale: some planes flip sign
		gn.Bias.Data().Set(0.3, 2)
		x := tensor.RandN(rng, dt, 0, 1, 2, 3, 5, 6)
		seed := tensor.RandN(rng, dt, 0, 1, 2, 4, 5, 6)
		params := nn.Params(nn.NewSequential(conv, gn))

		run := func(fwd func(g *autograd.Graph, x *autograd.Value) *autograd.Value) (*tensor.Tensor, []*tensor.Tensor, map[string]int) {
			g := autograd.NewGraph()
			xv := autograd.Leaf(x)
			y := fwd(g, xv)
			ops := g.OpCounts()
			grads, err := g.GradMulti([]*autograd.Value{y}, []*tensor.Tensor{seed}, append([]*autograd.Value{xv}, params...)...)
			if err != nil {
				t.Fatal(err)
			}
			return y.Data(), grads, ops
		}
		want, wantGrads, _ := run(func(g *autograd.Graph, x *autograd.Value) *autograd.Value {
			return g.ReLU(gn.Forward(g, conv.Forward(g, x)))
		})
		for name, fwd := range map[string]func(g *autograd.Graph, x *autograd.Value) *autograd.Value{
			"Sequential": nn.NewSequential(conv, gn, nn.ReLU{}).Forward,
			"Sequential.ForwardT": func(g *autograd.Graph, x *autograd.Value) *autograd.Value {
				return nn.NewSequential(conv, gn, nn.ReLU{}).ForwardT(g, 0.5, x)
			},
			"ApplyReLU": func(g *autograd.Graph, x *autograd.Value) *autograd.Value {
				return nn.ApplyReLU(g, gn, conv.Forward(g, x))
			},
		} {
			what := fmt.Sprintf("%v %s", dt, name)
			got, grads, ops := run(fwd)
			if ops["group_norm_relu"] != 1 || ops["group_norm"] != 0 || ops["relu"] != 0 {
				t.Errorf("%s: recorded %v, want one group_norm_relu", what, ops)
			}
			if !tensor.SameBits(got, want) {
				t.Errorf("%s: output differs from ReLU(GroupNorm)", what)
			}
			for i := range grads {
				if !tensor.SameBits(grads[i], wantGrads[i]) {
					t.Errorf("%s: gradient %d differs from the unfused layers'", what, i)
				}
			}
		}
	}

	// A norm that is not a ReLUFuser: two operations, the same values.
	bn, err := nn.NewBatchNorm2d(tensor.Float64, 3)
	if err != nil {
		t.Fatal(err)
	}
	x := constant(randn(5, 2, 3, 4, 4))
	var g *autograd.Graph // no recording: x is a constant
	got := nn.ApplyReLU(g, bn, x)
	want := g.ReLU(bn.Forward(g, x))
	if !tensor.SameBits(got.Data(), want.Data()) {
		t.Errorf("ApplyReLU on BatchNorm2d differs from ReLU(BatchNorm2d)")
	}
}
