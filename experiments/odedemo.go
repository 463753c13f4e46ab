package experiments

import (
	"fmt"
	"math/rand/v2"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/nn"
	"github.com/acaode/aca/ode"
	"github.com/acaode/aca/optim"
	"github.com/acaode/aca/tensor"
)

// ODEDemo is torchdiffeq's examples/ode_demo.py as the peers time it: the
// spiral dy/dt = (y³)·A, A = [[−0.1, 2], [−2, −0.1]], from y(0) = (2, 0)
// sampled at 1000 times on [0, 25]; a model f(t, y) = Linear(50→2)(tanh(
// Linear(2→50)(y³))) with weights N(0, 0.1) and zero biases; each
// iteration draws 20 random start points and fits the next 10 samples
// (times spaced 25/999 apart) by mean |pred − true|, with RMSprop at lr
// 1e-3. Float64, Dopri5.
type ODEDemo struct {
	// F is the dynamics model and Opt its optimizer.
	F   *nn.Sequential
	Opt *optim.RMSprop
	// Options are the solver's options (Gradient selects the method).
	Options ode.Options

	trueY [][2]float64 // the 1000 samples
	times []float64    // t[0..9]
	rng   *rand.Rand
}

// ODEDemo's sizes.
const (
	demoSamples   = 1000
	demoBatch     = 20
	demoBatchTime = 10
	demoEnd       = 25.0
)

// NewODEDemo builds the workload with the given seed, gradient method and
// tolerances.
func NewODEDemo(seed uint64, method ode.Gradient, rtol, atol float64) (*ODEDemo, error) {
	times := make([]float64, demoSamples)
	for i := range times {
		times[i] = demoEnd * float64(i) / float64(demoSamples-1)
	}
	truth, err := ode.SolveFunc(func(_ float64, y, dy []float64) {
		a, b := y[0]*y[0]*y[0], y[1]*y[1]*y[1]
		dy[0] = -0.1*a - 2*b
		dy[1] = 2*a - 0.1*b
	}, []float64{2, 0}, times, ode.Options{Method: ode.Dopri5, RTol: 1e-7, ATol: 1e-9})
	if err != nil {
		return nil, fmt.Errorf("experiments: ode_demo ground truth: %w", err)
	}
	d := &ODEDemo{rng: tensor.NewRNG(seed ^ 0xde70), times: times[:demoBatchTime]}
	for _, y := range truth.Y {
		d.trueY = append(d.trueY, [2]float64{y[0], y[1]})
	}
	rng := tensor.NewRNG(seed)
	lin := func(in, out int) *nn.Linear {
		return &nn.Linear{
			Weight: autograd.Leaf(tensor.RandN(rng, tensor.Float64, 0, 0.1, out, in)),
			Bias:   autograd.Leaf(tensor.Zeros(tensor.Float64, out)),
		}
	}
	cube := nn.Func(func(g *autograd.Graph, y *autograd.Value) *autograd.Value { return g.Pow(y, 3) })
	d.F = nn.NewSequential(cube, lin(2, 50), nn.Tanh{}, lin(50, 2))
	cfg := optim.RMSpropDefaults()
	cfg.LR = 1e-3
	if d.Opt, err = optim.NewRMSprop(nn.Params(d.F), cfg); err != nil {
		return nil, err
	}
	d.Options = ode.Options{Method: ode.Dopri5, RTol: rtol, ATol: atol, Gradient: method}
	return d, nil
}

// batch draws ode_demo's get_batch: 20 start indices in [0, 990), the
// start states (20, 2) and the true states at the 10 times after each,
// stacked as torchdiffeq's batch_y is: (10, 20, 2).
func (d *ODEDemo) batch() (y0, ys *tensor.Tensor) {
	y0v := make([]float64, 0, 2*demoBatch)
	ysv := make([]float64, demoBatchTime*demoBatch*2)
	for b := 0; b < demoBatch; b++ {
		s := d.rng.IntN(demoSamples - demoBatchTime)
		y0v = append(y0v, d.trueY[s][0], d.trueY[s][1])
		for i := range demoBatchTime {
			o := (i*demoBatch + b) * 2
			ysv[o], ysv[o+1] = d.trueY[s+i][0], d.trueY[s+i][1]
		}
	}
	return tensor.FromFloat64(y0v, demoBatch, 2), tensor.FromFloat64(ysv, demoBatchTime, demoBatch, 2)
}

// IterResult reports one training iteration.
type IterResult struct {
	// Loss is the mean absolute error before the update.
	Loss float64
	// Stats are the solve's forward and backward statistics.
	Stats *ode.GradStats
}

// Step runs one training iteration: a batch, the solve, the loss, the
// backward pass and the optimizer's update.
func (d *ODEDemo) Step() (IterResult, error) {
	y0, ys := d.batch()
	g := autograd.NewGraph().RecycleOutputs() // nothing reads the solve after the backward pass
	sol, err := ode.SolveGraph(g, nn.Dynamics{F: d.F}, autograd.Constant(y0), d.times, d.Options)
	if err != nil {
		return IterResult{}, err
	}
	// torchdiffeq's loss: the mean absolute error over the stacked
	// predictions.
	loss := g.MeanAll(g.Abs(g.Sub(g.Stack(0, sol.Y...), autograd.Constant(ys))))
	lossValue := loss.Item() // read before the backward pass recycles it
	d.Opt.ZeroGrad()
	if err := loss.Backward(); err != nil {
		return IterResult{}, err
	}
	d.Opt.Step()
	return IterResult{Loss: lossValue, Stats: &sol.Stats}, nil
}
