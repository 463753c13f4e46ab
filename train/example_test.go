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
// optimizer's moments and the random sources come back as they were.
func Example() {
	build := func() (nn.Module, optim.Optimizer) {
		m := nn.NewSequential(nn.Must(nn.NewLinear(tensor.NewRNG(1), tensor.Float32, 4, 2, true)))
		opt, _ := optim.NewAdam(nn.Params(m), optim.AdamDefaults())
		return m, opt
	}
	model, opt := build()
	rng := train.NewRNG(7)
	x := autograd.Constant(tensor.RandN(rng.Rand, tensor.Float32, 0, 1, 8, 4))
	g := autograd.NewGraph()
	loss := nn.CrossEntropy(g, model.Forward(g, x), []int{0, 1, 0, 1, 0, 1, 0, 1}, 0)
	if err := loss.Backward(); err != nil {
		fmt.Println(err)
		return
	}
	opt.Step()

	dir, _ := os.MkdirTemp("", "ckpt")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "run.ckpt")
	if err := train.Save(path, &train.Checkpoint{Model: model, Optimizer: opt, RNGs: map[string]*train.RNG{"data": rng}, Epoch: 1}); err != nil {
		fmt.Println(err)
		return
	}

	// Later, in another process: build the same model and load.
	model2, opt2 := build()
	rng2 := train.NewRNG(0)
	c := &train.Checkpoint{Model: model2, Optimizer: opt2, RNGs: map[string]*train.RNG{"data": rng2}}
	if err := train.Load(path, c); err != nil {
		fmt.Println(err)
		return
	}
	w1, w2 := nn.StateDict(model)["0.weight"], nn.StateDict(model2)["0.weight"]
	fmt.Println("resume at epoch", c.Epoch)
	fmt.Println("same weights:", tensor.MaxAbsDiff(w1, w2) == 0)
	fmt.Println("same next random number:", rng.Uint64() == rng2.Uint64())
	// Output:
	// resume at epoch 1
	// same weights: true
	// same next random number: true
}
