package tensor

import (
	"fmt"
	"slices"
	"testing"
)

// refPermute returns the shape and values of x with axis i of the result
// being axis perm[i] of x.
func refPermute(x *Tensor, perm []int) ([]int, []float64) {
	shape := make([]int, len(perm))
	for i, p := range perm {
		shape[i] = x.Shape()[p]
	}
	xv := x.Values()
	src := make([]int, len(perm))
	out := make([]float64, 0, x.Len())
	forEachIndex(shape, func(idx []int) {
		for i, p := range perm {
			src[p] = idx[i]
		}
		out = append(out, xv[flatIndex(x.Shape(), src)])
	})
	return shape, out
}

// perms returns every permutation of 0..n-1.
func perms(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range perms(n - 1) {
		for i := 0; i <= len(p); i++ {
			out = append(out, slices.Insert(slices.Clone(p), i, n-1))
		}
	}
	return out
}

func TestPermute(t *testing.T) {
	type pcase struct {
		shape []int
		perm  []int
	}
	var cases []pcase
	for _, sh := range [][]int{{}, {5}, {0}, {3, 5}, {1, 7}, {0, 4}, {2, 3, 4}, {2, 3, 4, 5}, {3, 1, 2, 2}} {
		for _, p := range perms(len(sh)) {
			cases = append(cases, pcase{sh, p})
		}
	}
	cases = append(cases,
		pcase{[]int{300, 257}, []int{1, 0}}, // tiled, parallel 2-D transpose
		pcase{[]int{257, 300}, []int{1, 0}},
		pcase{[]int{33, 65}, []int{1, 0}},   // tile edges
		pcase{[]int{300, 257}, []int{0, 1}}, // identity through the tiled path
		pcase{[]int{40, 50, 60}, []int{2, 1, 0}},
		pcase{[]int{40, 50, 60}, []int{0, 2, 1}},
		pcase{[]int{2, 3, 4, 5, 6}, []int{4, 0, 3, 1, 2}},
		pcase{[]int{2, 3, 4, 5, 6}, []int{0, 1, 2, 3, 4}},
	)
	for _, c := range cases {
		for _, dt := range dtypes {
			x := randT(testRNG(uint64(len(c.shape))), dt, -1, 1, c.shape...)
			s := snap(x)
			got := Permute(x, c.perm...)
			s.check(t, "Permute")
			shape, want := refPermute(x, c.perm)
			// Permutation moves values: they must match bit for bit.
			checkCloseTol(t, fmt.Sprintf("Permute %v by %v", c.shape, c.perm), got, dt, shape, want, 0)
			inv := InversePermutation(c.perm)
			if back := Permute(got, inv...); !SameBits(back, x) {
				t.Errorf("Permute %v by %v then by its inverse %v does not restore the input", c.shape, c.perm, inv)
			}
		}
	}
	x := New(Float64, 2, 3, 4)
	for _, bad := range [][]int{{0, 1}, {0, 1, 1}, {0, 1, 3}, {-1, 0, 1}, {0, 1, 2, 3}} {
		mustPanic(t, fmt.Sprintf("Permute %v", bad), func() { Permute(x, bad...) }, "Permute", fmt.Sprint(bad), "[2 3 4]")
	}
}

func TestTransposeInversePermutation(t *testing.T) {
	for _, dt := range dtypes {
		x := randT(testRNG(2), dt, -1, 1, 4, 6)
		tr := Transpose(x)
		if !slices.Equal(tr.Shape(), []int{6, 4}) {
			t.Fatalf("Transpose shape %v", tr.Shape())
		}
		forEachIndex(x.Shape(), func(idx []int) {
			if tr.At(idx[1], idx[0]) != x.At(idx...) {
				t.Fatalf("Transpose at %v", idx)
			}
		})
		mustPanic(t, "Transpose 3-D", func() { Transpose(New(dt, 2, 2, 2)) }, "Transpose", "[2 2 2]")
		mustPanic(t, "Transpose 1-D", func() { Transpose(New(dt, 2)) }, "Transpose", "[2]")
	}
	for _, p := range perms(4) {
		q := InversePermutation(p)
		for i := range p {
			if q[p[i]] != i || p[q[i]] != i {
				t.Errorf("InversePermutation(%v) = %v", p, q)
				break
			}
		}
	}
	if q := InversePermutation([]int{2, 0, 1}); !slices.Equal(q, []int{1, 2, 0}) {
		t.Errorf("InversePermutation([2 0 1]) = %v", q)
	}
	if q := InversePermutation(nil); len(q) != 0 {
		t.Errorf("InversePermutation(nil) = %v", q)
	}
}

// refSlice takes start ≤ i < end along axis.
func refSlice(x *Tensor, axis, start, end int) ([]int, []float64) {
	shape := slices.Clone(x.Shape())
	shape[axis] = end - start
	xv := x.Values()
	src := make([]int, len(shape))
	var out []float64
	forEachIndex(shape, func(idx []int) {
		copy(src, idx)
		src[axis] += start
		out = append(out, xv[flatIndex(x.Shape(), src)])
	})
	return shape, out
}

func TestSliceSetSlice(t *testing.T) {
	shape := []int{3, 4, 5}
	type scase struct{ axis, start, end int }
	cases := []scase{
		{0, 0, 3}, {0, 1, 2}, {0, 2, 2}, {1, 1, 3}, {1, 0, 4}, {2, 4, 5}, {2, 0, 0}, {-1, 1, 4}, {-3, 0, 1}, {-2, 3, 4},
	}
	for _, dt := range dtypes {
		x := randT(testRNG(3), dt, -1, 1, shape...)
		for _, c := range cases {
			name := fmt.Sprintf("Slice axis %d [%d, %d)", c.axis, c.start, c.end)
			s := snap(x)
			got := Slice(x, c.axis, c.start, c.end)
			s.check(t, name)
			ax := (c.axis + 3) % 3
			wshape, want := refSlice(x, ax, c.start, c.end)
			checkCloseTol(t, name, got, dt, wshape, want, 0)
			// Slice copies.
			if got.Len() > 0 {
				got.Fill(42)
				if SumAll(Slice(x, c.axis, c.start, c.end)) == 42*float64(got.Len()) {
					t.Errorf("%s aliases its input", name)
				}
			}
			// SetSlice writes exactly that range back.
			dst := Full(dt, -9, shape...)
			src := randT(testRNG(4), dt, -1, 1, wshape...)
			ss := snap(src)
			if r := dst.SetSlice(c.axis, c.start, src); r != dst {
				t.Errorf("SetSlice does not return its receiver")
			}
			ss.check(t, "SetSlice source")
			sv := src.Values()
			want2 := make([]float64, 0, dst.Len())
			forEachIndex(shape, func(idx []int) {
				if idx[ax] >= c.start && idx[ax] < c.end {
					j := slices.Clone(idx)
					j[ax] -= c.start
					want2 = append(want2, sv[flatIndex(wshape, j)])
				} else {
					want2 = append(want2, -9)
				}
			})
			checkCloseTol(t, "Set"+name, dst, dt, shape, want2, 0)
		}
		for _, c := range []scase{{0, -1, 2}, {0, 2, 4}, {1, 3, 2}, {3, 0, 1}, {-4, 0, 1}} {
			mustPanic(t, fmt.Sprintf("Slice %v", c), func() { Slice(x, c.axis, c.start, c.end) }, "Slice", "[3 4 5]")
		}
		dst := New(dt, 3, 4, 5)
		mustPanic(t, "SetSlice overflow", func() { dst.SetSlice(1, 3, New(dt, 3, 2, 5)) }, "SetSlice", "[3 4 5]")
		mustPanic(t, "SetSlice negative start", func() { dst.SetSlice(1, -1, New(dt, 3, 2, 5)) }, "SetSlice")
		mustPanic(t, "SetSlice mismatch", func() { dst.SetSlice(1, 0, New(dt, 3, 2, 4)) }, "SetSlice", "[3 2 4]", "[3 4 5]")
		mustPanic(t, "SetSlice rank", func() { dst.SetSlice(0, 0, New(dt, 4, 5)) }, "SetSlice", "[4 5]", "[3 4 5]")
		mustPanic(t, "SetSlice axis", func() { dst.SetSlice(3, 0, New(dt, 3, 4, 5)) }, "SetSlice")
	}
	mustPanic(t, "SetSlice dtypes", func() { New(Float32, 2).SetSlice(0, 0, New(Float64, 1)) }, "SetSlice", "float32", "float64")
}

func TestIndexSelectIndexAdd(t *testing.T) {
	shape := []int{4, 3, 5}
	for _, dt := range dtypes {
		x := randT(testRNG(5), dt, -1, 1, shape...)
		for _, c := range []struct {
			axis int
			idx  []int
		}{
			{0, []int{3, 0, 0, 2, 3, 3}},
			{0, []int{}},
			{1, []int{2, 2, 1}},
			{2, []int{4, 0, 4, 1, 1, 1, 3}},
			{-1, []int{0}},
			{-3, []int{1, 1}},
		} {
			ax := (c.axis + 3) % 3
			name := fmt.Sprintf("axis %d idx %v", c.axis, c.idx)
			s := snap(x)
			got := IndexSelect(x, c.axis, c.idx)
			s.check(t, "IndexSelect")
			wshape := slices.Clone(shape)
			wshape[ax] = len(c.idx)
			xv := x.Values()
			var want []float64
			forEachIndex(wshape, func(idx []int) {
				j := slices.Clone(idx)
				j[ax] = c.idx[idx[ax]]
				want = append(want, xv[flatIndex(shape, j)])
			})
			checkCloseTol(t, "IndexSelect "+name, got, dt, wshape, want, 0)

			// IndexAdd accumulates repeated indices.
			base := randT(testRNG(6), dt, -1, 1, shape...)
			src := randT(testRNG(7), dt, -1, 1, wshape...)
			bv, sv := base.Values(), src.Values()
			acc := slices.Clone(bv)
			forEachIndex(wshape, func(idx []int) {
				j := slices.Clone(idx)
				j[ax] = c.idx[idx[ax]]
				acc[flatIndex(shape, j)] += sv[flatIndex(wshape, idx)]
			})
			ss := snap(src)
			if r := base.IndexAdd(c.axis, c.idx, src); r != base {
				t.Error("IndexAdd does not return its receiver")
			}
			ss.check(t, "IndexAdd source")
			checkClose(t, "IndexAdd "+name, base, dt, shape, acc)

			// Adjoint: ⟨IndexSelect(x), y⟩ = ⟨x, IndexAdd(0, y)⟩.
			lhs := dotVals(got.Values(), sv)
			rhs := dotVals(xv, New(dt, shape...).IndexAdd(c.axis, c.idx, src).Values())
			if !adjointClose(lhs, rhs, sumAbs(sv), tol(dt)) {
				t.Errorf("%v %s: adjoint %v vs %v", dt, name, lhs, rhs)
			}
		}
		mustPanic(t, "IndexSelect range", func() { IndexSelect(x, 1, []int{0, 3}) }, "IndexSelect", "index 3", "[4 3 5]")
		mustPanic(t, "IndexSelect negative", func() { IndexSelect(x, 0, []int{-1}) }, "IndexSelect", "-1")
		mustPanic(t, "IndexSelect axis", func() { IndexSelect(x, 3, []int{0}) }, "IndexSelect", "[4 3 5]")
		mustPanic(t, "IndexAdd range", func() { New(dt, 4, 3).IndexAdd(0, []int{4}, New(dt, 1, 3)) }, "IndexAdd", "index 4", "[4 3]")
		mustPanic(t, "IndexAdd source shape", func() { New(dt, 4, 3).IndexAdd(0, []int{1, 2}, New(dt, 3, 3)) }, "IndexAdd", "[3 3]", "[2 3]")
	}
}

// refConcat joins along axis with explicit index arithmetic.
func refConcat(axis int, xs []*Tensor) ([]int, []float64) {
	shape := slices.Clone(xs[0].Shape())
	shape[axis] = 0
	for _, x := range xs {
		shape[axis] += x.Shape()[axis]
	}
	var out []float64
	forEachIndex(shape, func(idx []int) {
		k := idx[axis]
		for _, x := range xs {
			if k < x.Shape()[axis] {
				j := slices.Clone(idx)
				j[axis] = k
				out = append(out, x.Values()[flatIndex(x.Shape(), j)])
				return
			}
			k -= x.Shape()[axis]
		}
	})
	return shape, out
}

func TestConcatStackSplit(t *testing.T) {
	for _, dt := range dtypes {
		rng := testRNG(8)
		for _, axis := range []int{0, 1, 2, -1, -2} {
			ax := (axis + 3) % 3
			var xs []*Tensor
			for _, k := range []int{2, 1, 0, 3} {
				sh := []int{2, 3, 4}
				sh[ax] = k
				xs = append(xs, randT(rng, dt, -1, 1, sh...))
			}
			s := snap(xs...)
			got := Concat(axis, xs...)
			s.check(t, "Concat")
			shape, want := refConcat(ax, xs)
			checkCloseTol(t, fmt.Sprintf("Concat axis %d", axis), got, dt, shape, want, 0)

			// Split undoes Concat.
			parts := Split(got, axis, 2, 1, 0, 3)
			if len(parts) != 4 {
				t.Fatalf("Split returned %d parts", len(parts))
			}
			for i, p := range parts {
				if !SameBits(p, xs[i]) {
					t.Errorf("Split axis %d part %d: %v, want %v", axis, i, p, xs[i])
				}
			}
			// Single tensor.
			if c := Concat(axis, xs[0]); !SameBits(c, xs[0]) {
				t.Errorf("Concat of one tensor")
			}
		}
		// Stack inserts a new axis.
		a := randT(rng, dt, -1, 1, 2, 3)
		b := randT(rng, dt, -1, 1, 2, 3)
		c := randT(rng, dt, -1, 1, 2, 3)
		for _, axis := range []int{0, 1, 2, -1, -3} {
			ax := (axis + 3) % 3
			got := Stack(axis, a, b, c)
			wshape := slices.Insert([]int{2, 3}, ax, 3)
			var want []float64
			src := []*Tensor{a, b, c}
			forEachIndex(wshape, func(idx []int) {
				j := slices.Delete(slices.Clone(idx), ax, ax+1)
				want = append(want, src[idx[ax]].At(j...))
			})
			checkCloseTol(t, fmt.Sprintf("Stack axis %d", axis), got, dt, wshape, want, 0)
		}
		if s := Stack(0, Scalar(dt, 1), Scalar(dt, 2)); !slices.Equal(s.Shape(), []int{2}) || s.At(1) != 2 {
			t.Errorf("Stack of scalars: %v", s)
		}
		// Stack must not change its inputs' shapes.
		if !slices.Equal(a.Shape(), []int{2, 3}) {
			t.Errorf("Stack changed an input's shape to %v", a.Shape())
		}
		x := New(dt, 2, 3)
		mustPanic(t, "Concat none", func() { Concat(0) }, "Concat")
		mustPanic(t, "Concat mismatch", func() { Concat(0, x, New(dt, 2, 4)) }, "Concat", "[2 3]", "[2 4]")
		mustPanic(t, "Concat rank", func() { Concat(0, x, New(dt, 2, 3, 1)) }, "Concat", "[2 3]", "[2 3 1]")
		mustPanic(t, "Concat axis", func() { Concat(2, x, x) }, "Concat", "[2 3]")
		mustPanic(t, "Stack none", func() { Stack(0) }, "Stack")
		mustPanic(t, "Stack mismatch", func() { Stack(0, x, New(dt, 3, 2)) }, "Stack", "[2 3]", "[3 2]")
		mustPanic(t, "Stack axis", func() { Stack(3, x, x) }, "Stack", "[2 3]")
		mustPanic(t, "Stack negative axis", func() { Stack(-4, x, x) }, "Stack")
		mustPanic(t, "Split sizes", func() { Split(x, 1, 1, 1) }, "Split", "[1 1]", "[2 3]")
		mustPanic(t, "Split negative", func() { Split(x, 1, 4, -1) }, "Split", "negative")
		mustPanic(t, "Split axis", func() { Split(x, 2, 2) }, "Split", "[2 3]")
	}
	mustPanic(t, "Concat dtypes", func() { Concat(0, New(Float32, 2), New(Float64, 2)) }, "Concat", "float32", "float64")
}

// TestNegativeAxisErrors checks that an out-of-range negative axis is
// reported as the caller wrote it, not after adding the rank.
func TestNegativeAxisErrors(t *testing.T) {
	x := New(Float64, 2, 3, 4)
	mustPanic(t, "Dim(-4)", func() { x.Dim(-4) }, "axis -4", "[2 3 4]")
	mustPanic(t, "Slice axis -4", func() { Slice(x, -4, 0, 1) }, "Slice", "axis -4", "[2 3 4]")
	mustPanic(t, "Softmax axis -5", func() { Softmax(x, -5) }, "Softmax", "axis -5", "[2 3 4]")
	mustPanic(t, "Stack axis -5", func() { Stack(-5, x, x) }, "Stack", "axis -5", "[2 3 4]")
	// Positive axes out of range are reported as given.
	mustPanic(t, "Dim(3)", func() { x.Dim(3) }, "axis 3", "[2 3 4]")
	mustPanic(t, "Slice axis 3", func() { Slice(x, 3, 0, 1) }, "Slice", "axis 3", "[2 3 4]")
}
