package tensor

import (
	"unsafe"

	"github.com/acaode/aca/internal/vec"
)

// Winograd F(2×2, 3×3) convolution (Lavin & Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2016) for stride-1 3×3 kernels.
//
// The output plane is cut into 2×2 tiles; tile (ty, tx) reads the 4×4 patch
// d of the zero-padded input whose top-left corner is (2·ty, 2·tx). With
//
//	Bᵀ = [1  0 −1  0]    G = [ 1    0    0 ]    Aᵀ = [1  1  1  0]
//	     [0  1  1  0]        [ ½    ½    ½ ]         [0  1 −1 −1]
//	     [0 −1  1  0]        [ ½   −½    ½ ]
//	     [0  1  0 −1]        [ 0    0    1 ]
//
// each output tile is Y = Aᵀ [ Σ_c (G g_oc Gᵀ) ⊙ (Bᵀ d_c B) ] A. For each of
// the 16 positions ξ of the 4×4 transformed tiles, the sum over channels is
// one matrix product M_ξ [O, T] = U_ξ [O, C] · V_ξ [C, T] over the T tiles,
// which costs 16·O·C·T multiply-adds against 36·O·C·T for im2col: 2.25×
// fewer. The transforms add, subtract and halve, so the rounding stays close
// to that of the direct sum (see TestConv2dWinogradAccuracy). F(4×4, 3×3)
// would save 4×, but its transforms (coefficients up to 8 and 1/24) made
// float32 errors 6–17 times larger, up to 1.7 times the float32 tolerance
// of this package's tests.
//
// The backward pass is the adjoint of the same algorithm: with the output
// gradient transformed per tile as Ŷ = A gy Aᵀ,
//
//	input gradient:  d_c += B (Σ_o U_ξ[o, c] Ŷ_ξ[o]) Bᵀ  per tile (tiles overlap)
//	weight gradient: g_oc = Gᵀ (Σ_tiles Ŷ_ξ[o] V_ξ[c]) G
//
// so each of the two is again 16 products with a 16·O·C·T cost.
//
// Work is cut by shape only, into chunks of tiles (winoGeom) that are
// transformed, multiplied and transformed back together, small enough for
// their transformed tiles to stay in a core's L2 cache. The forward pass
// spreads the chunks of the batch over workers; the backward pass spreads
// blocks of samples (winoBlocks), each with its own partial weight-gradient
// sum, added in block order. Results are therefore the same for any thread
// count. A chunk's transforms take a vector lane per tile of a tile row, or,
// on small planes whose chunks hold samples in groups of eight, a lane per
// sample (winolanes.go).

// winoPolicy chooses between the paths: winoAuto by shape (winograd), or,
// for tests and benchmarks, winoOff (always im2col) and winoAlways
// (Winograd wherever it applies at all).
var winoPolicy = winoAuto

const (
	winoAuto = iota
	winoOff
	winoAlways
)

// The Winograd path is taken only where it measured faster than im2col,
// summed over one and two threads, with OpenBLAS on an AMD EPYC (Zen 3,
// AVX2) (BenchmarkWinogradShapes; figures as Winograd against im2col, in
// ms at 1 / 2 threads, batch 128 unless said):
//
//   - Chunks with at least winoMinWork output pixels × channels (the
//     smaller of the input and output channels). Below that the 16
//     products are too small (a gemm over a few tiles and channels runs far
//     below the BLAS's peak) for the 2.25× fewer multiply-adds to pay for
//     the transforms: a batch of 8 at 128→128 channels on 4×4 images (one
//     sample, 16 pixels, per chunk: 2048) took 1.7× the time of im2col,
//     and 8 at 64→64 on 7×7 (49 pixels: 3136) 1.2–1.6×; a batch of 32 at
//     32→32 on 7×7 (4 samples, 196 pixels: 6272) 0.9–1.25×; while 4×4
//     planes took 0.6–1.2× im2col's time at 32→32 with 8 samples per chunk
//     (4096; forward 0.58 / 0.45 against 0.92 / 0.54), 0.5–0.6× with 16
//     (8192; 1.09 / 0.80 against 2.06 / 1.28), 0.5–0.65× at 64→64 (3.1 /
//     1.8 against 6.3 / 2.8) and 0.35–0.45× at 128→128, and at 256→256,
//     where a chunk holds 8 samples (128 pixels), 0.4–0.5×; wider layers
//     (the paper's width 64: 512→512 on 4×4, 256→256 on 7×7, 64→64 on
//     56×56 in chunks of 4 tile rows) 0.5–0.8×. Output pixels count
//     rather than tiles, because tiles overhanging an odd plane (7×7: 49
//     pixels in 16 tiles, 64 pixels' worth) are work without output.
//
//   - For the backward pass, at least winoMinChannels input and output
//     channels with OpenBLAS: at 8→8 on 28×28 Winograd took 1.15–1.6×
//     im2col's time, at 16→16 0.65–0.75× (23.2 / 17.2 against 30.9 /
//     26.7). With the package's own GEMM (the default build) 16→16 took
//     1.2–1.4× im2col's time (43.1 / 29.7 against 35.8 / 21.3), its im2col
//     products being the faster ones there, so that build asks for
//     winoMinChannelsFwd in both passes.
//
//   - For the forward pass, at least winoMinChannelsFwd: with 16 channels
//     the transforms cost as much as the products, and Winograd took 1.3×
//     im2col's time on two threads (11.4 against 8.7 at 16→16 on 28×28);
//     at 24 channels the two were even, at 32 (batch 32) Winograd took
//     0.7–0.85× im2col's time.
//
//   - With the products on the micro-tiles (winoTiles, on CPUs with AVX2
//     and FMA), both passes need winoMinChannels in both builds: at 16→16
//     on 28×28, batch 128, Winograd took 10.1 / 6.3 ms forward against
//     im2col's 12.9 / 6.8, and 21.4 / 12.2 backward against 29.2 / 17.1
//     (OpenBLAS build; the default build 10.7 / 6.1 against 12.2 / 6.6 and
//     28.6 / 15.6 against 36.5 / 19.9). At 8→8 it still took 1.05–1.5×
//     im2col's time. (These figures predate the weight gradient's dot
//     products, winoWeightDots, which made the backward pass faster
//     still.)
//
// The choice depends on the shape, the build's BLAS and whether the CPU has
// AVX2 and FMA (winoTiles) only, never on the thread count, so results
// stay the same bits for any thread count. (It does depend on the batch
// size, through the samples per chunk: a short last batch may take
// the other path.) The forward and backward passes of one convolution may
// take different paths: each computes the exact product it stands for (the
// convolution, its adjoint), with rounding of the same size
// (TestConv2dWinogradAccuracy).
const (
	winoMinChannels    = 16
	winoMinChannelsFwd = 24
	winoMinWork        = 4096
)

// winograd reports whether the forward pass (backward false) or the
// backward pass of a convolution takes the Winograd path.
func (g convGeom) winograd(backward bool) bool {
	// What the Winograd path computes at all: a 3×3 kernel at stride 1,
	// padding 0 or 1, and tile rows that fit in a chunk.
	if winoPolicy == winoOff || g.kh != 3 || g.kw != 3 || g.sh != 1 || g.sw != 1 ||
		g.ph > 1 || g.pw > 1 || (g.ow+1)/2 > winoCap {
		return false
	}
	if winoPolicy == winoAlways {
		return true
	}
	minCh := winoMinChannelsFwd
	if winoTiles || backward && gemmImpl.Name() == "openblas" {
		minCh = winoMinChannels
	}
	if g.c < minCh || g.o < minCh {
		return false
	}
	wg := newWinoGeom(g)
	pixels := wg.spc * min(2*wg.rows, g.oh) * g.ow // a full chunk's
	return pixels*min(g.c, g.o) >= winoMinWork
}

// winoGeom is the tiling of a Winograd convolution. Work goes in chunks of
// tiles, transformed, multiplied and transformed back together: either
// rows tile rows of one sample (a large image: the sample's th tile rows in
// several chunks) or spc whole samples (a small one).
type winoGeom struct {
	convGeom
	th, tw int // tile rows and columns of a sample's output plane
	rows   int // tile rows per chunk of one sample (th if spc > 1)
	spc    int // samples per chunk
}

// A chunk's transformed tiles are stored as [channel][ξ][tile], the 16 rows
// of a channel winoLd apart, so that the transforms find a tile's 16 values
// at constant offsets (the compiler then needs no index arithmetic or
// bounds check per value). A chunk holds at most winoCap tiles; the rows are
// padded beyond it so that the channels of a product's operand, 16·winoLd
// apart, do not all fall into the same cache sets. Chunks aim at
// winoChunkTiles tiles (and winoChunkElems values); only the rounding of a
// chunk's samples up to eight (newWinoGeom) goes beyond.
const (
	winoCap        = 400
	winoLd         = winoCap + 16
	winoChunkTiles = 256
)

// winoChunkElems bounds a chunk's transformed input and output tiles
// (16·(C+O) values per tile): 1 MiB of float32, a core's L2 cache. (Smaller
// chunks were slower at 32 channels and 28×28: thinner products.)
const winoChunkElems = 1 << 18

// winoStride is the distance between the channels of a chunk's transformed
// tiles: their 16 rows and one cache line more. Without the line, channel
// c's rows lie 16·winoLd·4 bytes (528 cache lines) apart in float32, so
// that the rows a product reads for one block of tiles, one per channel,
// fall into only 4 of an L1 cache's 64 sets (AMD Zen 3: 32 KiB, 8 ways)
// and evict each other; with it (529 lines) they spread over all 64.
func winoStride[T float]() int {
	var z T
	return 16*winoLd + 64/int(unsafe.Sizeof(z))
}

func newWinoGeom(g convGeom) winoGeom {
	wg := winoGeom{convGeom: g, th: (g.oh + 1) / 2, tw: (g.ow + 1) / 2, spc: 1}
	tiles := max(1, min(winoChunkTiles, winoChunkElems/(16*(g.c+g.o))))
	if fit := max(1, tiles/wg.tw); fit < wg.th {
		chunks := (wg.th + fit - 1) / fit
		wg.rows = (wg.th + chunks - 1) / chunks // the same number of rows in every chunk but the last
	} else {
		// Whole samples per chunk, but at least winoMinChunks chunks in
		// the batch where it has enough samples, for the workers to share.
		wg.rows = wg.th
		wg.spc = max(1, min(tiles/(wg.th*wg.tw), (g.n+winoMinChunks-1)/winoMinChunks))
		// Four to seven samples per chunk go up to eight, for the
		// transforms with a lane per sample (winolanes.go), where the
		// chunk stays within winoCap tiles and the batch still cuts into
		// winoMinChunks chunks: 14×14 planes at 32 channels, batch 128,
		// chunks of 8 samples (392 tiles) instead of 5, forward 3.60 →
		// 2.71 ms and backward 6.88 → 4.82 (BenchmarkWinogradTiles, two
		// threads, medians of 5 alternated rounds). (winoCap is 400 for
		// them: at 512 the sparser rows made the 4×4 and 7×7 planes' chunks
		// about a tenth slower.)
		if wg.spc >= 4 && wg.spc < 8 && 8*wg.th*wg.tw <= winoCap && (g.n+winoMinChunks-1)/winoMinChunks >= 8 {
			wg.spc = 8
		}
	}
	return wg
}

// winoMinChunks is how many chunks newWinoGeom tries to cut a batch of small
// images into.
const winoMinChunks = 8

// sampleChunks is the number of chunks of one sample when spc is 1.
func (wg winoGeom) sampleChunks() int { return (wg.th + wg.rows - 1) / wg.rows }

// chunkCount is the number of chunks of k consecutive samples.
func (wg winoGeom) chunkCount(k int) int {
	if wg.spc > 1 {
		return (k + wg.spc - 1) / wg.spc
	}
	return k * wg.sampleChunks()
}

// chunk returns chunk k of the samples from lo to hi: its samples [n0, n1)
// and their tile rows [ty0, ty1).
func (wg winoGeom) chunk(lo, hi, k int) (n0, n1, ty0, ty1 int) {
	if wg.spc > 1 {
		n0 = lo + k*wg.spc
		return n0, min(n0+wg.spc, hi), 0, wg.th
	}
	sc := wg.sampleChunks()
	n0, ty0 = lo+k/sc, k%sc*wg.rows
	return n0, n0 + 1, ty0, min(wg.th, ty0+wg.rows)
}

// hq and wq are the size of the padded plane the tiles cover: the image, its
// padding, and a zero row or column more when the output size is odd.
func (wg winoGeom) hq() int { return 2*wg.th + 2 }
func (wg winoGeom) wq() int { return 2*wg.tw + 2 }

// winoWeights writes U_ξ = G g Gᵀ of every kernel g = w[o, c] as
// u[ξ·O·C + o·C + c], computed in float64 and rounded once.
func winoWeights[T float](g convGeom, w, u []T) {
	oc := g.o * g.c
	parallelFor(oc, winoWeightGrain, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			k := w[9*i : 9*i+9]
			var gg [3][4]float64 // G applied along kernel rows: gg[row][ξ column]
			for r := 0; r < 3; r++ {
				a, b, c := float64(k[3*r]), float64(k[3*r+1]), float64(k[3*r+2])
				gg[r] = [4]float64{a, (a + b + c) / 2, (a - b + c) / 2, c}
			}
			for j := 0; j < 4; j++ {
				a, b, c := gg[0][j], gg[1][j], gg[2][j]
				col := [4]float64{a, (a + b + c) / 2, (a - b + c) / 2, c}
				for r := 0; r < 4; r++ {
					u[(4*r+j)*oc+i] = T(col[r])
				}
			}
		}
	})
}

// winoWeightGrain is the kernels per worker of the weights' transforms
// (each a few dozen operations on 9 and 16 values). They run before and
// after the chunks' parallel work and would otherwise be its serial part:
// at 128→128 channels on 4×4 planes, 13 % of a forward pass's time.
const winoWeightGrain = 1 << 10

// packWinoWeights packs the 16 transformed weight matrices U_ξ (u, each
// m×k with strides rs, ps as packPanels takes them) for the micro-tiles,
// U_ξ at dst[ξ·size:], spread over workers.
func packWinoWeights[T float](dst, u []T, size, m, k, rs, ps int) {
	parallelFor(16, max(1, 16*winoWeightGrain/max(m*k, 1)), func(lo, hi int) {
		for xi := lo; xi < hi; xi++ {
			packPanels(dst[xi*size:], u[xi*m*k:], m, k, rs, ps)
		}
	})
}

// winoWeightGrad adds up the blocks' transformed weight gradients
// W_ξ[o, c] (block b at pw[b·16·O·C:], laid out like winoWeights' u) in
// block order, into the first block, and returns them to kernel space:
// gw[o, c] = Gᵀ W G.
func winoWeightGrad[T float](g convGeom, pw []T, nblk int, gw []T) {
	oc := g.o * g.c
	sum := pw[:16*oc]
	// The blocks' partial sums, added element by element in block order
	// (in T, as the im2col path sums its blocks) by ranges spread over
	// workers, then transformed back kernel by kernel.
	parallelFor(16*oc, elementwiseGrain, func(lo, hi int) {
		for blk := 1; blk < nblk; blk++ {
			axpy(1, pw[blk*16*oc+lo:blk*16*oc+hi], sum[lo:hi])
		}
	})
	parallelFor(oc, winoWeightGrain, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			var h [4][3]float64 // Gᵀ applied along the ξ rows
			for j := 0; j < 4; j++ {
				a, b, c, d := float64(sum[j*oc+i]), float64(sum[(4+j)*oc+i]), float64(sum[(8+j)*oc+i]), float64(sum[(12+j)*oc+i])
				h[j] = [3]float64{a + (b+c)/2, (b - c) / 2, (b+c)/2 + d}
			}
			for r := 0; r < 3; r++ {
				a, b, c, d := h[0][r], h[1][r], h[2][r], h[3][r]
				gw[9*i+3*r] = T(a + (b+c)/2)
				gw[9*i+3*r+1] = T((b - c) / 2)
				gw[9*i+3*r+2] = T((b+c)/2 + d)
			}
		}
	})
}

// he is the length of each half of a strip row (see winoStrip): the tile
// columns rounded up to a block of eight, and one more, for the neighbour
// column the transform reads.
func (wg winoGeom) he() int { return (wg.tw+7)&^7 + 1 }

// winoStrip copies the rows of one h×w input plane that tile rows
// [ty0, ty1) read into strip, each row split into its even padded columns
// at [0, he) and its odd ones at [he, 2·he): padded column c goes to
// c/2 + (c%2)·he. Tile t then reads columns 2t … 2t+3 at t, he+t, t+1 and
// he+t+1, so that the transform of eight neighbouring tiles is a few
// vector operations (vec.WinoInputPlane32). It writes only the image's
// part of the strip: the rest, padding, must be zero already (see
// winoClearStrip); it is the same for every plane. In float32 the rows are
// split in one call (vec.DeinterleaveRows32).
func winoStrip[T float](wg winoGeom, plane []T, ty0, ty1 int, strip []T) {
	he := wg.he()
	// Strip row r is image row 2·ty0 + r − ph: rows [r0, r1) lie in the image.
	r0 := max(0, wg.ph-2*ty0)
	r1 := min(2*(ty1-ty0)+2, wg.h+wg.ph-2*ty0)
	if r1 <= r0 {
		return
	}
	// Image column j is padded column j + pw: with pw 0 the even image
	// columns go to the even half, with pw 1 to the odd one.
	first, second := 0, he // where a strip row's halves start
	if wg.pw == 1 {
		first, second = he, 1
	}
	n, w := wg.w/2, wg.w
	src, dst := plane[(2*ty0+r0-wg.ph)*w:], strip[r0*2*he:]
	if d32, ok := any(dst).([]float32); ok { // every row in one call
		vec.DeinterleaveRows32(d32[first:], d32[second:], 2*he, any(src).([]float32), w, r1-r0, n)
	}
	for r := 0; r < r1-r0; r++ {
		row, in := dst[r*2*he:(r+1)*2*he], src[r*w:(r+1)*w]
		if _, ok := any(row).([]float32); !ok {
			a, b := row[first:first+n], row[second:second+n]
			for k := range b {
				pair := in[2*k : 2*k+2 : 2*k+2]
				a[k], b[k] = pair[0], pair[1]
			}
		}
		if w%2 == 1 {
			row[first+n] = in[2*n]
		}
	}
}

// winoClearStrip zeroes the strip of tile rows [ty0, ty1).
func winoClearStrip[T float](wg winoGeom, ty0, ty1 int, strip []T) {
	clear(strip[:(2*(ty1-ty0)+2)*2*wg.he()])
}

// winoInput writes V = Bᵀ d B for the tiles of tile rows [ty0, ty1) of one
// input plane: position ξ of the chunk's tile t goes to v[ξ·winoLd + t].
// The padding of strip must be zero (see winoStrip). In float32 each tile
// row's transform also writes up to 7 tiles past its end, which the next
// tile row (or the next sample's, or nothing: the rows of v are winoLd ≥
// winoCap + 7 long) overwrites: the planes of a chunk must be transformed
// in order.
func winoInput[T float](wg winoGeom, plane []T, ty0, ty1 int, strip, v []T) {
	winoStrip(wg, plane, ty0, ty1, strip)
	he, tw := wg.he(), wg.tw
	if v32, ok := any(v).([]float32); ok { // every tile row in one call
		vec.WinoInputPlane32(any(strip).([]float32), he, v32, winoLd, tw, ty1-ty0, tw)
		return
	}
	for i := 0; i < ty1-ty0; i++ {
		r := strip[2*i*2*he:]
		winoInputRow(r[:2*he], r[2*he:4*he], r[4*he:6*he], r[6*he:8*he], he, v[i*tw:], tw)
	}
}

// winoInputRow transforms the n tiles of one tile row, whose four padded
// input rows r0 … r3 are split as winoStrip writes them: position ξ of tile
// t goes to v[ξ·winoLd + t]. Bᵀ d combines the rows (0−2, 1+2, 2−1, 1−3)
// column by column, and d B the columns the same way. (In float32,
// winoInput transforms a chunk's tile rows in one call instead,
// vec.WinoInputPlane32, with the same operations in the same order.)
func winoInputRow[T float](r0, r1, r2, r3 []T, he int, v []T, n int) {
	const l = winoLd
	r0, r1, r2, r3 = r0[:2*he], r1[:2*he], r2[:2*he], r3[:2*he]
	for t := 0; t < n; t++ {
		var a, b, c, d [4]T // the rows (0−2, 1+2, 2−1, 1−3) at columns 2t … 2t+3
		for i, k := range [4]int{t, he + t, t + 1, he + t + 1} {
			a[i], b[i], c[i], d[i] = r0[k]-r2[k], r1[k]+r2[k], r2[k]-r1[k], r1[k]-r3[k]
		}
		o := v[t : t+15*l+1]
		for h, s := range [4][4]T{a, b, c, d} {
			o[4*h*l], o[(4*h+1)*l], o[(4*h+2)*l], o[(4*h+3)*l] = s[0]-s[2], s[1]+s[2], s[2]-s[1], s[1]-s[3]
		}
	}
}

// winoOutput writes Y = Aᵀ M A + bias for the tiles of tile rows [ty0, ty1)
// of one oh×ow output plane, M_ξ of tile t being m[ξ·winoLd + t]; the parts
// of the last tiles beyond the plane are dropped.
func winoOutput[T float](wg winoGeom, m []T, ty0, ty1 int, plane []T, bias T) {
	tw, oh, ow := wg.tw, wg.oh, wg.ow
	i0 := 0
	if m32, ok := any(m).([]float32); ok && ow >= 2 {
		// The tile rows with both output rows in the plane, and their
		// tiles within its width, in one call; the edges below.
		i0 = max(min(ty1, oh/2)-ty0, 0)
		if i0 > 0 {
			vec.WinoOutputPlane32(m32, winoLd, any(plane[2*ty0*ow:]).([]float32), ow, ow/2, i0, tw, float32(bias))
		}
		for i := 0; i < i0 && ow%2 == 1; i++ { // the last tile of an odd-width plane
			y := 2 * (ty0 + i)
			winoOutputEdge(m[(i+1)*tw-1:], 1, plane[y*ow+ow-1:(y+1)*ow], plane[(y+1)*ow+ow-1:(y+2)*ow], bias)
		}
	}
	for i := i0; i < ty1-ty0; i++ {
		y := 2 * (ty0 + i)
		if y+1 >= oh { // the last tile row of an odd-height plane
			winoOutputEdge(m[i*tw:], tw, plane[y*ow:(y+1)*ow], nil, bias)
			continue
		}
		y0, y1 := plane[y*ow:(y+1)*ow], plane[(y+1)*ow:(y+2)*ow]
		winoOutputRow(m[i*tw:], y0, bias, false)
		winoOutputRow(m[i*tw:], y1, bias, true)
		if ow%2 == 1 { // the last tile of an odd-width plane
			winoOutputEdge(m[(i+1)*tw-1:], 1, y0[ow-1:], y1[ow-1:], bias)
		}
	}
}

// winoOutputRow writes the first output row (the second if second is set)
// of the tiles of one tile row, for the tiles that lie within the plane's
// width: tile t covers columns 2t and 2t+1 of y. Row 0 of Aᵀ M is the sum of
// rows 0, 1 and 2 of M, row 1 is row 1 − row 2 − row 3; (Aᵀ M) A then
// combines the columns the same way. (One output row at a time keeps the
// values in registers.) In float32, winoOutput runs the same operations
// eight tiles at a time, on every full tile row of a chunk in one call
// (vec.WinoOutputPlane32).
func winoOutputRow[T float](m, y []T, bias T, second bool) {
	const l = winoLd
	if !second {
		for k, t := 0, 0; k+1 < len(y); k, t = k+2, t+1 {
			s := m[t : t+11*l+1]
			p0 := s[0] + s[4*l] + s[8*l]
			p1 := s[l] + s[5*l] + s[9*l]
			p2 := s[2*l] + s[6*l] + s[10*l]
			p3 := s[3*l] + s[7*l] + s[11*l]
			y[k], y[k+1] = p0+p1+p2+bias, p1-p2-p3+bias
		}
		return
	}
	for k, t := 0, 0; k+1 < len(y); k, t = k+2, t+1 {
		s := m[t+4*l : t+15*l+1]
		q0 := s[0] - s[4*l] - s[8*l]
		q1 := s[l] - s[5*l] - s[9*l]
		q2 := s[2*l] - s[6*l] - s[10*l]
		q3 := s[3*l] - s[7*l] - s[11*l]
		y[k], y[k+1] = q0+q1+q2+bias, q1-q2-q3+bias
	}
}

// winoOutputEdge is winoOutput for n tiles that stick out of the plane: y0
// and y1 are what lies inside of their two output rows (y1 nil when the
// second row is outside).
func winoOutputEdge[T float](m []T, n int, y0, y1 []T, bias T) {
	const l = winoLd
	for t := 0; t < n; t++ {
		s := m[t : t+15*l+1]
		var p, q [4]T
		for j := range p {
			p[j] = s[j*l] + s[(4+j)*l] + s[(8+j)*l]
			q[j] = s[(4+j)*l] - s[(8+j)*l] - s[(12+j)*l]
		}
		y := [2][2]T{{p[0] + p[1] + p[2], p[1] - p[2] - p[3]}, {q[0] + q[1] + q[2], q[1] - q[2] - q[3]}}
		for j := 0; j < 2 && 2*t+j < len(y0); j++ {
			y0[2*t+j] = y[0][j] + bias
			if y1 != nil {
				y1[2*t+j] = y[1][j] + bias
			}
		}
	}
}

// winoGradOutput writes Ŷ = A gy Aᵀ (the adjoint of winoOutput) for the
// tiles of tile rows [ty0, ty1) of one output-gradient plane, to
// v[ξ·winoLd + t]; the parts of the last tiles beyond the plane count as 0.
func winoGradOutput[T float](wg winoGeom, plane []T, ty0, ty1 int, v []T) {
	tw, oh, ow := wg.tw, wg.oh, wg.ow
	full := ow / 2 // tiles within the plane's width
	i0 := 0
	if v32, ok := any(v).([]float32); ok && full >= 1 {
		// The tile rows with both gradient rows in the plane, their tiles
		// within its width in one call; the edges below, after it (in
		// rows of fewer than 8 tiles it also writes the tiles after them,
		// up to 8: see vec.WinoGradOutputPlane32).
		i0 = max(min(ty1, oh/2)-ty0, 0)
		if i0 > 0 {
			vec.WinoGradOutputPlane32(any(plane[2*ty0*ow:]).([]float32), ow, v32, winoLd, full, i0, tw)
		}
		for i := 0; i < i0 && full < tw; i++ { // the last tile of an odd-width plane
			y := 2 * (ty0 + i)
			winoGradOutputRow([]T{plane[y*ow+ow-1], 0}, []T{plane[(y+1)*ow+ow-1], 0}, v[i*tw+full:])
		}
	}
	for i := i0; i < ty1-ty0; i++ {
		y := 2 * (ty0 + i)
		y0, vi := plane[y*ow:(y+1)*ow], v[i*tw:]
		if y+1 < oh {
			y1 := plane[(y+1)*ow : (y+2)*ow]
			winoGradOutputRow(y0[:2*full], y1[:2*full], vi)
			if full < tw { // the last tile of an odd-width plane
				winoGradOutputRow([]T{y0[ow-1], 0}, []T{y1[ow-1], 0}, vi[full:])
			}
			continue
		}
		// The last tile row of an odd-height plane: its second row is 0.
		for tx := 0; tx < tw; tx++ {
			var g [2]T
			copy(g[:], y0[2*tx:])
			winoGradOutputRow(g[:], []T{0, 0}, vi[tx:])
		}
	}
}

// winoGradOutputRow transforms the tiles of one tile row whose two
// output-gradient rows are g0 and g1 (tile tx at columns 2tx, 2tx+1):
// A g Aᵀ, with A's rows (1 0), (1 1), (1 −1), (0 −1), goes to
// v[ξ·winoLd + tx]. In float32, rows of eight tiles or more go eight at a
// time (vec.WinoGradOutputRows32, the same operations).
func winoGradOutputRow[T float](g0, g1, v []T) {
	const l = winoLd
	if v32, ok := any(v).([]float32); ok && len(g0) >= 16 { // the same operations, eight tiles at a time
		vec.WinoGradOutputRows32(any(g0).([]float32), any(g1).([]float32), v32, l, len(g0)/2)
		return
	}
	g1 = g1[:len(g0)]
	for k, t := 0, 0; k+1 < len(g0); k, t = k+2, t+1 {
		a0, a1 := g0[k], g0[k+1]
		b0, b1 := g0[k]+g1[k], g0[k+1]+g1[k+1]
		c0, c1 := g0[k]-g1[k], g0[k+1]-g1[k+1]
		d0, d1 := -g1[k], -g1[k+1]
		o := v[t : t+15*l+1]
		o[0], o[l], o[2*l], o[3*l] = a0, a0+a1, a0-a1, -a1
		o[4*l], o[5*l], o[6*l], o[7*l] = b0, b0+b1, b0-b1, -b1
		o[8*l], o[9*l], o[10*l], o[11*l] = c0, c0+c1, c0-c1, -c1
		o[12*l], o[13*l], o[14*l], o[15*l] = d0, d0+d1, d0-d1, -d1
	}
}

// winoGradInput adds B P Bᵀ (the adjoint of winoInput) of the tiles of tile
// rows [ty0, ty1), P_ξ of tile t being p[ξ·winoLd + t], into one padded
// hq×wq gradient plane dq. Neighbouring tiles overlap by two rows or
// columns. Tile rows must come in order, from tile row 0 on, and before tile
// row 0 the first two rows of dq must be zero: each tile row adds into its
// first two rows and sets the other two, which no tile row above reaches.
func winoGradInput[T float](wg winoGeom, p []T, ty0, ty1 int, dq []T) {
	wq, tw := wg.wq(), wg.tw
	p32, ok := any(p).([]float32)
	ok = ok && tw >= 8 // fewer tiles go faster one by one
	for i := 0; i < ty1-ty0; i++ {
		q := dq[2*(ty0+i)*wq:]
		if ok { // the same operations, eight tiles at a time
			vec.WinoGradInputRows32(p32[i*tw:], winoLd, any(q).([]float32)[:4*wq], wq, tw)
			continue
		}
		winoGradInputRow(p[i*tw:], q[:wq], q[wq:2*wq], q[2*wq:3*wq], q[3*wq:4*wq])
	}
}

// winoGradInputRow is winoGradInput for one tile row, whose padded rows are
// q0 … q3 (in float32, rows of eight tiles or more go to
// vec.WinoGradInputRows32 instead, eight tiles at a time with the same
// operations; shorter ones were no faster there). B P combines the rows of P into (p0, p1−p2+p3, p1+p2−p0, −p3),
// and (B P) Bᵀ the columns the same way. A tile's last two columns are the
// next tile's first two, so they are carried to it in c…; the last tile's
// are stored after the loop.
func winoGradInputRow[T float](p, q0, q1, q2, q3 []T) {
	const l = winoLd
	q1, q2, q3 = q1[:len(q0)], q2[:len(q0)], q3[:len(q0)]
	var c00, c01, c10, c11, c20, c21, c30, c31 T
	k := 0
	for t := 0; k+3 < len(q0); k, t = k+2, t+1 {
		s := p[t : t+15*l+1]
		r0, r1, r2, r3 := s[0], s[l], s[2*l], s[3*l]
		q0[k] += c00 + r0
		q0[k+1] += c01 + (r1 - r2 + r3)
		c00, c01 = r1+r2-r0, -r3
		r0 = s[4*l] - s[8*l] + s[12*l]
		r1 = s[5*l] - s[9*l] + s[13*l]
		r2 = s[6*l] - s[10*l] + s[14*l]
		r3 = s[7*l] - s[11*l] + s[15*l]
		q1[k] += c10 + r0
		q1[k+1] += c11 + (r1 - r2 + r3)
		c10, c11 = r1+r2-r0, -r3
		r0 = s[4*l] + s[8*l] - s[0]
		r1 = s[5*l] + s[9*l] - s[l]
		r2 = s[6*l] + s[10*l] - s[2*l]
		r3 = s[7*l] + s[11*l] - s[3*l]
		q2[k] = c20 + r0
		q2[k+1] = c21 + (r1 - r2 + r3)
		c20, c21 = r1+r2-r0, -r3
		r0, r1, r2, r3 = s[12*l], s[13*l], s[14*l], s[15*l]
		q3[k] = c30 - r0
		q3[k+1] = c31 - (r1 - r2 + r3)
		c30, c31 = r0-r1-r2, r3
	}
	q0[k] += c00
	q0[k+1] += c01
	q1[k] += c10
	q1[k+1] += c11
	q2[k], q2[k+1] = c20, c21
	q3[k], q3[k+1] = c30, c31
}

// winoScratch is one worker's buffers for a Winograd convolution.
type winoScratch[T float] struct {
	strip []T // padded input rows of one sample's chunk and channel
	in    []T // transformed input tiles of a chunk, [C][16][winoLd] (*)
	out   []T // transformed output (gradient) tiles, [O][16][winoLd] (*)
	dq    []T // padded input gradients of a chunk's samples, [spc][C][hq][wq] (backward only)
	// (*) with room for C and O rounded up to whole panels of the
	// micro-tiles, where winoMul writes what it computes for the padding.
}

func newWinoScratch[T float](wg winoGeom, grad bool) *winoScratch[T] {
	sc := &winoScratch[T]{
		strip: getScratch[T]((2*wg.rows + 2) * 2 * wg.he()),
		in:    getScratch[T](winoStride[T]() * tilePanels(wg.c) * vec.TileMR),
		out:   getScratch[T](winoStride[T]() * tilePanels(wg.o) * vec.TileMR),
	}
	if grad {
		sc.dq = getScratch[T](wg.spc * wg.c * wg.hq() * wg.wq())
	}
	return sc
}

func (sc *winoScratch[T]) release() {
	for _, b := range [][]T{sc.strip, sc.in, sc.out, sc.dq} {
		if b != nil {
			putScratch(b)
		}
	}
}

// winoForward is convForward on the Winograd path: the chunks of the batch
// spread over workers.
func winoForward[T float](g convGeom, x, w, b, out []T) {
	ld := winoStride[T]() // row stride of the products' tile operands
	wg := newWinoGeom(g)
	var u, up []T // U_ξ, or U_ξ packed for the micro-tiles (see winotile.go)
	var pu int
	if winoTiles {
		up, pu = winoPacked(g, w, false)
	} else {
		u = getScratch[T](16 * g.o * g.c)
		defer putScratch(u)
		winoWeights(g, w, u)
	}
	hw, s := g.h*g.w, g.s()
	x32, lanes := any(x).([]float32)
	lanes = lanes && wg.lanes()
	parallelFor(wg.chunkCount(g.n), 1, func(lo, hi int) {
		sc := newWinoScratch[T](wg, false)
		defer sc.release()
		var tmp [vec.TileMR * vec.TileNR32]T
		mul := func(nt int) {
			for xi := 0; xi < 16; xi++ {
				if up == nil {
					gemm(false, false, g.o, nt, g.c, 1, u[xi*g.o*g.c:], g.c, sc.in[xi*winoLd:], ld, 0, sc.out[xi*winoLd:], ld)
					continue
				}
				winoMul(g.o, nt, g.c, up[xi*pu:], sc.in[xi*winoLd:], ld, sc.out[xi*winoLd:], tmp[:])
			}
		}
		var lp, ly, dense []float32
		if lanes {
			lp, ly, dense = getScratch[float32](8*wg.hq()*wg.wq()), getScratch[float32](32*wg.th*wg.tw), getScratch[float32](wg.winoDense())
			defer putScratch(lp)
			defer putScratch(ly)
			defer putScratch(dense)
			clear(lp)
		}
		for k := lo; k < hi; k++ {
			n0, n1, ty0, ty1 := wg.chunk(0, g.n, k)
			if lanes {
				b32, _ := any(b).([]float32)
				winoLaneChunk(wg, x32, b32, any(out).([]float32), n0, n1, any(sc.in).([]float32), any(sc.out).([]float32), lp, ly, dense, mul)
				continue
			}
			tps := (ty1 - ty0) * wg.tw // tiles per sample
			winoClearStrip(wg, ty0, ty1, sc.strip)
			for n := n0; n < n1; n++ {
				t := (n - n0) * tps
				for c := 0; c < g.c; c++ {
					winoInput(wg, x[(n*g.c+c)*hw:(n*g.c+c+1)*hw], ty0, ty1, sc.strip, sc.in[c*ld+t:])
				}
			}
			mul((n1 - n0) * tps)
			for n := n0; n < n1; n++ {
				t := (n - n0) * tps
				for o := 0; o < g.o; o++ {
					var bo T
					if b != nil {
						bo = b[o]
					}
					winoOutput(wg, sc.out[o*ld+t:], ty0, ty1, out[(n*g.o+o)*s:(n*g.o+o+1)*s], bo)
				}
			}
		}
	})
}

// winoBlocks returns how many samples each partial weight-gradient sum of
// winoBackward collects, and how many partial sums there are: as for
// convBlocks, up to 16 partial sums, fewer if each (16·O·C values) is large,
// and whole chunks in each.
func (wg winoGeom) winoBlocks() (per, blocks int) {
	blocks = min(wg.n, 16, max(2, (1<<24)/(16*wg.o*wg.c)))
	per = (wg.n + blocks - 1) / blocks
	per = (per + wg.spc - 1) / wg.spc * wg.spc
	return per, (wg.n + per - 1) / per
}

// winoBackward is convBackward on the Winograd path: samples in the blocks
// of winoBlocks, each block with its own partial (transformed) weight
// gradient and bias sums, added in block order.
func winoBackward[T float](g convGeom, gy, x, w, gx, gw, gb []T) {
	ld := winoStride[T]()
	wg := newWinoGeom(g)
	per, nblk := wg.winoBlocks()
	oc := g.o * g.c
	var u, pw, ut []T
	var ptu int // the size of a packed U_ξᵀ
	switch {
	case gx != nil && winoTiles:
		ut, ptu = winoPacked(g, w, true)
	case gx != nil:
		u = getScratch[T](16 * oc)
		defer putScratch(u)
		winoWeights(g, w, u)
	}
	if gw != nil {
		pw = getScratch[T](nblk * 16 * oc)
		defer putScratch(pw)
	}
	pb := make([]float64, nblk*g.o)
	hw, s := g.h*g.w, g.s()
	pq := wg.hq() * wg.wq()                 // a padded plane
	lanes := wg.lanes() && sizeOf[T]() == 4 // float32
	parallelFor(nblk, 1, func(lo, hi int) {
		sc := newWinoScratch[T](wg, gx != nil && !lanes) // the lanes write gx directly
		defer sc.release()
		var tmp [vec.TileMR * vec.TileNR32]T
		var lb *winoLaneBufs
		if lanes {
			lb = newWinoLaneBufs(wg)
			defer lb.release()
		}
		for blk := lo; blk < hi; blk++ {
			nlo, nhi := blk*per, min((blk+1)*per, g.n)
			for n := nlo; gb != nil && n < nhi; n++ {
				for o := 0; o < g.o; o++ {
					pb[blk*g.o+o] += sum64(gy[(n*g.o+o)*s : (n*g.o+o+1)*s])
				}
			}
			if gw == nil && gx == nil {
				continue
			}
			for k := 0; k < wg.chunkCount(nhi-nlo); k++ {
				n0, n1, ty0, ty1 := wg.chunk(nlo, nhi, k)
				tps := (ty1 - ty0) * wg.tw // tiles per sample
				nt := (n1 - n0) * tps
				if lanes {
					nt = tps * lb.gradOutput(wg, any(gy).([]float32), n0, n1, any(sc.out).([]float32))
				}
				for n := n0; n < n1 && !lanes; n++ {
					t := (n - n0) * tps
					for o := 0; o < g.o; o++ {
						winoGradOutput(wg, gy[(n*g.o+o)*s:(n*g.o+o+1)*s], ty0, ty1, sc.out[o*ld+t:])
					}
				}
				if gw != nil {
					if lanes {
						lb.input(wg, any(x).([]float32), n0, n1, any(sc.in).([]float32))
					} else {
						winoClearStrip(wg, ty0, ty1, sc.strip)
					}
					for n := n0; n < n1 && !lanes; n++ {
						t := (n - n0) * tps
						for c := 0; c < g.c; c++ {
							winoInput(wg, x[(n*g.c+c)*hw:(n*g.c+c+1)*hw], ty0, ty1, sc.strip, sc.in[c*ld+t:])
						}
					}
					beta := T(1)
					if k == 0 { // the block's partial sum starts here
						beta = 0
					}
					if out32, ok := any(sc.out).([]float32); ok && winoTiles {
						winoWeightDots(g, out32, any(sc.in).([]float32), nt, ld, any(pw[blk*16*oc:]).([]float32), k > 0)
					} else {
						for xi := 0; xi < 16; xi++ {
							gemm(false, true, g.o, g.c, nt, 1, sc.out[xi*winoLd:], ld, sc.in[xi*winoLd:], ld, beta, pw[(blk*16+xi)*oc:], g.c)
						}
					}
				}
				if gx == nil {
					continue
				}
				for xi := 0; xi < 16; xi++ {
					if ut == nil {
						gemm(true, false, g.c, nt, g.o, 1, u[xi*oc:], g.c, sc.out[xi*winoLd:], ld, 0, sc.in[xi*winoLd:], ld)
						continue
					}
					winoMul(g.c, nt, g.o, ut[xi*ptu:], sc.out[xi*winoLd:], ld, sc.in[xi*winoLd:], tmp[:])
				}
				if lanes {
					lb.gradInput(wg, any(sc.in).([]float32), n0, n1, any(gx).([]float32))
					continue
				}
				for n := n0; n < n1; n++ {
					t := (n - n0) * tps
					dq := sc.dq[(n-n0)*g.c*pq : (n-n0+1)*g.c*pq]
					for c := 0; c < g.c; c++ {
						plane := dq[c*pq : (c+1)*pq]
						if ty0 == 0 { // see winoGradInput
							clear(plane[:2*wg.wq()])
						}
						winoGradInput(wg, sc.in[c*ld+t:], ty0, ty1, plane)
						if ty1 == wg.th { // the sample's gradient is complete
							winoCrop(wg, plane, gx[(n*g.c+c)*hw:(n*g.c+c+1)*hw])
						}
					}
				}
			}
		}
	})
	if gw != nil {
		winoWeightGrad(g, pw, nblk, gw)
	}
	for o := range gb {
		sum := 0.0
		for blk := 0; blk < nblk; blk++ {
			sum += pb[blk*g.o+o]
		}
		gb[o] = T(sum)
	}
}

// winoWeightDots adds a chunk's nt tiles to the transformed weight
// gradient pw (16 blocks of O×C, set instead when accum is false): for each
// ξ, pw_ξ(o, c) = Σ_t out[o·ld + ξ·winoLd + t]·in[c·ld + ξ·winoLd + t], as
// dot products over the tiles (vec.WinoDots32), both operands read in
// place. The tiles from nt up to the next multiple of 8 are zeroed first
// in both operands: they hold what the input transform wrote past a tile
// row (values of the next one), or what earlier chunks and earlier users
// of the scratch buffers left (TestWinogradPoisonedScratch).
// Against OpenBLAS's product, which packs both operands, the backward pass
// of 16→16 channels on 28×28 (batch 128) went from 22.5 to 19.7 ms on one
// thread and 11.8 to 10.9 on two, of the image ODE block (batch 32, 32→32)
// from 13.5 to 13.0 and 7.3 to 6.7; in the default build, against Native's
// GEMM, from 29.6 to 20.1, 16.0 to 10.9, 17.2 to 13.0 and 9.4 to 7.1
// (BenchmarkWinogradShapes, best of 6 and 5, alternated). In float64 the
// products stay with the BLAS.
func winoWeightDots(g convGeom, out, in []float32, nt, ld int, pw []float32, accum bool) {
	nt8, oc := (nt+7)&^7, g.o*g.c
	for xi := 0; xi < 16; xi++ {
		for o := 0; o < g.o; o++ {
			clear(out[o*ld+xi*winoLd+nt : o*ld+xi*winoLd+nt8])
		}
		for c := 0; c < g.c; c++ {
			clear(in[c*ld+xi*winoLd+nt : c*ld+xi*winoLd+nt8])
		}
		vec.WinoDots32(g.o, g.c, nt8, out[xi*winoLd:], ld, in[xi*winoLd:], ld, pw[xi*oc:(xi+1)*oc], g.c, accum)
	}
}

// winoCrop copies the image out of a padded hq×wq plane.
func winoCrop[T float](wg winoGeom, plane, img []T) {
	wq := wg.wq()
	for ih := 0; ih < wg.h; ih++ {
		copy(img[ih*wg.w:(ih+1)*wg.w], plane[(ih+wg.ph)*wq+wg.pw:])
	}
}

// sum64 returns the sum of v in float64: for float32 values in eight
// float64 lanes (vec.Sum32), for float64 ones in four interleaved partial
// sums (one running sum would wait on every addition's latency). The order
// depends on the length only.
func sum64[T float](v []T) float64 {
	if v32, ok := any(v).([]float32); ok {
		return vec.Sum32(v32)
	}
	var s0, s1, s2, s3 float64
	for ; len(v) >= 4; v = v[4:] {
		s0 += float64(v[0])
		s1 += float64(v[1])
		s2 += float64(v[2])
		s3 += float64(v[3])
	}
	for _, x := range v {
		s0 += float64(x)
	}
	return (s0 + s1) + (s2 + s3)
}
