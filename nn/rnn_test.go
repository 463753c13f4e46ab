package nn_test

import (
	"math"
	"testing"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/nn"
	"github.com/acaode/aca/tensor"
)

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// affine returns W·x + b for W [rows, len(x)] stored row-major.
func affine(w, b, x []float64) []float64 {
	n := len(x)
	out := make([]float64, len(b))
	for r := range out {
		s := b[r]
		for j := range n {
			s += w[r*n+j] * x[j]
		}
		out[r] = s
	}
	return out
}

// One LSTM step against PyTorch's equations written out element by element,
// gates i, f, g, o in that order.
func TestLSTMCellByHand(t *testing.T) {
	const I, H, B = 2, 3, 2
	cell := nn.Must(nn.NewLSTMCell(tensor.NewRNG(11), tensor.Float64, I, H))
	wih, whh := cell.WeightIH.Data().Values(), cell.WeightHH.Data().Values()
	bih, bhh := cell.BiasIH.Data().Values(), cell.BiasHH.Data().Values()
	x, h, c := randn(1, B, I), randn(2, B, H), randn(3, B, H)
	h2, c2 := cell.Step(nil, constant(x), constant(h), constant(c))
	for bi := range B {
		xb := x.Values()[bi*I : (bi+1)*I]
		hb := h.Values()[bi*H : (bi+1)*H]
		cb := c.Values()[bi*H : (bi+1)*H]
		ax, ah := affine(wih, bih, xb), affine(whh, bhh, hb)
		for k := range H {
			i := sigmoid(ax[k] + ah[k])
			f := sigmoid(ax[H+k] + ah[H+k])
			g := math.Tanh(ax[2*H+k] + ah[2*H+k])
			o := sigmoid(ax[3*H+k] + ah[3*H+k])
			wantC := f*cb[k] + i*g
			wantH := o * math.Tanh(wantC)
			if d := math.Abs(c2.Data().At(bi, k) - wantC); d > 1e-14 {
				t.Errorf("c'[%d,%d] = %v, want %v", bi, k, c2.Data().At(bi, k), wantC)
			}
			if d := math.Abs(h2.Data().At(bi, k) - wantH); d > 1e-14 {
				t.Errorf("h'[%d,%d] = %v, want %v", bi, k, h2.Data().At(bi, k), wantH)
			}
		}
	}
}

// One GRU step against PyTorch's equations, gates r, z, n in that order,
// with r applied to W_hn h + b_hn.
func TestGRUCellByHand(t *testing.T) {
	const I, H, B = 2, 3, 2
	cell := nn.Must(nn.NewGRUCell(tensor.NewRNG(12), tensor.Float64, I, H))
	wih, whh := cell.WeightIH.Data().Values(), cell.WeightHH.Data().Values()
	bih, bhh := cell.BiasIH.Data().Values(), cell.BiasHH.Data().Values()
	x, h := randn(1, B, I), randn(2, B, H)
	h2 := cell.Step(nil, constant(x), constant(h))
	for bi := range B {
		xb := x.Values()[bi*I : (bi+1)*I]
		hb := h.Values()[bi*H : (bi+1)*H]
		ax, ah := affine(wih, bih, xb), affine(whh, bhh, hb)
		for k := range H {
			r := sigmoid(ax[k] + ah[k])
			z := sigmoid(ax[H+k] + ah[H+k])
			n := math.Tanh(ax[2*H+k] + r*ah[2*H+k])
			want := (1-z)*n + z*hb[k]
			if d := math.Abs(h2.Data().At(bi, k) - want); d > 1e-14 {
				t.Errorf("h'[%d,%d] = %v, want %v", bi, k, h2.Data().At(bi, k), want)
			}
		}
	}
}

// stepSlice returns x[t] as [B, F] from x [T, B, F].
func stepSlice(x *tensor.Tensor, t int) *autograd.Value {
	s := x.Shape()
	return constant(tensor.Slice(x, 0, t, t+1).Reshape(s[1], s[2]))
}

func layerSlice(s *tensor.Tensor, k int) *autograd.Value {
	sh := s.Shape()
	return constant(tensor.Slice(s, 0, k, k+1).Reshape(sh[1], sh[2]))
}

// A layer over a sequence is its cells stepped by hand, layer by layer, with
// the time gap as the last input feature of the first layer.
func TestRecurrentLayersMatchCells(t *testing.T) {
	const T, B, F, H, L = 5, 3, 2, 4, 2
	x := randn(1, T, B, F)
	gaps := tensor.RandU(tensor.NewRNG(2), tensor.Float64, 0.1, 2, T, B, 1)
	xg := tensor.Concat(2, x, gaps)
	h0, c0 := randn(3, L, B, H), randn(4, L, B, H)

	t.Run("LSTM", func(t *testing.T) {
		lstm := nn.Must(nn.NewLSTM(tensor.NewRNG(5), tensor.Float64, F+1, H, L))
		out, hN, cN := lstm.Run(nil, constant(x), constant(gaps), constant(h0), constant(c0))
		in := xg
		for k, cell := range lstm.Cells {
			h, c := layerSlice(h0, k), layerSlice(c0, k)
			seq := make([]*tensor.Tensor, T)
			for s := range T {
				h, c = cell.Step(nil, stepSlice(in, s), h, c)
				seq[s] = h.Data()
			}
			in = tensor.Stack(0, seq...)
			if d := tensor.MaxAbsDiff(h.Data(), layerSlice(hN.Data(), k).Data()); d > 1e-14 {
				t.Errorf("layer %d final h off by %g", k, d)
			}
			if d := tensor.MaxAbsDiff(c.Data(), layerSlice(cN.Data(), k).Data()); d > 1e-14 {
				t.Errorf("layer %d final c off by %g", k, d)
			}
		}
		if d := tensor.MaxAbsDiff(in, out.Data()); d > 1e-14 {
			t.Errorf("outputs off by %g", d)
		}
	})
	t.Run("GRU", func(t *testing.T) {
		gru := nn.Must(nn.NewGRU(tensor.NewRNG(6), tensor.Float64, F+1, H, L))
		out, hN := gru.Run(nil, constant(x), constant(gaps), constant(h0))
		in := xg
		for k, cell := range gru.Cells {
			h := layerSlice(h0, k)
			seq := make([]*tensor.Tensor, T)
			for s := range T {
				h = cell.Step(nil, stepSlice(in, s), h)
				seq[s] = h.Data()
			}
			in = tensor.Stack(0, seq...)
			if d := tensor.MaxAbsDiff(h.Data(), layerSlice(hN.Data(), k).Data()); d > 1e-14 {
				t.Errorf("layer %d final h off by %g", k, d)
			}
		}
		if d := tensor.MaxAbsDiff(in, out.Data()); d > 1e-14 {
			t.Errorf("outputs off by %g", d)
		}
	})
	t.Run("Forward is Run from zeros", func(t *testing.T) {
		lstm := nn.Must(nn.NewLSTM(tensor.NewRNG(7), tensor.Float64, F, H, 1))
		out, _, _ := lstm.Run(nil, constant(x), nil, constant(tensor.Zeros(tensor.Float64, 1, B, H)), nil)
		if d := tensor.MaxAbsDiff(out.Data(), lstm.Forward(nil, constant(x)).Data()); d != 0 {
			t.Errorf("differ by %g", d)
		}
		h, _ := lstm.Cells[0].Step(nil, stepSlice(x, 0), nil, nil)
		if d := tensor.MaxAbsDiff(h.Data(), lstm.Cells[0].Forward(nil, stepSlice(x, 0)).Data()); d != 0 {
			t.Errorf("cell Forward differs from Step from zeros by %g", d)
		}
	})
}

func TestRecurrentShapePanics(t *testing.T) {
	lstm := nn.Must(nn.NewLSTM(tensor.NewRNG(1), tensor.Float64, 3, 4, 2))
	z := func(shape ...int) *autograd.Value { return constant(tensor.Zeros(tensor.Float64, shape...)) }
	cases := []struct {
		name string
		run  func()
	}{
		{"features", func() { lstm.Run(nil, z(5, 2, 2), nil, nil, nil) }},
		{"gaps without room", func() { lstm.Run(nil, z(5, 2, 3), z(5, 2, 1), nil, nil) }},
		{"gaps shape", func() { lstm.Run(nil, z(5, 2, 2), z(4, 2, 1), nil, nil) }},
		{"2-d input", func() { lstm.Run(nil, z(2, 3), nil, nil, nil) }},
		{"h0 layers", func() { lstm.Run(nil, z(5, 2, 3), nil, z(1, 2, 4), nil) }},
		{"cell state", func() { lstm.Cells[0].Step(nil, z(2, 3), z(2, 4), z(3, 4)) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			c.run()
		})
	}
}
