package autograd

import (
	"testing"

	"github.com/acaode/aca/tensor"
)

// TestTruncate checks that truncating a graph drops the operations
// recorded after the mark with their bytes (on the graph and its meter),
// and that the graph then differentiates as if they had never been
// recorded.
func TestTruncate(t *testing.T) {
	x := Leaf(tensor.FromFloat64([]float64{1, 2, 3}, 3))
	m := &Meter{}
	g := NewGraph().SetMeter(m)
	y := g.Tanh(x)
	mark, bytes := g.Mark(), g.Bytes()
	z := g.Mul(y, y) // a trial thrown away
	_ = g.Exp(z)
	if g.Bytes() == bytes {
		t.Fatal("the trial recorded no bytes")
	}
	g.Truncate(mark)
	if g.Bytes() != bytes || m.Current() != bytes || g.Len() != mark {
		t.Fatalf("after Truncate: %d bytes (meter %d), %d operations; want %d and %d", g.Bytes(), m.Current(), g.Len(), bytes, mark)
	}
	out := g.SumAll(g.Scale(y, 3))
	got, err := g.Grad(out, nil, x)
	if err != nil {
		t.Fatal(err)
	}
	h := NewGraph()
	want, err := h.Grad(h.SumAll(h.Scale(h.Tanh(x), 3)), nil, x)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range got[0].Float64s() {
		if w := want[0].Float64s()[i]; v != w {
			t.Errorf("gradient %d: %v after Truncate, %v without the trial", i, v, w)
		}
	}
	if m.Current() != 0 {
		t.Errorf("the meter holds %d bytes after the backward pass", m.Current())
	}
}
