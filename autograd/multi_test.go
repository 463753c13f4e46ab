package autograd_test

import (
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

// TestGradMulti checks that one backward pass from several outputs equals
// the sum of separate passes, and that constant and leaf outputs are
// handled as documented.
func TestGradMulti(t *testing.T) {
	x := autograd.Leaf(vals(1, 2, 3))
	w := autograd.Leaf(vals(0.5, -1, 2))
	build := func(g *autograd.Graph) (a, b *autograd.Value) {
		h := g.Mul(x, w)
		return g.Tanh(h), g.Square(g.Add(h, x))
	}
	sa, sb := vals(1, -2, 0.5), vals(0.3, 0.1, -1)
	g := autograd.NewGraph()
	a, b := build(g)
	c := autograd.Constant(vals(7, 7, 7))
	got, err := g.GradMulti([]*autograd.Value{a, b, c, x}, []*tensor.Tensor{sa, sb, vals(1, 1, 1), vals(10, 20, 30)}, x, w)
	if err != nil {
		t.Fatal(err)
	}
	if !g.Freed() {
		t.Error("GradMulti did not free the graph")
	}
	want := make([]*tensor.Tensor, 2)
	for i, pair := range []struct {
		pick func(a, b *autograd.Value) *autograd.Value
		seed *tensor.Tensor
	}{{func(a, _ *autograd.Value) *autograd.Value { return a }, sa}, {func(_, b *autograd.Value) *autograd.Value { return b }, sb}} {
		g := autograd.NewGraph()
		a, b := build(g)
		gs, err := g.Grad(pair.pick(a, b), pair.seed, x, w)
		if err != nil {
			t.Fatal(err)
		}
		for j := range gs {
			if i == 0 {
				want[j] = gs[j]
			} else {
				want[j] = tensor.Add(want[j], gs[j])
			}
		}
	}
	// The leaf output x contributes its seed to x's gradient.
	want[0] = tensor.Add(want[0], vals(10, 20, 30))
	for j := range got {
		if d := tensor.MaxAbsDiff(got[j], want[j]); d > 1e-15 {
			t.Errorf("input %d: GradMulti differs from the sum of Grads by %g", j, d)
		}
	}
	if _, err := autograd.NewGraph().GradMulti([]*autograd.Value{a}, nil); err == nil {
		t.Error("mismatched seeds accepted")
	}
}

// TestBackwardError checks that an operation whose backward rule fails
// ends the pass with its error, frees the graph and leaves the leaves'
// gradients untouched.
func TestBackwardError(t *testing.T) {
	x := autograd.Leaf(vals(1, 2))
	boom := errors.New("boom")
	for _, fail := range []bool{false, true} {
		g := autograd.NewGraph()
		y := g.Record(autograd.Op{Name: "maybe", Backward: func(gy *tensor.Tensor, need []bool) ([]*tensor.Tensor, error) {
			if fail {
				return nil, boom
			}
			return []*tensor.Tensor{tensor.Scale(gy, 3)}, nil
		}}, tensor.Scale(x.Data(), 3), x)
		err := g.SumAll(g.Square(y)).Backward()
		if !fail {
			if err != nil {
				t.Fatal(err)
			}
			// d/dx Σ (3x)² = 18x
			if d := tensor.MaxAbsDiff(x.Grad(), vals(18, 36)); d != 0 {
				t.Errorf("gradient %v", x.Grad())
			}
			continue
		}
		if !errors.Is(err, boom) || !strings.Contains(err.Error(), "maybe") {
			t.Errorf("error %v, want boom naming the operation", err)
		}
		if !g.Freed() {
			t.Error("graph not freed after a failed backward")
		}
		if d := tensor.MaxAbsDiff(x.Grad(), vals(18, 36)); d != 0 {
			t.Errorf("a failed backward changed the gradient to %v", x.Grad())
		}
	}
	msg := mustPanic(t, func() {
		f := func(gy *tensor.Tensor, need []bool) []*tensor.Tensor { return nil }
		b := func(gy *tensor.Tensor, need []bool) ([]*tensor.Tensor, error) { return nil, nil }
		autograd.NewGraph().Record(autograd.Op{Name: "both", VJP: f, Backward: b}, vals(1), x)
	})
	if !strings.Contains(msg, "both") {
		t.Errorf("panic %q", msg)
	}
}

// TestLeaves checks that Leaves lists each leaf input once, in first-use
// order, and not constants or recorded values.
func TestLeaves(t *testing.T) {
	a, b := autograd.Leaf(vals(1)), autograd.Leaf(vals(2))
	c := autograd.Constant(vals(3))
	g := autograd.NewGraph()
	h := g.Mul(b, c)
	g.Add(g.Add(h, a), b)
	got := g.Leaves()
	if len(got) != 2 || got[0] != b || got[1] != a {
		t.Errorf("Leaves = %v, want [b a]", got)
	}
	var m autograd.Meter
	g.SetMeter(&m)
	if g.Meter() != &m {
		t.Error("Meter does not return the meter set")
	}
	var nilG *autograd.Graph
	if nilG.Leaves() != nil || nilG.Meter() != nil {
		t.Error("a nil graph has leaves or a meter")
	}
}

// TestRecycleOutputs checks that a graph made with RecycleOutputs gives
// the backward pass the same gradients and releases its Fresh outputs
// (the values have no tensor afterwards), but not a leaf, a view or a kept
// value.
func TestRecycleOutputs(t *testing.T) {
	x := autograd.Leaf(tensor.RandN(tensor.NewRNG(1), tensor.Float64, 0, 1, 300))
	run := func(g *autograd.Graph) ([]*tensor.Tensor, *autograd.Value, *autograd.Value) {
		h := g.Tanh(x)
		r := g.Reshape(h, 30, 10)
		s := g.Square(r)
		gs, err := g.Grad(g.SumAll(s), nil, x, s)
		if err != nil {
			t.Fatal(err)
		}
		return gs, h, s
	}
	want, _, _ := run(autograd.NewGraph())
	got, h, s := run(autograd.NewGraph().RecycleOutputs())
	for i := range want {
		if d := tensor.MaxAbsDiff(got[i], want[i]); d != 0 {
			t.Errorf("gradient %d differs by %g with recycling", i, d)
		}
	}
	if h.Data() != nil {
		t.Error("the tanh output was not recycled")
	}
	if s.Data().Float64s() == nil || x.Data().Float64s() == nil {
		t.Error("a kept value or a leaf lost its storage")
	}
}

// TestKeptValueDoesNotRetainGraph checks that holding a graph's output
// after the backward pass does not keep the intermediate tensors alive (a
// value and its node are one allocation, so the node must drop its inputs).
func TestKeptValueDoesNotRetainGraph(t *testing.T) {
	x := autograd.Leaf(tensor.Ones(tensor.Float64, 1000))
	g := autograd.NewGraph()
	h := g.Tanh(x)
	collected := make(chan struct{})
	runtime.SetFinalizer(h.Data(), func(*tensor.Tensor) { close(collected) })
	y := g.SumAll(g.Square(h))
	h = nil
	if err := y.Backward(); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		runtime.GC()
		select {
		case <-collected:
			runtime.KeepAlive(y)
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Error("an intermediate tensor stayed reachable from the output after the backward pass")
	runtime.KeepAlive(y)
}
