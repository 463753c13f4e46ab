package train_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/nn"
	"github.com/acaode/aca/optim"
	"github.com/acaode/aca/tensor"
	"github.com/acaode/aca/train"
)

// Save a checkpoint after an epoch and resume from it: the model, the
// optimizer's moments and the random sources come back as they were, so
// the resumed run's next step is the original's to the printed digits (a
// lost moment would change it: Adam's second step depends on the first's
// moments).
func Example() {
	build := func(seed uint64) (nn.Module, optim.Optimizer) {
		m := nn.NewSequential(nn.Must(nn.NewLinear(tensor.NewRNG(seed), tensor.Float32, 4, 2, true)))
		opt, _ := optim.NewAdam(nn.Params(m), optim.AdamDefaults())
		return m, opt
	}
	labels := []int{0, 1, 0, 1, 0, 1, 0, 1}
	// step takes a training step on a batch drawn from rng and returns
	// the loss before it.
	step := func(model nn.Module, opt optim.Optimizer, rng *train.RNG) float64 {
		x := autograd.Constant(tensor.RandN(rng.Rand, tensor.Float32, 0, 1, 8, 4))
		g := autograd.NewGraph()
		loss := nn.CrossEntropy(g, model.Forward(g, x), labels, 0)
		opt.ZeroGrad()
		if err := loss.Backward(); err != nil {
			panic(err)
		}
		opt.Step()
		return loss.Item()
	}
	model, opt := build(1)
	rng := train.NewRNG(7)
	fmt.Printf("epoch 0: loss %.5f\n", step(model, opt, rng))

	dir, _ := os.MkdirTemp("", "ckpt")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "run.ckpt")
	if err := train.Save(path, &train.Checkpoint{Model: model, Optimizer: opt, RNGs: map[string]*train.RNG{"data": rng}, Epoch: 1}); err != nil {
		fmt.Println(err)
		return
	}

	// Later, in another process: build the same model (any initial
	// weights: they are replaced) and load.
	model2, opt2 := build(2)
	rng2 := train.NewRNG(0)
	c := &train.Checkpoint{Model: model2, Optimizer: opt2, RNGs: map[string]*train.RNG{"data": rng2}}
	if err := train.Load(path, c); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("resume at epoch", c.Epoch)
	// Two more steps each: same batches, same losses.
	for range 2 {
		fmt.Printf("original %.5f, resumed %.5f\n", step(model, opt, rng), step(model2, opt2, rng2))
	}
	// Output:
	// epoch 0: loss 0.74785
	// resume at epoch 1
	// original 1.03987, resumed 1.03987
	// original 0.72861, resumed 0.72861
}
