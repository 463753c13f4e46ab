package optim_test

import (
	"fmt"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/optim"
	"github.com/acaode/aca/tensor"
)

// Minimise (w − 3)² with Adam under a cosine schedule. Adam's first step,
// bias-corrected, is lr·sign(−gradient) whatever the gradient's size, so it
// moves w from 0 to exactly 0.1; 200 steps end near the minimum.
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
		if epoch == 0 {
			fmt.Printf("after one step: w = %.4f\n", w.Data().Item())
		}
	}
	fmt.Printf("w = %.4f\n", w.Data().Item())
	// Output:
	// after one step: w = 0.1000
	// w = 2.9987
}

// An optimizer's state is a set of named tensors, ready for a checkpoint;
// loading it into a fresh optimizer continues where the first left off.
// On L = Σ w², SGD with momentum 0.9 and lr 0.1 from w = (1, 2) keeps the
// gradient 2w as its first buffer and steps to w = 0.8·(1, 2); the second
// step's buffer is 0.9·2w₀ + 2w₁ = 3.4·(1, 2), so w = 0.46·(1, 2) whether the
// first optimizer takes it or a fresh one given its state.
func ExampleSGD_State() {
	cfg := optim.SGDConfig{LR: 0.1, Momentum: 0.9}
	w := autograd.Leaf(tensor.FromFloat64([]float64{1, 2}, 2))
	opt, _ := optim.NewSGD([]*autograd.Value{w}, cfg)
	step := func(o optim.Optimizer, w *autograd.Value) {
		g := autograd.NewGraph()
		o.ZeroGrad()
		_ = g.SumAll(g.Square(w)).Backward()
		o.Step()
	}
	step(opt, w)

	state := opt.State()
	fmt.Println("momentum buffer:", state["0.momentum_buffer"].Values(), "lr:", state["lr"].Item())
	fmt.Printf("w after one step: %.4f\n", w.Data().Values())

	w2 := autograd.Leaf(w.Data().Clone())
	fresh, _ := optim.NewSGD([]*autograd.Value{w2}, cfg)
	fmt.Println("load:", fresh.LoadState(state))
	step(opt, w)
	step(fresh, w2)
	fmt.Printf("second step: %.4f, resumed: %.4f\n", w.Data().Values(), w2.Data().Values())
	// Output:
	// momentum buffer: [2 4] lr: 0.1
	// w after one step: [0.8000 1.6000]
	// load: <nil>
	// second step: [0.4600 0.9200], resumed: [0.4600 0.9200]
}
