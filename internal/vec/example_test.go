package vec_test

import (
	"fmt"

	"github.com/acaode/aca/internal/vec"
)

func Example() {
	x := []float64{-2, -0.5, 0, 0.5, 2}
	y := make([]float64, len(x))

	vec.Tanh64(y, x)
	fmt.Printf("tanh:    %.6f\n", y)

	vec.Sigmoid64(y, x)
	fmt.Printf("sigmoid: %.6f\n", y)

	vec.Exp64(y, y) // in place
	fmt.Printf("exp:     %.6f\n", y)

	w := []float64{1, 1, 1, 1, 1}
	vec.Axpy64(2, x, w) // w += 2*x
	fmt.Println("axpy:   ", w)
	fmt.Println("dot:    ", vec.Dot64(x, x))

	// Output:
	// tanh:    [-0.964028 -0.462117 0.000000 0.462117 0.964028]
	// sigmoid: [0.119203 0.377541 0.500000 0.622459 0.880797]
	// exp:     [1.126599 1.458693 1.648721 1.863505 2.412822]
	// axpy:    [-3 0 1 2 5]
	// dot:     8.5
}
