package tensor

import (
	"fmt"
	"math"
	"sync"
	"testing"
)

// withWinoPolicy runs f with the Winograd policy p and restores the default.
func withWinoPolicy(p int, f func()) {
	defer func(old int) { winoPolicy = old }(winoPolicy)
	winoPolicy = p
	f()
}

func (c convCase) convGeom() convGeom {
	return newConvGeom("test", []int{c.n, c.c, c.h, c.w}, []int{c.o, c.c, c.kh, c.kw}, c.p)
}

// winoCases are shapes the Winograd path computes, most of them too small
// for the shape rule to choose it: odd planes (the last tiles overhang),
// 1×1 and 2×2 images, every padding it takes, batches of 1 and 3, and the
// two ways of chunking (several whole samples per chunk, several chunks per
// sample, with a shorter last one).
var winoCases = []convCase{
	{1, 1, 5, 7, 1, 3, 3, Conv2dParams{PadH: 1, PadW: 1}},
	{3, 2, 5, 7, 3, 3, 3, Conv2dParams{PadH: 1, PadW: 1}},
	{3, 3, 7, 5, 2, 3, 3, Conv2dParams{}},
	{1, 4, 6, 9, 5, 3, 3, Conv2dParams{PadH: 1}},
	{3, 5, 9, 6, 4, 3, 3, Conv2dParams{PadW: 1}},
	{1, 3, 1, 1, 2, 3, 3, Conv2dParams{PadH: 1, PadW: 1}},
	{3, 2, 2, 2, 3, 3, 3, Conv2dParams{PadH: 1, PadW: 1}},
	{3, 2, 3, 3, 2, 3, 3, Conv2dParams{}},
	{1, 1, 3, 8, 1, 3, 3, Conv2dParams{PadW: 1}},
	{3, 8, 28, 28, 8, 3, 3, Conv2dParams{PadH: 1, PadW: 1}},
	{1, 17, 28, 28, 9, 3, 3, Conv2dParams{PadH: 1, PadW: 1}},
	{1, 9, 27, 29, 17, 3, 3, Conv2dParams{PadH: 1, PadW: 1}},
	{19, 3, 6, 5, 2, 3, 3, Conv2dParams{PadH: 1, PadW: 1}},  // 3 samples per chunk, a short last block
	{2, 2, 41, 39, 3, 3, 3, Conv2dParams{PadH: 1, PadW: 1}}, // 2 chunks per sample, 11 and 10 tile rows
	{2, 8, 40, 37, 4, 3, 3, Conv2dParams{PadH: 1, PadW: 1}}, // the weight gradient summed over chunks, whole 2×4 blocks
	{1, 40, 10, 12, 48, 3, 3, Conv2dParams{PadH: 1, PadW: 1}},
}

// TestConv2dWinograd checks the forward pass and all three gradients of the
// Winograd path against the direct references, at the tolerances of
// TestConv2d, in both dtypes, with the products on the BLAS and (where the
// CPU has AVX2 and FMA) on the micro-tiles.
func TestConv2dWinograd(t *testing.T) {
	var multiSample, multiChunk, shortChunk bool
	for _, c := range winoCases {
		wg := newWinoGeom(c.convGeom())
		multiSample = multiSample || wg.spc > 1
		multiChunk = multiChunk || wg.sampleChunks() > 1
		shortChunk = shortChunk || (wg.spc == 1 && wg.th%wg.rows != 0)
	}
	if !multiSample || !multiChunk || !shortChunk {
		t.Errorf("winoCases no longer cover every chunking: several samples %v, several chunks %v, short last chunk %v",
			multiSample, multiChunk, shortChunk)
	}
	for _, tiles := range tileSettings() {
		withWinoTiles(tiles, func() {
			withWinoPolicy(winoAlways, func() {
				for i, c := range winoCases {
					if g := c.convGeom(); !g.winograd(false) || !g.winograd(true) {
						t.Fatalf("%v does not take the Winograd path", c)
					}
					for _, dt := range dtypes {
						runConvCase(t, c, dt, uint64(300+i))
					}
				}
			})
		})
	}
}

// TestConv2dWinogradBackwardFlags asks the Winograd path for each subset of
// the gradients.
func TestConv2dWinogradBackwardFlags(t *testing.T) {
	c := convCase{3, 4, 7, 6, 5, 3, 3, Conv2dParams{PadH: 1, PadW: 1}}
	_, _, oh, ow := c.geom()
	withWinoPolicy(winoAlways, func() {
		for _, dt := range dtypes {
			rng := testRNG(11)
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
	})
}

// TestConv2dWinogradDispatch pins the shape rule: the Winograd path for
// stride-1 3×3 convolutions with padding 0 or 1, enough channels (more for
// the forward pass) and chunks of enough output pixels × channels, im2col
// for everything else.
func TestConv2dWinogradDispatch(t *testing.T) {
	for _, tiles := range tileSettings() {
		withWinoTiles(tiles, func() { testWinogradDispatch(t) })
	}
}

func testWinogradDispatch(t *testing.T) {
	pad1 := Conv2dParams{PadH: 1, PadW: 1}
	// 16-channel passes take Winograd with the micro-tiles; without them,
	// backward passes only, and with OpenBLAS only.
	fwd16, ob := winoTiles, winoTiles || BLAS() == "openblas"
	for _, c := range []struct {
		c        convCase
		fwd, bwd bool
	}{
		{convCase{32, 32, 28, 28, 32, 3, 3, pad1}, true, true}, // the image ODE block
		{convCase{1, 32, 28, 28, 32, 3, 3, pad1}, true, true},
		{convCase{8, 24, 28, 28, 24, 3, 3, pad1}, true, true},
		{convCase{8, 16, 28, 28, 16, 3, 3, pad1}, fwd16, ob}, // 16 channels
		{convCase{8, 16, 28, 28, 16, 3, 3, Conv2dParams{}}, fwd16, ob},
		{convCase{8, 16, 28, 28, 16, 3, 3, Conv2dParams{PadH: 1}}, fwd16, ob},
		{convCase{128, 16, 14, 14, 32, 3, 3, pad1}, fwd16, ob},
		{convCase{32, 32, 10, 10, 32, 3, 3, pad1}, true, true},  // 4 samples, 400 pixels × 32 channels per chunk
		{convCase{8, 32, 10, 10, 32, 3, 3, pad1}, false, false}, // 100 pixels × 32 channels per chunk
		{convCase{32, 32, 7, 7, 32, 3, 3, pad1}, true, true},    // 4 samples, 196 pixels × 32 channels per chunk
		{convCase{128, 32, 7, 7, 32, 3, 3, pad1}, true, true},   // 16 samples, 784 pixels
		{convCase{128, 128, 4, 4, 128, 3, 3, pad1}, true, true}, // 16 samples, 256 pixels
		{convCase{128, 256, 4, 4, 256, 3, 3, pad1}, true, true}, // 8 samples, 128 pixels, many channels
		{convCase{64, 128, 4, 4, 128, 3, 3, pad1}, true, true},  // 8 samples, 128 pixels
		{convCase{64, 32, 4, 4, 32, 3, 3, pad1}, true, true},    // 8 samples, 128 pixels, 32 channels
		{convCase{32, 32, 4, 4, 32, 3, 3, pad1}, false, false},  // 4 samples, 64 pixels, 32 channels
		{convCase{8, 128, 4, 4, 128, 3, 3, pad1}, false, false}, // 1 sample per chunk
		{convCase{8, 64, 56, 56, 64, 3, 3, pad1}, true, true},   // 4 of a sample's 28 tile rows per chunk
		{convCase{8, 8, 28, 28, 8, 3, 3, pad1}, false, false},   // too few channels
		{convCase{8, 1, 28, 28, 32, 3, 3, pad1}, false, false},  // too few input channels
		{convCase{8, 32, 28, 28, 8, 3, 3, pad1}, false, false},  // too few output channels
		{convCase{8, 32, 28, 28, 32, 3, 3, Conv2dParams{PadH: 2, PadW: 2}}, false, false},
		{convCase{8, 32, 28, 28, 32, 3, 3, Conv2dParams{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}}, false, false},
		{convCase{8, 32, 28, 28, 32, 3, 3, Conv2dParams{StrideW: 2, PadH: 1, PadW: 1}}, false, false},
		{convCase{8, 32, 28, 28, 32, 5, 5, Conv2dParams{PadH: 2, PadW: 2}}, false, false},
		{convCase{8, 32, 28, 28, 32, 3, 1, Conv2dParams{PadH: 1}}, false, false},
		{convCase{1, 16, 4, 1200, 16, 3, 3, pad1}, false, false}, // a tile row longer than a chunk
	} {
		g := c.c.convGeom()
		if got := g.winograd(false); got != c.fwd {
			t.Errorf("%v (tiles %v): Winograd forward %v, want %v", c.c, winoTiles, got, c.fwd)
		}
		if got := g.winograd(true); got != c.bwd {
			t.Errorf("%v (tiles %v): Winograd backward %v, want %v", c.c, winoTiles, got, c.bwd)
		}
	}
	withWinoPolicy(winoOff, func() {
		if g := (convCase{32, 32, 28, 28, 32, 3, 3, pad1}).convGeom(); g.winograd(false) || g.winograd(true) {
			t.Error("winoOff does not turn the Winograd path off")
		}
	})
}

// convErr is the worst error of got against the reference in the measure of
// checkCloseScaled (|got − want| / (1 + |want| + scale)), and the largest
// error relative to the largest reference value.
func convErr(got *Tensor, want, scale []float64) (scaled, rel float64) {
	gv := got.Values()
	maxErr, maxRef := 0.0, 0.0
	for i := range want {
		d := math.Abs(gv[i] - want[i])
		scaled = max(scaled, d/(1+math.Abs(want[i])+scale[i]))
		maxErr, maxRef = max(maxErr, d), max(maxRef, math.Abs(want[i]))
	}
	return scaled, maxErr / maxRef
}

// TestConv2dWinogradAccuracy compares the rounding errors of the two paths
// on the image ODE block's shape (two samples of it). Winograd F(2×2, 3×3)
// only adds, subtracts and halves in its transforms; its forward errors are
// those of the direct sum, and those of the two gradients, which sum
// transformed tiles (values a few times larger, then cancelled), were 1.6–2.4
// times im2col's over five seeds in float32, below a fifth of the float32
// tolerance of the tests above. The test fails at three times (or at a
// hundredth of the tolerance, if that is more). (F(4×4, 3×3) was about ten
// times worse in float32, beyond those tolerances.)
func TestConv2dWinogradAccuracy(t *testing.T) {
	c := convCase{2, 32, 28, 28, 32, 3, 3, Conv2dParams{PadH: 1, PadW: 1}}
	if g := c.convGeom(); !g.winograd(false) || !g.winograd(true) {
		t.Fatalf("%v does not take the Winograd path", c)
	}
	for _, dt := range dtypes {
		rng := testRNG(21)
		x := randT(rng, dt, -1, 1, c.n, c.c, c.h, c.w)
		w := randT(rng, dt, -1, 1, c.o, c.c, c.kh, c.kw)
		_, y, ys := refConv(c, x, w, nil)
		gy := randT(rng, dt, -1, 1, c.n, c.o, c.h, c.w)
		rx, rw, _, sx, sw, _ := refConvBackward(c, gy, x, w)
		errs := map[int][3][2]float64{}
		for _, p := range []int{winoOff, winoAuto} {
			withWinoPolicy(p, func() {
				var e [3][2]float64
				e[0][0], e[0][1] = convErr(Conv2d(x, w, nil, c.p), y, ys)
				gx, gw, _ := Conv2dBackward(gy, x, w, c.p, true, true, false)
				e[1][0], e[1][1] = convErr(gx, rx, sx)
				e[2][0], e[2][1] = convErr(gw, rw, sw)
				errs[p] = e
			})
		}
		for i, name := range []string{"y", "gx", "gw"} {
			im, wi := errs[winoOff][i], errs[winoAuto][i]
			t.Logf("%v %s: worst scaled error im2col %.3g, Winograd %.3g (%.2f of the tolerance); max error / max |value| im2col %.3g, Winograd %.3g",
				dt, name, im[0], wi[0], wi[0]/tol(dt), im[1], wi[1])
			// (Gonum's float64 im2col product sums in the reference's order,
			// exactly: hence the floor.)
			if wi[0] > max(3*im[0], tol(dt)/100) {
				t.Errorf("%v %s: Winograd's worst error %.3g is more than three times im2col's %.3g", dt, name, wi[0], im[0])
			}
		}
	}
}

// TestConv2dWinogradThreads checks that the Winograd path gives the same
// bits for 1, 2 and 3 workers, in each way of chunking (threads_test.go
// reaches only im2col shapes).
func TestConv2dWinogradThreads(t *testing.T) {
	cases := []convCase{
		{9, 16, 12, 12, 16, 3, 3, Conv2dParams{PadH: 1, PadW: 1}}, // 2 samples per chunk, 5 chunks
		{2, 4, 40, 37, 3, 3, 3, Conv2dParams{PadH: 1, PadW: 1}},   // 2 chunks per sample
		{1, 8, 16, 16, 4, 3, 3, Conv2dParams{PadH: 1, PadW: 1}},   // one sample
		{5, 6, 13, 11, 7, 3, 3, Conv2dParams{}},
	}
	run := func(dt DType) map[string]*Tensor {
		out := map[string]*Tensor{}
		rng := testRNG(31)
		withWinoPolicy(winoAlways, func() {
			for i, c := range cases {
				x := randT(rng, dt, -1, 1, c.n, c.c, c.h, c.w)
				w := randT(rng, dt, -1, 1, c.o, c.c, c.kh, c.kw)
				b := randT(rng, dt, -1, 1, c.o)
				y := Conv2d(x, w, b, c.p)
				out[fmt.Sprintf("Conv2d %d", i)] = y
				gx, gw, gb := Conv2dBackward(y, x, w, c.p, true, true, true)
				out[fmt.Sprintf("gx %d", i)], out[fmt.Sprintf("gw %d", i)], out[fmt.Sprintf("gb %d", i)] = gx, gw, gb
			}
		})
		return out
	}
	for _, dt := range dtypes {
		for _, tiles := range tileSettings() {
			withWinoTiles(tiles, func() { threadsSameBits(t, dt, tiles, run) })
		}
	}
}

// threadsSameBits checks that run gives the same bits on 2 and 3 threads
// as on 1.
func threadsSameBits(t *testing.T, dt DType, tiles bool, run func(DType) map[string]*Tensor) {
	{
		var ref map[string]*Tensor
		withThreads(t, 1, func() { ref = run(dt) })
		for _, n := range []int{2, 3} {
			var got map[string]*Tensor
			withThreads(t, n, func() { got = run(dt) })
			for name, r := range ref {
				if !SameBits(got[name], r) {
					t.Errorf("%v tiles=%v %s: SetThreads(%d) differs from SetThreads(1) (max |diff| %g)", dt, tiles, name, n, MaxAbsDiff(got[name], r))
				}
			}
		}
	}
}

// TestWinogradWeightCache checks the kept weight packings (winoPacked):
// a repeated call gives the same bits, weights changed in place are packed
// again (the results are those of a fresh cache, and differ from before),
// and calls on several goroutines sharing one packing agree (run under
// -race by CI).
func TestWinogradWeightCache(t *testing.T) {
	// The packings are kept for the micro-tiles, whose portable path runs
	// anywhere (slowly).
	defer func(old bool) { winoTiles = old }(winoTiles)
	winoTiles = true
	resetCache := func() {
		winoCache.Lock()
		clear(winoCache.entries)
		winoCache.bytes = 0
		winoCache.Unlock()
	}
	c := convCase{4, 16, 10, 12, 24, 3, 3, Conv2dParams{PadH: 1, PadW: 1}}
	withWinoPolicy(winoAlways, func() {
		for _, dt := range dtypes {
			rng := testRNG(5)
			x := randT(rng, dt, -1, 1, c.n, c.c, c.h, c.w)
			w := randT(rng, dt, -1, 1, c.o, c.c, c.kh, c.kw)
			run := func() []*Tensor {
				y := Conv2d(x, w, nil, c.p)
				gx, _, _ := Conv2dBackward(y, x, w, c.p, true, false, false)
				return []*Tensor{y, gx}
			}
			resetCache()
			first, again := run(), run()
			for i := range first {
				if !SameBits(first[i], again[i]) {
					t.Fatalf("%v: result %d differs on the kept packing", dt, i)
				}
			}
			switch dt { // the weights change in place, as an optimizer's step does
			case Float32:
				w.f32[7] += 0.5
			case Float64:
				w.f64[7] += 0.5
			}
			changed := run()
			resetCache()
			fresh := run()
			for i := range first {
				if !SameBits(changed[i], fresh[i]) || SameBits(changed[i], first[i]) {
					t.Fatalf("%v: result %d after an in-place change is not that of a fresh packing", dt, i)
				}
			}
			// The same storage reshaped to swap the channel counts is other
			// weights: its packing must not be the kept one.
			if c.c != c.o {
				x2 := randT(rng, dt, -1, 1, c.n, c.o, c.h, c.w)
				w2 := w.Reshape(c.c, c.o, c.kh, c.kw)
				y2 := Conv2d(x2, w2, nil, c.p)
				resetCache()
				if fresh2 := Conv2d(x2, w2, nil, c.p); !SameBits(y2, fresh2) {
					t.Fatalf("%v: weights reshaped in place got the other shape's packing", dt)
				}
			}
			var wg sync.WaitGroup
			got := make([][]*Tensor, 4)
			for k := range got {
				wg.Add(1)
				go func() { defer wg.Done(); got[k] = run() }()
			}
			wg.Wait()
			for k := range got {
				for i := range fresh {
					if !SameBits(got[k][i], fresh[i]) {
						t.Fatalf("%v: goroutine %d, result %d differs", dt, k, i)
					}
				}
			}
		}
	})
}
