package autograd_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

func vals(xs ...float64) *tensor.Tensor { return tensor.FromFloat64(xs, len(xs)) }

// mustPanic runs f and returns the panic message, failing if f does not panic.
func mustPanic(t *testing.T, f func()) (msg string) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil {
			t.Fatalf("no panic")
		}
		msg = fmt.Sprint(r)
	}()
	f()
	return ""
}

func TestBackwardAccumulatesIntoLeaves(t *testing.T) {
	// f(x, y) = Σ x·y + x², df/dx = y + 2x, df/dy = x.
	x := autograd.Leaf(vals(1, 2, 3))
	y := autograd.Leaf(vals(4, 5, 6))
	for pass := 1; pass <= 2; pass++ {
		g := autograd.NewGraph()
		f := g.SumAll(g.Add(g.Mul(x, y), g.Square(x)))
		if err := f.Backward(); err != nil {
			t.Fatal(err)
		}
		k := float64(pass)
		if want := vals(k*6, k*9, k*12); !tensor.AllClose(x.Grad(), want, 0, 1e-12) {
			t.Errorf("pass %d: dx = %v, want %v", pass, x.Grad(), want)
		}
		if want := vals(k*1, k*2, k*3); !tensor.AllClose(y.Grad(), want, 0, 1e-12) {
			t.Errorf("pass %d: dy = %v, want %v", pass, y.Grad(), want)
		}
	}
	x.ZeroGrad()
	if s := tensor.SumAll(x.Grad()); s != 0 {
		t.Errorf("after ZeroGrad the gradient sums to %g", s)
	}
}

func TestSharedInputAccumulates(t *testing.T) {
	// x used three times: f = Σ (x + x)·x = Σ 2x², df/dx = 4x.
	x := autograd.Leaf(vals(1, -2))
	g := autograd.NewGraph()
	f := g.SumAll(g.Mul(g.Add(x, x), x))
	if err := g.Backward(f, nil); err != nil {
		t.Fatal(err)
	}
	if want := vals(4, -8); !tensor.AllClose(x.Grad(), want, 0, 1e-12) {
		t.Errorf("dx = %v, want %v", x.Grad(), want)
	}
}

func TestGradDoesNotAccumulate(t *testing.T) {
	x := autograd.Leaf(vals(2))
	unused := autograd.Leaf(vals(5, 5))
	g := autograd.NewGraph()
	y := g.Exp(x)
	z := g.Square(y)
	grads, err := g.Grad(z, nil, x, y, unused)
	if err != nil {
		t.Fatal(err)
	}
	e2 := math.Exp(2)
	if got := grads[0].Item(); math.Abs(got-2*e2*e2) > 1e-9 {
		t.Errorf("dz/dx = %g, want %g", got, 2*e2*e2)
	}
	if got := grads[1].Item(); math.Abs(got-2*e2) > 1e-12 {
		t.Errorf("dz/dy = %g, want %g", got, 2*e2)
	}
	if tensor.SumAll(grads[2]) != 0 || grads[2].Len() != 2 {
		t.Errorf("gradient of an unused leaf = %v, want zeros of its shape", grads[2])
	}
	if x.Grad() != nil {
		t.Errorf("Grad accumulated into the leaf: %v", x.Grad())
	}
}

func TestSeededBackward(t *testing.T) {
	x := autograd.Leaf(vals(1, 2, 3))
	g := autograd.NewGraph()
	y := g.Scale(x, 3)
	if err := g.Backward(y, vals(1, 0, -1)); err != nil {
		t.Fatal(err)
	}
	if want := vals(3, 0, -3); !tensor.AllClose(x.Grad(), want, 0, 0) {
		t.Errorf("dx = %v, want %v", x.Grad(), want)
	}
}

func TestBackwardErrors(t *testing.T) {
	x := autograd.Leaf(vals(1, 2))

	g := autograd.NewGraph()
	y := g.Tanh(x)
	err := g.Backward(y, nil)
	if err == nil || !strings.Contains(err.Error(), "non-scalar") || !strings.Contains(err.Error(), "[2]") {
		t.Errorf("non-scalar without seed: %v", err)
	}

	g = autograd.NewGraph()
	y = g.Tanh(x)
	if err := g.Backward(y, vals(1, 2, 3)); err == nil || !strings.Contains(err.Error(), "[3]") {
		t.Errorf("wrong seed shape: %v", err)
	}

	g = autograd.NewGraph()
	s := g.SumAll(g.Tanh(x))
	if err := s.Backward(); err != nil {
		t.Fatal(err)
	}
	if err := s.Backward(); !errors.Is(err, autograd.ErrFreed) {
		t.Errorf("second backward: %v, want ErrFreed", err)
	}
	if _, err := g.Grad(s, nil, x); !errors.Is(err, autograd.ErrFreed) {
		t.Errorf("Grad after backward: %v, want ErrFreed", err)
	}
	if !g.Freed() || g.Len() != 0 || g.Bytes() != 0 {
		t.Errorf("after backward: freed=%v len=%d bytes=%d", g.Freed(), g.Len(), g.Bytes())
	}

	c := autograd.Constant(vals(1))
	g = autograd.NewGraph()
	if err := g.Exp(c).Backward(); err == nil || !strings.Contains(err.Error(), "not recorded") {
		t.Errorf("backward from a constant computation: %v", err)
	}

	var nilGraph *autograd.Graph
	if err := nilGraph.Backward(nilGraph.Exp(x), nil); err == nil {
		t.Error("backward on a nil graph succeeded")
	}
}

func TestFreedGraphAndForeignValuesPanic(t *testing.T) {
	x := autograd.Leaf(vals(1))
	g1, g2 := autograd.NewGraph(), autograd.NewGraph()
	a := g1.Exp(x)
	msg := mustPanic(t, func() { g2.Add(a, x) })
	if !strings.Contains(msg, "another graph") {
		t.Errorf("foreign value: %q", msg)
	}
	// Detach makes it usable.
	if v := g2.Add(a.Detach(), x); !v.RequiresGrad() {
		t.Error("detached input plus a leaf was not recorded")
	}
	g1.Free()
	msg = mustPanic(t, func() { g1.Exp(x) })
	if !strings.Contains(msg, "freed") {
		t.Errorf("op on freed graph: %q", msg)
	}
	// A nil graph accepts anything and records nothing.
	var none *autograd.Graph
	if v := none.Exp(a); v.RequiresGrad() || v.Graph() != nil {
		t.Error("nil graph recorded something")
	}
}

func TestRecordingOnlyWhenNeeded(t *testing.T) {
	g := autograd.NewGraph()
	c := autograd.Constant(vals(1, 2))
	y := g.Tanh(g.Exp(c))
	if y.RequiresGrad() || g.Len() != 0 || g.Bytes() != 0 {
		t.Errorf("constant-only computation recorded %d ops, %d bytes", g.Len(), g.Bytes())
	}
	x := autograd.Leaf(vals(1, 2))
	z := g.Mul(y, x)
	if !z.RequiresGrad() || g.Len() != 1 {
		t.Errorf("op with a leaf input: requiresGrad=%v, %d ops", z.RequiresGrad(), g.Len())
	}
	if counts := g.OpCounts(); counts["mul"] != 1 || len(counts) != 1 {
		t.Errorf("op counts %v", counts)
	}
}

func TestBytesAndMeter(t *testing.T) {
	var m autograd.Meter
	x := autograd.Leaf(tensor.Ones(tensor.Float32, 1000))
	g := autograd.NewGraph().SetMeter(&m)
	h := x
	for i := 0; i < 10; i++ {
		h = g.Tanh(h) // each output: 4000 bytes
	}
	r := g.Reshape(h, 10, 100) // a view: no bytes
	if got := g.Bytes(); got != 40000 {
		t.Errorf("graph holds %d bytes, want 40000", got)
	}
	if m.Current() != 40000 || m.Peak() != 40000 {
		t.Errorf("meter current %d peak %d, want 40000", m.Current(), m.Peak())
	}
	if err := g.Backward(g.SumAll(r), nil); err != nil {
		t.Fatal(err)
	}
	if g.Bytes() != 0 || m.Current() != 0 {
		t.Errorf("after backward: graph %d bytes, meter %d", g.Bytes(), m.Current())
	}
	if g.PeakBytes() < 40000 || m.Peak() < 40000 {
		t.Errorf("peaks %d and %d, want at least 40000", g.PeakBytes(), m.Peak())
	}
	// A second graph on the same meter: the peak is the maximum over time,
	// not the sum, because the first graph was released.
	m.ResetPeak()
	g2 := autograd.NewGraph().SetMeter(&m)
	g2.Tanh(x)
	if m.Peak() != 4000 {
		t.Errorf("peak after reset %d, want 4000", m.Peak())
	}
	g2.Free()
	if m.Current() != 0 {
		t.Errorf("meter %d after Free", m.Current())
	}
}

// TestSavedBytesCounted checks that tensors an op keeps for its backward
// pass beyond its output are counted.
func TestSavedBytesCounted(t *testing.T) {
	x := autograd.Leaf(tensor.RandN(tensor.NewRNG(1), tensor.Float64, 0, 1, 2, 3, 4, 4))
	g := autograd.NewGraph()
	g.MaxPool2d(x, tensor.Pool2dParams{KH: 2, KW: 2}) // 24 outputs, 24 indices
	if got, want := g.Bytes(), int64(24*8+24*8); got != want {
		t.Errorf("max pool holds %d bytes, want %d", got, want)
	}
}

// TestConcurrentGraphsShareParameters trains nothing but runs many backward
// passes on two goroutines over shared leaves; run with -race.
func TestConcurrentGraphsShareParameters(t *testing.T) {
	w := autograd.Leaf(tensor.RandN(tensor.NewRNG(3), tensor.Float64, 0, 1, 4, 3))
	const perWorker = 50
	var wg sync.WaitGroup
	for k := 0; k < 2; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := autograd.Constant(tensor.Ones(tensor.Float64, 5, 3))
			for i := 0; i < perWorker; i++ {
				g := autograd.NewGraph()
				y := g.SumAll(g.Linear(x, w, nil))
				if err := y.Backward(); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	// d/dW Σ x·Wᵀ = 5 (rows of x) per element, times 100 passes.
	want := tensor.Full(tensor.Float64, 5*2*perWorker, 4, 3)
	if !tensor.AllClose(w.Grad(), want, 0, 1e-9) {
		t.Errorf("accumulated %v, want all %d", w.Grad(), 5*2*perWorker)
	}
}

func TestMixedDTypesPanic(t *testing.T) {
	a := autograd.Leaf(tensor.Ones(tensor.Float32, 2))
	b := autograd.Leaf(tensor.Ones(tensor.Float64, 2))
	msg := mustPanic(t, func() { autograd.NewGraph().Add(a, b) })
	if !strings.Contains(msg, "float32") || !strings.Contains(msg, "float64") {
		t.Errorf("message %q does not name both dtypes", msg)
	}
}

func TestShapeMismatchNamesBothShapes(t *testing.T) {
	a := autograd.Leaf(tensor.Ones(tensor.Float64, 2, 3))
	b := autograd.Leaf(tensor.Ones(tensor.Float64, 4))
	msg := mustPanic(t, func() { autograd.NewGraph().Add(a, b) })
	if !strings.Contains(msg, "[2 3]") || !strings.Contains(msg, "[4]") {
		t.Errorf("message %q does not name both shapes", msg)
	}
	w := autograd.Leaf(tensor.Ones(tensor.Float64, 5, 4))
	msg = mustPanic(t, func() { autograd.NewGraph().Linear(a, w, nil) })
	if !strings.Contains(msg, "[2 3]") || !strings.Contains(msg, "[5 4]") {
		t.Errorf("linear message %q does not name both shapes", msg)
	}
}

// TestBackwardReleasesAsItGoes checks that nodes are dropped during the
// backward pass, not only at its end: the meter's current value falls.
func TestBackwardReleasesAsItGoes(t *testing.T) {
	var m autograd.Meter
	x := autograd.Leaf(tensor.Ones(tensor.Float64, 100))
	g := autograd.NewGraph().SetMeter(&m)
	h := x
	var during []int64
	for i := 0; i < 5; i++ {
		h = g.Record(autograd.Op{Name: "probe", VJP: func(gy *tensor.Tensor, _ []bool) []*tensor.Tensor {
			during = append(during, m.Current())
			return []*tensor.Tensor{gy}
		}}, h.Data().Clone(), h)
	}
	if err := g.Backward(h, tensor.Ones(tensor.Float64, 100)); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(during); i++ {
		if during[i] >= during[i-1] {
			t.Fatalf("bytes held during backward did not fall: %v", during)
		}
	}
}

// TestReusedInputSlice: the graph must not keep the caller's slice of
// inputs; reusing it must not send gradients to the wrong leaf.
func TestReusedInputSlice(t *testing.T) {
	a, b, c := autograd.Leaf(vals(1)), autograd.Leaf(vals(2)), autograd.Leaf(vals(3))
	for _, op := range []string{"concat", "stack", "record"} {
		a.ZeroGrad()
		c.ZeroGrad()
		g := autograd.NewGraph()
		buf := []*autograd.Value{a, b}
		var y *autograd.Value
		switch op {
		case "concat":
			y = g.Concat(0, buf...)
		case "stack":
			y = g.Stack(0, buf...)
		case "record":
			y = g.Record(autograd.Op{Name: "pair", VJP: func(gy *tensor.Tensor, _ []bool) []*tensor.Tensor {
				return tensor.Split(gy, 0, 1, 1)
			}}, tensor.Concat(0, a.Data(), b.Data()), buf...)
		}
		buf[0] = c
		if err := g.Backward(g.SumAll(g.Square(y)), nil); err != nil {
			t.Fatal(err)
		}
		if a.Grad() == nil || tensor.SumAll(a.Grad()) != 2 {
			t.Errorf("%s: dL/da = %v, want [2]", op, a.Grad())
		}
		if c.Grad() != nil && tensor.SumAll(c.Grad()) != 0 {
			t.Errorf("%s: the reused slot's new leaf got gradient %v", op, c.Grad())
		}
	}
}

// TestGradResultsAreOwned: Grad's results never share storage with the seed.
func TestGradResultsAreOwned(t *testing.T) {
	w := autograd.Leaf(vals(1, 2))
	g := autograd.NewGraph()
	y := g.Add(w, autograd.Constant(vals(3, 4))) // add passes gy through unchanged
	seed := vals(1, 1)
	grads, err := g.Grad(y, seed, w, w)
	if err != nil {
		t.Fatal(err)
	}
	grads[0].Fill(7)
	if seed.At(0) != 1 || grads[1].At(0) != 1 {
		t.Errorf("modifying a result changed the seed (%v) or the other result (%v)", seed, grads[1])
	}
}

// TestBatchNormEvalKeepsItsStatistics: updating the running statistics in
// place after the forward must not change the backward.
func TestBatchNormEvalKeepsItsStatistics(t *testing.T) {
	x := autograd.Leaf(tensor.FromFloat64([]float64{1, 2, 3, 4}, 2, 2))
	mean, variance := vals(0, 0), vals(1, 4)
	g := autograd.NewGraph()
	y := g.BatchNormEval(x, nil, nil, mean, variance, 0)
	variance.Fill(100)
	if err := g.Backward(g.SumAll(y), nil); err != nil {
		t.Fatal(err)
	}
	// dy/dx = 1/sqrt(var): 1 and 0.5 per channel.
	if want := tensor.FromFloat64([]float64{1, 0.5, 1, 0.5}, 2, 2); !tensor.AllClose(x.Grad(), want, 0, 1e-12) {
		t.Errorf("dx = %v, want %v", x.Grad(), want)
	}
}

func TestBackwardFromLeafExplains(t *testing.T) {
	err := autograd.Leaf(vals(1)).Backward()
	if err == nil || !strings.Contains(err.Error(), "from a leaf") {
		t.Errorf("backward from a leaf: %v", err)
	}
}

// TestPanickingVJPReleasesGraph: a VJP that panics leaves a freed graph,
// not a half-released one that could be run again for partial gradients.
func TestPanickingVJPReleasesGraph(t *testing.T) {
	x := autograd.Leaf(vals(1))
	g := autograd.NewGraph()
	y := g.Record(autograd.Op{Name: "broken", VJP: func(*tensor.Tensor, []bool) []*tensor.Tensor { panic("bug") }}, vals(2), x)
	func() {
		defer func() { _ = recover() }()
		_ = g.Backward(y, nil)
	}()
	if !g.Freed() || g.Bytes() != 0 {
		t.Errorf("after a panicking VJP: freed=%v bytes=%d", g.Freed(), g.Bytes())
	}
	if err := g.Backward(y, nil); !errors.Is(err, autograd.ErrFreed) {
		t.Errorf("second backward: %v, want ErrFreed", err)
	}
}
