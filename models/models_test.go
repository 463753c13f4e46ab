package models

import (
	"slices"
	"strings"
	"testing"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/nn"
	"github.com/acaode/aca/ode"
	"github.com/acaode/aca/optim"
	"github.com/acaode/aca/tensor"
)

// resnet18Params is the parameter count of ResNet18 (and NODE18) with
// GroupNorm and no convolution bias, worked out layer by layer from the
// architecture, independently of the code under test: a 3×3 convolution
// a → b has 9ab weights, a 1×1 one ab, a normalisation of c channels 2c
// (weight and bias), the classifier 8w·classes + classes.
func resnet18Params(w, in, classes int) int {
	conv3 := func(a, b int) int { return 9 * a * b }
	norm := func(c int) int { return 2 * c }
	n := conv3(in, w) + norm(w)
	cin := w
	for s := range 4 {
		c := w << s
		n += conv3(cin, c) + norm(c) + conv3(c, c) + norm(c) // block 0
		if cin != c || s > 0 {
			n += cin*c + norm(c) // its projection shortcut
		}
		n += 2*conv3(c, c) + 2*norm(c) // block 1 (or the ODE block's f)
		cin = c
	}
	return n + 8*w*classes + classes
}

func TestParameterParity(t *testing.T) {
	for _, c := range []Config{
		{Depth: 18, Width: 16, InChannels: 1, Classes: 10},
		{Depth: 18, Width: 8, InChannels: 3, Classes: 100},
		{Depth: 18, Width: 32, InChannels: 3, Classes: 10},
	} {
		r, err := NewResNet(tensor.NewRNG(1), c)
		if err != nil {
			t.Fatal(err)
		}
		n, err := NewNODE(tensor.NewRNG(1), c)
		if err != nil {
			t.Fatal(err)
		}
		pr, pn, want := nn.NumParams(r), nn.NumParams(n), resnet18Params(c.Width, c.InChannels, c.Classes)
		if pr != want || pn != want {
			t.Errorf("width %d, %d channels, %d classes: ResNet18 %d, NODE18 %d parameters, want %d for both", c.Width, c.InChannels, c.Classes, pr, pn, want)
		}
		if len(n.ODEBlocks()) != 4 || len(r.ODEBlocks()) != 0 {
			t.Errorf("%d ODE blocks in NODE18 (want 4), %d in ResNet18 (want 0)", len(n.ODEBlocks()), len(r.ODEBlocks()))
		}
		// The same seed gives the same initial weights, tensor by tensor:
		// only the names inside the ODE blocks differ (".f.").
		rp, np := nn.NamedParams(r), nn.NamedParams(n)
		if len(rp) != len(np) {
			t.Fatalf("%d parameter tensors in ResNet18, %d in NODE18", len(rp), len(np))
		}
		for i := range rp {
			if strings.Replace(np[i].Name, ".1.f.", ".1.", 1) != rp[i].Name {
				t.Errorf("parameter %d: NODE %q, ResNet %q", i, np[i].Name, rp[i].Name)
			}
			if !slices.Equal(rp[i].Value.Data().Values(), np[i].Value.Data().Values()) {
				t.Errorf("parameter %s differs between ResNet18 and NODE18 from the same seed", rp[i].Name)
			}
		}
	}
	// The PyTorch twin (../shared/peers/classify_step.py) at width 16 on
	// Fashion-MNIST: counted by hand from its layers, 176 (stem) + 9,344 +
	// 33,088 + 131,712 + 525,568 (stages) + 1,290 (head).
	if got := resnet18Params(16, 1, 10); got != 701178 {
		t.Errorf("hand count of the twin: %d, want 701178", got)
	}
	// Depth 10: one basic block per stage.
	r10, err := NewResNet(tensor.NewRNG(1), Config{Depth: 10, Width: 4, InChannels: 1, Classes: 10})
	if err != nil {
		t.Fatal(err)
	}
	r18, _ := NewResNet(tensor.NewRNG(1), Config{Depth: 18, Width: 4, InChannels: 1, Classes: 10})
	var second int
	for _, l := range r18.Layers {
		second += nn.NumParams(l.Layers[1])
	}
	if nn.NumParams(r10) != nn.NumParams(r18)-second {
		t.Errorf("ResNet10 has %d parameters, want ResNet18's %d less its second blocks' %d", nn.NumParams(r10), nn.NumParams(r18), second)
	}
}

func TestNames(t *testing.T) {
	n, err := NewNODE(tensor.NewRNG(1), Config{Depth: 18, Width: 4, InChannels: 1, Classes: 10})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range nn.NamedParams(n) {
		names = append(names, p.Name)
	}
	for _, want := range []string{"conv1.weight", "bn1.weight", "layer1.0.conv1.weight", "layer1.1.f.conv1.weight",
		"layer2.0.downsample.0.weight", "layer2.0.downsample.1.bias", "layer4.1.f.bn2.bias", "fc.weight", "fc.bias"} {
		if !slices.Contains(names, want) {
			t.Errorf("no parameter %q in %v", want, names)
		}
	}
	if slices.Contains(names, "layer1.0.downsample.0.weight") {
		t.Error("layer1.0 has a projection shortcut; its width and stride do not change")
	}
	if b := nn.NamedBuffers(n); len(b) != 0 {
		t.Errorf("a GroupNorm model has buffers: %v", b)
	}
	r, _ := NewResNet(tensor.NewRNG(1), Config{Depth: 18, Width: 4, InChannels: 1, Classes: 10, Norm: "batch"})
	if len(nn.NamedBuffers(r)) == 0 {
		t.Error("a BatchNorm ResNet has no running statistics")
	}
}

func TestShapes(t *testing.T) {
	for _, tc := range []struct{ in, size int }{{1, 28}, {3, 32}} {
		x := autograd.Constant(tensor.RandN(tensor.NewRNG(3), tensor.Float32, 0, 1, 2, tc.in, tc.size, tc.size))
		c := Config{Depth: 18, Width: 4, InChannels: tc.in, Classes: 10, ODE: ode.Options{Method: ode.Euler, Steps: 1}}
		for _, mk := range []func() (*Net, error){
			func() (*Net, error) { return NewResNet(tensor.NewRNG(1), c) },
			func() (*Net, error) { return NewNODE(tensor.NewRNG(1), c) },
		} {
			m, err := mk()
			if err != nil {
				t.Fatal(err)
			}
			g := autograd.NewGraph()
			y := m.Forward(g, x)
			if !slices.Equal(y.Shape(), []int{2, 10}) {
				t.Errorf("%d×%d×%d input: logits %v, want [2 10]", tc.in, tc.size, tc.size, y.Shape())
			}
			if err := nn.CrossEntropy(g, y, []int{3, 7}, 0).Backward(); err != nil {
				t.Fatal(err)
			}
			for _, p := range nn.NamedParams(m) {
				if p.Value.Grad() == nil {
					t.Errorf("%d×%d input: %s has no gradient", tc.in, tc.size, p.Name)
				}
			}
			if f, b := m.NFE(); len(m.ODEBlocks()) > 0 && (f != 4 || b != 4) {
				t.Errorf("NODE with one Euler step per block: NFE %d forward, %d backward, want 4 and 4", f, b)
			}
		}
	}
}

// TestGroupNormWidths checks the widths GroupNorm's error message lists
// as the ones that build: 1–4, 8, 16 and the multiples of 32.
func TestGroupNormWidths(t *testing.T) {
	for w := 1; w <= 130; w++ {
		want := w <= 4 || w == 8 || w == 16 || w%32 == 0
		err := Config{Depth: 18, Width: w, InChannels: 1, Classes: 10}.Validate(true)
		if (err == nil) != want {
			t.Errorf("width %d: %v, want it to build: %v", w, err, want)
		}
	}
}

func TestBadConfig(t *testing.T) {
	good := Config{Depth: 18, Width: 4, InChannels: 1, Classes: 10}
	for _, tc := range []struct {
		node bool
		edit func(*Config)
		want string
	}{
		{false, func(c *Config) { c.Depth = 34 }, "depth 34"},
		{true, func(c *Config) { c.Depth = 10 }, "NODE depth 10"},
		{false, func(c *Config) { c.Width = 0 }, "width 0"},
		{false, func(c *Config) { c.InChannels = -1 }, "input channels -1"},
		{true, func(c *Config) { c.Classes = 0 }, "classes 0"},
		{false, func(c *Config) { c.DType = 9 }, "dtype"},
		{false, func(c *Config) { c.Norm = "layer" }, `norm "layer"`},
		{true, func(c *Config) { c.Norm = "batch" }, "not allowed inside an ODE block"},
		{false, func(c *Config) { c.Width = 12 }, "48 channels do not divide"},
		{true, func(c *Config) { c.ODE = ode.Options{Method: ode.RK4} }, "step size"},
		{true, func(c *Config) { c.ODE = ode.Options{RTol: -1} }, "rtol"},
	} {
		c := good
		tc.edit(&c)
		var err error
		if tc.node {
			_, err = NewNODE(tensor.NewRNG(1), c)
		} else {
			_, err = NewResNet(tensor.NewRNG(1), c)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one containing %q", c, err, tc.want)
		}
	}
	if _, err := NewResNet(nil, good); err == nil {
		t.Error("nil rng: no error")
	}
	n, _ := NewNODE(tensor.NewRNG(1), good)
	if err := n.SetODEOptions(ode.Options{Method: ode.Dopri5}); err == nil {
		t.Error("SetODEOptions accepted an adaptive solve without tolerances")
	}
	if got := n.Config().ODE; got.Method != ode.HeunEuler || got.RTol != 1e-3 || got.ATol != 1e-3 {
		t.Errorf("zero ODE options became %+v, want Heun–Euler at 1e-3", got)
	}
}

// Changing the solver of a trained model changes no weight, and the
// outputs under two accurate solvers agree (to 1e-4: ReLU and GroupNorm
// make f only piecewise smooth, so RK4 converges more slowly than h⁴; the
// two differ by about 1e-5 here).
func TestSolverSwap(t *testing.T) {
	c := Config{Depth: 18, Width: 4, InChannels: 1, Classes: 10, DType: tensor.Float64}
	n, err := NewNODE(tensor.NewRNG(1), c)
	if err != nil {
		t.Fatal(err)
	}
	x := autograd.Constant(tensor.RandN(tensor.NewRNG(3), tensor.Float64, 0, 1, 2, 1, 12, 12))
	// Train a step (ACA, the default solver), then swap.
	opt, err := optim.NewSGD(nn.Params(n), optim.SGDConfig{LR: 0.1, Momentum: 0.9})
	if err != nil {
		t.Fatal(err)
	}
	g := autograd.NewGraph()
	if err := nn.CrossEntropy(g, n.Forward(g, x), []int{1, 2}, 0).Backward(); err != nil {
		t.Fatal(err)
	}
	opt.Step()
	before := map[string][]float64{}
	for _, p := range nn.NamedParams(n) {
		before[p.Name] = slices.Clone(p.Value.Data().Values())
	}
	var outs [][]float64
	for _, o := range []ode.Options{
		{Method: ode.Dopri5, RTol: 1e-9, ATol: 1e-9},
		{Method: ode.RK4, Steps: 40},
	} {
		if err := n.SetODEOptions(o); err != nil {
			t.Fatal(err)
		}
		for _, b := range n.ODEBlocks() {
			if b.Options.Method != o.Method {
				t.Fatalf("block has %s after SetODEOptions(%s)", b.Options.Method.Name, o.Method.Name)
			}
		}
		outs = append(outs, n.Forward(nil, x).Data().Float64s())
	}
	for _, p := range nn.NamedParams(n) {
		if !slices.Equal(before[p.Name], p.Value.Data().Values()) {
			t.Errorf("%s changed with the solver", p.Name)
		}
	}
	for i := range outs[0] {
		if d := outs[0][i] - outs[1][i]; d > 1e-4 || d < -1e-4 {
			t.Errorf("logit %d: Dopri5 %g, RK4 %g", i, outs[0][i], outs[1][i])
		}
	}
}

// TestODEDefaultsKeepGradientOptions checks that a Config.ODE without a
// solver gets the default solver and tolerances on every ODE block while
// its gradient options (method, ACA's memory budget) stay as given.
func TestODEDefaultsKeepGradientOptions(t *testing.T) {
	c := Config{Depth: 18, Width: 4, InChannels: 1, Classes: 10,
		ODE: ode.Options{Gradient: ode.ACA, ACAMemory: 1 << 30}}
	n, err := NewNODE(tensor.NewRNG(1), c)
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultODEOptions()
	want.ACAMemory = 1 << 30
	blocks := n.ODEBlocks()
	if len(blocks) != 4 {
		t.Fatalf("%d ODE blocks, want 4", len(blocks))
	}
	for i, b := range blocks {
		if b.Options != want {
			t.Errorf("block %d: options %+v, want %+v", i, b.Options, want)
		}
	}
}

// TestHugeSizes checks that sizes whose channel counts would overflow are
// refused, naming them, before any arithmetic on them (a width of 2^61
// once divided by zero).
func TestHugeSizes(t *testing.T) {
	for _, c := range []Config{
		{Depth: 18, Width: 1 << 61, InChannels: 1, Classes: 10},
		{Depth: 18, Width: 1 << 60, InChannels: 1, Classes: 10},
		{Depth: 18, Width: 8, InChannels: 1 << 62, Classes: 10},
		{Depth: 18, Width: 8, InChannels: 1, Classes: 1 << 62},
	} {
		for _, node := range []bool{false, true} {
			if err := c.Validate(node); err == nil || !strings.Contains(err.Error(), "want 1..") {
				t.Errorf("%+v (NODE %v): %v", c, node, err)
			}
		}
	}
}
