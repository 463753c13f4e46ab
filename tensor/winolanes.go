package tensor

import "github.com/acaode/aca/internal/vec"

// The lane-per-sample transforms. The chunks of small planes hold several
// samples (spc), and a transform with a lane per tile of a tile row leaves
// most lanes idle where the rows are short: two tiles of eight at 4×4, four
// at 7×7. Where a chunk's samples come in groups of eight (spc a multiple
// of 8), the forward pass instead interleaves eight samples' planes of one
// channel (winoLaneIn) and transforms each tile of the eight at once
// (vec.WinoInputLanes32, vec.WinoOutputLanes32), the chunk's tiles ordered
// by position, then sample: tile t = (ty·tw + tx)·lt + s for lt the
// chunk's samples rounded up to 8 (the lanes of a short last group are
// zero and dropped). Per element the operations are those of the transforms
// with a lane per tile, and the products do not depend on the tiles'
// order, so the results are the same bits (TestWinoLanesSameBits).

// winoLanes turns the lane-per-sample transforms on (float32, where the
// vector kernels run); tests turn it off to compare.
var winoLanes = vec.HasAVX2()

// lanes reports whether the forward pass of wg's chunks takes the
// lane-per-sample transforms.
func (wg winoGeom) lanes() bool { return winoLanes && wg.spc%8 == 0 }

// winoLaneIn writes channel c of the k ≤ 8 samples n0 … n0+k−1 into the
// zero-padded interleaved plane p (element (r, col) of lane s at
// p[(r·wq + col)·8 + s]), the image at offset (ph, pw). Lanes k … 7 are
// zero. What p holds outside the images must be zero already.
func winoLaneIn(wg winoGeom, x []float32, n0, k, c int, p []float32) {
	hw, wq := wg.h*wg.w, wg.wq()
	if k < 8 {
		clear(p)
	}
	for s := 0; s < k; s++ {
		plane := x[((n0+s)*wg.c+c)*hw:][:hw]
		for i := 0; i < wg.h; i++ {
			dst := p[((i+wg.ph)*wq+wg.pw)*8+s:]
			dst = dst[:8*(wg.w-1)+1]
			for j, v := range plane[i*wg.w : (i+1)*wg.w] {
				dst[8*j] = v
			}
		}
	}
}

// winoLaneOut copies the oh×ow part of the interleaved outputs y (2th×2tw
// per lane, as vec.WinoOutputLanes32 writes them) of lanes s < k to output
// channel o of samples n0+s.
func winoLaneOut(wg winoGeom, y, out []float32, n0, k, o int) {
	s, w2 := wg.oh*wg.ow, 2*wg.tw
	for l := 0; l < k; l++ {
		plane := out[((n0+l)*wg.o+o)*s:][:s]
		for i := 0; i < wg.oh; i++ {
			src := y[i*w2*8+l:]
			src = src[:8*(wg.ow-1)+1]
			row := plane[i*wg.ow : (i+1)*wg.ow]
			for j := range row {
				row[j] = src[8*j]
			}
		}
	}
}

// winoLaneChunk is winoForward's chunk of samples [n0, n1) with the
// lane-per-sample transforms: the input transform into in, the products
// (mul, given the tiles' count), the output transform from out. lp and ly
// are the interleaved plane buffers (lp zero outside the images).
func winoLaneChunk(wg winoGeom, x, b, y []float32, n0, n1 int, in, out, lp, ly []float32, mul func(nt int)) {
	ld, wq := winoStride[float32](), wg.wq()
	ns := n1 - n0
	lt := (ns + 7) &^ 7
	for c := 0; c < wg.c; c++ {
		for s0 := 0; s0 < ns; s0 += 8 {
			winoLaneIn(wg, x, n0+s0, min(8, ns-s0), c, lp)
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
			winoLaneOut(wg, ly, y, n0+s0, min(8, ns-s0), o)
		}
	}
}
