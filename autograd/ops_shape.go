package autograd

import (
	"fmt"
	"slices"

	"github.com/acaode/aca/tensor"
)

var (
	opReshape     = register("reshape")
	opPermute     = register("permute")
	opTranspose   = register("transpose")
	opConcat      = register("concat")
	opStack       = register("stack")
	opSplit       = register("split")
	opSlice       = register("slice")
	opIndexSelect = register("index_select")
)

// Reshape returns x with a new shape (one dimension may be -1). The result
// shares x's storage.
func (g *Graph) Reshape(x *Value, shape ...int) *Value {
	out := x.data.Reshape(shape...)
	return g.Record(Op{Name: opReshape, View: true, VJP: func(gy *tensor.Tensor, _ []bool) []*tensor.Tensor {
		return []*tensor.Tensor{gy.Reshape(x.Shape()...)}
	}}, out, x)
}

// Permute reorders x's axes: axis i of the result is axis perm[i] of x.
func (g *Graph) Permute(x *Value, perm ...int) *Value {
	out := tensor.Permute(x.data, perm...)
	inv := tensor.InversePermutation(perm)
	return g.Record(Op{Name: opPermute, VJP: func(gy *tensor.Tensor, _ []bool) []*tensor.Tensor {
		return []*tensor.Tensor{tensor.Permute(gy, inv...)}
	}}, out, x)
}

// Transpose returns the transpose of a 2-D value.
func (g *Graph) Transpose(x *Value) *Value {
	out := tensor.Transpose(x.data)
	return g.Record(Op{Name: opTranspose, VJP: func(gy *tensor.Tensor, _ []bool) []*tensor.Tensor {
		return []*tensor.Tensor{tensor.Transpose(gy)}
	}}, out, x)
}

func dims(xs []*Value, axis int) []int {
	sizes := make([]int, len(xs))
	for i, x := range xs {
		sizes[i] = x.data.Dim(axis)
	}
	return sizes
}

// Concat joins values along axis.
func (g *Graph) Concat(axis int, xs ...*Value) *Value {
	xs = slices.Clone(xs) // the caller may reuse its slice
	checkDTypes(opConcat, xs...)
	ts := make([]*tensor.Tensor, len(xs))
	for i, x := range xs {
		ts[i] = x.data
	}
	out := tensor.Concat(axis, ts...)
	sizes := dims(xs, axis)
	return g.Record(Op{Name: opConcat, VJP: func(gy *tensor.Tensor, _ []bool) []*tensor.Tensor {
		return tensor.Split(gy, axis, sizes...)
	}}, out, xs...)
}

// Stack joins same-shape values along a new axis at position axis.
func (g *Graph) Stack(axis int, xs ...*Value) *Value {
	xs = slices.Clone(xs) // the VJP reads the inputs' shapes later
	checkDTypes(opStack, xs...)
	ts := make([]*tensor.Tensor, len(xs))
	for i, x := range xs {
		ts[i] = x.data
	}
	out := tensor.Stack(axis, ts...)
	if axis < 0 {
		axis += out.NDim()
	}
	return g.Record(Op{Name: opStack, VJP: func(gy *tensor.Tensor, _ []bool) []*tensor.Tensor {
		ones := make([]int, len(xs))
		for i := range ones {
			ones[i] = 1
		}
		parts := tensor.Split(gy, axis, ones...)
		for i, p := range parts {
			parts[i] = p.Reshape(xs[i].Shape()...)
		}
		return parts
	}}, out, xs...)
}

// Split cuts x along axis into consecutive pieces of the given sizes.
func (g *Graph) Split(x *Value, axis int, sizes ...int) []*Value {
	parts := tensor.Split(x.data, axis, sizes...)
	out := make([]*Value, len(parts))
	at := 0
	for i, p := range parts {
		out[i] = g.slice(opSplit, x, p, axis, at)
		at += sizes[i]
	}
	return out
}

// Slice returns the entries start ≤ i < end of x along axis.
func (g *Graph) Slice(x *Value, axis, start, end int) *Value {
	return g.slice(opSlice, x, tensor.Slice(x.data, axis, start, end), axis, start)
}

func (g *Graph) slice(name string, x *Value, part *tensor.Tensor, axis, start int) *Value {
	return g.Record(Op{Name: name, VJP: func(gy *tensor.Tensor, _ []bool) []*tensor.Tensor {
		return []*tensor.Tensor{tensor.ZerosLike(x.data).SetSlice(axis, start, gy)}
	}}, part, x)
}

// IndexSelect gathers entries idx of x along axis (indices may repeat; their
// gradients add up).
func (g *Graph) IndexSelect(x *Value, axis int, idx []int) *Value {
	out := tensor.IndexSelect(x.data, axis, idx)
	idx = slices.Clone(idx)
	return g.Record(Op{Name: opIndexSelect, Saved: int64(len(idx)) * 8, VJP: func(gy *tensor.Tensor, _ []bool) []*tensor.Tensor {
		return []*tensor.Tensor{tensor.ZerosLike(x.data).IndexAdd(axis, idx, gy)}
	}}, out, x)
}

// mustSameShape panics unless a and b have the same shape.
func mustSameShape(op string, a, b *Value) {
	if !slices.Equal(a.Shape(), b.Shape()) {
		panic(fmt.Sprintf("autograd: %s: shapes %v and %v differ", op, a.Shape(), b.Shape()))
	}
}
