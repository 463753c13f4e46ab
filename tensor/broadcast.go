package tensor

import "fmt"

// BroadcastShapes returns the shape two operands broadcast to under NumPy's
// rules (align trailing dimensions; a dimension of 1 stretches), or an error
// naming both shapes.
func BroadcastShapes(a, b []int) ([]int, error) {
	nd := max(len(a), len(b))
	out := make([]int, nd)
	for i := 0; i < nd; i++ {
		da, db := dimFromRight(a, nd-1-i), dimFromRight(b, nd-1-i)
		switch {
		case da == db:
			out[i] = da
		case da == 1:
			out[i] = db
		case db == 1:
			out[i] = da
		default:
			return nil, fmt.Errorf("shapes %v and %v do not broadcast", a, b)
		}
	}
	return out, nil
}

// dimFromRight returns shape's dimension k places from the end, or 1 past its start.
func dimFromRight(shape []int, k int) int {
	if i := len(shape) - 1 - k; i >= 0 {
		return shape[i]
	}
	return 1
}

// plan describes a broadcast iteration over an output shape, with adjacent
// dimensions of the same broadcast pattern merged. sa and sb are the element
// strides of the two operands in each merged dimension (0 where broadcast).
// The innermost dimension has strides 0 or 1.
type plan struct {
	n, sa, sb []int
}

// makePlan builds the iteration plan of operands of shapes a and b over out,
// which must be their broadcast shape.
func makePlan(a, b, out []int) plan {
	nd := len(out)
	var p plan
	lastA, lastB := false, false
	for i := 0; i < nd; i++ {
		if out[i] == 1 {
			continue
		}
		ba := dimFromRight(a, nd-1-i) == 1
		bb := dimFromRight(b, nd-1-i) == 1
		if len(p.n) > 0 && ba == lastA && bb == lastB {
			p.n[len(p.n)-1] *= out[i]
			continue
		}
		p.n = append(p.n, out[i])
		flag := func(b bool) int {
			if b {
				return 0
			}
			return 1
		}
		p.sa = append(p.sa, flag(ba))
		p.sb = append(p.sb, flag(bb))
		lastA, lastB = ba, bb
	}
	if len(p.n) == 0 { // a single element
		p.n, p.sa, p.sb = []int{1}, []int{1}, []int{1}
	}
	strideA, strideB := 1, 1
	for i := len(p.n) - 1; i >= 0; i-- {
		if p.sa[i] != 0 {
			p.sa[i] = strideA
			strideA *= p.n[i]
		}
		if p.sb[i] != 0 {
			p.sb[i] = strideB
			strideB *= p.n[i]
		}
	}
	return p
}

// outer returns the number of inner runs (the product of all but the last dimension).
func (p plan) outer() int {
	o := 1
	for _, d := range p.n[:len(p.n)-1] {
		o *= d
	}
	return o
}

// run calls fn for inner runs lo..hi-1: the run's output offset, operand
// offsets, length and the operands' inner strides (0 or 1).
func (p plan) run(lo, hi int, fn func(o, oa, ob, l, sa, sb int)) {
	nd := len(p.n)
	l := p.n[nd-1]
	sa, sb := p.sa[nd-1], p.sb[nd-1]
	if nd == 1 {
		if lo == 0 && hi > 0 {
			fn(0, 0, 0, l, sa, sb)
		}
		return
	}
	// Decompose lo into a multi-index over the outer dimensions.
	idx := make([]int, nd-1)
	oa, ob := 0, 0
	rem := lo
	for i := nd - 2; i >= 0; i-- {
		idx[i] = rem % p.n[i]
		rem /= p.n[i]
		oa += idx[i] * p.sa[i]
		ob += idx[i] * p.sb[i]
	}
	for r := lo; r < hi; r++ {
		fn(r*l, oa, ob, l, sa, sb)
		for i := nd - 2; i >= 0; i-- {
			idx[i]++
			oa += p.sa[i]
			ob += p.sb[i]
			if idx[i] < p.n[i] {
				break
			}
			oa -= idx[i] * p.sa[i]
			ob -= idx[i] * p.sb[i]
			idx[i] = 0
		}
	}
}

// BroadcastTo returns x repeated along its broadcast dimensions to the given
// shape (NumPy rules); the reverse of SumTo.
func BroadcastTo(x *Tensor, shape []int) *Tensor {
	if b, err := BroadcastShapes(x.shape, shape); err != nil || !shapeEqual(b, shape) {
		panic(fmt.Sprintf("tensor: BroadcastTo: shape %v does not broadcast to %v", x.shape, shape))
	}
	out := alloc(x.dtype, shape)
	if out.Len() == 0 {
		return out
	}
	p := makePlan(x.shape, shape, shape)
	switch x.dtype {
	case Float32:
		broadcastKernel(p, out.f32, x.f32)
	case Float64:
		broadcastKernel(p, out.f64, x.f64)
	}
	return out
}

func broadcastKernel[T float](p plan, dst, x []T) {
	p.run(0, p.outer(), func(o, oa, _, l, sa, _ int) {
		if sa == 1 {
			copy(dst[o:o+l], x[oa:oa+l])
		} else {
			fillT(dst[o:o+l], x[oa])
		}
	})
}

// fillT sets every element of d to v.
func fillT[T float](d []T, v T) {
	for i := range d {
		d[i] = v
	}
}
