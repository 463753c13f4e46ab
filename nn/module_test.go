package nn_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/nn"
	"github.com/acaode/aca/tensor"
)

// smallResNet is the shape of torchvision's ResNet stem and first stages,
// shrunk: its parameter and buffer names must be torchvision's.
type smallResNet struct {
	Conv1  *nn.Conv2d
	BN1    *nn.BatchNorm2d
	Layer1 *nn.Sequential
	Layer2 *nn.Sequential
	FC     *nn.Linear
}

func newSmallResNet(seed uint64, dt tensor.DType) *smallResNet {
	rng := tensor.NewRNG(seed)
	return &smallResNet{
		Conv1:  nn.Must(nn.NewConv2d(rng, dt, nn.Conv2dConfig{In: 1, Out: 4, Kernel: 3, Padding: 1, NoBias: true})),
		BN1:    nn.Must(nn.NewBatchNorm2d(dt, 4)),
		Layer1: nn.NewSequential(nn.Must(nn.NewBasicBlock(rng, dt, nn.BasicBlockConfig{In: 4, Out: 4}))),
		Layer2: nn.NewSequential(nn.Must(nn.NewBasicBlock(rng, dt, nn.BasicBlockConfig{In: 4, Out: 8, Stride: 2}))),
		FC:     nn.Must(nn.NewLinear(rng, dt, 8, 2, true)),
	}
}

func (r *smallResNet) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	x = g.ReLU(r.BN1.Forward(g, r.Conv1.Forward(g, x)))
	x = r.Layer2.Forward(g, r.Layer1.Forward(g, x))
	return r.FC.Forward(g, g.GlobalAvgPool2d(x))
}

func (r *smallResNet) Members() []nn.Member {
	return []nn.Member{
		nn.ChildMember("conv1", r.Conv1), nn.ChildMember("bn1", r.BN1),
		nn.ChildMember("layer1", r.Layer1), nn.ChildMember("layer2", r.Layer2),
		nn.ChildMember("fc", r.FC),
	}
}

func TestNames(t *testing.T) {
	bn := func(p string) []string {
		return []string{p + ".running_mean", p + ".running_var", p + ".num_batches_tracked"}
	}
	cases := []struct {
		name    string
		m       nn.Module
		params  []string
		buffers []string
	}{
		{"Sequential", nn.NewSequential(
			nn.Must(nn.NewLinear(tensor.NewRNG(1), tensor.Float32, 3, 4, true)), nn.ReLU{},
			nn.Must(nn.NewLinear(tensor.NewRNG(1), tensor.Float32, 4, 2, false))),
			[]string{"0.weight", "0.bias", "2.weight"}, nil},
		{"torchvision ResNet layout", newSmallResNet(1, tensor.Float32),
			[]string{"conv1.weight", "bn1.weight", "bn1.bias",
				"layer1.0.conv1.weight", "layer1.0.bn1.weight", "layer1.0.bn1.bias",
				"layer1.0.conv2.weight", "layer1.0.bn2.weight", "layer1.0.bn2.bias",
				"layer2.0.conv1.weight", "layer2.0.bn1.weight", "layer2.0.bn1.bias",
				"layer2.0.conv2.weight", "layer2.0.bn2.weight", "layer2.0.bn2.bias",
				"layer2.0.downsample.0.weight", "layer2.0.downsample.1.weight", "layer2.0.downsample.1.bias",
				"fc.weight", "fc.bias"},
			slices.Concat(bn("bn1"), bn("layer1.0.bn1"), bn("layer1.0.bn2"),
				bn("layer2.0.bn1"), bn("layer2.0.bn2"), bn("layer2.0.downsample.1"))},
		{"LSTM", nn.Must(nn.NewLSTM(tensor.NewRNG(1), tensor.Float32, 3, 4, 2)),
			[]string{"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
				"weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1"}, nil},
		{"GRUCell", nn.Must(nn.NewGRUCell(tensor.NewRNG(1), tensor.Float32, 3, 4)),
			[]string{"weight_ih", "weight_hh", "bias_ih", "bias_hh"}, nil},
		{"GroupNorm in Residual", &nn.Residual{F: nn.Must(nn.NewGroupNorm(tensor.Float64, 2, 4))},
			[]string{"f.weight", "f.bias"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := paramNames(c.m); !slices.Equal(got, c.params) {
				t.Errorf("params\n got %q\nwant %q", got, c.params)
			}
			if got := bufferNames(c.m); !slices.Equal(got, c.buffers) {
				t.Errorf("buffers\n got %q\nwant %q", got, c.buffers)
			}
			// The same order on every call, and Params agrees with NamedParams.
			again := paramNames(c.m)
			if !slices.Equal(again, c.params) {
				t.Errorf("second call gives %q", again)
			}
			ps := nn.Params(c.m)
			for i, p := range nn.NamedParams(c.m) {
				if ps[i] != p.Value || !p.Value.IsLeaf() {
					t.Errorf("Params[%d] is not the leaf %s", i, p.Name)
				}
			}
		})
	}
}

func TestShapes(t *testing.T) {
	f32 := tensor.Float32
	rng := tensor.NewRNG(2)
	x := func(shape ...int) *autograd.Value { return constant(tensor.Zeros(f32, shape...)) }
	cases := []struct {
		name string
		m    nn.Module
		in   *autograd.Value
		want []int
	}{
		{"BasicBlock/identity", nn.Must(nn.NewBasicBlock(rng, f32, nn.BasicBlockConfig{In: 4, Out: 4})), x(2, 4, 8, 8), []int{2, 4, 8, 8}},
		{"BasicBlock/stride 2", nn.Must(nn.NewBasicBlock(rng, f32, nn.BasicBlockConfig{In: 4, Out: 8, Stride: 2})), x(2, 4, 8, 8), []int{2, 8, 4, 4}},
		{"BasicBlock/stride 2 odd", nn.Must(nn.NewBasicBlock(rng, f32, nn.BasicBlockConfig{In: 4, Out: 4, Stride: 2})), x(2, 4, 7, 7), []int{2, 4, 4, 4}},
		{"Sequential classifier", nn.NewSequential(
			nn.Must(nn.NewConv2d(rng, f32, nn.Conv2dConfig{In: 1, Out: 3, Kernel: 3})), nn.ReLU{},
			nn.MaxPool2d{Params: tensor.Pool2dParams{KH: 2, KW: 2}}, nn.Flatten{},
			nn.Must(nn.NewLinear(rng, f32, 27, 5, true))), x(4, 1, 8, 8), []int{4, 5}},
		{"ResNet", newSmallResNet(3, f32), x(2, 1, 8, 8), []int{2, 2}},
		{"LSTM", nn.Must(nn.NewLSTM(rng, f32, 3, 5, 2)), x(7, 2, 3), []int{7, 2, 5}},
		{"GRU", nn.Must(nn.NewGRU(rng, f32, 3, 5, 1)), x(7, 2, 3), []int{7, 2, 5}},
		{"LSTMCell", nn.Must(nn.NewLSTMCell(rng, f32, 3, 5)), x(2, 3), []int{2, 5}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			y := c.m.Forward(nil, c.in)
			if !slices.Equal(y.Shape(), c.want) {
				t.Errorf("shape %v, want %v", y.Shape(), c.want)
			}
			if y.DType() != f32 {
				t.Errorf("dtype %v", y.DType())
			}
		})
	}
}

// A parameter shared by two layers is listed (and so optimised) once.
func TestSharedParamListedOnce(t *testing.T) {
	rng := tensor.NewRNG(1)
	a := nn.Must(nn.NewLinear(rng, tensor.Float64, 3, 3, true))
	b := &nn.Linear{Weight: a.Weight}
	m := nn.NewSequential(a, b)
	if got, want := paramNames(m), []string{"0.weight", "0.bias"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if n := nn.NumParams(m); n != 12 {
		t.Errorf("NumParams %d, want 12", n)
	}
}

type badModule struct{ members []nn.Member }

func (badModule) Forward(_ *autograd.Graph, x *autograd.Value) *autograd.Value { return x }
func (b badModule) Members() []nn.Member                                       { return b.members }

func TestBadMembersPanic(t *testing.T) {
	var p *autograd.Value = autograd.Leaf(tensor.Zeros(tensor.Float64, 1))
	cases := []struct {
		name    string
		members []nn.Member
		want    string
	}{
		{"dot", []nn.Member{nn.ParamMember("a.b", &p)}, "contain no dot"},
		{"empty", []nn.Member{nn.ParamMember("", &p)}, "non-empty"},
		{"twice", []nn.Member{nn.ParamMember("a", &p), nn.ChildMember("a", nn.ReLU{})}, "used twice"},
		{"none", []nn.Member{{Name: "a"}}, "exactly one"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if s, _ := r.(string); !strings.Contains(s, c.want) {
					t.Errorf("panic %v, want one mentioning %q", r, c.want)
				}
			}()
			nn.NamedParams(nn.NewSequential(badModule{c.members}))
		})
	}
}

func TestSetTraining(t *testing.T) {
	m := newSmallResNet(1, tensor.Float32)
	drop := nn.Must(nn.NewDropout(tensor.NewRNG(1), 0.5))
	seq := nn.NewSequential(m, drop)
	modes := func() []bool {
		var out []bool
		for _, nm := range nn.Modules(seq) {
			if tm, ok := nm.Module.(nn.TrainingMode); ok {
				out = append(out, tm.Training())
			}
		}
		return out
	}
	if got := modes(); len(got) != 7 || slices.Contains(got, false) {
		t.Fatalf("after construction: %v, want 7 × true", got)
	}
	nn.SetTraining(seq, false)
	if got := modes(); slices.Contains(got, true) {
		t.Fatalf("after SetTraining(false): %v", got)
	}
	nn.SetTraining(seq, true)
	if got := modes(); slices.Contains(got, false) {
		t.Fatalf("after SetTraining(true): %v", got)
	}
	if got := nn.Modules(seq)[1].Name; got != "0" {
		t.Errorf("first child's path %q, want 0", got)
	}
}

// timeScale multiplies by t: a TimeModule.
type timeScale struct{}

func (timeScale) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value { return x }
func (timeScale) ForwardT(g *autograd.Graph, t float64, x *autograd.Value) *autograd.Value {
	return g.Scale(x, t)
}
func (timeScale) Members() []nn.Member { return nil }

func TestForwardTReachesTimeModules(t *testing.T) {
	m := nn.NewSequential(timeScale{}, nn.Func(func(g *autograd.Graph, x *autograd.Value) *autograd.Value {
		return g.AddScalar(x, 1)
	}), &nn.Residual{F: timeScale{}})
	x := constant(tensor.FromFloat64([]float64{2}, 1))
	cases := []struct {
		name string
		got  float64
		want float64
	}{
		{"ForwardT at 3", nn.ForwardT(nil, m, 3, x).Item(), (2*3 + 1) * (1 + 3)},
		{"Forward ignores t", m.Forward(nil, x).Item(), (2 + 1) * 2},
		{"ForwardT on a plain module", nn.ForwardT(nil, nn.Tanh{}, 3, x).Item(), tensor.Tanh(x.Data()).Item()},
		{"Dynamics", nn.Dynamics{F: m}.Eval(nil, 3, x).Item(), (2*3 + 1) * (1 + 3)},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestConstructorErrors(t *testing.T) {
	rng := tensor.NewRNG(1)
	f32 := tensor.Float32
	errOf := func(_ any, err error) error { return err }
	cases := []struct {
		name string
		err  error
	}{
		{"Linear zero in", errOf(nn.NewLinear(rng, f32, 0, 3, true))},
		{"Linear nil rng", errOf(nn.NewLinear(nil, f32, 2, 3, true))},
		{"Linear bad dtype", errOf(nn.NewLinear(rng, tensor.DType(9), 2, 3, true))},
		{"Conv2d zero kernel", errOf(nn.NewConv2d(rng, f32, nn.Conv2dConfig{In: 1, Out: 1}))},
		{"Conv2d negative padding", errOf(nn.NewConv2d(rng, f32, nn.Conv2dConfig{In: 1, Out: 1, Kernel: 3, Padding: -1}))},
		{"BatchNorm2d zero channels", errOf(nn.NewBatchNorm2d(f32, 0))},
		{"GroupNorm indivisible", errOf(nn.NewGroupNorm(f32, 3, 4))},
		{"Dropout p > 1", errOf(nn.NewDropout(rng, 1.5))},
		{"Dropout NaN", errOf(nn.NewDropout(rng, math.NaN()))},
		{"BasicBlock zero out", errOf(nn.NewBasicBlock(rng, f32, nn.BasicBlockConfig{In: 1}))},
		{"BasicBlock norm error", errOf(nn.NewBasicBlock(rng, f32, nn.BasicBlockConfig{In: 3, Out: 3,
			Norm: func(dt tensor.DType, c int) (nn.Module, error) { return nn.NewGroupNorm(dt, 2, c) }}))},
		{"LSTM zero layers", errOf(nn.NewLSTM(rng, f32, 2, 3, 0))},
		{"GRUCell zero hidden", errOf(nn.NewGRUCell(rng, f32, 2, 0))},
	}
	for _, c := range cases {
		if c.err == nil {
			t.Errorf("%s: no error", c.name)
		} else if !strings.HasPrefix(c.err.Error(), "nn: ") {
			t.Errorf("%s: error %q does not start with nn:", c.name, c.err)
		}
	}
	func() {
		defer func() {
			if _, ok := recover().(error); !ok {
				t.Errorf("Must did not panic with the error")
			}
		}()
		nn.Must(nn.NewLinear(rng, f32, 0, 1, true))
	}()
}
