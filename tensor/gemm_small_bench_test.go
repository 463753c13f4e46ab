package tensor

import "testing"

// BenchmarkGemmSmall times the six products of one evaluation and backward
// pass of torchdiffeq's ode_demo MLP (batch 20, 2→50→2), float64: the
// per-evaluation floor of small models; and the products of an LSTM cell
// on a batch of one (9 inputs, 64 hidden units), which stress the other
// shapes: a row against many, and an outer product.
func BenchmarkGemmSmall(b *testing.B) {
	for _, c := range []struct {
		name    string
		tA, tB  bool
		m, n, k int
	}{
		{"fwd1 NT 20x50x2", false, true, 20, 50, 2},
		{"fwd2 NT 20x2x50", false, true, 20, 2, 50},
		{"gx2 NN 20x50x2", false, false, 20, 50, 2},
		{"gx1 NN 20x2x50", false, false, 20, 2, 50},
		{"gw2 TN 2x50x20", true, false, 2, 50, 20},
		{"gw1 TN 50x2x20", true, false, 50, 2, 20},
		{"lstm ih NT 1x256x9", false, true, 1, 256, 9},
		{"lstm hh NT 1x256x64", false, true, 1, 256, 64},
		{"lstm gx NN 1x64x256", false, false, 1, 64, 256},
		{"lstm gw TN 256x64x1", true, false, 256, 64, 1},
	} {
		b.Run(c.name, func(b *testing.B) {
			rng := testRNG(1)
			ar, ac := c.m, c.k
			if c.tA {
				ar, ac = c.k, c.m
			}
			br, bc := c.k, c.n
			if c.tB {
				br, bc = c.n, c.k
			}
			a := randVals(rng, ar*ac, -1, 1)
			bb := randVals(rng, br*bc, -1, 1)
			out := make([]float64, c.m*c.n)
			for b.Loop() {
				gemmSmall(c.tA, c.tB, c.m, c.n, c.k, 1, a, ac, bb, bc, 0, out, c.n)
			}
			b.ReportMetric(float64(2*c.m*c.n*c.k)*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "GFLOPS")
		})
	}
}
