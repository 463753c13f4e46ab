package autograd_test

import (
	"math"
	"testing"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

// combo is out = Σ c_i·x_i as a recorded operation, its gradients either
// returned by the backward rule as scaled copies or declared to the engine
// through autograd.Scaler; the last input's gradient (c_last·gy) always
// comes from the rule, to mix the two.
type combo struct {
	c       []float64
	declare bool
}

func (r *combo) Scales(_ []bool, sc []float64) {
	for i := range r.c[:len(r.c)-1] {
		sc[i] = r.c[i]
	}
}

func (r *combo) record(g *autograd.Graph, xs ...*autograd.Value) *autograd.Value {
	out := tensor.ZerosLike(xs[0].Data())
	for i, x := range xs {
		out.AddProductInPlace(r.c[i], x.Data())
	}
	op := autograd.Op{Name: "test.combo", Fresh: true, VJP: func(gy *tensor.Tensor, need []bool) []*tensor.Tensor {
		gs := make([]*tensor.Tensor, len(need))
		for i := range need {
			if need[i] && (!r.declare || i == len(need)-1) {
				gs[i] = tensor.Scale(gy, r.c[i])
			}
		}
		return gs
	}}
	if r.declare {
		op.Scales = r
	}
	return g.Record(op, out, xs...)
}

// TestScaler checks that gradients declared through Op.Scales are the bits
// of the same gradients returned as scaled copies: for leaves and for
// recorded values, for a value that also receives a gradient shared from
// another operation (Add passes gy on), for an input used twice, for a
// constant input, and in float32.
func TestScaler(t *testing.T) {
	for _, dt := range []tensor.DType{tensor.Float64, tensor.Float32} {
		run := func(declare bool) []*tensor.Tensor {
			rng := tensor.NewRNG(5)
			a := autograd.Leaf(tensor.RandN(rng, dt, 0, 1, 3, 4))
			b := autograd.Leaf(tensor.RandN(rng, dt, 0, 1, 3, 4))
			k := autograd.Constant(tensor.RandN(rng, dt, 0, 1, 3, 4))
			g := autograd.NewGraph()
			h := g.Tanh(a)   // recorded: its gradient accumulates on the graph
			s := g.Add(h, b) // passes gy on, shared, to h and b
			r1 := &combo{c: []float64{0.3, -1.7, 2.5, 0.9}, declare: declare}
			y := r1.record(g, h, s, h, b) // h twice; the last input from the rule
			r2 := &combo{c: []float64{1.1, -0.4, 0.7}, declare: declare}
			z := r2.record(g, y, k, s)
			loss := g.SumAll(g.Mul(z, z))
			grads, err := g.Grad(loss, nil, a, b)
			if err != nil {
				t.Fatal(err)
			}
			return grads
		}
		want, got := run(false), run(true)
		for i := range want {
			w, gv := want[i].Values(), got[i].Values()
			for j := range w {
				if math.Float64bits(w[j]) != math.Float64bits(gv[j]) {
					t.Fatalf("%v: gradient %d element %d: %v declared, %v returned", dt, i, j, gv[j], w[j])
				}
			}
		}
	}
}

// TestReuseNodes checks a graph recorded over and over with ReuseNodes and
// Reset: each round's gradients are those of a fresh graph, the rounds
// after the first allocate no nodes, Reset keeps RecycleOutputs and the
// meter, restarts the peak, and frees a graph not yet differentiated.
func TestReuseNodes(t *testing.T) {
	rng := tensor.NewRNG(9)
	w := autograd.Leaf(tensor.RandN(rng, tensor.Float64, 0, 1, 4, 3))
	x := autograd.Constant(tensor.RandN(rng, tensor.Float64, 0, 1, 5, 3))
	round := func(g *autograd.Graph) *tensor.Tensor {
		y := g.Tanh(g.MatMul(x, w, false, true))
		gs, err := g.Grad(g.SumAll(g.Mul(y, y)), nil, w)
		if err != nil {
			t.Fatal(err)
		}
		return gs[0]
	}
	want := round(autograd.NewGraph())
	m := &autograd.Meter{}
	g := autograd.NewGraph().RecycleOutputs().ReuseNodes().SetMeter(m)
	for i := 0; i < 3; i++ {
		g.Reset()
		if g.Freed() || g.PeakBytes() != 0 {
			t.Fatalf("round %d: Reset left the graph freed %v, peak %d", i, g.Freed(), g.PeakBytes())
		}
		if d := tensor.MaxAbsDiff(round(g), want); d != 0 {
			t.Errorf("round %d: gradient differs from a fresh graph's by %g", i, d)
		}
		if m.Current() != 0 {
			t.Errorf("round %d: the meter holds %d bytes after the backward pass", i, m.Current())
		}
	}
	fresh := testing.AllocsPerRun(20, func() { round(autograd.NewGraph().RecycleOutputs()) })
	reused := testing.AllocsPerRun(20, func() { g.Reset(); round(g) })
	if reused >= fresh {
		t.Errorf("a reused graph allocates %v objects per round, a fresh one %v", reused, fresh)
	}
	// A graph reset before its backward pass is freed first: its bytes
	// leave the meter and it holds no operation.
	g.Reset()
	_ = g.Tanh(w)
	if m.Current() == 0 {
		t.Fatal("the meter does not see the recorded operation")
	}
	g.Reset()
	if m.Current() != 0 || len(g.OpCounts()) != 0 {
		t.Errorf("after Reset the meter holds %d bytes and the graph %v", m.Current(), g.OpCounts())
	}
}
