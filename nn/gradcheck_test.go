package nn_test

import (
	"testing"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/nn"
	"github.com/acaode/aca/tensor"
)

// Every layer's Forward passes GradCheck (float64) with respect to its input
// and all its parameters.
func TestLayersGradCheck(t *testing.T) {
	f64 := tensor.Float64
	rng := tensor.NewRNG(7)
	must := func(m nn.Module, err error) nn.Module {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	bnEval := nn.Must(nn.NewBatchNorm2d(f64, 3))
	bnEval.RunningMean.CopyFrom(tensor.FromFloat64([]float64{0.3, -0.2, 0.1}, 3))
	bnEval.RunningVar.CopyFrom(tensor.FromFloat64([]float64{0.5, 2, 1.3}, 3))
	bnEval.Weight.Data().CopyFrom(tensor.FromFloat64([]float64{1.5, -0.7, 0.9}, 3))
	bnEval.SetTraining(false)
	bnTrain := nn.Must(nn.NewBatchNorm2d(f64, 3))
	bnTrain.Weight.Data().CopyFrom(tensor.FromFloat64([]float64{1.5, -0.7, 0.9}, 3))
	bnTrain.Bias.Data().CopyFrom(tensor.FromFloat64([]float64{0.1, 0.2, -0.3}, 3))
	gn := nn.Must(nn.NewGroupNorm(f64, 2, 4))
	gn.Weight.Data().CopyFrom(tensor.FromFloat64([]float64{1.5, -0.7, 0.9, 1.1}, 4))
	drop := nn.Must(nn.NewDropout(tensor.NewRNG(1), 0.4))
	blockBN := nn.Must(nn.NewBasicBlock(rng, f64, nn.BasicBlockConfig{In: 2, Out: 3, Stride: 2}))
	blockGN := nn.Must(nn.NewBasicBlock(rng, f64, nn.BasicBlockConfig{In: 2, Out: 2,
		Norm: func(dt tensor.DType, c int) (nn.Module, error) { return nn.NewGroupNorm(dt, 1, c) }}))
	res := &nn.Residual{F: nn.NewSequential(
		nn.Must(nn.NewLinear(rng, f64, 4, 6, true)), nn.Tanh{}, nn.Must(nn.NewLinear(rng, f64, 6, 4, false)))}

	cases := []struct {
		name   string
		m      nn.Module
		shape  []int
		before func()
	}{
		{"Linear", must(nn.NewLinear(rng, f64, 4, 3, true)), []int{5, 4}, nil},
		{"Linear/3d input", must(nn.NewLinear(rng, f64, 4, 3, true)), []int{2, 3, 4}, nil},
		{"Linear/no bias", must(nn.NewLinear(rng, f64, 4, 3, false)), []int{5, 4}, nil},
		{"Conv2d", must(nn.NewConv2d(rng, f64, nn.Conv2dConfig{In: 2, Out: 3, Kernel: 3, Padding: 1})), []int{2, 2, 5, 5}, nil},
		{"Conv2d/stride 2 no bias", must(nn.NewConv2d(rng, f64, nn.Conv2dConfig{In: 2, Out: 3, Kernel: 3, Stride: 2, NoBias: true})), []int{2, 2, 7, 6}, nil},
		{"BatchNorm2d/train", bnTrain, []int{4, 3, 3, 2}, nil},
		{"BatchNorm2d/train 2d input", nn.Must(nn.NewBatchNorm2d(f64, 3)), []int{5, 3}, nil},
		{"BatchNorm2d/eval", bnEval, []int{4, 3, 3, 2}, nil},
		{"GroupNorm", gn, []int{3, 4, 2, 3}, nil},
		{"ReLU", nn.ReLU{}, []int{3, 4}, nil},
		{"Tanh", nn.Tanh{}, []int{3, 4}, nil},
		{"Sigmoid", nn.Sigmoid{}, []int{3, 4}, nil},
		{"Softplus", nn.Softplus{}, []int{3, 4}, nil},
		{"LeakyReLU", nn.LeakyReLU{Slope: 0.1}, []int{3, 4}, nil},
		{"Flatten", nn.Flatten{}, []int{2, 3, 2, 2}, nil},
		{"Dropout", drop, []int{4, 5}, func() { drop.RNG = tensor.NewRNG(1) }},
		{"GlobalAvgPool2d", nn.GlobalAvgPool2d{}, []int{2, 3, 4, 4}, nil},
		{"AvgPool2d", nn.AvgPool2d{Params: tensor.Pool2dParams{KH: 2, KW: 2}}, []int{2, 3, 4, 4}, nil},
		{"MaxPool2d", nn.MaxPool2d{Params: tensor.Pool2dParams{KH: 2, KW: 2}}, []int{2, 3, 4, 4}, nil},
		{"Residual", res, []int{3, 4}, nil},
		{"BasicBlock/downsample BN", blockBN, []int{3, 2, 6, 6}, nil},
		{"BasicBlock/identity GroupNorm", blockGN, []int{2, 2, 5, 5}, nil},
		{"LSTM/2 layers", must(nn.NewLSTM(rng, f64, 3, 4, 2)), []int{4, 2, 3}, nil},
		{"GRU/2 layers", must(nn.NewGRU(rng, f64, 3, 4, 2)), []int{4, 2, 3}, nil},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			gradCheck(t, c.m, []*tensor.Tensor{randn(uint64(100+i), c.shape...)}, forward(c.m), c.before)
		})
	}
}

// The recurrent layers' Run, with time gaps and initial states, passes
// GradCheck with respect to the input, the gaps, the states and the
// parameters.
func TestRecurrentRunGradCheck(t *testing.T) {
	f64 := tensor.Float64
	rng := tensor.NewRNG(3)
	const T, B, F, H, L = 3, 2, 2, 3, 2
	lstm := nn.Must(nn.NewLSTM(rng, f64, F+1, H, L))
	gru := nn.Must(nn.NewGRU(rng, f64, F+1, H, L))
	x, gaps := randn(1, T, B, F), tensor.RandU(tensor.NewRNG(2), f64, 0.1, 1, T, B, 1)
	h0, c0 := randn(3, L, B, H), randn(4, L, B, H)
	cases := []struct {
		name   string
		m      nn.Module
		inputs []*tensor.Tensor
		fwd    func(g *autograd.Graph, in []*autograd.Value) *autograd.Value
	}{
		{"LSTM/out", lstm, []*tensor.Tensor{x, gaps, h0, c0}, func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
			out, _, _ := lstm.Run(g, in[0], in[1], in[2], in[3])
			return out
		}},
		{"LSTM/final state", lstm, []*tensor.Tensor{x, gaps, h0, c0}, func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
			_, h, c := lstm.Run(g, in[0], in[1], in[2], in[3])
			return g.Concat(2, h, c)
		}},
		{"GRU/out and final state", gru, []*tensor.Tensor{x, gaps, h0}, func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
			out, h := gru.Run(g, in[0], in[1], in[2])
			return g.Concat(0, out, h)
		}},
		{"LSTMCell/Step", lstm.Cells[1], []*tensor.Tensor{randn(5, B, H), randn(6, B, H), randn(7, B, H)}, func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
			h, c := lstm.Cells[1].Step(g, in[0], in[1], in[2])
			return g.Concat(1, h, c)
		}},
		{"GRUCell/Step", gru.Cells[1], []*tensor.Tensor{randn(8, B, H), randn(9, B, H)}, func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
			return gru.Cells[1].Step(g, in[0], in[1])
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { gradCheck(t, c.m, c.inputs, c.fwd, nil) })
	}
}

// The losses pass GradCheck with respect to both arguments (the logits for
// cross-entropy).
func TestLossesGradCheck(t *testing.T) {
	labels := []int{2, 0, 1, 2}
	cases := []struct {
		name   string
		inputs []*tensor.Tensor
		f      func(g *autograd.Graph, in []*autograd.Value) *autograd.Value
	}{
		{"CrossEntropy", []*tensor.Tensor{randn(1, 4, 3)}, func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
			return nn.CrossEntropy(g, in[0], labels, 0)
		}},
		{"CrossEntropy/smoothing 0.1", []*tensor.Tensor{randn(2, 4, 3)}, func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
			return nn.CrossEntropy(g, in[0], labels, 0.1)
		}},
		{"MSE", []*tensor.Tensor{randn(3, 2, 3), randn(4, 2, 3)}, func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
			return nn.MSE(g, in[0], in[1])
		}},
		{"L1", []*tensor.Tensor{randn(5, 2, 3), randn(6, 2, 3)}, func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
			return nn.L1(g, in[0], in[1])
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := autograd.GradCheck(c.f, c.inputs, autograd.CheckOptions{}); err != nil {
				t.Fatal(err)
			}
		})
	}
}
