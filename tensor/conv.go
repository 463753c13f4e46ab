package tensor

import (
	"fmt"

	"github.com/acaode/aca/internal/vec"
)

// Conv2dParams is the geometry of a 2-D convolution or pooling window beyond
// the kernel size. The zero value means stride 1 and no padding.
type Conv2dParams struct {
	StrideH, StrideW int // step between windows; 0 means 1
	PadH, PadW       int // zeros added on each side
}

func (p Conv2dParams) strides() (int, int) {
	sh, sw := p.StrideH, p.StrideW
	if sh == 0 {
		sh = 1
	}
	if sw == 0 {
		sw = 1
	}
	return sh, sw
}

// OutSize returns the output height and width of a kh×kw window over an h×w
// input, or an error naming the geometry when it leaves no output.
func (p Conv2dParams) OutSize(h, w, kh, kw int) (int, int, error) {
	sh, sw := p.strides()
	if sh < 0 || sw < 0 || p.PadH < 0 || p.PadW < 0 {
		return 0, 0, fmt.Errorf("negative stride or padding in %+v", p)
	}
	oh := (h+2*p.PadH-kh)/sh + 1
	ow := (w+2*p.PadW-kw)/sw + 1
	if kh < 1 || kw < 1 || h+2*p.PadH < kh || w+2*p.PadW < kw || oh < 1 || ow < 1 {
		return 0, 0, fmt.Errorf("a %d×%d window with %+v leaves no output on a %d×%d input", kh, kw, p, h, w)
	}
	return oh, ow, nil
}

// convGeom is everything the conv kernels need, checked once.
type convGeom struct {
	n, c, h, w     int // input
	o, kh, kw      int // weight
	oh, ow         int // output plane
	sh, sw, ph, pw int
}

func (g convGeom) ckk() int { return g.c * g.kh * g.kw }
func (g convGeom) s() int   { return g.oh * g.ow }

func newConvGeom(op string, xs, ws []int, p Conv2dParams) convGeom {
	if len(xs) != 4 || len(ws) != 4 {
		panic(fmt.Sprintf("tensor: %s: want input [N C H W] and weight [O C KH KW], have %v and %v", op, xs, ws))
	}
	if xs[1] != ws[1] {
		panic(fmt.Sprintf("tensor: %s: input %v has %d channels, weight %v expects %d", op, xs, xs[1], ws, ws[1]))
	}
	oh, ow, err := p.OutSize(xs[2], xs[3], ws[2], ws[3])
	if err != nil {
		panic(fmt.Sprintf("tensor: %s: input %v, weight %v: %v", op, xs, ws, err))
	}
	sh, sw := p.strides()
	return convGeom{n: xs[0], c: xs[1], h: xs[2], w: xs[3], o: ws[0], kh: ws[2], kw: ws[3],
		oh: oh, ow: ow, sh: sh, sw: sw, ph: p.PadH, pw: p.PadW}
}

// Conv2d returns the cross-correlation of x [N, C, H, W] with w [O, C, KH, KW]
// plus the bias b [O] (nil for none): the output has shape [N, O, OH, OW].
//
// Each sample is lowered with im2col to a [C·KH·KW, OH·OW] matrix and
// multiplied by the weight viewed as [O, C·KH·KW]; the product lands in the
// sample's [O, OH·OW] output plane. Stride-1 convolutions whose padding is
// narrow enough for the "wide" lowering take a sample in cache-sized
// panels; the others lower groups of samples side by side and multiply each
// group at once (see groupSamples). Samples, or groups, are spread over
// SetThreads workers, each with its own buffers.
//
// Stride-1 3×3 convolutions with padding 0 or 1, enough channels (16 on
// CPUs with AVX2 and FMA; elsewhere 24, or 16 for the backward pass with
// OpenBLAS) and enough work per chunk of samples take Winograd's F(2×2,
// 3×3) algorithm instead, with 2.25× fewer multiply-adds (see winograd.go
// for the rule and its measurements).
func Conv2d(x, w, b *Tensor, p Conv2dParams) *Tensor {
	sameDType("Conv2d", x, w)
	g := newConvGeom("Conv2d", x.shape, w.shape, p)
	if b != nil {
		sameDType("Conv2d", x, b)
		if b.NDim() != 1 || b.Len() != g.o {
			panic(fmt.Sprintf("tensor: Conv2d: bias %v does not match weight %v (want [%d])", b.shape, w.shape, g.o))
		}
	}
	out := allocFull(x.dtype, []int{g.n, g.o, g.oh, g.ow}) // every path writes every element
	switch x.dtype {
	case Float32:
		var bias []float32
		if b != nil {
			bias = b.f32
		}
		convForward(g, x.f32, w.f32, bias, out.f32)
	case Float64:
		var bias []float64
		if b != nil {
			bias = b.f64
		}
		convForward(g, x.f64, w.f64, bias, out.f64)
	}
	return out
}

// samplesParallel reports whether a convolution spreads its samples over
// workers (enough samples; the im2col forward pass asks the same of its
// groups of samples instead). Otherwise only the im2col path's copies
// spread over channels. Either way each product (of a sample, a panel of
// one, or a group of samples: see groupSamples) is one unsplit GEMM fixed
// by the shape, so the result does not depend on the thread count.
func (g convGeom) samplesParallel() bool { return g.n >= Threads() }

// Stride-1 convolutions use a "wide" lowering. On the zero-padded input
// plane of width Wp = W + 2·PadW, the input pixel kernel tap (ki, kj) sees at
// output (oh, ow) sits at flat offset (oh+ki)·Wp + ow + kj. If the output is
// computed on a grid of row length Wp instead of OW, every im2col row is one
// contiguous run of the padded plane, so lowering a sample is C·KH·KW block
// copies instead of C·KH·KW·OH short ones. The Wp − OW extra columns per
// output row are discarded; they cost (Wp − OW)/OW more multiply-adds, about
// 7 % at 28×28 with padding 1.

// wide reports whether the wide lowering applies and pays off.
func (g convGeom) wide() bool {
	return g.sh == 1 && g.sw == 1 && 2*(g.wp()-g.ow) <= g.ow
}

func (g convGeom) hp() int { return g.h + 2*g.ph }
func (g convGeom) wp() int { return g.w + 2*g.pw }

// wideLen is the row length of the wide column matrix: from output (0, 0)
// to output (OH−1, OW−1) on the wide grid.
func (g convGeom) wideLen() int { return (g.oh-1)*g.wp() + g.ow }

func (g convGeom) padded() bool { return g.ph != 0 || g.pw != 0 }

// padSample returns sample n of x as C planes of Hp×Wp: x's own storage
// when there is no padding, else a zero-bordered copy in buf.
func padSample[T float](g convGeom, x []T, n int, buf []T) []T {
	chw := g.c * g.h * g.w
	if !g.padded() {
		return x[n*chw : (n+1)*chw]
	}
	hp, wp := g.hp(), g.wp()
	clear(buf)
	for c := 0; c < g.c; c++ {
		for ih := 0; ih < g.h; ih++ {
			src := x[n*chw+(c*g.h+ih)*g.w:]
			copy(buf[c*hp*wp+(ih+g.ph)*wp+g.pw:][:g.w], src[:g.w])
		}
	}
	return buf
}

// panelCols is the number of wide-grid columns lowered and multiplied at a
// time: the panel (C·KH·KW rows) and BLAS's packed copy of it then stay in a
// core's L2 cache. Lowering a whole sample (a megabyte at the paper's conv
// shape) made the products memory-bound, and two cores scaled by only 1.4×.
func (g convGeom) panelCols() int {
	const panelElems = 1 << 16 // 256 KiB of float32
	p := max(64, panelElems/max(g.ckk(), 1)) / 16 * 16
	return min(p, g.wideLen())
}

// wideRows calls fn for every row (c, ki, kj) of the wide column matrix
// with the offset, in a padded sample, of the row's element in column j0.
// Row r's columns [j0, j0+wdt) are then the contiguous run
// padded[off : off+wdt].
func (g convGeom) wideRows(j0 int, fn func(row, off int)) {
	hpwp, wp := g.hp()*g.wp(), g.wp()
	for c := 0; c < g.c; c++ {
		for ki := 0; ki < g.kh; ki++ {
			for kj := 0; kj < g.kw; kj++ {
				fn((c*g.kh+ki)*g.kw+kj, c*hpwp+ki*wp+kj+j0)
			}
		}
	}
}

// lowerWide writes columns [j0, j0+wdt) of the wide column matrix of one
// padded sample as a [C·KH·KW, wdt] panel.
func lowerWide[T float](g convGeom, xp, cols []T, j0, wdt int) {
	g.wideRows(j0, func(row, off int) { copy(cols[row*wdt:(row+1)*wdt], xp[off:off+wdt]) })
}

// raiseWide adds a [C·KH·KW, wdt] panel of columns [j0, j0+wdt) back into
// one padded sample (the adjoint of lowerWide).
func raiseWide[T float](g convGeom, cols, xp []T, j0, wdt int) {
	g.wideRows(j0, func(row, off int) { axpy(1, cols[row*wdt:(row+1)*wdt], xp[off:off+wdt]) })
}

// convScratch is one worker's buffers.
type convScratch[T float] struct {
	cols, pad, wide []T
}

func newConvScratch[T float](g convGeom) *convScratch[T] {
	sc := &convScratch[T]{}
	if g.wide() {
		sc.cols = getScratch[T](g.ckk() * g.panelCols())
		sc.wide = getScratch[T](g.o * g.wideLen())
		if g.padded() {
			sc.pad = getScratch[T](g.c * g.hp() * g.wp())
		}
	} else {
		cols := g.groupSamples() * g.s()
		sc.cols = getScratch[T](g.ckk() * cols)
		if g.groupSamples() > 1 {
			sc.wide = getScratch[T](g.o * cols) // a group's output (gradient) rows
		}
	}
	return sc
}

func (sc *convScratch[T]) release() {
	for _, b := range [][]T{sc.cols, sc.pad, sc.wide} {
		if b != nil {
			putScratch(b)
		}
	}
}

func convForward[T float](g convGeom, x, w, b, out []T) {
	if g.winograd(false) {
		winoForward(g, x, w, b, out)
		return
	}
	if !g.wide() {
		convForwardGroups(g, x, w, b, out)
		return
	}
	ckk, s := g.ckk(), g.s()
	grain := g.n // one goroutine for the whole batch ...
	if g.samplesParallel() {
		grain = 1 // ... unless samples go to workers
	}
	parallelFor(g.n, grain, func(lo, hi int) {
		sc := newConvScratch[T](g)
		defer sc.release()
		for n := lo; n < hi; n++ {
			dst := out[n*g.o*s : (n+1)*g.o*s]
			l, pc := g.wideLen(), g.panelCols()
			xp := padSample(g, x, n, sc.pad)
			for j0 := 0; j0 < l; j0 += pc {
				wdt := min(pc, l-j0)
				lowerWide(g, xp, sc.cols, j0, wdt)
				gemm(false, false, g.o, wdt, ckk, 1, w, ckk, sc.cols, wdt, 0, sc.wide[j0:], l)
			}
			for o := 0; o < g.o; o++ {
				var bo T
				if b != nil {
					bo = b[o]
				}
				for oh := 0; oh < g.oh; oh++ {
					src := sc.wide[o*l+oh*g.wp():][:g.ow]
					d := dst[o*s+oh*g.ow:][:g.ow]
					for j, v := range src {
						d[j] = v + bo
					}
				}
			}
		}
	})
}

// Convolutions that the wide lowering does not take (strided ones, and
// those whose padding is too wide for it) lower groupSamples samples side
// by side into one [C·KH·KW, m·OH·OW] column matrix, sample i's columns at
// i·OH·OW, and multiply the group at once: the product's columns (forward
// and input gradient) or its inner dimension (weight gradient) then number
// about as many as panelCols, instead of a single sample's OH·OW, which in
// ResNet18's last stage on 28×28 images is 16. Per sample, each product
// re-packed the whole weight for 16 columns, and each weight-gradient
// product read and wrote the whole partial sum for 16 multiply-adds per
// element.

// groupSamples is the number of samples the im2col path lowers and
// multiplies together: one where a sample's OH·OW columns are already
// many (groups of 20 samples at 28×28 made ResNet18's 1×1 projection
// 1.5× slower: the group's buffers outgrew the L2 cache), else enough for
// about panelElems/max(C·KH·KW, O) columns, between 64 and 512, but small
// enough that a batch of convMinGroups samples or more makes that many
// groups for the workers to share (with OpenBLAS, which runs each product
// on one thread, a batch in one group ran on one core). It depends on the
// shape only, so results do not depend on the thread count.
func (g convGeom) groupSamples() int {
	const panelElems = 1 << 16 // as panelCols
	s := max(g.s(), 1)
	if s >= 128 {
		return 1
	}
	target := min(max(64, panelElems/max(g.ckk(), g.o, 1)), 512)
	return max(1, min(target/s, (g.n+convMinGroups-1)/convMinGroups))
}

// convMinGroups is the number of im2col groups a batch is cut into at
// least, where it has that many samples (as winoMinChunks for Winograd).
const convMinGroups = 8

// convGroups calls fn for the groups of samples [n0, n1) of at most
// groupSamples samples that cover [lo, hi), from lo on.
func (g convGeom) convGroups(lo, hi int, fn func(n0, n1 int)) {
	nb := g.groupSamples()
	for n0 := lo; n0 < hi; n0 += nb {
		fn(n0, min(n0+nb, hi))
	}
}

// convForwardGroups is convForward's im2col path.
func convForwardGroups[T float](g convGeom, x, w, b, out []T) {
	ckk, s, nb := g.ckk(), g.s(), g.groupSamples()
	groups := (g.n + nb - 1) / nb
	outer := groups >= Threads()
	grain := groups // one goroutine for the whole batch ...
	if outer {
		grain = 1 // ... unless groups go to workers
	}
	parallelFor(groups, grain, func(lo, hi int) {
		sc := newConvScratch[T](g)
		defer sc.release()
		g.convGroups(lo*nb, min(hi*nb, g.n), func(n0, n1 int) {
			ld := (n1 - n0) * s
			for n := n0; n < n1; n++ {
				im2col(g, x, n, sc.cols, ld, (n-n0)*s, !outer)
			}
			if n1-n0 == 1 {
				dst := out[n0*g.o*s : n1*g.o*s]
				gemm(false, false, g.o, s, ckk, 1, w, ckk, sc.cols, s, 0, dst, s)
				for o := 0; b != nil && o < g.o; o++ {
					addConst(dst[o*s:(o+1)*s], b[o])
				}
				return
			}
			y := sc.wide[:g.o*ld]
			gemm(false, false, g.o, ld, ckk, 1, w, ckk, sc.cols, ld, 0, y, ld)
			for n := n0; n < n1; n++ {
				for o := 0; o < g.o; o++ {
					var bo T
					if b != nil {
						bo = b[o]
					}
					d, src := out[(n*g.o+o)*s:][:s], y[o*ld+(n-n0)*s:][:s]
					for j, v := range src {
						d[j] = v + bo
					}
				}
			}
		})
	})
}

// addConst adds v to every element of d.
func addConst[T float](d []T, v T) {
	for i := range d {
		d[i] += v
	}
}

// owRange returns the output columns [lo, hi) whose input column
// ow·sw − pw + kj falls inside [0, w).
func owRange(g convGeom, kj int) (int, int) { return tapRange(g.pw, kj, g.sw, g.w, g.ow) }

// ohRange returns the output rows [lo, hi) whose input row oh·sh − ph + ki
// falls inside [0, h).
func ohRange(g convGeom, ki int) (int, int) { return tapRange(g.ph, ki, g.sh, g.h, g.oh) }

// tapRange returns the outputs [lo, hi) among out whose input o·stride −
// pad + k falls inside [0, in), for kernel tap k.
func tapRange(pad, k, stride, in, out int) (int, int) {
	lo := 0
	if d := pad - k; d > 0 {
		lo = (d + stride - 1) / stride
	}
	hi := 0
	if last := in - 1 + pad - k; last >= 0 {
		hi = last/stride + 1
	}
	return min(lo, out), max(min(hi, out), min(lo, out))
}

// channels calls fn for the channels [clo, chi) of a sample, all of them
// at once or, if par is set, spread over workers (each channel's column-
// matrix rows and input plane then belong to one worker). im2col and
// col2im walk the channels so.
func (g convGeom) channels(par bool, fn func(clo, chi int)) {
	grain := g.c
	if par {
		grain = 1
	}
	parallelFor(g.c, grain, fn)
}

// im2col writes sample n of x as the [C·KH·KW, OH·OW] column matrix
// cols[row·ld + off + j]: row (c, ki, kj), column (oh, ow) holds the input
// pixel that kernel tap (ki, kj) sees at output (oh, ow), or 0 in the
// padding. With par set, channels are spread over workers.
func im2col[T float](g convGeom, x []T, n int, cols []T, ld, off int, par bool) {
	if x32, ok := any(x).([]float32); ok && g.sw == 2 && g.kw >= 2 && g.w >= 16 {
		im2colStride2(g, x32, n, any(cols).([]float32), ld, off, par)
		return
	}
	im2colGather(g, x, n, cols, ld, off, par)
}

// im2colGather is im2col with a gather per output row.
func im2colGather[T float](g convGeom, x []T, n int, cols []T, ld, off int, par bool) {
	hw, s := g.h*g.w, g.s()
	g.channels(par, func(clo, chi int) {
		for c := clo; c < chi; c++ {
			plane := x[(n*g.c+c)*hw:][:hw]
			for ki := 0; ki < g.kh; ki++ {
				oh0, oh1 := ohRange(g, ki) // the output rows whose input row is inside
				for kj := 0; kj < g.kw; kj++ {
					row := (c*g.kh+ki)*g.kw + kj
					lo, hi := owRange(g, kj)
					iw := lo*g.sw - g.pw + kj // the input column of output column lo
					d := cols[row*ld+off:][:s]
					clear(d[:oh0*g.ow])
					clear(d[oh1*g.ow:])
					for oh := oh0; oh < oh1; oh++ {
						dr := d[oh*g.ow:][:g.ow]
						for j := range dr[:lo] {
							dr[j] = 0
						}
						for j := hi; j < len(dr); j++ {
							dr[j] = 0
						}
						gatherStrided(dr[lo:hi], plane[(oh*g.sh-g.ph+ki)*g.w:][:g.w], iw, g.sw)
					}
				}
			}
		}
	})
}

// im2colStride2 is im2col for float32 and a column stride of 2. A plane's
// rows are split once into their even and odd columns (vec.DeinterleaveRows32),
// and each tap then reads a contiguous run of one half: input column
// 2·ow + d (d = kj − pw) is the even half's ow + d/2 for d even and the odd
// half's ow + (d−1)/2 for d odd. The same values land in the same places
// as with a gather per output row. (It pays where rows are long and every
// column is read: ResNet18's stride-2 3×3 convolution at 28×28, 16→32,
// batch 128, forward and backward, took 21.4 ms against 24.2, medians of 9
// alternated rounds; at 14×14 it made no difference, and 1×1 kernels, which
// read only the even columns, were slower.)
func im2colStride2(g convGeom, x []float32, n int, cols []float32, ld, off int, par bool) {
	hw, s := g.h*g.w, g.s()
	ne, no := (g.w+1)/2, g.w/2 // even and odd columns per row
	g.channels(par, func(clo, chi int) {
		half := getScratch[float32](2 * g.h * ne) // both halves' rows ne apart
		defer putScratch(half)
		even, odd := half[:g.h*ne], half[g.h*ne:]
		for c := clo; c < chi; c++ {
			plane := x[(n*g.c+c)*hw:][:hw]
			vec.DeinterleaveRows32(even, odd, ne, plane, g.w, g.h, no)
			if ne > no { // the last column of an odd width
				for r := 0; r < g.h; r++ {
					even[r*ne+no] = plane[r*g.w+g.w-1]
				}
			}
			for ki := 0; ki < g.kh; ki++ {
				oh0, oh1 := ohRange(g, ki)
				for kj := 0; kj < g.kw; kj++ {
					row := (c*g.kh+ki)*g.kw + kj
					lo, hi := owRange(g, kj)
					d := kj - g.pw
					src := even
					if d&1 != 0 {
						src = odd
					}
					e := d >> 1 // floor(d/2)
					dc := cols[row*ld+off:][:s]
					clear(dc[:oh0*g.ow])
					clear(dc[oh1*g.ow:])
					for oh := oh0; oh < oh1; oh++ {
						dr := dc[oh*g.ow:][:g.ow]
						clear(dr[:lo])
						clear(dr[hi:])
						r := oh*g.sh - g.ph + ki
						copy(dr[lo:hi], src[r*ne+lo+e:])
					}
				}
			}
		}
	})
}

// gatherStrided sets d[j] = src[i + j·step].
func gatherStrided[T float](d, src []T, i, step int) {
	switch {
	case len(d) == 0:
	case step == 1:
		copy(d, src[i:i+len(d)])
	case step == 2:
		src = src[i : i+2*len(d)-1]
		for j := range d {
			d[j] = src[2*j]
		}
	default:
		for j := range d {
			d[j] = src[i]
			i += step
		}
	}
}

// col2im adds the column matrix of sample n, cols[row·ld + off + j] as
// im2col writes it, back into dx (the adjoint of im2col: every tap's value
// returns to the pixel it came from). With par set, channels are spread
// over workers.
func col2im[T float](g convGeom, cols []T, ld, off, n int, dx []T, par bool) {
	hw, s := g.h*g.w, g.s()
	g.channels(par, func(clo, chi int) {
		for c := clo; c < chi; c++ {
			plane := dx[(n*g.c+c)*hw:][:hw]
			for ki := 0; ki < g.kh; ki++ {
				oh0, oh1 := ohRange(g, ki)
				for kj := 0; kj < g.kw; kj++ {
					row := (c*g.kh+ki)*g.kw + kj
					lo, hi := owRange(g, kj)
					iw := lo*g.sw - g.pw + kj
					sv := cols[row*ld+off:][:s]
					for oh := oh0; oh < oh1; oh++ {
						scatterAddStrided(plane[(oh*g.sh-g.ph+ki)*g.w:][:g.w], iw, g.sw, sv[oh*g.ow:][lo:hi])
					}
				}
			}
		}
	})
}

// scatterAddStrided adds v[j] into d[i + j·step].
func scatterAddStrided[T float](d []T, i, step int, v []T) {
	switch {
	case len(v) == 0:
	case step == 1:
		axpy(1, v, d[i:i+len(v)])
	case step == 2:
		d = d[i : i+2*len(v)-1]
		for j, x := range v {
			d[2*j] += x
		}
	default:
		for _, x := range v {
			d[i] += x
			i += step
		}
	}
}

// Conv2dBackward returns the gradients of Conv2d(x, w, b, p) given the output
// gradient gy: with respect to the input (if wantX), the weight (if wantW)
// and the bias (if wantB); unwanted results are nil.
//
// Samples are processed in blocks fixed by the shape; each block sums its
// weight and bias gradients separately and the blocks are added in order, so
// the result is the same whatever the number of threads. The convolutions
// that Conv2d computes with Winograd's algorithm get their gradients from its
// adjoint.
func Conv2dBackward(gy, x, w *Tensor, p Conv2dParams, wantX, wantW, wantB bool) (gx, gw, gb *Tensor) {
	sameDType("Conv2dBackward", gy, x)
	sameDType("Conv2dBackward", gy, w)
	g := newConvGeom("Conv2dBackward", x.shape, w.shape, p)
	if want := []int{g.n, g.o, g.oh, g.ow}; !shapeEqual(gy.shape, want) {
		panic(fmt.Sprintf("tensor: Conv2dBackward: output gradient %v, want %v", gy.shape, want))
	}
	// The Winograd path writes every element of gx and gw (see
	// winoBackward); im2col adds into them. Storage fresh from the
	// operating system reads as zero, and a page read before it is written
	// faults twice, the second time with a TLB flush on every core (3.5 % of
	// a ResNet18 step in a profile), so im2col's gx is zeroed by writing.
	wino := g.n > 0 && g.winograd(true)
	if wantX {
		gx = allocFull(x.dtype, x.shape)
		if !wino {
			zeroParallel(gx)
		}
	}
	if wantW {
		if wino {
			gw = allocFull(x.dtype, w.shape)
		} else {
			gw = alloc(x.dtype, w.shape)
		}
	}
	if wantB {
		gb = alloc(x.dtype, []int{g.o})
	}
	switch x.dtype {
	case Float32:
		convBackward(g, gy.f32, x.f32, w.f32, data32(gx), data32(gw), data32(gb))
	case Float64:
		convBackward(g, gy.f64, x.f64, w.f64, data64(gx), data64(gw), data64(gb))
	}
	return gx, gw, gb
}

func data32(t *Tensor) []float32 {
	if t == nil {
		return nil
	}
	return t.f32
}

func data64(t *Tensor) []float64 {
	if t == nil {
		return nil
	}
	return t.f64
}

// convBlocks returns how many samples each partial weight-gradient sum of
// Conv2dBackward collects, and how many partial sums there are. It depends
// only on the shape (so results do not depend on the thread count): up to
// 16 partial sums, fewer if each is large, so a small batch still spreads
// over the workers while a big layer's partials stay within 64 MiB (float32).
func (g convGeom) convBlocks() (per, blocks int) {
	blocks = min(g.n, 16, max(2, (1<<24)/max(g.o*g.ckk(), 1)))
	per = (g.n + blocks - 1) / max(blocks, 1)
	return per, (g.n + per - 1) / max(per, 1)
}

func convBackward[T float](g convGeom, gy, x, w, gx, gw, gb []T) {
	if g.n == 0 {
		return // every gradient is zero, as allocated
	}
	if g.winograd(true) {
		winoBackward(g, gy, x, w, gx, gw, gb)
		return
	}
	ckk, s := g.ckk(), g.s()
	convBlock, nblk := g.convBlocks()
	wsz := g.o * ckk
	var pw []T
	if gw != nil {
		pw = getScratch[T](nblk * wsz)
		defer putScratch(pw)
	}
	pb := make([]float64, nblk*g.o)
	outer := g.samplesParallel()
	grain := nblk
	if outer {
		grain = 1
	}
	parallelFor(nblk, grain, func(lo, hi int) {
		sc := newConvScratch[T](g)
		defer sc.release()
		for blk := lo; blk < hi; blk++ {
			b0, b1 := blk*convBlock, min((blk+1)*convBlock, g.n)
			for n := b0; gb != nil && n < b1; n++ {
				gyn := gy[n*g.o*s : (n+1)*g.o*s]
				for o := 0; o < g.o; o++ {
					pb[blk*g.o+o] += sum64(gyn[o*s : (o+1)*s])
				}
			}
			if gw == nil && gx == nil {
				continue
			}
			if !g.wide() {
				// Groups of samples (groupSamples), the block's own: its
				// partial sum starts at its first group.
				g.convGroups(b0, b1, func(n0, n1 int) {
					ld := (n1 - n0) * s
					gyg := gy[n0*g.o*s : n1*g.o*s] // one sample: [O, OH·OW] already
					if n1-n0 > 1 {
						gyg = sc.wide[:g.o*ld]
						for n := n0; n < n1; n++ {
							for o := 0; o < g.o; o++ {
								copy(gyg[o*ld+(n-n0)*s:][:s], gy[(n*g.o+o)*s:][:s])
							}
						}
					}
					if gw != nil {
						for n := n0; n < n1; n++ {
							im2col(g, x, n, sc.cols, ld, (n-n0)*s, !outer)
						}
						beta := T(1)
						if n0 == b0 {
							beta = 0
						}
						gemm(false, true, g.o, ckk, ld, 1, gyg, ld, sc.cols, ld, beta, pw[blk*wsz:(blk+1)*wsz], ckk)
					}
					if gx != nil {
						gemm(true, false, ckk, ld, g.o, 1, w, ckk, gyg, ld, 0, sc.cols, ld)
						for n := n0; n < n1; n++ {
							col2im(g, sc.cols, ld, (n-n0)*s, n, gx, !outer)
						}
					}
				})
				continue
			}
			for n := b0; n < b1; n++ {
				gyn := gy[n*g.o*s : (n+1)*g.o*s]
				first := n == b0 // the block's partial sum starts here
				// Wide grid: the output gradient spread with zeros in the
				// discarded columns (so they contribute nothing), then one
				// cache-sized panel of columns at a time.
				l, pc := g.wideLen(), g.panelCols()
				gm := sc.wide
				clear(gm)
				for o := 0; o < g.o; o++ {
					for oh := 0; oh < g.oh; oh++ {
						copy(gm[o*l+oh*g.wp():][:g.ow], gyn[o*s+oh*g.ow:][:g.ow])
					}
				}
				chw := g.c * g.h * g.w
				var xp, dxp []T
				if gw != nil {
					xp = padSample(g, x, n, sc.pad)
				}
				if gx != nil {
					if g.padded() {
						dxp = getScratch[T](g.c * g.hp() * g.wp())
						clear(dxp)
					} else {
						dxp = gx[n*chw : (n+1)*chw]
					}
				}
				for j0 := 0; j0 < l; j0 += pc {
					wdt := min(pc, l-j0)
					if gw != nil {
						lowerWide(g, xp, sc.cols, j0, wdt)
						beta := T(1)
						if first && j0 == 0 {
							beta = 0
						}
						gemm(false, true, g.o, ckk, wdt, 1, gm[j0:], l, sc.cols, wdt, beta, pw[blk*wsz:(blk+1)*wsz], ckk)
					}
					if gx != nil {
						gemm(true, false, ckk, wdt, g.o, 1, w, ckk, gm[j0:], l, 0, sc.cols, wdt)
						raiseWide(g, sc.cols, dxp, j0, wdt)
					}
				}
				if gx != nil && g.padded() {
					hp, wp := g.hp(), g.wp()
					for c := 0; c < g.c; c++ {
						for ih := 0; ih < g.h; ih++ {
							copy(gx[n*chw+(c*g.h+ih)*g.w:][:g.w], dxp[c*hp*wp+(ih+g.ph)*wp+g.pw:][:g.w])
						}
					}
					putScratch(dxp)
				}
			}
		}
	})
	if gw != nil {
		copy(gw, pw[:wsz])
		for blk := 1; blk < nblk; blk++ {
			axpy(1, pw[blk*wsz:(blk+1)*wsz], gw)
		}
	}
	for o := range gb {
		sum := 0.0
		for blk := 0; blk < nblk; blk++ {
			sum += pb[blk*g.o+o]
		}
		gb[o] = T(sum)
	}
}

// zeroParallel sets every element of t to zero, writing it (see
// Conv2dBackward), spread over workers.
func zeroParallel(t *Tensor) {
	parallelFor(t.Len(), elementwiseGrain, func(lo, hi int) {
		switch t.dtype {
		case Float32:
			clear(t.f32[lo:hi])
		case Float64:
			clear(t.f64[lo:hi])
		}
	})
}
