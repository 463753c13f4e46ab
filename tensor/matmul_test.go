package tensor

import (
	"fmt"
	"math"
	"slices"
	"testing"
)

// refMatMul multiplies op(a)·op(b) with a triple loop per batch, following
// MatMul's documented broadcasting of 2-D operands and batches of one.
func refMatMul(a, b *Tensor, ta, tb bool) ([]int, []float64) {
	dims := func(x *Tensor) (int, int, int) {
		s := x.Shape()
		if len(s) == 2 {
			return 1, s[0], s[1]
		}
		return s[0], s[1], s[2]
	}
	ba, ra, ca := dims(a)
	bb, rb, cb := dims(b)
	m, k := ra, ca
	if ta {
		m, k = ca, ra
	}
	n := cb
	if tb {
		n = rb
	}
	batch := max(ba, bb)
	av, bv := a.Values(), b.Values()
	out := make([]float64, 0, batch*m*n)
	for bi := 0; bi < batch; bi++ {
		ia, ib := bi, bi
		if ba == 1 {
			ia = 0
		}
		if bb == 1 {
			ib = 0
		}
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				s := 0.0
				for l := 0; l < k; l++ {
					var x, y float64
					if ta {
						x = av[ia*ra*ca+l*ca+i]
					} else {
						x = av[ia*ra*ca+i*ca+l]
					}
					if tb {
						y = bv[ib*rb*cb+j*cb+l]
					} else {
						y = bv[ib*rb*cb+l*cb+j]
					}
					s += x * y
				}
				out = append(out, s)
			}
		}
	}
	if a.NDim() == 3 || b.NDim() == 3 {
		return []int{batch, m, n}, out
	}
	return []int{m, n}, out
}

// operand returns the stored shape of an m×k logical operand (k×m if transposed),
// with a leading batch dimension when batch > 0.
func operand(batch, r, c int, trans bool) []int {
	s := []int{r, c}
	if trans {
		s = []int{c, r}
	}
	if batch > 0 {
		s = append([]int{batch}, s...)
	}
	return s
}

func TestMatMul(t *testing.T) {
	// Small products (the package may compute them with its own loops) and
	// products large enough for the BLAS.
	// The small products take different loops by shape: a short inner
	// dimension, a short output side against a long one, both short, and
	// sides that leave partial register blocks.
	for _, d := range [][3]int{{5, 7, 6}, {40, 30, 20}, {20, 2, 50}, {20, 50, 2}, {50, 20, 2}, {2, 20, 50}, {3, 17, 3}, {17, 3, 17}, {6, 19, 13}, {9, 21, 5}, {5, 33, 3}, {7, 5, 9}} {
		testMatMulDims(t, d[0], d[1], d[2])
	}
}

func testMatMulDims(t *testing.T, m, k, n int) {
	// batch 0 means a 2-D operand.
	batches := []struct{ ba, bb int }{
		{0, 0}, {3, 3}, {3, 0}, {0, 3}, {1, 4}, {4, 1}, {1, 1}, {1, 0}, {0, 1},
	}
	for _, dt := range dtypes {
		rng := testRNG(12)
		for _, bt := range batches {
			for _, ta := range []bool{false, true} {
				for _, tb := range []bool{false, true} {
					a := randT(rng, dt, -1, 1, operand(bt.ba, m, k, ta)...)
					b := randT(rng, dt, -1, 1, operand(bt.bb, k, n, tb)...)
					name := fmt.Sprintf("MatMul %v%s × %v%s", a.Shape(), tmark(ta), b.Shape(), tmark(tb))
					s := snap(a, b)
					got := MatMul(a, b, ta, tb)
					s.check(t, name)
					shape, want := refMatMul(a, b, ta, tb)
					checkClose(t, name, got, dt, shape, want)
				}
			}
		}
		// Degenerate sizes: vectors as 1×k and k×1 matrices, k = 1.
		for _, sz := range [][3]int{{1, 1, 1}, {1, 9, 1}, {8, 1, 3}, {1, 4, 9}, {33, 17, 65}, {2, 0, 3}, {0, 3, 2}, {40, 0, 500}} {
			a := randT(rng, dt, -1, 1, sz[0], sz[1])
			b := randT(rng, dt, -1, 1, sz[1], sz[2])
			shape, want := refMatMul(a, b, false, false)
			checkClose(t, fmt.Sprintf("MatMul %v", sz), MatMul(a, b, false, false), dt, shape, want)
		}
		// Shapes that reach the parallel paths: many small products split
		// over workers, products above the split threshold, a tall product.
		for _, c := range []struct {
			a, b   []int
			ta, tb bool
		}{
			{[]int{512, 16, 16}, []int{512, 16, 16}, true, false},
			{[]int{512, 16, 16}, []int{512, 16, 16}, false, true},
			{[]int{1, 16, 16}, []int{512, 16, 16}, false, false},
			{[]int{2, 64, 128}, []int{2, 64, 128}, true, false},
			{[]int{2, 128, 64}, []int{128, 64}, false, true},
			{[]int{4, 64, 64}, []int{64, 64}, false, false},
		} {
			a := randT(rng, dt, -1, 1, c.a...)
			b := randT(rng, dt, -1, 1, c.b...)
			shape, want := refMatMul(a, b, c.ta, c.tb)
			checkClose(t, fmt.Sprintf("MatMul %v%s × %v%s", c.a, tmark(c.ta), c.b, tmark(c.tb)), MatMul(a, b, c.ta, c.tb), dt, shape, want)
		}
		mustPanic(t, "MatMul inner", func() { MatMul(New(dt, 2, 3), New(dt, 4, 2), false, false) }, "MatMul", "[2 3]", "[4 2]")
		mustPanic(t, "MatMul inner transposed", func() { MatMul(New(dt, 2, 3), New(dt, 3, 2), false, true) }, "MatMul", "[2 3]", "[3 2]ᵀ")
		mustPanic(t, "MatMul batch", func() { MatMul(New(dt, 2, 2, 3), New(dt, 3, 3, 2), false, false) }, "MatMul", "[2 2 3]", "[3 3 2]")
		mustPanic(t, "MatMul rank", func() { MatMul(New(dt, 2), New(dt, 2, 2), false, false) }, "MatMul", "[2]")
		mustPanic(t, "MatMul rank 4", func() { MatMul(New(dt, 1, 1, 2, 2), New(dt, 2, 2), false, false) }, "MatMul", "[1 1 2 2]")
	}
	mustPanic(t, "MatMul dtypes", func() { MatMul(New(Float32, 2, 2), New(Float64, 2, 2), false, false) }, "MatMul", "float32", "float64")
}

// refLinear computes x·wᵀ + b over the last axis of x.
func refLinear(x, w, b *Tensor) ([]int, []float64) {
	in, out := w.Shape()[1], w.Shape()[0]
	rows := x.Len() / in
	xv, wv := x.Values(), w.Values()
	var bv []float64
	if b != nil {
		bv = b.Values()
	}
	res := make([]float64, 0, rows*out)
	for r := 0; r < rows; r++ {
		for o := 0; o < out; o++ {
			s := 0.0
			if bv != nil {
				s = bv[o]
			}
			for i := 0; i < in; i++ {
				s += xv[r*in+i] * wv[o*in+i]
			}
			res = append(res, s)
		}
	}
	shape := append(slices.Clone(x.Shape()[:x.NDim()-1]), out)
	return shape, res
}

func TestLinear(t *testing.T) {
	const in, out = 6, 4
	for _, dt := range dtypes {
		rng := testRNG(13)
		w := randT(rng, dt, -1, 1, out, in)
		b := randT(rng, dt, -1, 1, out)
		for _, xs := range [][]int{{5, in}, {1, in}, {in}, {2, 3, in}, {2, 1, 3, in}, {0, in}, {2, 0, in}} {
			x := randT(rng, dt, -1, 1, xs...)
			for _, bias := range []*Tensor{nil, b} {
				name := fmt.Sprintf("Linear x %v bias %v", xs, bias != nil)
				s := snap(x, w, bias)
				got := Linear(x, w, bias)
				s.check(t, name)
				shape, want := refLinear(x, w, bias)
				checkClose(t, name, got, dt, shape, want)
			}
		}
		// Large enough to be split over workers.
		{
			x := randT(rng, dt, -1, 1, 4, 64, 64)
			w := randT(rng, dt, -1, 1, 80, 64)
			b := randT(rng, dt, -1, 1, 80)
			shape, want := refLinear(x, w, b)
			checkClose(t, "Linear large", Linear(x, w, b), dt, shape, want)
		}
		mustPanic(t, "Linear input", func() { Linear(New(dt, 2, 5), w, nil) }, "Linear", "[2 5]", "[4 6]")
		mustPanic(t, "Linear weight rank", func() { Linear(New(dt, 2, 6), New(dt, 1, 4, 6), nil) }, "Linear", "[1 4 6]")
		mustPanic(t, "Linear bias", func() { Linear(New(dt, 2, 6), w, New(dt, 3)) }, "Linear", "[3]", "[4 6]")
		mustPanic(t, "Linear bias rank", func() { Linear(New(dt, 2, 6), w, New(dt, 4, 1)) }, "Linear", "[4 1]")
	}
	mustPanic(t, "Linear dtypes", func() { Linear(New(Float32, 2, 6), New(Float64, 4, 6), nil) }, "Linear", "float32", "float64")
	mustPanic(t, "Linear bias dtype", func() { Linear(New(Float32, 2, 6), New(Float32, 4, 6), New(Float64, 4)) }, "Linear", "float32", "float64")
}

// TestLinearTwoInputs checks that a two-input float64 layer, which Linear
// computes in one pass (vec.Linear2), gives the bits of the general path:
// the bias broadcast into the output, then the small product added.
func TestLinearTwoInputs(t *testing.T) {
	rng := testRNG(31)
	for _, rows := range []int{1, 2, 3, 4, 5, 7, 20, 100} {
		for _, out := range []int{8, 9, 13, 16, 50, 63} {
			x := randT(rng, Float64, -1, 1, rows, 2)
			w := randT(rng, Float64, -1, 1, out, 2)
			b := randT(rng, Float64, -1, 1, out)
			x.Float64s()[0] = math.Copysign(0, -1)
			b.Float64s()[0] = math.Copysign(0, -1)
			for _, bias := range []*Tensor{b, nil} {
				got := Linear(x, w, bias)
				want := New(Float64, rows, out)
				var beta float64
				if bias != nil {
					for r := 0; r < rows; r++ {
						copy(want.f64[r*out:(r+1)*out], bias.f64)
					}
					beta = 1
				}
				gemmParallel(false, true, rows, out, 2, 1, x.f64, 2, w.f64, 2, beta, want.f64, out)
				for i, v := range got.f64 {
					if math.Float64bits(v) != math.Float64bits(want.f64[i]) {
						t.Fatalf("rows %d out %d bias %v: element %d = %v, want %v", rows, out, bias != nil, i, v, want.f64[i])
					}
				}
			}
		}
	}
}
