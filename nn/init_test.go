package nn_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/nn"
	"github.com/acaode/aca/tensor"
)

func TestFans(t *testing.T) {
	cases := []struct {
		shape   []int
		in, out int
	}{
		{[]int{3, 4}, 4, 3},
		{[]int{8, 2, 3, 3}, 18, 72},
		{[]int{5, 7, 2}, 14, 10},
	}
	for _, c := range cases {
		if in, out := nn.Fans(c.shape); in != c.in || out != c.out {
			t.Errorf("Fans(%v) = %d, %d; want %d, %d", c.shape, in, out, c.in, c.out)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("Fans of a vector did not panic")
		}
	}()
	nn.Fans([]int{3})
}

func moments(v []float64) (mean, std float64) {
	for _, x := range v {
		mean += x / float64(len(v))
	}
	for _, x := range v {
		std += (x - mean) * (x - mean) / float64(len(v))
	}
	return mean, math.Sqrt(std)
}

// Each initialiser draws from the distribution its definition gives: the
// uniform ones stay inside their bound, and the sample standard deviation
// of 40000 draws is within 2% of the definition's.
func TestInitDistributions(t *testing.T) {
	shape := []int{200, 50, 2, 2} // fan in 200, fan out 800
	fanIn, fanOut := 200.0, 800.0
	cases := []struct {
		name  string
		init  func(*tensor.Tensor)
		bound float64 // 0 for normal
		std   float64
	}{
		{"KaimingUniform relu fan_in", func(w *tensor.Tensor) { nn.KaimingUniform(tensor.NewRNG(1), w, nn.GainReLU, nn.FanIn) },
			math.Sqrt2 * math.Sqrt(3/fanIn), math.Sqrt2 / math.Sqrt(fanIn)},
		{"KaimingUniform PyTorch default", func(w *tensor.Tensor) {
			nn.KaimingUniform(tensor.NewRNG(2), w, nn.GainLeakyReLU(math.Sqrt(5)), nn.FanIn)
		}, 1 / math.Sqrt(fanIn), 1 / math.Sqrt(3*fanIn)},
		{"KaimingNormal relu fan_out", func(w *tensor.Tensor) { nn.KaimingNormal(tensor.NewRNG(3), w, nn.GainReLU, nn.FanOut) },
			0, math.Sqrt2 / math.Sqrt(fanOut)},
		{"XavierUniform tanh", func(w *tensor.Tensor) { nn.XavierUniform(tensor.NewRNG(4), w, nn.GainTanh) },
			5.0 / 3 * math.Sqrt(6/(fanIn+fanOut)), 5.0 / 3 * math.Sqrt(2/(fanIn+fanOut))},
		{"XavierNormal", func(w *tensor.Tensor) { nn.XavierNormal(tensor.NewRNG(5), w, nn.GainLinear) },
			0, math.Sqrt(2 / (fanIn + fanOut))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
				w := tensor.Zeros(dt, shape...)
				c.init(w)
				v := w.Values()
				if c.bound > 0 {
					for _, x := range v {
						if x < -c.bound || x >= c.bound {
							t.Fatalf("%v: %v outside ±%v", dt, x, c.bound)
						}
					}
				}
				mean, std := moments(v)
				if math.Abs(std/c.std-1) > 0.02 || math.Abs(mean) > 3*c.std/math.Sqrt(float64(len(v))) {
					t.Errorf("%v: mean %v std %v, want 0 and %v", dt, mean, std, c.std)
				}
				// Same seed, same bits.
				w2 := tensor.Zeros(dt, shape...)
				c.init(w2)
				if !slices.Equal(v, w2.Values()) {
					t.Errorf("%v: not deterministic", dt)
				}
			}
		})
	}
}

// Linear and convolution layers draw weight and bias from U(±1/√fan_in), as
// PyTorch does, and the same seed gives the same model.
func TestDefaultInit(t *testing.T) {
	cases := []struct {
		name  string
		make  func(seed uint64) nn.Module
		fanIn int
	}{
		{"Linear", func(s uint64) nn.Module { return nn.Must(nn.NewLinear(tensor.NewRNG(s), tensor.Float32, 30, 20, true)) }, 30},
		{"Conv2d", func(s uint64) nn.Module {
			return nn.Must(nn.NewConv2d(tensor.NewRNG(s), tensor.Float64, nn.Conv2dConfig{In: 3, Out: 8, Kernel: 3}))
		}, 27},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := 1 / math.Sqrt(float64(c.fanIn))
			m := c.make(1)
			for _, p := range nn.NamedParams(m) {
				v := p.Value.Data().Values()
				lo, hi := slices.Min(v), slices.Max(v)
				if lo < -b || hi >= b || hi-lo < b { // inside, and spread over most of the range
					t.Errorf("%s in [%v, %v], want inside ±%v", p.Name, lo, hi, b)
				}
			}
			same, other := nn.Params(c.make(1)), nn.Params(c.make(2))
			for i, p := range nn.Params(m) {
				if tensor.MaxAbsDiff(p.Data(), same[i].Data()) != 0 {
					t.Errorf("parameter %d differs for the same seed", i)
				}
				if tensor.MaxAbsDiff(p.Data(), other[i].Data()) == 0 {
					t.Errorf("parameter %d equal for another seed", i)
				}
			}
		})
	}
}

func TestDropout(t *testing.T) {
	x := tensor.Full(tensor.Float64, 2, 100, 100)
	cases := []struct {
		name string
		p    float64
	}{
		{"p 0.25", 0.25},
		{"p 0.5", 0.5},
		{"p 0", 0},
		{"p 1", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := nn.Must(nn.NewDropout(tensor.NewRNG(9), c.p))
			y := d.Forward(autograd.NewGraph(), autograd.Leaf(x)).Data().Values()
			dropped := 0
			for _, v := range y {
				switch {
				case v == 0:
					dropped++
				case math.Abs(v-2/(1-c.p)) > 1e-12:
					t.Fatalf("kept value %v, want %v", v, 2/(1-c.p))
				}
			}
			if frac := float64(dropped) / float64(len(y)); math.Abs(frac-c.p) > 0.02 {
				t.Errorf("dropped %v of the elements, want %v", frac, c.p)
			}
			// Same seed, same mask.
			d2 := nn.Must(nn.NewDropout(tensor.NewRNG(9), c.p))
			if !slices.Equal(y, d2.Forward(nil, constant(x)).Data().Values()) {
				t.Error("same seed gave another mask")
			}
			// Evaluation: the identity.
			nn.SetTraining(d, false)
			in := constant(x)
			if d.Forward(nil, in) != in {
				t.Error("not the identity in evaluation mode")
			}
		})
	}
}

// TestKaimingGain checks that a gain of 0 gives zeros and a negative or
// non-finite one panics naming it (a negative gain once made U[b, −b),
// which filled every element with one value).
func TestKaimingGain(t *testing.T) {
	rng := tensor.NewRNG(1)
	w := tensor.New(tensor.Float32, 4, 3)
	for _, v := range nn.KaimingUniform(rng, w, 0, nn.FanIn).Values() {
		if v != 0 {
			t.Fatalf("gain 0 gave %v", v)
		}
	}
	for _, g := range []float64{-1, math.NaN(), math.Inf(1)} {
		for name, f := range map[string]func(){
			"KaimingUniform": func() { nn.KaimingUniform(rng, w, g, nn.FanIn) },
			"KaimingNormal":  func() { nn.KaimingNormal(rng, w, g, nn.FanIn) },
		} {
			func() {
				defer func() {
					if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), name+": gain") {
						t.Errorf("%s gain %v: recovered %v", name, g, r)
					}
				}()
				f()
			}()
		}
	}
}
