package nn_test

import (
	"math"
	"testing"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/nn"
	"github.com/acaode/aca/tensor"
)

// channelStats returns the per-channel mean and biased variance of x
// [N, C, S...], computed directly.
func channelStats(x *tensor.Tensor) (mean, variance []float64, count int) {
	s := x.Shape()
	n, c := s[0], s[1]
	sp := x.Len() / (n * c)
	v := x.Values()
	mean, variance = make([]float64, c), make([]float64, c)
	for ch := range c {
		sum := 0.0
		for i := range n {
			for j := range sp {
				sum += v[(i*c+ch)*sp+j]
			}
		}
		mu := sum / float64(n*sp)
		sq := 0.0
		for i := range n {
			for j := range sp {
				d := v[(i*c+ch)*sp+j] - mu
				sq += d * d
			}
		}
		mean[ch], variance[ch] = mu, sq/float64(n*sp)
	}
	return mean, variance, n * sp
}

// normalised returns (x − mean)/√(var + eps)·w + b, computed directly.
func normalised(x *tensor.Tensor, mean, variance, w, b []float64, eps float64) []float64 {
	s := x.Shape()
	n, c := s[0], s[1]
	sp := x.Len() / (n * c)
	v := x.Values()
	out := make([]float64, len(v))
	for i := range n {
		for ch := range c {
			for j := range sp {
				k := (i*c+ch)*sp + j
				out[k] = (v[k]-mean[ch])/math.Sqrt(variance[ch]+eps)*w[ch] + b[ch]
			}
		}
	}
	return out
}

func maxDiff(a, b []float64) float64 {
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(a[i]-b[i]))
	}
	return d
}

// Training mode normalises with the batch's biased variance and moves the
// running estimates by momentum towards the batch mean and the unbiased
// variance; evaluation mode uses the running estimates and leaves them be.
func TestBatchNormSemantics(t *testing.T) {
	cases := []struct {
		name     string
		dt       tensor.DType
		shape    []int
		momentum float64
		tol      float64
		graph    bool
	}{
		{"float64 [N C H W]", tensor.Float64, []int{4, 3, 3, 2}, 0.1, 1e-13, true},
		{"float64 [N C] no graph", tensor.Float64, []int{6, 3}, 0.1, 1e-13, false},
		{"float64 momentum 0.3", tensor.Float64, []int{2, 3, 5}, 0.3, 1e-13, true},
		{"float32", tensor.Float32, []int{4, 3, 3, 2}, 0.1, 2e-6, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bn := nn.Must(nn.NewBatchNorm2d(c.dt, 3))
			bn.Momentum = c.momentum
			w := []float64{1.5, -0.5, 0.75}
			b := []float64{0.1, 0, -0.2}
			bn.Weight.Data().CopyFrom(tensor.FromValues(c.dt, w, 3))
			bn.Bias.Data().CopyFrom(tensor.FromValues(c.dt, b, 3))
			rm, rv := []float64{0, 0, 0}, []float64{1, 1, 1}
			rng := tensor.NewRNG(5)
			const batches = 4
			for k := range batches {
				// Each batch with its own offset and spread.
				x := tensor.RandN(rng, c.dt, float64(k)-1, 0.5+float64(k), c.shape...)
				var g *autograd.Graph
				if c.graph {
					g = autograd.NewGraph()
				}
				y := bn.Forward(g, autograd.Constant(x))
				mean, variance, m := channelStats(x)
				if d := maxDiff(y.Data().Values(), normalised(x, mean, variance, w, b, 1e-5)); d > c.tol*10 {
					t.Fatalf("batch %d: training output off by %g", k, d)
				}
				for ch := range rm {
					rm[ch] = (1-c.momentum)*rm[ch] + c.momentum*mean[ch]
					rv[ch] = (1-c.momentum)*rv[ch] + c.momentum*variance[ch]*float64(m)/float64(m-1)
				}
				if d := maxDiff(bn.RunningMean.Values(), rm); d > c.tol {
					t.Fatalf("batch %d: running mean %v, want %v", k, bn.RunningMean.Values(), rm)
				}
				if d := maxDiff(bn.RunningVar.Values(), rv); d > c.tol {
					t.Fatalf("batch %d: running var %v, want %v", k, bn.RunningVar.Values(), rv)
				}
			}
			if n := bn.NumBatchesTracked.Item(); n != batches {
				t.Errorf("num_batches_tracked %v, want %d", n, batches)
			}

			nn.SetTraining(bn, false)
			x := tensor.RandN(rng, c.dt, 3, 2, c.shape...)
			before := bn.RunningMean.Clone()
			y := bn.Forward(autograd.NewGraph(), autograd.Constant(x))
			if d := maxDiff(y.Data().Values(), normalised(x, rm, rv, w, b, 1e-5)); d > c.tol*10 {
				t.Errorf("evaluation output off by %g", d)
			}
			if tensor.MaxAbsDiff(before, bn.RunningMean) != 0 || bn.NumBatchesTracked.Item() != batches {
				t.Errorf("evaluation changed the running statistics")
			}
		})
	}
}

func TestBatchNormPanics(t *testing.T) {
	cases := []struct {
		name  string
		shape []int
	}{
		{"one value per channel", []int{1, 3}},
		{"wrong channels", []int{4, 2, 2, 2}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bn := nn.Must(nn.NewBatchNorm2d(tensor.Float64, 3))
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			bn.Forward(nil, constant(tensor.Zeros(tensor.Float64, c.shape...)))
		})
	}
}

// GroupNorm matches its definition: each sample's groups of channels
// normalised with their own biased variance.
func TestGroupNormDefinition(t *testing.T) {
	gn := nn.Must(nn.NewGroupNorm(tensor.Float64, 2, 4))
	w := []float64{1, 2, 3, 4}
	b := []float64{0.5, 0, -0.5, 1}
	gn.Weight.Data().CopyFrom(tensor.FromFloat64(w, 4))
	gn.Bias.Data().CopyFrom(tensor.FromFloat64(b, 4))
	x := randn(9, 3, 4, 2, 2)
	y := gn.Forward(nil, constant(x)).Data().Values()
	v := x.Values()
	for n := range 3 {
		for grp := range 2 {
			lo := n*16 + grp*8
			mu, sq := 0.0, 0.0
			for _, e := range v[lo : lo+8] {
				mu += e / 8
			}
			for _, e := range v[lo : lo+8] {
				sq += (e - mu) * (e - mu) / 8
			}
			for k := lo; k < lo+8; k++ {
				ch := (k / 4) % 4
				want := (v[k]-mu)/math.Sqrt(sq+1e-5)*w[ch] + b[ch]
				if math.Abs(y[k]-want) > 1e-12 {
					t.Fatalf("element %d: %v, want %v", k, y[k], want)
				}
			}
		}
	}
}
