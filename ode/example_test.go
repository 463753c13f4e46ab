package ode_test

import (
	"fmt"
	"math"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/ode"
	"github.com/acaode/aca/tensor"
)

// A plain function on []float64: the harmonic oscillator d²x/dt² = −x,
// integrated over one period with Dopri5.
func ExampleSolveFunc() {
	f := func(t float64, y, dydt []float64) {
		dydt[0] = y[1]
		dydt[1] = -y[0]
	}
	times := []float64{0, math.Pi / 2, math.Pi, 2 * math.Pi}
	sol, err := ode.SolveFunc(f, []float64{1, 0}, times, ode.Options{Method: ode.Dopri5, RTol: 1e-8, ATol: 1e-8})
	if err != nil {
		fmt.Println(err)
		return
	}
	round := func(x float64) float64 { return math.Round(x*1e6)/1e6 + 0 } // + 0 turns −0 into 0
	for i, t := range sol.Times {
		fmt.Printf("t = %.4f  x = %+.6f  v = %+.6f\n", t, round(sol.Y[i][0]), round(sol.Y[i][1]))
	}
	// Output:
	// t = 0.0000  x = +1.000000  v = +0.000000
	// t = 1.5708  x = +0.000000  v = -1.000000
	// t = 3.1416  x = -1.000000  v = +0.000000
	// t = 6.2832  x = +1.000000  v = +0.000000
}

// A tensor solve: a batch of three states of a small tanh network's
// dynamics, in float32, integrated forward and then backward in time.
func ExampleSolve() {
	w := autograd.Constant(tensor.FromFloat32([]float32{0, -1, 1, 0}, 2, 2))
	f := ode.Func(func(g *autograd.Graph, t float64, y *autograd.Value) *autograd.Value {
		return g.Tanh(g.Linear(y, w, nil)) // dy/dt = tanh(y·Wᵀ)
	})
	y0 := tensor.FromFloat32([]float32{1, 0, 0, 1, 0.5, 0.5}, 3, 2)
	opts := ode.Options{Method: ode.Tsit5, RTol: 1e-6, ATol: 1e-6}
	fw, err := ode.Solve(f, y0, []float64{0, 1}, opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	bw, err := ode.Solve(f, fw.Y[1], []float64{1, 0}, opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("shape:", fw.Y[1].Shape(), fw.Y[1].DType())
	fmt.Printf("back at t=0 within 1e-5: %v\n", tensor.AllClose(bw.Y[1], y0, 0, 1e-5))
	fmt.Println("steps taken forward:", fw.Stats.Accepted > 0)
	// Output:
	// shape: [3 2] float32
	// back at t=0 within 1e-5: true
	// steps taken forward: true
}

// Train the same model with each gradient method, changing one option: fit
// the rate k of dz/dt = k·z so that a batch of states decays to the
// targets z(1) = e^(−0.5)·z(0), by gradient descent on the squared error.
func ExampleSolveGraph() {
	z0 := tensor.FromFloat64([]float64{1, 2, -1}, 3, 1)
	target := autograd.Constant(tensor.Scale(z0, math.Exp(-0.5)))
	for _, method := range []ode.Gradient{ode.Naive, ode.Adjoint, ode.ACA} {
		k := autograd.Leaf(tensor.FromFloat64([]float64{0}, 1))
		f := ode.WithParams(ode.Func(func(g *autograd.Graph, t float64, z *autograd.Value) *autograd.Value {
			return g.Mul(z, k)
		}), k)
		opts := ode.Options{Method: ode.Dopri5, RTol: 1e-7, ATol: 1e-9, Gradient: method}
		var sol *ode.GraphSolution
		for step := 0; step < 100; step++ {
			g := autograd.NewGraph()
			var err error
			sol, err = ode.SolveGraph(g, f, autograd.Constant(z0), []float64{0, 1}, opts)
			if err != nil {
				fmt.Println(err)
				return
			}
			loss := g.MSE(sol.Y[1], target)
			k.ZeroGrad()
			if err := loss.Backward(); err != nil {
				fmt.Println(err)
				return
			}
			k.Data().AddScaledInPlace(-0.5, k.Grad()) // a plain gradient step
		}
		fmt.Printf("%-7s k = %.4f (last solve: %d steps, backward NFE %d)\n", method, k.Item(), sol.Stats.Forward.Accepted, sol.Stats.Backward.NFE)
	}
	// Output:
	// naive   k = -0.5000 (last solve: 5 steps, backward NFE 31)
	// adjoint k = -0.5000 (last solve: 5 steps, backward NFE 32)
	// aca     k = -0.5000 (last solve: 5 steps, backward NFE 31)
}
