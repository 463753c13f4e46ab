package tensor

import (
	"fmt"
	"math"
	"slices"
	"testing"
)

// refSumTo sums x into the target shape (which broadcasts to x's shape).
func refSumTo(x *Tensor, shape []int) []float64 {
	out := make([]float64, numelOf(shape))
	xv := x.Values()
	i := 0
	forEachIndex(x.Shape(), func(idx []int) {
		out[bcastIndex(shape, idx)] += xv[i]
		i++
	})
	return out
}

// refBroadcastTo repeats x over shape.
func refBroadcastTo(x *Tensor, shape []int) []float64 {
	xv := x.Values()
	out := make([]float64, 0, numelOf(shape))
	forEachIndex(shape, func(idx []int) { out = append(out, xv[bcastIndex(x.Shape(), idx)]) })
	return out
}

var sumToCases = []struct{ from, to []int }{
	{[]int{2, 3, 4}, []int{2, 3, 4}},
	{[]int{2, 3, 4}, []int{3, 4}},
	{[]int{2, 3, 4}, []int{1, 3, 4}},
	{[]int{2, 3, 4}, []int{2, 1, 4}},
	{[]int{2, 3, 4}, []int{2, 3, 1}},
	{[]int{2, 3, 4}, []int{1, 3, 1}},
	{[]int{2, 3, 4}, []int{1, 1, 1}},
	{[]int{2, 3, 4}, []int{4}},
	{[]int{2, 3, 4}, []int{1}},
	{[]int{2, 3, 4}, []int{}},
	{[]int{2, 3, 4}, []int{3, 1}},
	{[]int{5, 6}, []int{6}},
	{[]int{4, 3, 5, 5}, []int{3, 1, 1}},
	{[]int{2, 1, 3}, []int{1, 1, 3}},
	{[]int{1, 1}, []int{1}},
	{[]int{0, 3}, []int{3}},
	{[]int{0, 3}, []int{1, 3}},
	{[]int{3, 0}, []int{3, 1}},
	{[]int{3, 0}, []int{0}},
	{[]int{64, 1024}, []int{1024}},
}

func TestSumToBroadcastTo(t *testing.T) {
	for ci, c := range sumToCases {
		for _, dt := range dtypes {
			name := fmt.Sprintf("%v→%v", c.from, c.to)
			rng := testRNG(uint64(ci))
			x := randT(rng, dt, -1, 1, c.from...)
			s := snap(x)
			got := SumTo(x, c.to)
			s.check(t, "SumTo")
			checkClose(t, "SumTo "+name, got, dt, c.to, refSumTo(x, c.to))
			// BroadcastTo goes the other way.
			small := randT(rng, dt, -1, 1, c.to...)
			s = snap(small)
			b := BroadcastTo(small, c.from)
			s.check(t, "BroadcastTo")
			checkClose(t, "BroadcastTo "+name, b, dt, c.from, refBroadcastTo(small, c.from))
			// Adjoint: ⟨BroadcastTo(s), x⟩ = ⟨s, SumTo(x)⟩.
			lhs := dotVals(b.Values(), x.Values())
			rhs := dotVals(small.Values(), got.Values())
			if !adjointClose(lhs, rhs, sumAbs(x.Values()), tol(dt)) {
				t.Errorf("%v %s: ⟨BroadcastTo(s), x⟩ = %v, ⟨s, SumTo(x)⟩ = %v", dt, name, lhs, rhs)
			}
			// SumTo(BroadcastTo(s)) = s times the replication factor.
			if n := numelOf(c.to); n > 0 {
				k := float64(numelOf(c.from) / n)
				want := small.Values()
				for i := range want {
					want[i] *= k
				}
				checkClose(t, "SumTo∘BroadcastTo "+name, SumTo(b, c.to), dt, c.to, want)
			}
			if slices.Equal(c.from, c.to) && x.Len() > 0 {
				got.Fill(123)
				if x.At(make([]int, x.NDim())...) == 123 {
					t.Errorf("SumTo to the same shape aliases its input")
				}
			}
		}
	}
	for _, dt := range dtypes {
		x := New(dt, 2, 3)
		mustPanic(t, "SumTo bad", func() { SumTo(x, []int{2}) }, "SumTo", "[2]", "[2 3]")
		mustPanic(t, "SumTo higher rank", func() { SumTo(x, []int{1, 2, 3}) }, "SumTo", "[1 2 3]")
		mustPanic(t, "SumTo bigger", func() { SumTo(x, []int{4, 3}) }, "SumTo")
		mustPanic(t, "BroadcastTo bad", func() { BroadcastTo(x, []int{3, 3}) }, "BroadcastTo", "[2 3]", "[3 3]")
		mustPanic(t, "BroadcastTo lower rank", func() { BroadcastTo(x, []int{3}) }, "BroadcastTo")
		checkClose(t, "BroadcastTo higher rank", BroadcastTo(FromValues(dt, []float64{1, 2}, 2, 1), []int{2, 2, 3}), dt, []int{2, 2, 3},
			[]float64{1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2})
	}
}

// refReduce reduces x over axes (already normalised) with the combining
// function, starting from init; it returns the keep-dims shape and values.
func refReduce(x *Tensor, axes []int, init float64, f func(acc, v float64) float64) ([]int, []float64) {
	keep := slices.Clone(x.Shape())
	for _, a := range axes {
		keep[a] = 1
	}
	out := make([]float64, numelOf(keep))
	for i := range out {
		out[i] = init
	}
	xv := x.Values()
	i := 0
	forEachIndex(x.Shape(), func(idx []int) {
		o := bcastIndex(keep, idx)
		out[o] = f(out[o], xv[i])
		i++
	})
	return keep, out
}

// normRefAxes resolves negative axes, sorts and deduplicates; none means all.
func normRefAxes(nd int, axes []int) []int {
	if len(axes) == 0 {
		all := make([]int, nd)
		for i := range all {
			all[i] = i
		}
		return all
	}
	var out []int
	for _, a := range axes {
		if a < 0 {
			a += nd
		}
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	slices.Sort(out)
	return out
}

func dropAxes(shape, axes []int) []int {
	out := []int{}
	for i, d := range shape {
		if !slices.Contains(axes, i) {
			out = append(out, d)
		}
	}
	return out
}

var reduceAxes = [][]int{nil, {}, {0}, {1}, {2}, {3}, {-1}, {-4}, {0, 2}, {2, 0}, {1, -1}, {1, 1}, {0, 1, 2, 3}, {-1, -2, -3}, {0, 3}}

func TestSumMeanMax(t *testing.T) {
	shape := []int{2, 3, 4, 5}
	for _, dt := range dtypes {
		rng := testRNG(8)
		x := randT(rng, dt, -3, 3, shape...)
		for _, axes := range reduceAxes {
			ax := normRefAxes(len(shape), axes)
			n := 1
			for _, a := range ax {
				n *= shape[a]
			}
			keep, sum := refReduce(x, ax, 0, func(acc, v float64) float64 { return acc + v })
			_, mx := refReduce(x, ax, math.Inf(-1), math.Max)
			mean := slices.Clone(sum)
			for i := range mean {
				mean[i] /= float64(n)
			}
			drop := dropAxes(shape, ax)
			for _, kd := range []bool{true, false} {
				want := keep
				if !kd {
					want = drop
				}
				name := fmt.Sprintf("axes %v keepDims %v", axes, kd)
				s := snap(x)
				checkClose(t, "Sum "+name, Sum(x, axes, kd), dt, want, sum)
				checkClose(t, "Mean "+name, Mean(x, axes, kd), dt, want, mean)
				checkClose(t, "Max "+name, Max(x, axes, kd), dt, want, mx)
				s.check(t, "reductions")
				v, idx := MaxIndex(x, axes, kd)
				checkClose(t, "MaxIndex "+name, v, dt, want, mx)
				checkMaxIndex(t, name, x, ax, keep, idx)
			}
		}
		for _, axes := range [][]int{{4}, {-5}, {0, 7}} {
			mustPanic(t, fmt.Sprintf("Sum axes %v", axes), func() { Sum(x, axes, false) }, "Sum", "[2 3 4 5]")
			mustPanic(t, fmt.Sprintf("Mean axes %v", axes), func() { Mean(x, axes, false) }, "Mean", "[2 3 4 5]")
			mustPanic(t, fmt.Sprintf("Max axes %v", axes), func() { Max(x, axes, false) }, "Max", "[2 3 4 5]")
		}
	}
}

// checkMaxIndex verifies that idx points, for every output element, at the
// first (lowest flat index) element of its reduction group attaining the max.
func checkMaxIndex(t *testing.T, name string, x *Tensor, axes, keep []int, idx []int) {
	t.Helper()
	if len(idx) != numelOf(keep) {
		t.Errorf("MaxIndex %s: %d indices for %d outputs", name, len(idx), numelOf(keep))
		return
	}
	xv := x.Values()
	first := make([]int, numelOf(keep))
	for i := range first {
		first[i] = -1
	}
	best := make([]float64, len(first))
	i := 0
	forEachIndex(x.Shape(), func(mi []int) {
		o := bcastIndex(keep, mi)
		if first[o] < 0 || xv[i] > best[o] {
			first[o], best[o] = i, xv[i]
		}
		i++
	})
	for o := range idx {
		if idx[o] != first[o] {
			t.Errorf("MaxIndex %s: output %d points at %d (value %v), want %d (value %v)", name, o, idx[o], xv[idx[o]], first[o], best[o])
			return
		}
	}
}

func TestMaxIndexTiesAndNaN(t *testing.T) {
	for _, dt := range dtypes {
		rng := testRNG(4)
		x := intT(rng, dt, 0, 2, 3, 4, 5) // many ties
		for _, axes := range [][]int{nil, {0}, {1}, {2}, {0, 2}, {-1, 0}} {
			ax := normRefAxes(3, axes)
			keep, mx := refReduce(x, ax, math.Inf(-1), math.Max)
			v, idx := MaxIndex(x, axes, true)
			checkClose(t, "MaxIndex ties", v, dt, keep, mx)
			checkMaxIndex(t, fmt.Sprintf("ties axes %v", axes), x, ax, keep, idx)
		}
		// NaN propagates and is selected.
		nan := math.NaN()
		y := FromValues(dt, []float64{1, nan, 3, 4, 5, 6, -1, -2, nan}, 3, 3)
		v, idx := MaxIndex(y, []int{1}, false)
		vv := v.Values()
		if !math.IsNaN(vv[0]) || vv[1] != 6 || !math.IsNaN(vv[2]) || idx[0] != 1 || idx[1] != 5 || idx[2] != 8 {
			t.Errorf("%v MaxIndex with NaN: %v %v", dt, vv, idx)
		}
		if m := Max(y, nil, false); !math.IsNaN(m.Item()) || m.NDim() != 0 {
			t.Errorf("%v Max over all with NaN = %v", dt, m)
		}
		// All −Inf still picks an element.
		ninf := Full(dt, math.Inf(-1), 2, 2)
		v, idx = MaxIndex(ninf, []int{1}, true)
		if !slices.Equal(idx, []int{0, 2}) || !math.IsInf(v.At(0, 0), -1) {
			t.Errorf("%v MaxIndex of −Inf: %v %v", dt, v, idx)
		}
	}
}

func TestReduceZeroSize(t *testing.T) {
	for _, dt := range dtypes {
		x := New(dt, 0, 3)
		checkClose(t, "Sum over empty axis", Sum(x, []int{0}, false), dt, []int{3}, []float64{0, 0, 0})
		checkClose(t, "Sum of empty", Sum(x, nil, false), dt, []int{}, []float64{0})
		checkClose(t, "Sum keeping empty axis", Sum(x, []int{1}, true), dt, []int{0, 1}, nil)
		// Reducing the non-empty axis of an empty tensor gives an empty
		// result whose shape still honours keepDims.
		for _, kd := range []bool{true, false} {
			want := []int{0}
			if kd {
				want = []int{0, 1}
			}
			v, idx := MaxIndex(x, []int{1}, kd)
			if !slices.Equal(v.Shape(), want) || len(idx) != 0 {
				t.Errorf("%v MaxIndex(shape [0 3], axes [1], keepDims %v): shape %v, %d indices; want shape %v, none", dt, kd, v.Shape(), len(idx), want)
			}
			if m := Max(x, []int{-1}, kd); !slices.Equal(m.Shape(), want) {
				t.Errorf("%v Max(shape [0 3], axes [-1], keepDims %v): shape %v, want %v", dt, kd, m.Shape(), want)
			}
			if m := Sum(x, []int{1}, kd); !slices.Equal(m.Shape(), want) {
				t.Errorf("%v Sum(shape [0 3], axes [1], keepDims %v): shape %v, want %v", dt, kd, m.Shape(), want)
			}
		}
		mustPanic(t, "Max over empty axis", func() { Max(x, []int{0}, false) }, "Max", "[0 3]")
		if s := SumAll(x); s != 0 {
			t.Errorf("SumAll of empty = %v", s)
		}
	}
}

func TestSumAllDotAllFinite(t *testing.T) {
	for _, dt := range dtypes {
		rng := testRNG(6)
		a := randT(rng, dt, -1, 1, 3, 7)
		b := randT(rng, dt, -1, 1, 3, 7)
		av, bv := a.Values(), b.Values()
		want := 0.0
		for _, v := range av {
			want += v
		}
		// Accumulated in float64: exact to float64 rounding even for Float32 data.
		if got := SumAll(a); !closeTo(got, want, 1e-13) {
			t.Errorf("%v SumAll = %v, want %v", dt, got, want)
		}
		if got := Dot(a, b); !closeTo(got, dotVals(av, bv), 1e-13) {
			t.Errorf("%v Dot = %v, want %v", dt, got, dotVals(av, bv))
		}
		if s := SumAll(Scalar(dt, 2.5)); s != 2.5 {
			t.Errorf("SumAll of scalar = %v", s)
		}
		mustPanic(t, "Dot shapes", func() { Dot(a, a.Reshape(7, 3)) }, "Dot", "[3 7]", "[7 3]")
		if !AllFinite(a) || !AllFinite(New(dt, 0)) {
			t.Error("AllFinite of finite data")
		}
		for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
			c := a.Clone()
			c.Set(bad, 2, 6)
			if AllFinite(c) {
				t.Errorf("%v AllFinite with %v", dt, bad)
			}
		}
		// Large finite values are finite (v−v = 0).
		if !AllFinite(FromValues(dt, []float64{3e38, -3e38}, 2)) {
			t.Errorf("%v AllFinite(±3e38)", dt)
		}
	}
	mustPanic(t, "Dot dtypes", func() { Dot(New(Float32, 2), New(Float64, 2)) }, "Dot", "float32", "float64")
}

// TestReduceRandomShapes reduces random shapes (with many size-1 dimensions,
// which the broadcast plans skip) over random axis sets.
func TestReduceRandomShapes(t *testing.T) {
	rng := testRNG(123)
	for trial := 0; trial < 200; trial++ {
		nd := 1 + rng.IntN(4)
		shape := make([]int, nd)
		for i := range shape {
			shape[i] = 1 + rng.IntN(3)
		}
		var axes []int
		for i := 0; i < nd; i++ {
			if rng.IntN(2) == 0 {
				a := i
				if rng.IntN(2) == 0 {
					a -= nd
				}
				axes = append(axes, a)
			}
		}
		dt := dtypes[trial%2]
		x := randT(rng, dt, -1, 1, shape...)
		ax := normRefAxes(nd, axes)
		keep, sum := refReduce(x, ax, 0, func(acc, v float64) float64 { return acc + v })
		_, mx := refReduce(x, ax, math.Inf(-1), math.Max)
		name := fmt.Sprintf("%v axes %v", shape, axes)
		checkClose(t, "Sum "+name, Sum(x, axes, true), dt, keep, sum)
		checkClose(t, "SumTo "+name, SumTo(x, keep), dt, keep, sum)
		v, idx := MaxIndex(x, axes, false)
		checkClose(t, "MaxIndex "+name, v, dt, dropAxes(shape, ax), mx)
		checkMaxIndex(t, name, x, ax, keep, idx)
	}
}
