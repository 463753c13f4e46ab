package nn_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/nn"
	"github.com/acaode/aca/ode"
	"github.com/acaode/aca/optim"
	"github.com/acaode/aca/tensor"
)

// Build a small image classifier, take one optimizer step on a batch, and
// see the loss on that batch go down.
func Example() {
	dt := tensor.Float32
	rng := tensor.NewRNG(1) // the same seed gives the same model
	model := nn.NewSequential(
		nn.Must(nn.NewConv2d(rng, dt, nn.Conv2dConfig{In: 1, Out: 4, Kernel: 3, Padding: 1})),
		nn.ReLU{},
		nn.Must(nn.NewBasicBlock(rng, dt, nn.BasicBlockConfig{In: 4, Out: 4})),
		nn.GlobalAvgPool2d{},
		nn.Must(nn.NewLinear(rng, dt, 4, 3, true)),
	)
	opt, err := optim.NewSGD(nn.Params(model), optim.SGDConfig{LR: 0.1, Momentum: 0.9})
	if err != nil {
		fmt.Println(err)
		return
	}

	x := autograd.Constant(tensor.RandN(tensor.NewRNG(2), dt, 0, 1, 8, 1, 6, 6))
	labels := []int{0, 1, 2, 0, 1, 2, 0, 1}

	g := autograd.NewGraph()
	loss := nn.CrossEntropy(g, model.Forward(g, x), labels, 0)
	before := loss.Item()
	opt.ZeroGrad()
	if err := loss.Backward(); err != nil {
		fmt.Println(err)
		return
	}
	opt.Step()

	after := nn.CrossEntropy(nil, model.Forward(nil, x), labels, 0).Item()
	fmt.Println("parameters:", len(nn.Params(model)), "tensors,", nn.NumParams(model), "numbers")
	fmt.Println("first:", nn.NamedParams(model)[0].Name, "buffers:", len(nn.NamedBuffers(model)))
	fmt.Printf("loss %.4f before the step, %.4f after\n", before, after)
	// Output:
	// parameters: 10 tensors, 359 numbers
	// first: 0.weight buffers: 6
	// loss 1.1183 before the step, 1.0962 after
}

// Walk a model's parameters and buffers by name, as a checkpoint does.
func ExampleNamedParams() {
	rng := tensor.NewRNG(1)
	block := nn.Must(nn.NewBasicBlock(rng, tensor.Float32, nn.BasicBlockConfig{In: 2, Out: 4, Stride: 2}))
	for _, p := range nn.NamedParams(block) {
		fmt.Println(p.Name, p.Value.Shape())
	}
	for _, b := range nn.NamedBuffers(block)[:3] {
		fmt.Println(b.Name, b.Tensor.Shape())
	}
	// Output:
	// conv1.weight [4 2 3 3]
	// bn1.weight [4]
	// bn1.bias [4]
	// conv2.weight [4 4 3 3]
	// bn2.weight [4]
	// bn2.bias [4]
	// downsample.0.weight [4 2 1 1]
	// downsample.1.weight [4]
	// downsample.1.bias [4]
	// bn1.running_mean [4]
	// bn1.running_var [4]
	// bn1.num_batches_tracked []
}

// Build a NODE classifier (a convolution, an ODE block whose dynamics are
// conv–norm–ReLU, pooling and a linear head), train it one step with ACA,
// switch its solver for evaluation, and save it and load it into a fresh
// model, which then computes the same loss.
func ExampleODEBlock() {
	dt := tensor.Float32
	build := func(seed uint64) (*nn.Sequential, *nn.ODEBlock) {
		rng := tensor.NewRNG(seed)
		f := nn.NewSequential(
			nn.Must(nn.NewConv2d(rng, dt, nn.Conv2dConfig{In: 4, Out: 4, Kernel: 3, Padding: 1})),
			nn.Must(nn.NewGroupNorm(dt, 2, 4)),
			nn.ReLU{},
		)
		block := nn.Must(nn.NewODEBlock(f, ode.Options{Method: ode.HeunEuler, RTol: 1e-3, ATol: 1e-3, Gradient: ode.ACA}))
		return nn.NewSequential(
			nn.Must(nn.NewConv2d(rng, dt, nn.Conv2dConfig{In: 1, Out: 4, Kernel: 3, Padding: 1})),
			block,
			nn.GlobalAvgPool2d{},
			nn.Must(nn.NewLinear(rng, dt, 4, 3, true)),
		), block
	}
	model, block := build(1)
	opt, err := optim.NewSGD(nn.Params(model), optim.SGDConfig{LR: 0.1, Momentum: 0.9})
	if err != nil {
		fmt.Println(err)
		return
	}
	x := autograd.Constant(tensor.RandN(tensor.NewRNG(2), dt, 0, 1, 8, 1, 6, 6))
	labels := []int{0, 1, 2, 0, 1, 2, 0, 1}

	g := autograd.NewGraph()
	var loss *autograd.Value
	if err := nn.Try(func() { loss = nn.CrossEntropy(g, model.Forward(g, x), labels, 0) }); err != nil {
		fmt.Println(err) // a failed solve inside the model
		return
	}
	fmt.Printf("loss %.4f\n", loss.Item())
	opt.ZeroGrad()
	if err := loss.Backward(); err != nil {
		fmt.Println(err)
		return
	}
	opt.Step()
	st := block.LastStats()
	fmt.Printf("forward: %d steps, %d evaluations; ACA re-ran %d steps\n", st.Forward.Accepted, st.Forward.NFE, st.Backward.Accepted)

	// Evaluate with another solver, without retraining (the paper's Table 2).
	block.Options = ode.Options{Method: ode.RK4, Steps: 4}
	after := nn.CrossEntropy(nil, model.Forward(nil, x), labels, 0).Item()
	fmt.Printf("after the step, with RK4 in 4 steps: loss %.4f, %d evaluations\n", after, block.LastStats().Forward.NFE)

	dir, _ := os.MkdirTemp("", "node")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "node.safetensors")
	if err := nn.Save(path, model, nil); err != nil {
		fmt.Println(err)
		return
	}
	fresh, freshBlock := build(3)
	if _, err := nn.Load(path, fresh); err != nil {
		fmt.Println(err)
		return
	}
	freshBlock.Options = block.Options // solver settings are not weights
	loaded := nn.CrossEntropy(nil, fresh.Forward(nil, x), labels, 0).Item()
	fmt.Printf("loaded into a fresh model: loss %.4f (ODE block weights: %s)\n", loaded, nn.NamedParams(fresh)[2].Name)
	// Output:
	// loss 1.2976
	// forward: 19 steps, 40 evaluations; ACA re-ran 19 steps
	// after the step, with RK4 in 4 steps: loss 1.2019, 16 evaluations
	// loaded into a fresh model: loss 1.2019 (ODE block weights: 1.f.0.weight)
}
