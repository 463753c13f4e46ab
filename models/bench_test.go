package models

import (
	"testing"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/nn"
	"github.com/acaode/aca/ode"
	"github.com/acaode/aca/optim"
	"github.com/acaode/aca/tensor"
)

// BenchmarkTrainStep times one training step (forward, backward, SGD with
// momentum 0.9 and weight decay 5e-4, as the PyTorch twin) of ResNet18 and
// of NODE18 with each gradient method, at width 16 on a batch of 8 random
// 1×28×28 images, float32, Heun–Euler at rtol 0.1, atol 0.01 (the
// tolerances of TorchDiffEqPack's classification script, which the twin
// was also timed at; with a batch of 8 it runs once in CI with -benchtime
// 1x). The
// ODE blocks' evaluations per step are reported as nfe-fwd and nfe-bwd.
func BenchmarkTrainStep(b *testing.B) {
	x := autograd.Constant(tensor.RandN(tensor.NewRNG(2), tensor.Float32, 0, 1, 8, 1, 28, 28))
	labels := []int{0, 1, 2, 3, 4, 5, 6, 7}
	for _, bc := range []struct {
		name string
		node bool
		grad ode.Gradient
	}{
		{"resnet18", false, 0},
		{"node18-aca", true, ode.ACA},
		{"node18-adjoint", true, ode.Adjoint},
		{"node18-naive", true, ode.Naive},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := Config{Depth: 18, Width: 16, InChannels: 1, Classes: 10,
				ODE: ode.Options{Method: ode.HeunEuler, RTol: 0.1, ATol: 0.01, Gradient: bc.grad}}
			mk := NewResNet
			if bc.node {
				mk = NewNODE
			}
			m, err := mk(tensor.NewRNG(1), c)
			if err != nil {
				b.Fatal(err)
			}
			opt, err := optim.NewSGD(nn.Params(m), optim.SGDConfig{LR: 0.01, Momentum: 0.9, WeightDecay: 5e-4})
			if err != nil {
				b.Fatal(err)
			}
			var fwd, bwd int
			b.ResetTimer()
			for b.Loop() {
				opt.ZeroGrad()
				g := autograd.NewGraph()
				if err := nn.CrossEntropy(g, m.Forward(g, x), labels, 0).Backward(); err != nil {
					b.Fatal(err)
				}
				opt.Step()
				f, bw := m.NFE()
				fwd, bwd = fwd+f, bwd+bw
			}
			if bc.node {
				b.ReportMetric(float64(fwd)/float64(b.N), "nfe-fwd")
				b.ReportMetric(float64(bwd)/float64(b.N), "nfe-bwd")
			}
		})
	}
}
