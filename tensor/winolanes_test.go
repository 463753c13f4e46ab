package tensor

import (
	"fmt"
	"testing"
)

// laneCases are shapes whose chunks hold 8 or 16 samples: square and
// oblong planes from 1×1 to 7×7, padding 1, 0 and in one direction only,
// batches whose last group is short (its missing lanes zero).
var laneCases = []convCase{
	{64, 8, 4, 4, 8, 3, 3, Conv2dParams{PadH: 1, PadW: 1}},
	{64, 4, 7, 7, 6, 3, 3, Conv2dParams{PadH: 1, PadW: 1}},
	{132, 8, 7, 7, 16, 3, 3, Conv2dParams{PadH: 1, PadW: 1}},
	{64, 3, 1, 1, 5, 3, 3, Conv2dParams{PadH: 1, PadW: 1}},
	{128, 5, 3, 3, 7, 3, 3, Conv2dParams{PadH: 1, PadW: 1}},
	{64, 6, 4, 7, 4, 3, 3, Conv2dParams{PadH: 1, PadW: 1}},
	{64, 4, 6, 6, 4, 3, 3, Conv2dParams{}},
	{128, 32, 5, 5, 24, 3, 3, Conv2dParams{PadH: 1, PadW: 1}},
	// Five samples' worth of tiles per chunk, rounded up to eight.
	{64, 32, 14, 14, 32, 3, 3, Conv2dParams{PadH: 1, PadW: 1}},
	// Padding in one direction only, with short last groups.
	{64, 4, 5, 6, 4, 3, 3, Conv2dParams{PadH: 1}},
	{64, 4, 6, 5, 4, 3, 3, Conv2dParams{PadW: 1}},
	{60, 4, 3, 7, 4, 3, 3, Conv2dParams{PadH: 1}},
	{61, 5, 4, 3, 6, 3, 3, Conv2dParams{PadW: 1}},
}

// TestWinoLanesSameBits checks that the forward pass with the
// lane-per-sample transforms gives the same bits as with a lane per tile,
// on laneCases, with and without a bias, at 1 and 3 threads, on the
// Winograd path whether or not the shape rule would take it.
func TestWinoLanesSameBits(t *testing.T) {
	if !winoLanes {
		t.Skip("no vector kernels: the lane transforms are off")
	}
	defer func(old int) { winoPolicy = old }(winoPolicy)
	winoPolicy = winoAlways // small shapes too
	for _, c := range laneCases {
		wg := newWinoGeom(c.convGeom())
		if !wg.lanes() {
			t.Fatalf("%v: %d samples per chunk, not in lanes", c, wg.spc)
		}
		for _, bias := range []bool{false, true} {
			t.Run(fmt.Sprintf("%v/bias=%v", c, bias), func(t *testing.T) {
				rng := testRNG(31)
				x := randT(rng, Float32, -1, 1, c.n, c.c, c.h, c.w)
				w := randT(rng, Float32, -1, 1, c.o, c.c, c.kh, c.kw)
				var b *Tensor
				if bias {
					b = randT(rng, Float32, -1, 1, c.o)
				}
				var want *Tensor
				func() {
					defer func(old bool) { winoLanes = old }(winoLanes)
					winoLanes = false
					want = Conv2d(x, w, b, c.p)
				}()
				defer SetThreads(Threads())
				for _, threads := range []int{1, 3} {
					if err := SetThreads(threads); err != nil {
						t.Fatal(err)
					}
					if got := Conv2d(x, w, b, c.p); !SameBits(got, want) {
						t.Fatalf("%d threads: the lane transforms changed the bits", threads)
					}
				}
			})
		}
	}
}

// TestWinoLanesBackward checks the backward pass with the lane-per-sample
// transforms on laneCases: the input gradient is
// the same bits as with a lane per tile (the same operations per element);
// the weight gradient sums the tiles in another order, so it is checked
// against the float64 reference, within the float32 tolerance and no worse
// than three times the lane-per-tile path's error; the bias gradient does
// not change; and all three are the same bits at 1 and 3 threads.
func TestWinoLanesBackward(t *testing.T) {
	if !winoLanes {
		t.Skip("no vector kernels: the lane transforms are off")
	}
	defer func(old int) { winoPolicy = old }(winoPolicy)
	winoPolicy = winoAlways
	defer SetThreads(Threads())
	for _, c := range laneCases {
		t.Run(fmt.Sprint(c), func(t *testing.T) {
			rng := testRNG(33)
			x := randT(rng, Float32, -1, 1, c.n, c.c, c.h, c.w)
			w := randT(rng, Float32, -1, 1, c.o, c.c, c.kh, c.kw)
			oh, ow := c.h+2*c.p.PadH-2, c.w+2*c.p.PadW-2
			gy := randT(rng, Float32, -1, 1, c.n, c.o, oh, ow)
			_, rw, _, _, sw, _ := refConvBackward(c, gy, x, w)
			var gx0, gw0, gb0 *Tensor
			func() {
				defer func(old bool) { winoLanes = old }(winoLanes)
				winoLanes = false
				gx0, gw0, gb0 = Conv2dBackward(gy, x, w, c.p, true, true, true)
			}()
			var first [3]*Tensor
			for _, threads := range []int{1, 3} {
				if err := SetThreads(threads); err != nil {
					t.Fatal(err)
				}
				gx, gw, gb := Conv2dBackward(gy, x, w, c.p, true, true, true)
				if !SameBits(gx, gx0) {
					t.Fatalf("%d threads: the input gradient's bits changed", threads)
				}
				if !SameBits(gb, gb0) {
					t.Fatalf("%d threads: the bias gradient's bits changed", threads)
				}
				lanes, _ := convErr(gw, rw, sw)
				tiles, _ := convErr(gw0, rw, sw)
				if lanes > max(3*tiles, tol(Float32)/100) || lanes > tol(Float32) {
					t.Fatalf("%d threads: weight gradient's worst scaled error %.3g, lane per tile %.3g", threads, lanes, tiles)
				}
				if first[0] == nil {
					first = [3]*Tensor{gx, gw, gb}
				} else if !SameBits(gw, first[1]) {
					t.Fatalf("the weight gradient differs between 1 and 3 threads")
				}
			}
		})
	}
}
