package latentdata_test

import (
	"fmt"

	"github.com/acaode/aca/data/latentdata"
)

// Two sequences of ten times with 30 % observed: three times each, the
// first always, the same for the same seed.
func ExampleMask() {
	masks, err := latentdata.Mask(1, 2, 10, 0.3)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range masks {
		var kept []int
		for i, ok := range m {
			if ok {
				kept = append(kept, i)
			}
		}
		fmt.Println(kept)
	}
	// Output:
	// [0 6 8]
	// [0 5 9]
}

// The simple pendulum as a one-link chain: at rest at 0.3 rad its energy is
// −m g L cos 0.3.
func ExampleChain_Energy() {
	c := &latentdata.Chain{Lengths: []float64{1}, Masses: []float64{2}, Gravity: 9.81}
	fmt.Printf("%.6f\n", c.Energy([]float64{0.3, 0}))
	// Output: -18.743702
}
