package tensor

import (
	"fmt"
	"slices"
)

// checkPerm panics unless perm is a permutation of 0..n-1.
func checkPerm(op string, shape, perm []int) {
	if len(perm) != len(shape) {
		panic(fmt.Sprintf("tensor: %s: permutation %v does not match shape %v", op, perm, shape))
	}
	seen := make([]bool, len(perm))
	for _, p := range perm {
		if p < 0 || p >= len(perm) || seen[p] {
			panic(fmt.Sprintf("tensor: %s: %v is not a permutation of the axes of shape %v", op, perm, shape))
		}
		seen[p] = true
	}
}

// InversePermutation returns q with q[perm[i]] = i, so that permuting by perm
// and then by q restores the original order.
func InversePermutation(perm []int) []int {
	q := make([]int, len(perm))
	for i, p := range perm {
		q[p] = i
	}
	return q
}

// Permute returns x with its axes reordered: axis i of the result is axis
// perm[i] of x.
func Permute(x *Tensor, perm ...int) *Tensor {
	checkPerm("Permute", x.shape, perm)
	nd := len(perm)
	shape := make([]int, nd)
	for i, p := range perm {
		shape[i] = x.shape[p]
	}
	out := alloc(x.dtype, shape)
	if out.Len() == 0 || nd == 0 {
		out.CopyFrom(x)
		return out
	}
	// Strides of x, then reordered to the output's axes.
	xs := make([]int, nd)
	s := 1
	for i := nd - 1; i >= 0; i-- {
		xs[i] = s
		s *= x.shape[i]
	}
	st := make([]int, nd)
	for i, p := range perm {
		st[i] = xs[p]
	}
	switch x.dtype {
	case Float32:
		permuteKernel(out.f32, x.f32, shape, st)
	case Float64:
		permuteKernel(out.f64, x.f64, shape, st)
	}
	return out
}

func permuteKernel[T float](dst, src []T, shape, st []int) {
	nd := len(shape)
	if nd == 2 {
		transpose2(dst, src, shape[0], shape[1], st[0], st[1])
		return
	}
	inner := shape[nd-1]
	is := st[nd-1]
	rows := len(dst) / inner
	parallelFor(rows, max(1, elementwiseGrain/inner), func(lo, hi int) {
		idx := make([]int, nd-1)
		off := 0
		r := lo
		for i := nd - 2; i >= 0; i-- {
			idx[i] = r % shape[i]
			r /= shape[i]
			off += idx[i] * st[i]
		}
		for row := lo; row < hi; row++ {
			d := dst[row*inner : (row+1)*inner]
			o := off
			for j := range d {
				d[j] = src[o]
				o += is
			}
			for i := nd - 2; i >= 0; i-- {
				idx[i]++
				off += st[i]
				if idx[i] < shape[i] {
					break
				}
				off -= idx[i] * st[i]
				idx[i] = 0
			}
		}
	})
}

// transpose2 copies the r×c output whose element (i, j) is src[i·s0 + j·s1],
// in cache-friendly tiles.
func transpose2[T float](dst, src []T, r, c, s0, s1 int) {
	const tile = 32
	parallelFor((r+tile-1)/tile, max(1, elementwiseGrain/(tile*max(c, 1))), func(lo, hi int) {
		for i0 := lo * tile; i0 < min(hi*tile, r); i0 += tile {
			for j0 := 0; j0 < c; j0 += tile {
				for i := i0; i < min(i0+tile, r); i++ {
					d := dst[i*c : (i+1)*c]
					for j := j0; j < min(j0+tile, c); j++ {
						d[j] = src[i*s0+j*s1]
					}
				}
			}
		}
	})
}

// Transpose returns the transpose of a 2-D tensor.
func Transpose(x *Tensor) *Tensor {
	if x.NDim() != 2 {
		panic(fmt.Sprintf("tensor: Transpose: want a 2-D tensor, have shape %v", x.shape))
	}
	return Permute(x, 1, 0)
}

// axisSplit views shape as [outer, shape[axis], inner].
func axisSplit(op string, shape []int, axis int) (outer, n, inner, ax int) {
	given := axis
	if axis < 0 {
		axis += len(shape)
	}
	if axis < 0 || axis >= len(shape) {
		panic(fmt.Sprintf("tensor: %s: axis %d out of range for shape %v", op, given, shape))
	}
	outer, inner = 1, 1
	for _, d := range shape[:axis] {
		outer *= d
	}
	for _, d := range shape[axis+1:] {
		inner *= d
	}
	return outer, shape[axis], inner, axis
}

// Slice returns the elements of x with index start ≤ i < end along axis (for
// axis 0, a range of the batch). The result is a copy.
func Slice(x *Tensor, axis, start, end int) *Tensor {
	outer, n, inner, axis := axisSplit("Slice", x.shape, axis)
	if start < 0 || end > n || start > end {
		panic(fmt.Sprintf("tensor: Slice: range [%d, %d) out of bounds for axis %d of shape %v", start, end, axis, x.shape))
	}
	shape := slices.Clone(x.shape)
	shape[axis] = end - start
	out := alloc(x.dtype, shape)
	m := (end - start) * inner
	for o := 0; o < outer; o++ {
		src := o*n*inner + start*inner
		if x.dtype == Float32 {
			copy(out.f32[o*m:(o+1)*m], x.f32[src:src+m])
		} else {
			copy(out.f64[o*m:(o+1)*m], x.f64[src:src+m])
		}
	}
	return out
}

// SetSlice copies src into t at indices start … start+src.Dim(axis)-1 along
// axis, in place, and returns t. src must match t in every other dimension.
func (t *Tensor) SetSlice(axis, start int, src *Tensor) *Tensor {
	sameDType("SetSlice", t, src)
	outer, n, inner, axis := axisSplit("SetSlice", t.shape, axis)
	if src.NDim() != t.NDim() {
		panic(fmt.Sprintf("tensor: SetSlice: shapes %v and %v differ in rank", t.shape, src.shape))
	}
	for i := range t.shape {
		if i != axis && t.shape[i] != src.shape[i] {
			panic(fmt.Sprintf("tensor: SetSlice: shape %v does not fit into %v along axis %d", src.shape, t.shape, axis))
		}
	}
	k := src.shape[axis]
	if start < 0 || start+k > n {
		panic(fmt.Sprintf("tensor: SetSlice: %d rows at %d do not fit axis %d of shape %v", k, start, axis, t.shape))
	}
	m := k * inner
	for o := 0; o < outer; o++ {
		dst := o*n*inner + start*inner
		if t.dtype == Float32 {
			copy(t.f32[dst:dst+m], src.f32[o*m:(o+1)*m])
		} else {
			copy(t.f64[dst:dst+m], src.f64[o*m:(o+1)*m])
		}
	}
	return t
}

// IndexSelect gathers the entries idx[0], idx[1], … of x along axis (for
// axis 0, a batch of the given rows; indices may repeat).
func IndexSelect(x *Tensor, axis int, idx []int) *Tensor {
	outer, n, inner, axis := axisSplit("IndexSelect", x.shape, axis)
	for _, i := range idx {
		if i < 0 || i >= n {
			panic(fmt.Sprintf("tensor: IndexSelect: index %d out of range for axis %d of shape %v", i, axis, x.shape))
		}
	}
	shape := slices.Clone(x.shape)
	shape[axis] = len(idx)
	out := alloc(x.dtype, shape)
	k := len(idx)
	for o := 0; o < outer; o++ {
		for j, i := range idx {
			d := (o*k + j) * inner
			s := (o*n + i) * inner
			if x.dtype == Float32 {
				copy(out.f32[d:d+inner], x.f32[s:s+inner])
			} else {
				copy(out.f64[d:d+inner], x.f64[s:s+inner])
			}
		}
	}
	return out
}

// IndexAdd adds src's entries along axis into t at the positions idx, in
// place (t[…, idx[j], …] += src[…, j, …]; repeated indices accumulate), and
// returns t. It is the gradient of IndexSelect.
func (t *Tensor) IndexAdd(axis int, idx []int, src *Tensor) *Tensor {
	sameDType("IndexAdd", t, src)
	outer, n, inner, axis := axisSplit("IndexAdd", t.shape, axis)
	want := slices.Clone(t.shape)
	want[axis] = len(idx)
	if !shapeEqual(want, src.shape) {
		panic(fmt.Sprintf("tensor: IndexAdd: source shape %v, want %v", src.shape, want))
	}
	for _, i := range idx {
		if i < 0 || i >= n {
			panic(fmt.Sprintf("tensor: IndexAdd: index %d out of range for axis %d of shape %v", i, axis, t.shape))
		}
	}
	k := len(idx)
	for o := 0; o < outer; o++ {
		for j, i := range idx {
			d := (o*n + i) * inner
			s := (o*k + j) * inner
			if t.dtype == Float32 {
				axpy(1, src.f32[s:s+inner], t.f32[d:d+inner])
			} else {
				axpy(1, src.f64[s:s+inner], t.f64[d:d+inner])
			}
		}
	}
	return t
}

// Concat joins tensors along axis; they must agree in every other dimension.
func Concat(axis int, xs ...*Tensor) *Tensor {
	if len(xs) == 0 {
		panic("tensor: Concat: no tensors")
	}
	first := xs[0]
	_, _, _, axis = axisSplit("Concat", first.shape, axis)
	shape := slices.Clone(first.shape)
	shape[axis] = 0
	for _, x := range xs {
		sameDType("Concat", first, x)
		if x.NDim() != first.NDim() {
			panic(fmt.Sprintf("tensor: Concat: shapes %v and %v differ in rank", first.shape, x.shape))
		}
		for i := range x.shape {
			if i != axis && x.shape[i] != first.shape[i] {
				panic(fmt.Sprintf("tensor: Concat: shapes %v and %v differ outside axis %d", first.shape, x.shape, axis))
			}
		}
		shape[axis] += x.shape[axis]
	}
	out := alloc(first.dtype, shape)
	at := 0
	for _, x := range xs {
		out.SetSlice(axis, at, x)
		at += x.shape[axis]
	}
	return out
}

// Stack joins same-shape tensors along a new axis inserted at position axis.
func Stack(axis int, xs ...*Tensor) *Tensor {
	if len(xs) == 0 {
		panic("tensor: Stack: no tensors")
	}
	nd := xs[0].NDim()
	given := axis
	if axis < 0 {
		axis += nd + 1
	}
	if axis < 0 || axis > nd {
		panic(fmt.Sprintf("tensor: Stack: axis %d out of range for stacking tensors of shape %v", given, xs[0].shape))
	}
	views := make([]*Tensor, len(xs))
	for i, x := range xs {
		if !shapeEqual(x.shape, xs[0].shape) {
			panic(fmt.Sprintf("tensor: Stack: shapes %v and %v differ", xs[0].shape, x.shape))
		}
		shape := slices.Insert(slices.Clone(x.shape), axis, 1)
		views[i] = x.Reshape(shape...)
	}
	return Concat(axis, views...)
}

// Split cuts x along axis into consecutive pieces of the given sizes, which
// must add up to x.Dim(axis).
func Split(x *Tensor, axis int, sizes ...int) []*Tensor {
	_, n, _, axis := axisSplit("Split", x.shape, axis)
	total := 0
	for _, s := range sizes {
		if s < 0 {
			panic(fmt.Sprintf("tensor: Split: negative size in %v", sizes))
		}
		total += s
	}
	if total != n {
		panic(fmt.Sprintf("tensor: Split: sizes %v add up to %d, axis %d of shape %v has %d", sizes, total, axis, x.shape, n))
	}
	out := make([]*Tensor, len(sizes))
	at := 0
	for i, s := range sizes {
		out[i] = Slice(x, axis, at, at+s)
		at += s
	}
	return out
}
