package tensor_test

import (
	"fmt"

	"github.com/acaode/aca/tensor"
)

// Binary operations broadcast like NumPy: here a bias of shape [3] is added
// to every row of a [2, 3] matrix.
func ExampleAdd() {
	x := tensor.FromFloat32([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	b := tensor.FromFloat32([]float32{10, 20, 30}, 3)
	fmt.Println(tensor.Add(x, b).Values())
	// Output: [11 22 33 14 25 36]
}

// Conv2d takes NCHW input and OIHW weights; Conv2dBackward returns the
// gradients a training step needs.
func ExampleConv2d() {
	rng := tensor.NewRNG(42)
	x := tensor.RandN(rng, tensor.Float32, 0, 1, 8, 3, 28, 28)  // a batch of 8 RGB images
	w := tensor.RandN(rng, tensor.Float32, 0, 0.1, 16, 3, 3, 3) // 16 filters of 3×3
	p := tensor.Conv2dParams{PadH: 1, PadW: 1}
	y := tensor.Conv2d(x, w, nil, p)
	gx, gw, _ := tensor.Conv2dBackward(tensor.Ones(tensor.Float32, y.Shape()...), x, w, p, true, true, false)
	fmt.Println(y.Shape(), gx.Shape(), gw.Shape())
	// Output: [8 16 28 28] [8 3 28 28] [16 3 3 3]
}

// Random tensors come from an explicit seeded source: the same seed gives
// the same values on every run and platform.
func ExampleRandN() {
	a := tensor.RandN(tensor.NewRNG(7), tensor.Float64, 0, 1, 3)
	b := tensor.RandN(tensor.NewRNG(7), tensor.Float64, 0, 1, 3)
	fmt.Println(tensor.AllClose(a, b, 0, 0))
	// Output: true
}
