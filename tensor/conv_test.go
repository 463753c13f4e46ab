package tensor

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

// convCase is one convolution geometry: input [N C H W], weight [O C KH KW].
type convCase struct {
	n, c, h, w, o, kh, kw int
	p                     Conv2dParams
}

func (c convCase) String() string {
	return fmt.Sprintf("x[%d %d %d %d] w[%d %d %d %d] %+v", c.n, c.c, c.h, c.w, c.o, c.c, c.kh, c.kw, c.p)
}

var convCases = []convCase{
	// Batch 19: partial sums of two samples, the last block holding one.
	{19, 2, 6, 5, 3, 3, 3, Conv2dParams{PadH: 1, PadW: 1}},
	{1, 1, 5, 5, 1, 3, 3, Conv2dParams{}},
	{2, 3, 7, 6, 4, 3, 3, Conv2dParams{PadH: 1, PadW: 1}},
	{2, 3, 8, 8, 5, 3, 3, Conv2dParams{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}},
	{2, 3, 9, 8, 5, 3, 3, Conv2dParams{StrideH: 2, StrideW: 2}},
	{1, 2, 9, 7, 3, 2, 4, Conv2dParams{StrideH: 2, StrideW: 1, PadH: 0, PadW: 2}},
	{3, 4, 5, 6, 2, 1, 1, Conv2dParams{}},
	{2, 3, 6, 7, 2, 1, 1, Conv2dParams{StrideH: 2, StrideW: 2}},
	{2, 2, 5, 5, 3, 5, 5, Conv2dParams{PadH: 2, PadW: 2}},
	{1, 3, 4, 4, 2, 4, 4, Conv2dParams{}},
	{2, 2, 7, 9, 3, 3, 2, Conv2dParams{StrideH: 3, StrideW: 2, PadH: 2, PadW: 1}},
	{2, 1, 3, 3, 2, 3, 3, Conv2dParams{StrideH: 2, StrideW: 2, PadH: 2, PadW: 2}},
	{1, 2, 1, 1, 2, 3, 3, Conv2dParams{PadH: 1, PadW: 1}},
	{1, 2, 9, 9, 2, 2, 2, Conv2dParams{StrideH: 3, StrideW: 3}},
	{4, 3, 10, 10, 4, 3, 3, Conv2dParams{}},
	{2, 2, 4, 11, 3, 1, 5, Conv2dParams{StrideW: 2, PadW: 2}},
	{2, 2, 11, 4, 3, 5, 1, Conv2dParams{StrideH: 2, PadH: 2}},
	{5, 1, 6, 6, 1, 2, 3, Conv2dParams{StrideH: 1, StrideW: 3, PadH: 1, PadW: 1}},
	{1, 3, 12, 12, 4, 3, 3, Conv2dParams{PadH: 1, PadW: 1}},
	{9, 2, 10, 9, 3, 3, 3, Conv2dParams{PadH: 1, PadW: 1}},
	{6, 2, 8, 8, 2, 3, 2, Conv2dParams{PadH: 1}},
	{5, 3, 9, 7, 2, 1, 3, Conv2dParams{PadW: 1}},
	{1, 8, 16, 16, 4, 3, 3, Conv2dParams{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}},
	{7, 2, 6, 6, 3, 3, 3, Conv2dParams{}},
	{2, 2, 7, 7, 2, 3, 3, Conv2dParams{StrideH: 1, StrideW: 2, PadH: 1, PadW: 1}},
	// im2col in groups of samples (groupSamples): forward groups of 5, the
	// last of 2; backward blocks of 3 samples, each one group, the last
	// block one sample.
	{37, 48, 5, 5, 3, 3, 3, Conv2dParams{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}},
	// Groups of 2 samples, two to each backward block of 4: the block's
	// partial weight gradient starts at its first group and adds the second.
	{50, 48, 15, 15, 5, 3, 3, Conv2dParams{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}},
}

func (c convCase) geom() (sh, sw, oh, ow int) {
	sh, sw = max(c.p.StrideH, 1), max(c.p.StrideW, 1)
	oh = (c.h+2*c.p.PadH-c.kh)/sh + 1
	ow = (c.w+2*c.p.PadW-c.kw)/sw + 1
	return
}

// refConv is the direct 7-loop cross-correlation. It also returns, for every
// output, the root-sum-square of the products summed into it (the scale of
// its rounding error).
func refConv(c convCase, x, w, b *Tensor) ([]int, []float64, []float64) {
	sh, sw, oh, ow := c.geom()
	xv, wv := x.Values(), w.Values()
	out := make([]float64, c.n*c.o*oh*ow)
	scale := make([]float64, len(out))
	for n := 0; n < c.n; n++ {
		for o := 0; o < c.o; o++ {
			for i := 0; i < oh; i++ {
				for j := 0; j < ow; j++ {
					s, ss := 0.0, 0.0
					if b != nil {
						s = b.Values()[o]
					}
					for ch := 0; ch < c.c; ch++ {
						for ki := 0; ki < c.kh; ki++ {
							ih := i*sh - c.p.PadH + ki
							if ih < 0 || ih >= c.h {
								continue
							}
							for kj := 0; kj < c.kw; kj++ {
								iw := j*sw - c.p.PadW + kj
								if iw < 0 || iw >= c.w {
									continue
								}
								p := xv[((n*c.c+ch)*c.h+ih)*c.w+iw] * wv[((o*c.c+ch)*c.kh+ki)*c.kw+kj]
								s += p
								ss += p * p
							}
						}
					}
					out[((n*c.o+o)*oh+i)*ow+j] = s
					scale[((n*c.o+o)*oh+i)*ow+j] = math.Sqrt(ss)
				}
			}
		}
	}
	return []int{c.n, c.o, oh, ow}, out, scale
}

// refConvBackward accumulates the three gradients with the same loops:
// gx[n,c,ih,iw] += gy·w, gw[o,c,ki,kj] += gy·x, gb[o] += gy. The scales are
// the root-sum-squares of the summed terms, as in refConv.
func refConvBackward(c convCase, gy, x, w *Tensor) (gx, gw, gb []float64, sx, sw2, sb []float64) {
	sh, sw, oh, ow := c.geom()
	gyv, xv, wv := gy.Values(), x.Values(), w.Values()
	gx = make([]float64, x.Len())
	gw = make([]float64, w.Len())
	gb = make([]float64, c.o)
	sx, sw2, sb = make([]float64, len(gx)), make([]float64, len(gw)), make([]float64, len(gb))
	for n := 0; n < c.n; n++ {
		for o := 0; o < c.o; o++ {
			for i := 0; i < oh; i++ {
				for j := 0; j < ow; j++ {
					g := gyv[((n*c.o+o)*oh+i)*ow+j]
					gb[o] += g
					sb[o] += g * g
					for ch := 0; ch < c.c; ch++ {
						for ki := 0; ki < c.kh; ki++ {
							ih := i*sh - c.p.PadH + ki
							if ih < 0 || ih >= c.h {
								continue
							}
							for kj := 0; kj < c.kw; kj++ {
								iw := j*sw - c.p.PadW + kj
								if iw < 0 || iw >= c.w {
									continue
								}
								xi := ((n*c.c+ch)*c.h+ih)*c.w + iw
								wi := ((o*c.c+ch)*c.kh+ki)*c.kw + kj
								px, pw := g*wv[wi], g*xv[xi]
								gx[xi] += px
								gw[wi] += pw
								sx[xi] += px * px
								sw2[wi] += pw * pw
							}
						}
					}
				}
			}
		}
	}
	for _, v := range [][]float64{sx, sw2, sb} {
		for i := range v {
			v[i] = math.Sqrt(v[i])
		}
	}
	return gx, gw, gb, sx, sw2, sb
}

// runConvCase checks Conv2d (with and without bias) and Conv2dBackward
// against the references. Each result is allowed tol(dt) relative to its own
// size plus the root-sum-square of the products summed into it: the weight
// gradient sums N·OH·OW products and in float32 may legitimately cancel to a
// value much smaller than the rounding of that sum.
func runConvCase(t *testing.T, c convCase, dt DType, seed uint64) {
	t.Helper()
	rtol := tol(dt)
	rng := testRNG(seed)
	x := randT(rng, dt, -1, 1, c.n, c.c, c.h, c.w)
	w := randT(rng, dt, -1, 1, c.o, c.c, c.kh, c.kw)
	b := randT(rng, dt, -1, 1, c.o)
	shape, y, ys := refConv(c, x, w, nil)
	yb := slices.Clone(y)
	plane := shape[2] * shape[3]
	for i := range yb {
		yb[i] += b.Values()[i/plane%c.o]
	}
	for _, bias := range []*Tensor{nil, b} {
		name := fmt.Sprintf("Conv2d %v bias %v", c, bias != nil)
		s := snap(x, w, bias)
		got := Conv2d(x, w, bias, c.p)
		s.check(t, name)
		want := y
		if bias != nil {
			want = yb
		}
		checkCloseScaled(t, name, got, dt, shape, want, ys, rtol)
	}
	gy := randT(rng, dt, -1, 1, shape...)
	s := snap(gy, x, w)
	gx, gw, gb := Conv2dBackward(gy, x, w, c.p, true, true, true)
	s.check(t, "Conv2dBackward")
	rx, rw, rb, sx, sw, sb := refConvBackward(c, gy, x, w)
	checkCloseScaled(t, "Conv2dBackward gx "+c.String(), gx, dt, x.Shape(), rx, sx, rtol)
	checkCloseScaled(t, "Conv2dBackward gw "+c.String(), gw, dt, w.Shape(), rw, sw, rtol)
	checkCloseScaled(t, "Conv2dBackward gb "+c.String(), gb, dt, []int{c.o}, rb, sb, rtol)

	// Adjoint identity of the bilinear map: ⟨Conv2d(x, w), gy⟩ = ⟨x, gx⟩ = ⟨w, gw⟩.
	lhs := dotVals(y, gy.Values())
	scale := sumAbs(y) + sumAbs(gy.Values())
	if r := dotVals(x.Values(), gx.Values()); !adjointClose(lhs, r, scale, rtol) {
		t.Errorf("%v %v: ⟨conv(x,w), gy⟩ = %v but ⟨x, gx⟩ = %v", dt, c, lhs, r)
	}
	if r := dotVals(w.Values(), gw.Values()); !adjointClose(lhs, r, scale, rtol) {
		t.Errorf("%v %v: ⟨conv(x,w), gy⟩ = %v but ⟨w, gw⟩ = %v", dt, c, lhs, r)
	}
}

func TestConv2d(t *testing.T) {
	for i, c := range convCases {
		for _, dt := range dtypes {
			runConvCase(t, c, dt, uint64(100+i))
		}
	}
}

// TestConv2dLowerings checks that the table above reaches every lowering the
// kernels choose between: the "wide" stride-1 lowering with and without
// padding, plain im2col, batches smaller than the worker count (parallel
// inside a sample) and larger ones (samples over workers), batches that
// do not fill the backward pass's last block of samples, and im2col's
// groups of samples: several in the forward pass with a short last one,
// and backward blocks of several groups.
func TestConv2dLowerings(t *testing.T) {
	var wide, widePadded, im2col, single, partialBlock, groups, blockGroups bool
	for _, c := range convCases {
		g := newConvGeom("test", []int{c.n, c.c, c.h, c.w}, []int{c.o, c.c, c.kh, c.kw}, c.p)
		wide = wide || (g.wide() && !g.padded())
		widePadded = widePadded || (g.wide() && g.padded())
		im2col = im2col || !g.wide()
		single = single || (c.n == 1 && c.c > 1)
		per, _ := g.convBlocks()
		partialBlock = partialBlock || (per > 1 && c.n%per != 0)
		nb := g.groupSamples()
		groups = groups || (!g.wide() && nb > 1 && c.n > nb && c.n%nb != 0)
		blockGroups = blockGroups || (!g.wide() && nb > 1 && per > nb)
	}
	if !wide || !widePadded || !im2col || !single || !partialBlock || !groups || !blockGroups {
		t.Errorf("convCases no longer cover every path: wide %v, wide padded %v, im2col %v, single sample %v, partial block %v, im2col groups %v, backward blocks of several groups %v",
			wide, widePadded, im2col, single, partialBlock, groups, blockGroups)
	}
}

// TestConv2dLarge runs realistic layer shapes through the same checks, each
// with the paths the shape rule picks and with im2col (the first shape
// takes the Winograd path in both passes with the micro-tiles; without
// them, im2col forward and, with OpenBLAS, Winograd backward: see
// winograd_test.go for more).
func TestConv2dLarge(t *testing.T) {
	cases := []convCase{
		{8, 16, 28, 28, 16, 3, 3, Conv2dParams{PadH: 1, PadW: 1}},
		{3, 8, 33, 30, 8, 5, 5, Conv2dParams{PadH: 2, PadW: 2}},
		{2, 8, 31, 31, 8, 3, 3, Conv2dParams{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}},
		{1, 16, 20, 20, 8, 3, 3, Conv2dParams{PadH: 1, PadW: 1}},
	}
	for _, tiles := range tileSettings() {
		withWinoTiles(tiles, func() {
			if g := cases[0].convGeom(); g.winograd(false) != tiles || g.winograd(true) != (tiles || BLAS() == "openblas") {
				t.Errorf("%v (tiles %v) no longer takes the Winograd path in both passes with the micro-tiles, im2col forward and (with OpenBLAS) Winograd backward without", cases[0], tiles)
			}
			for _, policy := range []int{winoAuto, winoOff} {
				withWinoPolicy(policy, func() {
					for i, c := range cases {
						for _, dt := range dtypes {
							runConvCase(t, c, dt, uint64(200+i))
						}
					}
				})
			}
		})
	}
}

// TestConv2dEmptyBatch convolves a batch of zero samples: the output and the
// input gradient are empty and the weight and bias gradients are zero. The
// first call leaves scratch buffers in the package's free list, as any
// earlier convolution in a program would.
func TestConv2dEmptyBatch(t *testing.T) {
	p := Conv2dParams{PadH: 1, PadW: 1}
	for _, dt := range dtypes {
		w := randT(testRNG(1), dt, -1, 1, 3, 2, 3, 3)
		x := randT(testRNG(2), dt, -1, 1, 2, 2, 5, 5)
		Conv2dBackward(Conv2d(x, w, nil, p), x, w, p, true, true, true)

		empty := New(dt, 0, 2, 5, 5)
		y := Conv2d(empty, w, Ones(dt, 3), p)
		if want := []int{0, 3, 5, 5}; !slices.Equal(y.Shape(), want) {
			t.Errorf("%v Conv2d of an empty batch: shape %v, want %v", dt, y.Shape(), want)
		}
		msg, panicked := panicMsg(func() {
			gx, gw, gb := Conv2dBackward(y, empty, w, p, true, true, true)
			if !slices.Equal(gx.Shape(), empty.Shape()) {
				t.Errorf("%v Conv2dBackward of an empty batch: gx shape %v", dt, gx.Shape())
			}
			checkClose(t, "Conv2dBackward gw of an empty batch", gw, dt, w.Shape(), make([]float64, w.Len()))
			checkClose(t, "Conv2dBackward gb of an empty batch", gb, dt, []int{3}, make([]float64, 3))
		})
		if panicked {
			t.Errorf("%v Conv2dBackward of an empty batch panicked: %s", dt, msg)
		}
		for _, pp := range []Pool2dParams{{KH: 2, KW: 2}, {KH: 3, KW: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1}} {
			if a := AvgPool2d(empty, pp); a.Len() != 0 || a.Dim(0) != 0 {
				t.Errorf("AvgPool2d of an empty batch: %v", a)
			}
			if m, idx := MaxPool2d(empty, pp); m.Len() != 0 || len(idx) != 0 {
				t.Errorf("MaxPool2d of an empty batch: %v", m)
			}
		}
	}
}

func TestConv2dBackwardFlags(t *testing.T) {
	c := convCases[2]
	_, _, oh, ow := c.geom()
	for _, dt := range dtypes {
		rng := testRNG(9)
		x := randT(rng, dt, -1, 1, c.n, c.c, c.h, c.w)
		w := randT(rng, dt, -1, 1, c.o, c.c, c.kh, c.kw)
		gy := randT(rng, dt, -1, 1, c.n, c.o, oh, ow)
		rx, rw, rb, _, _, _ := refConvBackward(c, gy, x, w)
		for mask := 0; mask < 8; mask++ {
			wx, ww, wb := mask&1 != 0, mask&2 != 0, mask&4 != 0
			gx, gw, gb := Conv2dBackward(gy, x, w, c.p, wx, ww, wb)
			name := fmt.Sprintf("want x=%v w=%v b=%v", wx, ww, wb)
			if (gx != nil) != wx || (gw != nil) != ww || (gb != nil) != wb {
				t.Errorf("%v %s: got gx=%v gw=%v gb=%v", dt, name, gx != nil, gw != nil, gb != nil)
				continue
			}
			if wx {
				checkClose(t, "gx "+name, gx, dt, x.Shape(), rx)
			}
			if ww {
				checkClose(t, "gw "+name, gw, dt, w.Shape(), rw)
			}
			if wb {
				checkClose(t, "gb "+name, gb, dt, []int{c.o}, rb)
			}
		}
	}
}

func TestConv2dPanics(t *testing.T) {
	for _, dt := range dtypes {
		x := New(dt, 2, 3, 5, 5)
		w := New(dt, 4, 3, 3, 3)
		mustPanic(t, "Conv2d channels", func() { Conv2d(x, New(dt, 4, 2, 3, 3), nil, Conv2dParams{}) }, "Conv2d", "[2 3 5 5]", "[4 2 3 3]")
		mustPanic(t, "Conv2d rank", func() { Conv2d(New(dt, 3, 5, 5), w, nil, Conv2dParams{}) }, "Conv2d", "[3 5 5]")
		mustPanic(t, "Conv2d weight rank", func() { Conv2d(x, New(dt, 4, 3, 3), nil, Conv2dParams{}) }, "Conv2d", "[4 3 3]")
		mustPanic(t, "Conv2d bias", func() { Conv2d(x, w, New(dt, 3), Conv2dParams{}) }, "Conv2d", "[3]", "[4 3 3 3]")
		mustPanic(t, "Conv2d too big kernel", func() { Conv2d(x, New(dt, 4, 3, 6, 6), nil, Conv2dParams{}) }, "Conv2d", "[2 3 5 5]", "[4 3 6 6]")
		mustPanic(t, "Conv2d negative stride", func() { Conv2d(x, w, nil, Conv2dParams{StrideH: -1}) }, "Conv2d", "negative")
		mustPanic(t, "Conv2dBackward gy", func() { Conv2dBackward(New(dt, 2, 4, 2, 2), x, w, Conv2dParams{}, true, true, true) },
			"Conv2dBackward", "[2 4 2 2]", "[2 4 3 3]")
	}
	mustPanic(t, "Conv2d dtypes", func() { Conv2d(New(Float32, 1, 1, 3, 3), New(Float64, 1, 1, 3, 3), nil, Conv2dParams{}) }, "Conv2d", "float32", "float64")
	mustPanic(t, "Conv2d bias dtype", func() {
		Conv2d(New(Float32, 1, 1, 3, 3), New(Float32, 1, 1, 3, 3), New(Float64, 1), Conv2dParams{})
	}, "Conv2d", "float32", "float64")
	mustPanic(t, "Conv2dBackward dtypes", func() {
		Conv2dBackward(New(Float64, 1, 1, 1, 1), New(Float32, 1, 1, 3, 3), New(Float32, 1, 1, 3, 3), Conv2dParams{}, true, true, true)
	}, "Conv2dBackward", "float32", "float64")
}

func TestConv2dParamsOutSize(t *testing.T) {
	ok := []struct {
		p            Conv2dParams
		h, w, kh, kw int
		wantH, wantW int
	}{
		{Conv2dParams{}, 5, 5, 3, 3, 3, 3},
		{Conv2dParams{PadH: 1, PadW: 1}, 5, 5, 3, 3, 5, 5},
		{Conv2dParams{StrideH: 2, StrideW: 3, PadH: 1, PadW: 2}, 7, 8, 3, 2, 4, 4},
		{Conv2dParams{StrideH: 2, StrideW: 2}, 8, 8, 3, 3, 3, 3},
		{Conv2dParams{}, 4, 4, 4, 4, 1, 1},
		{Conv2dParams{PadH: 1, PadW: 1}, 1, 1, 3, 3, 1, 1},
		{Conv2dParams{StrideH: 5, StrideW: 5}, 4, 4, 1, 1, 1, 1},
	}
	for _, c := range ok {
		oh, ow, err := c.p.OutSize(c.h, c.w, c.kh, c.kw)
		if err != nil || oh != c.wantH || ow != c.wantW {
			t.Errorf("%+v.OutSize(%d, %d, %d, %d) = %d, %d, %v; want %d, %d", c.p, c.h, c.w, c.kh, c.kw, oh, ow, err, c.wantH, c.wantW)
		}
	}
	bad := []struct {
		p            Conv2dParams
		h, w, kh, kw int
		mention      string
	}{
		{Conv2dParams{}, 3, 3, 4, 4, "4×4"},
		{Conv2dParams{}, 5, 2, 3, 3, "5×2"},
		{Conv2dParams{PadH: 1}, 1, 5, 4, 3, "4×3"},
		{Conv2dParams{StrideH: -1}, 5, 5, 3, 3, "negative"},
		{Conv2dParams{StrideW: -2}, 5, 5, 3, 3, "negative"},
		{Conv2dParams{PadH: -1}, 5, 5, 3, 3, "negative"},
		{Conv2dParams{PadW: -1}, 5, 5, 1, 1, "negative"},
		{Conv2dParams{}, 5, 5, 0, 3, "0×3"},
		{Conv2dParams{}, 5, 5, 3, 0, "3×0"},
		{Conv2dParams{}, 0, 5, 1, 1, "0×5"},
	}
	for _, c := range bad {
		oh, ow, err := c.p.OutSize(c.h, c.w, c.kh, c.kw)
		if err == nil {
			t.Errorf("%+v.OutSize(%d, %d, %d, %d) = %d, %d, want an error", c.p, c.h, c.w, c.kh, c.kw, oh, ow)
			continue
		}
		if oh != 0 || ow != 0 {
			t.Errorf("%+v.OutSize: error with sizes %d, %d", c.p, oh, ow)
		}
		if !strings.Contains(err.Error(), c.mention) {
			t.Errorf("%+v.OutSize(%d, %d, %d, %d): error %q does not mention %q", c.p, c.h, c.w, c.kh, c.kw, err, c.mention)
		}
	}
}
