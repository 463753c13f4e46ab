package tensor

import "fmt"

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

// maxColElems bounds the im2col buffer (elements); larger batches are processed in chunks.
const maxColElems = 1 << 23

func (g convGeom) chunk() int {
	per := max(g.ckk()*g.s(), 1)
	return max(1, min(g.n, maxColElems/per))
}

// Conv2d returns the cross-correlation of x [N, C, H, W] with w [O, C, KH, KW]
// plus the bias b [O] (nil for none): the output has shape [N, O, OH, OW].
// It lowers the input with im2col and multiplies with one GEMM per chunk of
// the batch, so the BLAS sees a large product.
func Conv2d(x, w, b *Tensor, p Conv2dParams) *Tensor {
	sameDType("Conv2d", x, w)
	g := newConvGeom("Conv2d", x.shape, w.shape, p)
	if b != nil {
		sameDType("Conv2d", x, b)
		if b.Len() != g.o {
			panic(fmt.Sprintf("tensor: Conv2d: bias %v does not match weight %v (want [%d])", b.shape, w.shape, g.o))
		}
	}
	out := alloc(x.dtype, []int{g.n, g.o, g.oh, g.ow})
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

func convForward[T float](g convGeom, x, w, b, out []T) {
	ckk, s := g.ckk(), g.s()
	chunk := g.chunk()
	cols := getScratch[T](ckk * chunk * s)
	defer putScratch(cols)
	var tmp []T
	if chunk > 1 {
		tmp = getScratch[T](g.o * chunk * s)
		defer putScratch(tmp)
	}
	for n0 := 0; n0 < g.n; n0 += chunk {
		nb := min(chunk, g.n-n0)
		cs := cols[:ckk*nb*s]
		im2col(g, x, n0, nb, cs)
		if nb == 1 {
			// The product lands directly in the output plane of this sample.
			dst := out[n0*g.o*s : (n0+1)*g.o*s]
			var beta T
			if b != nil {
				for o := 0; o < g.o; o++ {
					fillT(dst[o*s:(o+1)*s], b[o])
				}
				beta = 1
			}
			gemm(false, false, g.o, s, ckk, 1, w, ckk, cs, s, beta, dst, s)
			continue
		}
		t := tmp[:g.o*nb*s]
		gemm(false, false, g.o, nb*s, ckk, 1, w, ckk, cs, nb*s, 0, t, nb*s)
		// t is [O, nb, S]; the output wants [nb, O, S] (+ bias).
		parallelFor(nb*g.o, max(1, elementwiseGrain/s), func(lo, hi int) {
			for r := lo; r < hi; r++ {
				i, o := r/g.o, r%g.o
				src := t[(o*nb+i)*s : (o*nb+i+1)*s]
				dst := out[((n0+i)*g.o+o)*s : ((n0+i)*g.o+o+1)*s]
				if b == nil {
					copy(dst, src)
					continue
				}
				bo := b[o]
				for j, v := range src {
					dst[j] = v + bo
				}
			}
		})
	}
}

func fillT[T float](d []T, v T) {
	for i := range d {
		d[i] = v
	}
}

// owRange returns the output columns [lo, hi) whose input column
// ow·sw − pw + kj falls inside [0, w).
func owRange(g convGeom, kj int) (int, int) {
	lo := 0
	if d := g.pw - kj; d > 0 {
		lo = (d + g.sw - 1) / g.sw
	}
	hi := 0
	if last := g.w - 1 + g.pw - kj; last >= 0 {
		hi = last/g.sw + 1
	}
	return min(lo, g.ow), max(min(hi, g.ow), min(lo, g.ow))
}

// im2col writes samples n0 … n0+nb-1 of x as the [C·KH·KW, nb·OH·OW] column
// matrix: row (c, ki, kj), column (sample, oh, ow) holds the input pixel that
// kernel tap (ki, kj) sees at output (oh, ow), or 0 in the padding.
func im2col[T float](g convGeom, x []T, n0, nb int, cols []T) {
	s := g.s()
	ld := nb * s
	parallelFor(nb*g.c, 1, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			i, c := r/g.c, r%g.c
			plane := x[((n0+i)*g.c+c)*g.h*g.w : ((n0+i)*g.c+c+1)*g.h*g.w]
			for ki := 0; ki < g.kh; ki++ {
				for kj := 0; kj < g.kw; kj++ {
					row := (c*g.kh+ki)*g.kw + kj
					dst := cols[row*ld+i*s : row*ld+(i+1)*s]
					lo, hi := owRange(g, kj)
					for oh := 0; oh < g.oh; oh++ {
						d := dst[oh*g.ow : (oh+1)*g.ow]
						ih := oh*g.sh - g.ph + ki
						if ih < 0 || ih >= g.h {
							clear(d)
							continue
						}
						src := plane[ih*g.w : (ih+1)*g.w]
						clear(d[:lo])
						clear(d[hi:])
						iw := lo*g.sw - g.pw + kj
						if g.sw == 1 {
							copy(d[lo:hi], src[iw:iw+hi-lo])
						} else {
							for ow := lo; ow < hi; ow++ {
								d[ow] = src[iw]
								iw += g.sw
							}
						}
					}
				}
			}
		}
	})
}

// col2im adds the column matrix back into samples n0 … n0+nb-1 of dx (the
// adjoint of im2col: every tap's value returns to the pixel it came from).
func col2im[T float](g convGeom, cols []T, n0, nb int, dx []T) {
	s := g.s()
	ld := nb * s
	parallelFor(nb*g.c, 1, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			i, c := r/g.c, r%g.c
			plane := dx[((n0+i)*g.c+c)*g.h*g.w : ((n0+i)*g.c+c+1)*g.h*g.w]
			for ki := 0; ki < g.kh; ki++ {
				for kj := 0; kj < g.kw; kj++ {
					row := (c*g.kh+ki)*g.kw + kj
					src := cols[row*ld+i*s : row*ld+(i+1)*s]
					lo, hi := owRange(g, kj)
					for oh := 0; oh < g.oh; oh++ {
						ih := oh*g.sh - g.ph + ki
						if ih < 0 || ih >= g.h {
							continue
						}
						d := plane[ih*g.w : (ih+1)*g.w]
						sv := src[oh*g.ow : (oh+1)*g.ow]
						iw := lo*g.sw - g.pw + kj
						if g.sw == 1 {
							dd := d[iw : iw+hi-lo]
							for j, v := range sv[lo:hi] {
								dd[j] += v
							}
						} else {
							for ow := lo; ow < hi; ow++ {
								d[iw] += sv[ow]
								iw += g.sw
							}
						}
					}
				}
			}
		}
	})
}

// Conv2dBackward returns the gradients of Conv2d(x, w, b, p) given the output
// gradient gy: with respect to the input (if wantX), the weight (if wantW)
// and the bias (if wantB); unwanted results are nil. It makes one pass over
// the batch, reusing the gathered output gradient for all three.
func Conv2dBackward(gy, x, w *Tensor, p Conv2dParams, wantX, wantW, wantB bool) (gx, gw, gb *Tensor) {
	sameDType("Conv2dBackward", gy, x)
	sameDType("Conv2dBackward", gy, w)
	g := newConvGeom("Conv2dBackward", x.shape, w.shape, p)
	if want := []int{g.n, g.o, g.oh, g.ow}; !shapeEqual(gy.shape, want) {
		panic(fmt.Sprintf("tensor: Conv2dBackward: output gradient %v, want %v", gy.shape, want))
	}
	if wantX {
		gx = alloc(x.dtype, x.shape)
	}
	if wantW {
		gw = alloc(x.dtype, w.shape)
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

func convBackward[T float](g convGeom, gy, x, w, gx, gw, gb []T) {
	ckk, s := g.ckk(), g.s()
	chunk := g.chunk()
	var cols, gyg []T
	if gx != nil || gw != nil {
		cols = getScratch[T](ckk * chunk * s)
		defer putScratch(cols)
	}
	if chunk > 1 {
		gyg = getScratch[T](g.o * chunk * s)
		defer putScratch(gyg)
	}
	first := true
	for n0 := 0; n0 < g.n; n0 += chunk {
		nb := min(chunk, g.n-n0)
		ld := nb * s
		// gathered is the output gradient of this chunk as [O, nb·S].
		var gathered []T
		if nb == 1 {
			gathered = gy[n0*g.o*s : (n0+1)*g.o*s]
		} else {
			gathered = gyg[:g.o*ld]
			parallelFor(nb*g.o, max(1, elementwiseGrain/s), func(lo, hi int) {
				for r := lo; r < hi; r++ {
					i, o := r/g.o, r%g.o
					copy(gathered[(o*nb+i)*s:(o*nb+i+1)*s], gy[((n0+i)*g.o+o)*s:((n0+i)*g.o+o+1)*s])
				}
			})
		}
		if gb != nil {
			for o := 0; o < g.o; o++ {
				sum := 0.0
				for _, v := range gathered[o*ld : (o+1)*ld] {
					sum += float64(v)
				}
				gb[o] += T(sum)
			}
		}
		if gw != nil {
			cs := cols[:ckk*ld]
			im2col(g, x, n0, nb, cs)
			var beta T = 1
			if first {
				beta = 0
			}
			gemm(false, true, g.o, ckk, ld, 1, gathered, ld, cs, ld, beta, gw, ckk)
		}
		if gx != nil {
			cs := cols[:ckk*ld]
			gemm(true, false, ckk, ld, g.o, 1, w, ckk, gathered, ld, 0, cs, ld)
			col2im(g, cs, n0, nb, gx)
		}
		first = false
	}
}
