package tensor

import "github.com/acaode/aca/internal/vec"

// The lane-per-sample transforms. The chunks of small planes hold several
// samples (spc), and a transform with a lane per tile of a tile row leaves
// most lanes idle where the rows are short: two tiles of eight at 4×4, four
// at 7×7. Where a chunk's samples come in groups of eight (spc a multiple
// of 8), the passes instead interleave eight samples' planes of one channel
// and transform each tile of the eight at once (vec.WinoInputLanes32,
// WinoOutputLanes32, WinoGradOutputLanes32, WinoGradInputLanes32), the
// chunk's tiles ordered by position, then sample: tile t = (ty·tw + tx)·lt
// + s for lt the chunk's samples rounded up to 8 (the lanes of a short last
// group are zero and dropped). Per element the operations are those of the
// transforms with a lane per tile, and the products of the output and the
// input gradient do not depend on the tiles' order, so those are the same
// bits (TestWinoLanesSameBits, TestWinoLanesBackward). The weight gradient
// sums over the tiles, which now come in another order: its bits differ
// from the lane-per-tile path's, with errors of the same size. Either way
// the path depends on the shape only, never on the thread count.

// winoLanes turns the lane-per-sample transforms on (float32, where the
// vector kernels run); tests turn it off to compare.
var winoLanes = vec.HasAVX2()

// lanes reports whether wg's chunks take the lane-per-sample transforms
// (in float32). They need the products on the micro-tiles (winoTiles),
// whose results do not depend on a tile's column: with the BLAS's products
// the lanes' padded tile count could change the edge columns' rounding.
func (wg winoGeom) lanes() bool { return winoLanes && winoTiles && wg.spc%8 == 0 }

// winoLaneIn writes channel c of the k ≤ 8 samples n0 … n0+k−1 into the
// zero-padded interleaved plane p (element (r, col) of lane s at
// p[(r·wq + col)·8 + s]), the image at offset (ph, pw). Lanes k … 7 are
// zero. What p holds outside the images must be zero already. dense is
// scratch of 8·h·w values.
func winoLaneIn(wg winoGeom, x []float32, n0, k, c int, p, dense []float32) {
	hw, wq, w := wg.h*wg.w, wg.wq(), wg.w
	if k == 8 {
		vec.Interleave8x32(dense, x[(n0*wg.c+c)*hw:], wg.c*hw, hw)
		for i := 0; i < wg.h; i++ {
			copy(p[((i+wg.ph)*wq+wg.pw)*8:][:8*w], dense[i*w*8:][:8*w])
		}
		return
	}
	clear(p) // lanes k … 7 zero (with finite data the products of their tiles would be dropped anyway; a NaN or Inf left from another chunk would not)
	for s := 0; s < k; s++ {
		plane := x[((n0+s)*wg.c+c)*hw:][:hw]
		for i := 0; i < wg.h; i++ {
			dst := p[((i+wg.ph)*wq+wg.pw)*8+s:]
			dst = dst[:8*(w-1)+1]
			for j, v := range plane[i*w : (i+1)*w] {
				dst[8*j] = v
			}
		}
	}
}

// winoDense is the length of the scratch the interleaving functions take.
func (wg winoGeom) winoDense() int { return 8 * max(wg.h*wg.w, wg.oh*wg.ow) }

// winoLaneOut copies the oh×ow part of the interleaved outputs y (2th×2tw
// per lane, as vec.WinoOutputLanes32 writes them) of lanes s < k to output
// channel o of samples n0+s. dense is scratch of 8·oh·ow values.
func winoLaneOut(wg winoGeom, y, out []float32, n0, k, o int, dense []float32) {
	s, w2, ow := wg.oh*wg.ow, 2*wg.tw, wg.ow
	if k == 8 {
		for i := 0; i < wg.oh; i++ {
			copy(dense[i*ow*8:][:8*ow], y[i*w2*8:][:8*ow])
		}
		vec.Deinterleave8x32(out[(n0*wg.o+o)*s:], wg.o*s, dense, s)
		return
	}
	for l := 0; l < k; l++ {
		plane := out[((n0+l)*wg.o+o)*s:][:s]
		for i := 0; i < wg.oh; i++ {
			src := y[i*w2*8+l:]
			src = src[:8*(ow-1)+1]
			row := plane[i*ow : (i+1)*ow]
			for j := range row {
				row[j] = src[8*j]
			}
		}
	}
}

// winoLaneChunk is winoForward's chunk of samples [n0, n1) with the
// lane-per-sample transforms: the input transform into in, the products
// (mul, given the tiles' count), the output transform from out. lp and ly
// are the interleaved plane buffers (lp zero outside the images), dense
// the interleaving functions' scratch.
func winoLaneChunk(wg winoGeom, x, b, y []float32, n0, n1 int, in, out, lp, ly, dense []float32, mul func(nt int)) {
	ld, wq := winoStride[float32](), wg.wq()
	ns := n1 - n0
	lt := (ns + 7) &^ 7
	for c := 0; c < wg.c; c++ {
		for s0 := 0; s0 < ns; s0 += 8 {
			winoLaneIn(wg, x, n0+s0, min(8, ns-s0), c, lp, dense)
			vec.WinoInputLanes32(lp, wq, wg.th, wg.tw, in[c*ld+s0:], winoLd, lt)
		}
	}
	mul(wg.th * wg.tw * lt)
	for o := 0; o < wg.o; o++ {
		var bo float32
		if b != nil {
			bo = b[o]
		}
		for s0 := 0; s0 < ns; s0 += 8 {
			vec.WinoOutputLanes32(out[o*ld+s0:], winoLd, lt, ly, wg.th, wg.tw, bo)
			winoLaneOut(wg, ly, y, n0+s0, min(8, ns-s0), o, dense)
		}
	}
}

// winoLaneBufs are one worker's interleaved planes for the backward pass's
// lane-per-sample transforms: an input plane (zero outside the images), an
// output-gradient plane (zero outside the planes), an input-gradient plane,
// and the interleaving functions' scratch (dense).
type winoLaneBufs struct {
	in, gy, gx, dense []float32
}

func newWinoLaneBufs(wg winoGeom) *winoLaneBufs {
	pq := 8 * wg.hq() * wg.wq()
	lb := &winoLaneBufs{in: getScratch[float32](pq), gy: getScratch[float32](32 * wg.th * wg.tw), gx: getScratch[float32](pq),
		dense: getScratch[float32](wg.winoDense())}
	clear(lb.in)
	clear(lb.gy)
	return lb
}

func (lb *winoLaneBufs) release() {
	putScratch(lb.in)
	putScratch(lb.gy)
	putScratch(lb.gx)
	putScratch(lb.dense)
}

// lanesOf returns the lane count of the chunk of samples [n0, n1): the
// samples rounded up to 8.
func lanesOf(n0, n1 int) int { return (n1 - n0 + 7) &^ 7 }

// gradOutput transforms the output gradients of samples [n0, n1) into out
// (tile t = position·lt + sample, lt = lanesOf(n0, n1)), and returns lt.
func (lb *winoLaneBufs) gradOutput(wg winoGeom, gy []float32, n0, n1 int, out []float32) int {
	ld, lt, s, w2 := winoStride[float32](), lanesOf(n0, n1), wg.oh*wg.ow, 2*wg.tw
	for o := 0; o < wg.o; o++ {
		for s0 := n0; s0 < n1; s0 += 8 {
			k := min(8, n1-s0)
			if k == 8 {
				vec.Interleave8x32(lb.dense, gy[(s0*wg.o+o)*s:], wg.o*s, s)
				for i := 0; i < wg.oh; i++ {
					copy(lb.gy[i*w2*8:][:8*wg.ow], lb.dense[i*wg.ow*8:][:8*wg.ow])
				}
			} else {
				clear(lb.gy) // lanes k … 7 zero (see winoLaneIn)
			}
			for l := 0; l < k && k < 8; l++ {
				plane := gy[((s0+l)*wg.o+o)*s:][:s]
				for i := 0; i < wg.oh; i++ {
					dst := lb.gy[i*w2*8+l:]
					dst = dst[:8*(wg.ow-1)+1]
					for j, v := range plane[i*wg.ow : (i+1)*wg.ow] {
						dst[8*j] = v
					}
				}
			}
			vec.WinoGradOutputLanes32(lb.gy, wg.th, wg.tw, out[o*ld+s0-n0:], winoLd, lt)
		}
	}
	return lt
}

// input transforms the inputs of samples [n0, n1) into in, tiles ordered
// as gradOutput orders them.
func (lb *winoLaneBufs) input(wg winoGeom, x []float32, n0, n1 int, in []float32) {
	ld, lt, wq := winoStride[float32](), lanesOf(n0, n1), wg.wq()
	for c := 0; c < wg.c; c++ {
		for s0 := n0; s0 < n1; s0 += 8 {
			winoLaneIn(wg, x, s0, min(8, n1-s0), c, lb.in, lb.dense)
			vec.WinoInputLanes32(lb.in, wq, wg.th, wg.tw, in[c*ld+s0-n0:], winoLd, lt)
		}
	}
}

// gradInput transforms the products P of samples [n0, n1) back (B P Bᵀ,
// tiles overlapping) and writes the input gradients' images to gx.
func (lb *winoLaneBufs) gradInput(wg winoGeom, p []float32, n0, n1 int, gx []float32) {
	ld, lt, wq, hw := winoStride[float32](), lanesOf(n0, n1), wg.wq(), wg.h*wg.w
	for c := 0; c < wg.c; c++ {
		for s0 := n0; s0 < n1; s0 += 8 {
			clear(lb.gx[:16*wq]) // rows 0 and 1, which the first tile row adds into
			vec.WinoGradInputLanes32(p[c*ld+s0-n0:], winoLd, lt, lb.gx, wq, wg.th, wg.tw)
			if n1-s0 >= 8 {
				for i := 0; i < wg.h; i++ {
					copy(lb.dense[i*wg.w*8:][:8*wg.w], lb.gx[((i+wg.ph)*wq+wg.pw)*8:][:8*wg.w])
				}
				vec.Deinterleave8x32(gx[(s0*wg.c+c)*hw:], wg.c*hw, lb.dense, hw)
				continue
			}
			for l := 0; l < n1-s0; l++ {
				img := gx[((s0+l)*wg.c+c)*hw:][:hw]
				for i := 0; i < wg.h; i++ {
					src := lb.gx[((i+wg.ph)*wq+wg.pw)*8+l:]
					src = src[:8*(wg.w-1)+1]
					row := img[i*wg.w : (i+1)*wg.w]
					for j := range row {
						row[j] = src[8*j]
					}
				}
			}
		}
	}
}
