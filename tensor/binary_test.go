package tensor

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

var binaryOps = []struct {
	op    BinaryOp
	f     func(a, b float64) float64
	named func(a, b *Tensor) *Tensor
}{
	{OpAdd, func(a, b float64) float64 { return a + b }, Add},
	{OpSub, func(a, b float64) float64 { return a - b }, Sub},
	{OpMul, func(a, b float64) float64 { return a * b }, Mul},
	{OpDiv, func(a, b float64) float64 { return a / b }, Div},
	{OpMaximum, func(a, b float64) float64 {
		if math.IsNaN(a) || math.IsNaN(b) {
			return math.NaN()
		}
		return math.Max(a, b)
	}, Maximum},
	{OpMinimum, func(a, b float64) float64 {
		if math.IsNaN(a) || math.IsNaN(b) {
			return math.NaN()
		}
		return math.Min(a, b)
	}, Minimum},
	{OpGreaterEqual, func(a, b float64) float64 {
		if a >= b {
			return 1
		}
		return 0
	}, GreaterEqual},
}

// refBroadcastShape is NumPy's rule written out directly.
func refBroadcastShape(a, b []int) ([]int, bool) {
	nd := max(len(a), len(b))
	out := make([]int, nd)
	for i := range out {
		da, db := 1, 1
		if j := i - (nd - len(a)); j >= 0 {
			da = a[j]
		}
		if j := i - (nd - len(b)); j >= 0 {
			db = b[j]
		}
		switch {
		case da == db, db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			return nil, false
		}
	}
	return out, true
}

// refBinary evaluates f over the broadcast of a and b with explicit index arithmetic.
func refBinary(f func(a, b float64) float64, a, b *Tensor) ([]int, []float64) {
	shape, ok := refBroadcastShape(a.Shape(), b.Shape())
	if !ok {
		panic("refBinary: shapes do not broadcast")
	}
	av, bv := a.Values(), b.Values()
	out := make([]float64, 0, numelOf(shape))
	forEachIndex(shape, func(idx []int) {
		out = append(out, f(av[bcastIndex(a.Shape(), idx)], bv[bcastIndex(b.Shape(), idx)]))
	})
	return shape, out
}

// nonZeroT returns values uniform on ±[0.25, 2] (safe divisors).
func nonZeroT(seed uint64, dt DType, shape ...int) *Tensor {
	rng := testRNG(seed)
	v := make([]float64, numelOf(shape))
	for i := range v {
		v[i] = 0.25 + 1.75*rng.Float64()
		if rng.IntN(2) == 0 {
			v[i] = -v[i]
		}
	}
	return FromValues(dt, v, shape...)
}

var broadcastPairs = []struct{ a, b []int }{
	{[]int{3, 4}, []int{3, 4}},
	{[]int{3, 4}, []int{}},
	{[]int{}, []int{3, 4}},
	{[]int{}, []int{}},
	{[]int{1}, []int{}},
	{[]int{1, 1}, []int{1}},
	{[]int{5, 6}, []int{6}},
	{[]int{6}, []int{5, 6}},
	{[]int{5, 6}, []int{1, 6}},
	{[]int{5, 6}, []int{5, 1}},
	{[]int{2, 3, 4, 5}, []int{3, 1, 1}},
	{[]int{3, 1, 1}, []int{2, 3, 4, 5}},
	{[]int{2, 3, 4, 5}, []int{1, 3, 1, 1}},
	{[]int{4, 1}, []int{1, 5}},
	{[]int{1, 5}, []int{4, 1}},
	{[]int{2, 1, 3}, []int{4, 1}},
	{[]int{4, 1}, []int{2, 1, 3}},
	{[]int{3, 1, 5}, []int{1, 4, 1}},
	{[]int{2, 1, 4, 1}, []int{3, 1, 5}},
	{[]int{2, 3, 1}, []int{2, 1, 1}},
	{[]int{1, 2, 1, 3}, []int{2, 1, 3}},
	{[]int{7}, []int{1}},
	// Zero-size dimensions.
	{[]int{0, 3}, []int{3}},
	{[]int{2, 0}, []int{1}},
	{[]int{0}, []int{}},
	{[]int{3, 1}, []int{3, 0}},
	{[]int{0, 1}, []int{1, 4}},
	{[]int{0, 3}, []int{0, 3}},
	// Large enough for the parallel paths.
	{[]int{64, 1024}, []int{1024}},
	{[]int{64, 1024}, []int{64, 1}},
	{[]int{300, 300}, []int{300, 300}},
	{[]int{3, 100, 300}, []int{100, 1}},
}

func TestBinaryBroadcast(t *testing.T) {
	for pi, pr := range broadcastPairs {
		for _, dt := range dtypes {
			a := randT(testRNG(uint64(pi)), dt, -2, 2, pr.a...)
			b := nonZeroT(uint64(1000+pi), dt, pr.b...)
			for _, bo := range binaryOps {
				name := fmt.Sprintf("%v %v %v", bo.op, pr.a, pr.b)
				s := snap(a, b)
				got := Binary(bo.op, a, b)
				s.check(t, name)
				shape, want := refBinary(bo.f, a, b)
				checkClose(t, name, got, dt, shape, want)
				if w := bo.named(a, b); !SameBits(w, got) {
					t.Errorf("%s: named wrapper differs from Binary", name)
				}
			}
		}
	}
}

// TestBinaryRandomShapes draws random broadcast-compatible shape pairs of rank ≤ 4.
func TestBinaryRandomShapes(t *testing.T) {
	rng := testRNG(99)
	for trial := 0; trial < 150; trial++ {
		nd := rng.IntN(5)
		out := make([]int, nd)
		for i := range out {
			out[i] = 1 + rng.IntN(4)
		}
		operand := func() []int {
			r := rng.IntN(nd + 1)
			s := slices.Clone(out[nd-r:])
			for i := range s {
				if rng.IntN(3) == 0 {
					s[i] = 1
				}
			}
			return s
		}
		sa, sb := operand(), operand()
		dt := dtypes[trial%2]
		a := randT(rng, dt, -2, 2, sa...)
		b := nonZeroT(uint64(trial), dt, sb...)
		for _, bo := range binaryOps {
			got := Binary(bo.op, a, b)
			shape, want := refBinary(bo.f, a, b)
			checkClose(t, fmt.Sprintf("%v %v %v", bo.op, sa, sb), got, dt, shape, want)
		}
		bs, err := BroadcastShapes(sa, sb)
		if rs, _ := refBroadcastShape(sa, sb); err != nil || !slices.Equal(bs, rs) {
			t.Errorf("BroadcastShapes(%v, %v) = %v, %v; want %v", sa, sb, bs, err, rs)
		}
	}
}

func TestGreaterEqualTies(t *testing.T) {
	for _, dt := range dtypes {
		rng := testRNG(5)
		a := intT(rng, dt, -2, 2, 4, 6)
		b := intT(rng, dt, -2, 2, 6)
		shape, want := refBinary(binaryOps[6].f, a, b)
		checkClose(t, "GreaterEqual ties", GreaterEqual(a, b), dt, shape, want)
		got := GreaterEqual(a, a).Values()
		for i, v := range got {
			if v != 1 {
				t.Fatalf("%v GreaterEqual(a, a)[%d] = %v", dt, i, v)
			}
		}
	}
}

func TestBroadcastShapesErrors(t *testing.T) {
	bad := []struct{ a, b []int }{
		{[]int{2, 3}, []int{4}},
		{[]int{3}, []int{4}},
		{[]int{2, 3, 4}, []int{3, 3}},
		{[]int{0}, []int{2}},
		{[]int{5, 2}, []int{2, 5}},
	}
	for _, c := range bad {
		s, err := BroadcastShapes(c.a, c.b)
		if err == nil {
			t.Errorf("BroadcastShapes(%v, %v) = %v, want an error", c.a, c.b, s)
			continue
		}
		for _, sh := range [][]int{c.a, c.b} {
			if !strings.Contains(err.Error(), fmt.Sprint(sh)) {
				t.Errorf("BroadcastShapes error %q does not name %v", err, sh)
			}
		}
		for _, dt := range dtypes {
			a, b := New(dt, c.a...), New(dt, c.b...)
			for _, bo := range binaryOps {
				mustPanic(t, fmt.Sprintf("%v %v %v", bo.op, c.a, c.b), func() { Binary(bo.op, a, b) },
					"tensor: "+bo.op.String(), fmt.Sprint(c.a), fmt.Sprint(c.b))
			}
		}
	}
	// The example in the package documentation, verbatim.
	mustPanic(t, "doc example", func() { Add(New(Float32, 2, 3), New(Float32, 4)) }, "tensor: Add: shapes [2 3] and [4] do not broadcast")
	mustPanic(t, "mixed dtypes", func() { Mul(New(Float32, 2), New(Float64, 2)) }, "Mul", "float32", "float64")
	mustPanic(t, "unknown op", func() { Binary(BinaryOp(77), New(Float64, 2), New(Float64, 2)) }, "BinaryOp(77)")
	if s, err := BroadcastShapes([]int{}, []int{}); err != nil || len(s) != 0 {
		t.Errorf("BroadcastShapes of scalars = %v, %v", s, err)
	}
}

func TestMaximumMinimumNaN(t *testing.T) {
	nan := math.NaN()
	for _, dt := range dtypes {
		a := FromValues(dt, []float64{nan, 1, nan, -1, 2}, 5)
		b := FromValues(dt, []float64{1, nan, nan, -2, 3}, 5)
		mx, mn := Maximum(a, b).Values(), Minimum(a, b).Values()
		wantMx := []float64{nan, nan, nan, -1, 3}
		wantMn := []float64{nan, nan, nan, -2, 2}
		checkVals(t, fmt.Sprintf("%v Maximum NaN", dt), mx, wantMx, 0)
		checkVals(t, fmt.Sprintf("%v Minimum NaN", dt), mn, wantMn, 0)
		// Through the broadcast paths: NaN scalar on either side, NaN in a broadcast row.
		s := Scalar(dt, nan)
		for _, r := range [][]float64{Maximum(a, s).Values(), Maximum(s, a).Values(), Minimum(b, s).Values(), Minimum(s, b).Values()} {
			for i, v := range r {
				if !math.IsNaN(v) {
					t.Errorf("%v Maximum/Minimum with a NaN scalar: [%d] = %v", dt, i, v)
				}
			}
		}
		row := FromValues(dt, []float64{0, nan, 0}, 3)
		m := FromValues(dt, []float64{5, 5, 5, -5, -5, -5}, 2, 3)
		for _, r := range [][]float64{Maximum(m, row).Values(), Minimum(row, m).Values()} {
			for i, v := range r {
				if (i%3 == 1) != math.IsNaN(v) {
					t.Errorf("%v NaN in broadcast row: [%d] = %v", dt, i, v)
				}
			}
		}
		// Infinities behave as ordinary values.
		inf := math.Inf(1)
		x := FromValues(dt, []float64{inf, -inf}, 2)
		y := FromValues(dt, []float64{-inf, 0}, 2)
		checkVals(t, "Maximum inf", Maximum(x, y).Values(), []float64{inf, 0}, 0)
		checkVals(t, "Minimum inf", Minimum(x, y).Values(), []float64{-inf, -inf}, 0)
	}
}

func TestAddScaledScaleInPlace(t *testing.T) {
	for _, dt := range dtypes {
		for _, sh := range [][]int{{}, {0}, {3, 4}, {70001}} {
			rng := testRNG(3)
			x := randT(rng, dt, -1, 1, sh...)
			y := randT(rng, dt, -1, 1, sh...)
			xv, yv := x.Values(), y.Values()
			sx := snap(x)
			if r := y.AddScaledInPlace(-0.75, x); r != y {
				t.Error("AddScaledInPlace does not return its receiver")
			}
			sx.check(t, "AddScaledInPlace")
			want := make([]float64, len(xv))
			for i := range xv {
				want[i] = yv[i] + -0.75*xv[i]
			}
			checkClose(t, "AddScaledInPlace", y, dt, sh, want)

			z := randT(rng, dt, -1, 1, sh...)
			zv := z.Values()
			if r := z.ScaleInPlace(2.5); r != z {
				t.Error("ScaleInPlace does not return its receiver")
			}
			for i := range zv {
				zv[i] *= 2.5
			}
			checkClose(t, "ScaleInPlace", z, dt, sh, zv)
		}
		// In place on a view reaches the original.
		base := Ones(dt, 2, 3)
		base.Reshape(6).AddScaledInPlace(2, Ones(dt, 6))
		base.Reshape(3, 2).ScaleInPlace(0.5)
		checkClose(t, "in place on views", base, dt, []int{2, 3}, slices.Repeat([]float64{1.5}, 6))
		mustPanic(t, "AddScaledInPlace shapes", func() { Ones(dt, 2, 3).AddScaledInPlace(1, Ones(dt, 3, 2)) }, "AddScaledInPlace", "[2 3]", "[3 2]")
	}
	mustPanic(t, "AddScaledInPlace dtypes", func() { Ones(Float32, 2).AddScaledInPlace(1, Ones(Float64, 2)) }, "AddScaledInPlace", "float32", "float64")
}

func TestBinaryOpNames(t *testing.T) {
	for _, bo := range binaryOps {
		if bo.op.String() == "" || strings.HasPrefix(bo.op.String(), "BinaryOp(") {
			t.Errorf("op %d has no name", bo.op)
		}
	}
	if OpGreaterEqual.String() != "GreaterEqual" || BinaryOp(50).String() != "BinaryOp(50)" {
		t.Error("BinaryOp.String")
	}
}
