package tensor

import (
	"fmt"
	"math"
	"testing"
)

type poolCase struct {
	x []int // [N C H W]
	p Pool2dParams
}

var poolCases = []poolCase{
	{[]int{2, 3, 6, 6}, Pool2dParams{KH: 2, KW: 2}},
	{[]int{1, 2, 7, 5}, Pool2dParams{KH: 2, KW: 2}},
	{[]int{2, 2, 6, 7}, Pool2dParams{KH: 3, KW: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1}},
	{[]int{2, 2, 7, 7}, Pool2dParams{KH: 3, KW: 3, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}},
	{[]int{1, 3, 6, 5}, Pool2dParams{KH: 3, KW: 2, StrideH: 2, StrideW: 1, PadH: 1, PadW: 1}},
	{[]int{2, 1, 5, 8}, Pool2dParams{KH: 2, KW: 3, StrideH: 1, StrideW: 2, PadH: 1}},
	{[]int{1, 2, 4, 4}, Pool2dParams{KH: 1, KW: 1}},
	{[]int{1, 2, 6, 6}, Pool2dParams{KH: 4, KW: 4, PadH: 2, PadW: 2}},
	{[]int{3, 2, 9, 9}, Pool2dParams{KH: 3, KW: 3, StrideH: 3, StrideW: 3}},
	{[]int{1, 1, 5, 5}, Pool2dParams{KH: 5, KW: 5, StrideH: 1, StrideW: 1, PadH: 2, PadW: 2}},
	{[]int{2, 2, 3, 3}, Pool2dParams{KH: 2, KW: 2, StrideH: 1, StrideW: 1}},
	{[]int{1, 1, 1, 1}, Pool2dParams{KH: 3, KW: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1}},
	{[]int{2, 3, 8, 6}, Pool2dParams{KH: 2, KW: 2, StrideH: 3, StrideW: 3}}, // stride > kernel
	{[]int{2, 16, 64, 64}, Pool2dParams{KH: 2, KW: 2}},                      // parallel path
	{[]int{2, 16, 32, 32}, Pool2dParams{KH: 3, KW: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1}},
}

func (c poolCase) geom() (sh, sw, oh, ow int) {
	sh, sw = c.p.StrideH, c.p.StrideW
	if sh == 0 {
		sh = c.p.KH
	}
	if sw == 0 {
		sw = c.p.KW
	}
	oh = (c.x[2]+2*c.p.PadH-c.p.KH)/sh + 1
	ow = (c.x[3]+2*c.p.PadW-c.p.KW)/sw + 1
	return
}

// poolWindows calls fn(outFlat, inFlat) for every (output, in-bounds input) pair.
func (c poolCase) windows(fn func(o, i int)) {
	sh, sw, oh, ow := c.geom()
	n, ch, h, w := c.x[0], c.x[1], c.x[2], c.x[3]
	for pl := 0; pl < n*ch; pl++ {
		for i := 0; i < oh; i++ {
			for j := 0; j < ow; j++ {
				o := (pl*oh+i)*ow + j
				for ki := 0; ki < c.p.KH; ki++ {
					for kj := 0; kj < c.p.KW; kj++ {
						ih, iw := i*sh-c.p.PadH+ki, j*sw-c.p.PadW+kj
						if ih >= 0 && ih < h && iw >= 0 && iw < w {
							fn(o, (pl*h+ih)*w+iw)
						}
					}
				}
			}
		}
	}
}

func (c poolCase) outShape() []int {
	_, _, oh, ow := c.geom()
	return []int{c.x[0], c.x[1], oh, ow}
}

func TestAvgPool2d(t *testing.T) {
	for ci, c := range poolCases {
		for _, dt := range dtypes {
			name := fmt.Sprintf("%v %+v", c.x, c.p)
			rng := testRNG(uint64(ci))
			x := randT(rng, dt, -1, 1, c.x...)
			xv := x.Values()
			oshape := c.outShape()
			area := float64(c.p.KH * c.p.KW)
			want := make([]float64, numelOf(oshape))
			c.windows(func(o, i int) { want[o] += xv[i] / area })
			s := snap(x)
			got := AvgPool2d(x, c.p)
			s.check(t, "AvgPool2d")
			checkClose(t, "AvgPool2d "+name, got, dt, oshape, want)

			gy := randT(rng, dt, -1, 1, oshape...)
			gv := gy.Values()
			wantGx := make([]float64, x.Len())
			c.windows(func(o, i int) { wantGx[i] += gv[o] / area })
			s = snap(gy)
			gx := AvgPool2dBackward(gy, c.x, c.p)
			s.check(t, "AvgPool2dBackward")
			checkClose(t, "AvgPool2dBackward "+name, gx, dt, c.x, wantGx)
			lhs, rhs := dotVals(want, gv), dotVals(xv, gx.Values())
			if !adjointClose(lhs, rhs, sumAbs(gv), tol(dt)) {
				t.Errorf("%v %s: ⟨avgpool(x), gy⟩ = %v, ⟨x, gx⟩ = %v", dt, name, lhs, rhs)
			}
		}
	}
	mustPanic(t, "AvgPool2dBackward gy", func() { AvgPool2dBackward(New(Float64, 1, 1, 2, 2), []int{1, 1, 6, 6}, Pool2dParams{KH: 2, KW: 2}) },
		"AvgPool2dBackward", "[1 1 2 2]", "[1 1 3 3]")
}

func TestMaxPool2dScatterAdd(t *testing.T) {
	for ci, c := range poolCases {
		for _, dt := range dtypes {
			for _, ties := range []bool{false, true} {
				name := fmt.Sprintf("%v %+v ties %v", c.x, c.p, ties)
				rng := testRNG(uint64(50 + ci))
				var x *Tensor
				if ties {
					x = intT(rng, dt, -2, 1, c.x...)
				} else {
					x = randT(rng, dt, -1, 1, c.x...)
				}
				xv := x.Values()
				oshape := c.outShape()
				want := make([]float64, numelOf(oshape))
				arg := make([]int, len(want))
				for i := range arg {
					arg[i] = -1
				}
				// The first in-bounds element attaining the max; padding never wins.
				c.windows(func(o, i int) {
					if arg[o] < 0 || xv[i] > want[o] {
						want[o], arg[o] = xv[i], i
					}
				})
				s := snap(x)
				got, idx := MaxPool2d(x, c.p)
				s.check(t, "MaxPool2d")
				checkCloseTol(t, "MaxPool2d "+name, got, dt, oshape, want, 0)
				if len(idx) != len(arg) {
					t.Fatalf("MaxPool2d %s: %d indices, want %d", name, len(idx), len(arg))
				}
				for o := range arg {
					if idx[o] != arg[o] {
						t.Errorf("%v MaxPool2d %s: output %d selects %d, want %d", dt, name, o, idx[o], arg[o])
						break
					}
				}
				// The gradient routed with ScatterAdd accumulates where windows overlap.
				gy := randT(rng, dt, -1, 1, oshape...)
				gv := gy.Values()
				wantGx := make([]float64, x.Len())
				for o, i := range arg {
					wantGx[i] += gv[o]
				}
				s = snap(gy)
				checkClose(t, "ScatterAdd "+name, ScatterAdd(dt, c.x, idx, gy), dt, c.x, wantGx)
				s.check(t, "ScatterAdd")
			}
		}
	}
	for _, dt := range dtypes {
		// NaN in a window propagates; −Inf inputs are still selected over padding.
		nan := math.NaN()
		x := FromValues(dt, []float64{1, nan, 3, 4, math.Inf(-1), math.Inf(-1), math.Inf(-1), math.Inf(-1)}, 2, 1, 2, 2)
		y, idx := MaxPool2d(x, Pool2dParams{KH: 2, KW: 2})
		if yv := y.Values(); !math.IsNaN(yv[0]) || idx[0] != 1 || !math.IsInf(yv[1], -1) || idx[1] != 4 {
			t.Errorf("%v MaxPool2d with NaN / −Inf planes: out %v idx %v, want [NaN -Inf] [1 4]", dt, yv, idx)
		}
		// Padded windows over −Inf inputs select an input, never the padding.
		y, idx = MaxPool2d(x, Pool2dParams{KH: 3, KW: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1})
		yv := y.Values()
		for o := 4; o < 8; o++ {
			if !math.IsInf(yv[o], -1) || idx[o] != 4 {
				t.Errorf("%v padded MaxPool2d of −Inf: out[%d] = %v at %d, want −Inf at 4", dt, o, yv[o], idx[o])
			}
		}
		for o := 0; o < 4; o++ {
			if !math.IsNaN(yv[o]) || idx[o] != 1 {
				t.Errorf("%v padded MaxPool2d with NaN: out[%d] = %v at %d, want NaN at 1", dt, o, yv[o], idx[o])
			}
		}
		// ScatterAdd with repeated indices and checks.
		src := FromValues(dt, []float64{1, 2, 3, 4}, 4)
		checkClose(t, "ScatterAdd repeated", ScatterAdd(dt, []int{2, 2}, []int{3, 0, 3, 3}, src), dt, []int{2, 2}, []float64{2, 0, 0, 8})
		mustPanic(t, "ScatterAdd range", func() { ScatterAdd(dt, []int{2, 2}, []int{0, 1, 2, 4}, src) }, "ScatterAdd", "index 4", "[2 2]")
		mustPanic(t, "ScatterAdd negative", func() { ScatterAdd(dt, []int{2, 2}, []int{0, 1, -1, 2}, src) }, "ScatterAdd", "-1")
		mustPanic(t, "ScatterAdd count", func() { ScatterAdd(dt, []int{2, 2}, []int{0, 1}, src) }, "ScatterAdd", "2 indices", "[4]")
	}
	mustPanic(t, "ScatterAdd dtypes", func() { ScatterAdd(Float32, []int{2}, []int{0}, New(Float64, 1)) }, "ScatterAdd", "float32", "float64")
}

func TestGlobalAvgPool2d(t *testing.T) {
	for _, dt := range dtypes {
		for _, sh := range [][]int{{2, 3, 4, 5}, {1, 1, 1, 1}, {3, 2, 7, 1}} {
			x := randT(testRNG(3), dt, -1, 1, sh...)
			xv := x.Values()
			hw := sh[2] * sh[3]
			want := make([]float64, sh[0]*sh[1])
			for i, v := range xv {
				want[i/hw] += v / float64(hw)
			}
			checkClose(t, fmt.Sprintf("GlobalAvgPool2d %v", sh), GlobalAvgPool2d(x), dt, sh[:2], want)
			// Equivalent to AvgPool2d with the whole plane as the window.
			ap := AvgPool2d(x, Pool2dParams{KH: sh[2], KW: sh[3]})
			checkClose(t, "AvgPool2d whole plane", ap.Reshape(sh[0], sh[1]), dt, sh[:2], want)
		}
		mustPanic(t, "GlobalAvgPool2d rank", func() { GlobalAvgPool2d(New(dt, 2, 3, 4)) }, "GlobalAvgPool2d", "[2 3 4]")
	}
}

func TestPoolPanics(t *testing.T) {
	x := New(Float32, 1, 1, 6, 6)
	for _, c := range []struct {
		p    Pool2dParams
		subs []string
	}{
		{Pool2dParams{KH: 2, KW: 2, PadH: 2}, []string{"padding 2×0", "2×2"}},
		{Pool2dParams{KH: 3, KW: 3, PadW: 2}, []string{"more than half", "3×3"}},
		{Pool2dParams{KH: 1, KW: 1, PadH: 1, PadW: 1}, []string{"more than half"}},
		{Pool2dParams{KH: 7, KW: 7}, []string{"[1 1 6 6]"}},
		{Pool2dParams{KH: 0, KW: 2}, []string{"[1 1 6 6]"}},
		{Pool2dParams{KH: 2, KW: 2, StrideH: -1}, []string{"negative"}},
	} {
		for _, f := range []struct {
			op string
			fn func()
		}{
			{"AvgPool2d", func() { AvgPool2d(x, c.p) }},
			{"MaxPool2d", func() { MaxPool2d(x, c.p) }},
			{"AvgPool2dBackward", func() { AvgPool2dBackward(New(Float32, 1, 1, 3, 3), x.Shape(), c.p) }},
		} {
			mustPanic(t, fmt.Sprintf("%s %+v", f.op, c.p), f.fn, append([]string{f.op}, c.subs...)...)
		}
	}
	mustPanic(t, "MaxPool2d rank", func() { MaxPool2d(New(Float64, 6, 6), Pool2dParams{KH: 2, KW: 2}) }, "MaxPool2d", "[6 6]")
	mustPanic(t, "AvgPool2d rank", func() { AvgPool2d(New(Float64, 1, 6, 6), Pool2dParams{KH: 2, KW: 2}) }, "AvgPool2d", "[1 6 6]")
}
