package autograd_test

import (
	"fmt"

	"github.com/acaode/aca/autograd"
	"github.com/acaode/aca/tensor"
)

// A graph records operations on leaves; Backward accumulates the gradient
// of a scalar into them and frees the graph.
func ExampleGraph_Backward() {
	w := autograd.Leaf(tensor.FromFloat64([]float64{0.5, -1}, 1, 2))
	b := autograd.Leaf(tensor.FromFloat64([]float64{0}, 1))
	x := autograd.Constant(tensor.FromFloat64([]float64{1, 2, 3, 4}, 2, 2))
	y := autograd.Constant(tensor.FromFloat64([]float64{1, 0}, 2, 1))

	g := autograd.NewGraph()
	loss := g.MSE(g.Linear(x, w, b), y)
	if err := loss.Backward(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("loss %.3f\n", loss.Item())
	fmt.Println("dL/dw", w.Grad().Values())
	fmt.Println("dL/db", b.Grad().Values())
	fmt.Println("freed:", g.Freed())
	// Output:
	// loss 6.250
	// dL/dw [-10 -15]
	// dL/db [-5]
	// freed: true
}

// The same code runs with or without a tape: on a nil graph, operations
// compute their results and record nothing. This is how a solver runs a
// forward pass it does not need to differentiate.
func ExampleGraph_nil() {
	w := autograd.Leaf(tensor.FromFloat64([]float64{2}, 1, 1))
	f := func(g *autograd.Graph, z *autograd.Value) *autograd.Value {
		return g.Tanh(g.Linear(z, w, nil))
	}
	z := autograd.Constant(tensor.FromFloat64([]float64{0.1}, 1, 1))

	var none *autograd.Graph
	fmt.Printf("unrecorded: %.4f requires grad: %v\n", f(none, z).Item(), f(none, z).RequiresGrad())

	g := autograd.NewGraph()
	out := f(g, z)
	fmt.Printf("recorded:   %.4f requires grad: %v, %d ops, %d bytes held\n", out.Item(), out.RequiresGrad(), g.Len(), g.Bytes())
	// Output:
	// unrecorded: 0.1974 requires grad: false
	// recorded:   0.1974 requires grad: true, 2 ops, 16 bytes held
}

// Grad returns vector-Jacobian products without touching the leaves'
// accumulated gradients, as the adjoint method needs for aᵀ∂f/∂z.
func ExampleGraph_Grad() {
	z := autograd.Leaf(tensor.FromFloat64([]float64{1, 2}, 2))
	g := autograd.NewGraph()
	f := g.Square(z) // f(z) = z², so aᵀ∂f/∂z = 2·a·z
	a := tensor.FromFloat64([]float64{1, -1}, 2)
	grads, err := g.Grad(f, a, z)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(grads[0].Values(), z.Grad() == nil)
	// Output: [2 -4] true
}

// A Meter adds up the bytes held by many graphs over time, for example one
// small graph per solver step, and keeps the peak.
func ExampleMeter() {
	var m autograd.Meter
	x := autograd.Leaf(tensor.Ones(tensor.Float32, 256))
	for step := 0; step < 3; step++ {
		g := autograd.NewGraph().SetMeter(&m)
		y := g.SumAll(g.Tanh(g.Scale(x, 0.5))) // two 1 KiB outputs and a scalar
		if err := y.Backward(); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Println("held now:", m.Current(), "peak:", m.Peak())
	// Output: held now: 0 peak: 2052
}

// GradCheck compares an operation's hand-written VJP with central finite
// differences; a wrong VJP fails it.
func ExampleGradCheck() {
	rng := tensor.NewRNG(1)
	x := tensor.RandN(rng, tensor.Float64, 0, 1, 2, 3)
	w := tensor.RandN(rng, tensor.Float64, 0, 1, 4, 3)
	res, err := autograd.GradCheck(func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
		return g.Softplus(g.Linear(in[0], in[1], nil))
	}, []*tensor.Tensor{x, w}, autograd.CheckOptions{})
	fmt.Println("error:", err, "ops:", res.Ops)
	fmt.Printf("max relative error %.0e\n", res.MaxRelErr)

	// y = x³ recorded with the derivative 3x (it is 3x²).
	cube := func(g *autograd.Graph, in []*autograd.Value) *autograd.Value {
		x := in[0].Data()
		y := tensor.Mul(x, tensor.Mul(x, x))
		return g.Record(autograd.Op{Name: "cube", VJP: func(gy *tensor.Tensor, need []bool) []*tensor.Tensor {
			return []*tensor.Tensor{tensor.Mul(gy, tensor.Scale(x, 3))}
		}}, y, in[0])
	}
	res, err = autograd.GradCheck(cube, []*tensor.Tensor{tensor.FromFloat64([]float64{0.5, 2, -1}, 3)}, autograd.CheckOptions{})
	fmt.Printf("wrong VJP: failed %v, relative error %.2f\n", err != nil, res.MaxRelErr)
	// Output:
	// error: <nil> ops: map[linear:1 softplus:1]
	// max relative error 3e-10
	// wrong VJP: failed true, relative error 0.66
}

// MLP records a chain of dense layers as one operation, with the values and
// gradients of the layers recorded one by one (nn.Sequential uses it for
// runs of Linear layers and activations).
func ExampleGraph_MLP() {
	w1 := autograd.Leaf(tensor.FromFloat64([]float64{1, -1, 0.5, 2}, 2, 2))
	b1 := autograd.Leaf(tensor.FromFloat64([]float64{0, 0.1}, 2))
	w2 := autograd.Leaf(tensor.FromFloat64([]float64{1, 1}, 1, 2))
	x := autograd.Constant(tensor.FromFloat64([]float64{0.3, -0.2}, 1, 2))

	g := autograd.NewGraph()
	y := g.MLP(x, autograd.Dense{W: w1, B: b1, Act: tensor.OpTanh}, autograd.Dense{W: w2})
	fused := y.Item()
	if err := g.SumAll(y).Backward(); err != nil {
		fmt.Println(err)
		return
	}
	// The same layers one by one (dy/dw2 is the hidden layer, tanh(0.5) and
	// tanh(−0.15)).
	ref := g2Layers(x, w1, b1, w2)
	fmt.Printf("y %.6f, one by one %.6f\n", fused, ref)
	fmt.Printf("dy/dw2 %.6f\n", w2.Grad().Values())
	// Output:
	// y 0.313232, one by one 0.313232
	// dy/dw2 [0.462117 -0.148885]
}

func g2Layers(x, w1, b1, w2 *autograd.Value) float64 {
	var g *autograd.Graph
	return g.Linear(g.Tanh(g.Linear(x, w1, b1)), w2, nil).Item()
}
