package nn_test

import (
	"testing"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/nn"
	"github.com/acaode/aca/tensor"
)

// gradCheck runs autograd.GradCheck on fwd with respect to x and every
// parameter of m, substituting GradCheck's values for the parameters.
// before runs ahead of every evaluation (to reseed a dropout mask, say).
func gradCheck(t *testing.T, m nn.Module, inputs []*tensor.Tensor, fwd func(g *autograd.Graph, in []*autograd.Value) *autograd.Value, before func()) {
	t.Helper()
	ps := nn.NamedParams(m)
	orig := make([]*autograd.Value, len(ps))
	all := append([]*tensor.Tensor(nil), inputs...)
	for i, p := range ps {
		orig[i] = p.Value
		all = append(all, p.Value.Data())
	}
	defer func() {
		for i, p := range ps {
			p.Set(orig[i])
		}
	}()
	k := len(inputs)
	f := func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
		for i, p := range ps {
			p.Set(in[k+i])
		}
		if before != nil {
			before()
		}
		return fwd(g, in[:k])
	}
	res, err := autograd.GradCheck(f, all, autograd.CheckOptions{})
	if err != nil {
		names := []string{}
		for _, p := range ps {
			names = append(names, p.Name)
		}
		t.Fatalf("%v (inputs: %d data, then params %v)", err, k, names)
	}
	if res.MaxRelErr > 1e-6 {
		t.Fatalf("max relative error %g", res.MaxRelErr)
	}
	// A parameter the forward pass ignored would pass with a zero gradient
	// both ways: make sure every one gets a non-zero gradient.
	for i, p := range ps {
		p.Set(orig[i])
	}
	if len(ps) == 0 {
		return
	}
	if before != nil {
		before()
	}
	g := autograd.NewGraph()
	consts := make([]*autograd.Value, k)
	for i, x := range inputs {
		consts[i] = autograd.Constant(x)
	}
	out := fwd(g, consts)
	seed := tensor.RandN(tensor.NewRNG(1), out.DType(), 0, 1, out.Shape()...)
	grads, err := g.Grad(out, seed, orig...)
	if err != nil {
		t.Fatal(err)
	}
	for i, gr := range grads {
		if tensor.Dot(gr, gr) == 0 {
			t.Errorf("parameter %s gets a zero gradient", ps[i].Name)
		}
	}
}

// forward is the usual fwd for gradCheck: m.Forward on the only input.
func forward(m nn.Module) func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
	return func(g *autograd.Graph, in []*autograd.Value) *autograd.Value { return m.Forward(g, in[0]) }
}

func randn(seed uint64, shape ...int) *tensor.Tensor {
	return tensor.RandN(tensor.NewRNG(seed), tensor.Float64, 0, 1, shape...)
}

func constant(t *tensor.Tensor) *autograd.Value { return autograd.Constant(t) }

func names[T any](xs []T, name func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = name(x)
	}
	return out
}

func paramNames(m nn.Module) []string {
	return names(nn.NamedParams(m), func(p nn.NamedParam) string { return p.Name })
}

func bufferNames(m nn.Module) []string {
	return names(nn.NamedBuffers(m), func(b nn.NamedBuffer) string { return b.Name })
}
