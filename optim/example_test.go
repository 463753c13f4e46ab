package optim_test

import (
	"fmt"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/optim"
	"github.com/acaode/aca/tensor"
)

// Minimise (w − 3)² with Adam under a cosine schedule.
func ExampleAdam() {
	w := autograd.Leaf(tensor.FromFloat64([]float64{0}, 1))
	cfg := optim.AdamDefaults()
	cfg.LR = 0.1
	opt, err := optim.NewAdam([]*autograd.Value{w}, cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	sched, err := optim.CosineLR(0.1, 0.001, 200)
	if err != nil {
		fmt.Println(err)
		return
	}
	target := autograd.Constant(tensor.FromFloat64([]float64{3}, 1))
	for epoch := range 200 {
		sched.Apply(opt, epoch)
		g := autograd.NewGraph()
		loss := g.MSE(w, target)
		opt.ZeroGrad()
		if err := loss.Backward(); err != nil {
			fmt.Println(err)
			return
		}
		opt.Step()
	}
	fmt.Printf("w = %.2f\n", w.Data().Item())
	// Output:
	// w = 3.00
}

// An optimizer's state is a set of named tensors, ready for a checkpoint;
// loading it into a fresh optimizer continues where the first left off.
func ExampleSGD_State() {
	w := autograd.Leaf(tensor.FromFloat64([]float64{1, 2}, 2))
	opt, _ := optim.NewSGD([]*autograd.Value{w}, optim.SGDConfig{LR: 0.1, Momentum: 0.9})
	g := autograd.NewGraph()
	_ = g.SumAll(g.Square(w)).Backward()
	opt.Step()

	state := opt.State()
	fmt.Println("momentum buffer:", state["0.momentum_buffer"].Values(), "lr:", state["lr"].Item())

	fresh, _ := optim.NewSGD([]*autograd.Value{w}, optim.SGDConfig{LR: 0.1, Momentum: 0.9})
	fmt.Println("load:", fresh.LoadState(state))
	// Output:
	// momentum buffer: [2 4] lr: 0.1
	// load: <nil>
}
