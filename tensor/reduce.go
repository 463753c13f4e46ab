package tensor

import (
	"fmt"
	"github.com/acaode/aca/internal/vec"
	"math"
	"slices"
)

// SumTo sums x over the dimensions in which shape is broadcast, giving a
// tensor of the given shape: the reverse of broadcasting shape to x's shape,
// and the gradient reduction of every broadcasting op. shape must broadcast
// to x.Shape().
func SumTo(x *Tensor, shape []int) *Tensor {
	if shapeEqual(x.shape, shape) {
		return x.Clone()
	}
	if trailing(x.shape, shape) && x.Len() > 0 {
		// The common case, a bias gradient: sum whole rows.
		out := alloc(x.dtype, shape)
		switch x.dtype {
		case Float32:
			sumRows(out.f32, x.f32)
		case Float64:
			sumRows(out.f64, x.f64)
		}
		return out
	}
	if b, err := BroadcastShapes(shape, x.shape); err != nil || !shapeEqual(b, x.shape) {
		panic(fmt.Sprintf("tensor: SumTo: shape %v does not broadcast to %v", shape, x.shape))
	}
	out := alloc(x.dtype, shape)
	if x.Len() == 0 {
		return out
	}
	p := makePlan(x.shape, shape, x.shape)
	switch x.dtype {
	case Float32:
		sumToKernel(p, out.f32, x.f32)
	case Float64:
		sumToKernel(p, out.f64, x.f64)
	}
	return out
}

// trailing reports whether shape, without its leading ones, is the
// trailing part of xs: summing x to shape then adds up whole rows.
func trailing(xs, shape []int) bool {
	if len(shape) > len(xs) {
		return false // not a reduction of xs
	}
	for len(shape) > 0 && shape[0] == 1 {
		shape = shape[1:]
	}
	return len(shape) <= len(xs) && shapeEqual(xs[len(xs)-len(shape):], shape)
}

// sumRows adds the rows of x (each len(dst) long) into dst, accumulating in
// float64 as sumToKernel does, in the same order.
func sumRows[T float](dst, x []T) {
	n := len(dst)
	if d, ok := any(dst).([]float64); ok {
		// float64 accumulates row after row as below, vectorised.
		xs := any(x).([]float64)
		vec.SumRows64(d, xs[:len(xs)/max(n, 1)*n])
		return
	}
	var buf [64]float64
	var acc []float64
	if n <= len(buf) {
		acc = buf[:n]
	} else {
		acc = make([]float64, n)
	}
	for o := 0; o+n <= len(x); o += n {
		for j, v := range x[o : o+n] {
			acc[j] += float64(v)
		}
	}
	for i, v := range acc {
		dst[i] = T(v)
	}
}

// sumToKernel accumulates in float64 whatever T is, as the other reductions
// do: a float32 bias gradient summed over a large batch keeps its digits.
func sumToKernel[T float](p plan, dst, x []T) {
	acc := make([]float64, len(dst))
	p.run(0, p.outer(), func(o, _, ob, l, _, sb int) {
		src := x[o : o+l]
		if sb == 1 {
			a := acc[ob : ob+l]
			for j, v := range src {
				a[j] += float64(v)
			}
			return
		}
		s := 0.0
		for _, v := range src {
			s += float64(v)
		}
		acc[ob] += s
	})
	for i, v := range acc {
		dst[i] = T(v)
	}
}

// normAxes validates axes against ndim, resolves negative ones and returns
// them sorted and deduplicated; no axes means all of them.
func normAxes(op string, shape []int, axes []int) []int {
	nd := len(shape)
	if len(axes) == 0 {
		all := make([]int, nd)
		for i := range all {
			all[i] = i
		}
		return all
	}
	out := make([]int, 0, len(axes))
	for _, a := range axes {
		if a < 0 {
			a += nd
		}
		if a < 0 || a >= nd {
			panic(fmt.Sprintf("tensor: %s: axis out of range for shape %v: %v", op, shape, axes))
		}
		out = append(out, a)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// reducedShape returns shape with the axes set to 1 (keep) and the shape
// without them (drop).
func reducedShape(shape, axes []int) (keep, drop []int) {
	keep = append([]int(nil), shape...)
	for _, a := range axes {
		keep[a] = 1
	}
	for i, d := range shape {
		if !slices.Contains(axes, i) {
			drop = append(drop, d)
		}
	}
	return keep, drop
}

// Sum returns the sum over the given axes (all axes if none are given),
// keeping them as dimensions of size 1 if keepDims is set.
func Sum(x *Tensor, axes []int, keepDims bool) *Tensor {
	axes = normAxes("Sum", x.shape, axes)
	keep, drop := reducedShape(x.shape, axes)
	s := SumTo(x, keep)
	if keepDims {
		return s
	}
	return s.Reshape(drop...)
}

// Mean returns the mean over the given axes (all axes if none are given).
func Mean(x *Tensor, axes []int, keepDims bool) *Tensor {
	axes = normAxes("Mean", x.shape, axes)
	n := 1
	for _, a := range axes {
		n *= x.shape[a]
	}
	s := Sum(x, axes, keepDims)
	return s.ScaleInPlace(1 / float64(n))
}

// Max returns the maximum over the given axes (all axes if none are given).
// NaN propagates.
func Max(x *Tensor, axes []int, keepDims bool) *Tensor {
	v, _ := MaxIndex(x, axes, keepDims)
	return v
}

// MaxIndex returns the maximum over the given axes and, for each output
// element, the flat index in x of the first element attaining it (the
// gradient of Max flows there).
func MaxIndex(x *Tensor, axes []int, keepDims bool) (*Tensor, []int) {
	axes = normAxes("Max", x.shape, axes)
	keep, drop := reducedShape(x.shape, axes)
	out := alloc(x.dtype, keep)
	if x.Len() == 0 && out.Len() != 0 {
		panic(fmt.Sprintf("tensor: Max: empty reduction over axes %v of shape %v", axes, x.shape))
	}
	idx := make([]int, out.Len())
	if x.Len() > 0 {
		p := makePlan(x.shape, keep, x.shape)
		switch x.dtype {
		case Float32:
			maxKernel(p, out.f32, idx, x.f32)
		case Float64:
			maxKernel(p, out.f64, idx, x.f64)
		}
	}
	if !keepDims {
		out = out.Reshape(drop...)
	}
	return out, idx
}

func maxKernel[T float](p plan, dst []T, arg []int, x []T) {
	ninf := T(math.Inf(-1))
	for i := range dst {
		dst[i] = ninf
		arg[i] = -1
	}
	better := func(v, cur T, ai int) bool {
		return ai < 0 || v > cur || (v != v && cur == cur)
	}
	p.run(0, p.outer(), func(o, _, ob, l, _, sb int) {
		src := x[o : o+l]
		if sb == 1 {
			for j, v := range src {
				if better(v, dst[ob+j], arg[ob+j]) {
					dst[ob+j], arg[ob+j] = v, o+j
				}
			}
			return
		}
		for j, v := range src {
			if better(v, dst[ob], arg[ob]) {
				dst[ob], arg[ob] = v, o+j
			}
		}
	})
}

// SumAll returns the sum of all elements as float64 (accumulated in float64).
func SumAll(x *Tensor) float64 {
	s := 0.0
	switch x.dtype {
	case Float32:
		for _, v := range x.f32 {
			s += float64(v)
		}
	case Float64:
		for _, v := range x.f64 {
			s += v
		}
	}
	return s
}

// Dot returns Σ a·b over all elements (same shape), accumulated in float64
// (for float32 in eight interleaved partial sums, see vec.DotDev32).
func Dot(a, b *Tensor) float64 {
	mustSameShape("Dot", a, b)
	s := 0.0
	switch a.dtype {
	case Float32:
		_, s = vec.DotDev32(a.f32, b.f32, 0) // the products are exact in float64
	case Float64:
		return vec.Dot64(a.f64, b.f64)
	}
	return s
}

// AllFinite reports whether no element is NaN or ±Inf.
func AllFinite(x *Tensor) bool {
	switch x.dtype {
	case Float32:
		return vec.AllFinite32(x.f32)
	case Float64:
		for _, v := range x.f64 {
			if v-v != 0 {
				return false
			}
		}
	}
	return true
}
