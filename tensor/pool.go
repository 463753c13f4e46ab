package tensor

import (
	"fmt"
	"math"
)

// Pool2dParams is a pooling window: kernel size, stride and zero padding.
// A zero stride means the stride equals the kernel size (non-overlapping
// windows), as in PyTorch.
type Pool2dParams struct {
	KH, KW           int
	StrideH, StrideW int
	PadH, PadW       int
}

func (p Pool2dParams) geom(op string, xs []int) convGeom {
	if len(xs) != 4 {
		panic(fmt.Sprintf("tensor: %s: want input [N C H W], have %v", op, xs))
	}
	if p.KH < 1 || p.KW < 1 || p.StrideH < 0 || p.StrideW < 0 || p.PadH < 0 || p.PadW < 0 {
		panic(fmt.Sprintf("tensor: %s: input %v: invalid window %+v (the kernel must be at least 1; stride and padding must not be negative)", op, xs, p))
	}
	if xs[2] == 0 || xs[3] == 0 {
		panic(fmt.Sprintf("tensor: %s: input %v has no pixels to pool", op, xs))
	}
	sh, sw := p.StrideH, p.StrideW
	if sh == 0 {
		sh = p.KH
	}
	if sw == 0 {
		sw = p.KW
	}
	if p.PadH*2 > p.KH || p.PadW*2 > p.KW {
		panic(fmt.Sprintf("tensor: %s: padding %d×%d is more than half the %d×%d window", op, p.PadH, p.PadW, p.KH, p.KW))
	}
	cp := Conv2dParams{StrideH: sh, StrideW: sw, PadH: p.PadH, PadW: p.PadW}
	oh, ow, err := cp.OutSize(xs[2], xs[3], p.KH, p.KW)
	if err != nil {
		panic(fmt.Sprintf("tensor: %s: input %v: %v", op, xs, err))
	}
	return convGeom{n: xs[0], c: xs[1], h: xs[2], w: xs[3], o: xs[1], kh: p.KH, kw: p.KW,
		oh: oh, ow: ow, sh: sh, sw: sw, ph: p.PadH, pw: p.PadW}
}

// AvgPool2d averages x [N, C, H, W] over each window. Padding counts as zeros
// in the average (PyTorch's count_include_pad).
func AvgPool2d(x *Tensor, p Pool2dParams) *Tensor {
	g := p.geom("AvgPool2d", x.shape)
	out := alloc(x.dtype, []int{g.n, g.c, g.oh, g.ow})
	switch x.dtype {
	case Float32:
		avgPool(g, x.f32, out.f32)
	case Float64:
		avgPool(g, x.f64, out.f64)
	}
	return out
}

// window calls fn for every input pixel (ih, iw) inside output (oh, ow)'s window.
func (g convGeom) window(oh, ow int, fn func(ih, iw int)) {
	for ki := 0; ki < g.kh; ki++ {
		ih := oh*g.sh - g.ph + ki
		if ih < 0 || ih >= g.h {
			continue
		}
		for kj := 0; kj < g.kw; kj++ {
			iw := ow*g.sw - g.pw + kj
			if iw < 0 || iw >= g.w {
				continue
			}
			fn(ih, iw)
		}
	}
}

func avgPool[T float](g convGeom, x, out []T) {
	hw, ohw := g.h*g.w, g.oh*g.ow
	inv := 1 / float64(g.kh*g.kw)
	parallelFor(g.n*g.c, max(1, elementwiseGrain/hw), func(lo, hi int) {
		for pl := lo; pl < hi; pl++ {
			src := x[pl*hw : (pl+1)*hw]
			dst := out[pl*ohw : (pl+1)*ohw]
			for oh := 0; oh < g.oh; oh++ {
				for ow := 0; ow < g.ow; ow++ {
					s := 0.0
					g.window(oh, ow, func(ih, iw int) { s += float64(src[ih*g.w+iw]) })
					dst[oh*g.ow+ow] = T(s * inv)
				}
			}
		}
	})
}

// AvgPool2dBackward returns the input gradient of AvgPool2d given gy.
func AvgPool2dBackward(gy *Tensor, xShape []int, p Pool2dParams) *Tensor {
	g := p.geom("AvgPool2dBackward", xShape)
	if want := []int{g.n, g.c, g.oh, g.ow}; !shapeEqual(gy.shape, want) {
		panic(fmt.Sprintf("tensor: AvgPool2dBackward: output gradient %v, want %v", gy.shape, want))
	}
	gx := alloc(gy.dtype, xShape)
	switch gy.dtype {
	case Float32:
		avgPoolBack(g, gy.f32, gx.f32)
	case Float64:
		avgPoolBack(g, gy.f64, gx.f64)
	}
	return gx
}

func avgPoolBack[T float](g convGeom, gy, gx []T) {
	hw, ohw := g.h*g.w, g.oh*g.ow
	inv := T(1 / float64(g.kh*g.kw))
	parallelFor(g.n*g.c, max(1, elementwiseGrain/hw), func(lo, hi int) {
		for pl := lo; pl < hi; pl++ {
			src := gy[pl*ohw : (pl+1)*ohw]
			dst := gx[pl*hw : (pl+1)*hw]
			for oh := 0; oh < g.oh; oh++ {
				for ow := 0; ow < g.ow; ow++ {
					v := src[oh*g.ow+ow] * inv
					g.window(oh, ow, func(ih, iw int) { dst[ih*g.w+iw] += v })
				}
			}
		}
	})
}

// MaxPool2d takes the maximum of x [N, C, H, W] over each window (padding is
// never selected). It also returns, for each output element, the flat index
// in x of the selected input; ScatterAdd routes gradients there.
func MaxPool2d(x *Tensor, p Pool2dParams) (*Tensor, []int) {
	g := p.geom("MaxPool2d", x.shape)
	out := alloc(x.dtype, []int{g.n, g.c, g.oh, g.ow})
	arg := make([]int, out.Len())
	switch x.dtype {
	case Float32:
		maxPool(g, x.f32, out.f32, arg)
	case Float64:
		maxPool(g, x.f64, out.f64, arg)
	}
	return out, arg
}

func maxPool[T float](g convGeom, x, out []T, arg []int) {
	hw, ohw := g.h*g.w, g.oh*g.ow
	parallelFor(g.n*g.c, max(1, elementwiseGrain/hw), func(lo, hi int) {
		for pl := lo; pl < hi; pl++ {
			src := x[pl*hw : (pl+1)*hw]
			for oh := 0; oh < g.oh; oh++ {
				for ow := 0; ow < g.ow; ow++ {
					best, at := T(math.Inf(-1)), -1
					g.window(oh, ow, func(ih, iw int) {
						v := src[ih*g.w+iw]
						if at < 0 || v > best || (v != v && best == best) {
							best, at = v, ih*g.w+iw
						}
					})
					o := pl*ohw + oh*g.ow + ow
					out[o], arg[o] = best, pl*hw+at
				}
			}
		}
	})
}

// ScatterAdd returns a zero tensor of the given shape and dtype with src[i]
// added at flat position idx[i] for every i (repeated positions accumulate).
// It routes the gradient of Max, MaxIndex and MaxPool2d to the selected inputs.
func ScatterAdd(dt DType, shape []int, idx []int, src *Tensor) *Tensor {
	if dt != src.dtype {
		panic(fmt.Sprintf("tensor: ScatterAdd: dtypes %v and %v differ", dt, src.dtype))
	}
	if len(idx) != src.Len() {
		panic(fmt.Sprintf("tensor: ScatterAdd: %d indices for source %v", len(idx), src.shape))
	}
	out := alloc(dt, shape)
	n := out.Len()
	for i, a := range idx {
		if a < 0 || a >= n {
			panic(fmt.Sprintf("tensor: ScatterAdd: index %d out of range for shape %v", a, shape))
		}
		if dt == Float32 {
			out.f32[a] += src.f32[i]
		} else {
			out.f64[a] += src.f64[i]
		}
	}
	return out
}

// GlobalAvgPool2d averages x [N, C, H, W] over H and W, giving [N, C].
func GlobalAvgPool2d(x *Tensor) *Tensor {
	if x.NDim() != 4 {
		panic(fmt.Sprintf("tensor: GlobalAvgPool2d: want input [N C H W], have %v", x.shape))
	}
	return Mean(x, []int{2, 3}, false)
}
