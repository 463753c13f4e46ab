package models_test

import (
	"fmt"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/models"
	"github.com/acaode/aca/nn"
	"github.com/acaode/aca/ode"
	"github.com/acaode/aca/optim"
	"github.com/acaode/aca/tensor"
)

// Build ResNet18 and NODE18 for Fashion-MNIST-sized images, take a training
// step with the NODE, then swap its solver without retraining.
func Example() {
	c := models.Config{Depth: 18, Width: 4, InChannels: 1, Classes: 10,
		ODE: ode.Options{Method: ode.HeunEuler, RTol: 1e-2, ATol: 1e-2, Gradient: ode.ACA}}
	resnet, err := models.NewResNet(tensor.NewRNG(1), c)
	if err != nil {
		fmt.Println(err)
		return
	}
	node, err := models.NewNODE(tensor.NewRNG(1), c)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("parameters:", nn.NumParams(resnet), "and", nn.NumParams(node), "in", len(node.ODEBlocks()), "ODE blocks")

	x := autograd.Constant(tensor.RandN(tensor.NewRNG(2), tensor.Float32, 0, 1, 4, 1, 28, 28))
	labels := []int{3, 1, 4, 1}
	opt, err := optim.NewSGD(nn.Params(node), optim.SGDConfig{LR: 0.05, Momentum: 0.9})
	if err != nil {
		fmt.Println(err)
		return
	}
	g := autograd.NewGraph()
	logits := node.Forward(g, x)
	if err := nn.CrossEntropy(g, logits, labels, 0).Backward(); err != nil {
		fmt.Println(err)
		return
	}
	opt.Step()
	fwd, bwd := node.NFE()
	fmt.Println("logits:", logits.Shape(), "evaluations counted:", fwd > 0 && bwd > 0)

	// Table 2: the trained weights under a fixed-step RK4 solver.
	if err := node.SetODEOptions(ode.Options{Method: ode.RK4, Steps: 4}); err != nil {
		fmt.Println(err)
		return
	}
	node.Forward(nil, x)
	fwd, _ = node.NFE()
	fmt.Println("RK4 evaluations:", fwd)
	// Output:
	// parameters: 44550 and 44550 in 4 ODE blocks
	// logits: [4 10] evaluations counted: true
	// RK4 evaluations: 64
}
