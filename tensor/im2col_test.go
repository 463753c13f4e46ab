package tensor

import (
	"fmt"
	"math"
	"testing"
)

// TestIm2colStride2 checks im2colStride2 against the gather per output row
// (im2colGather), bit for bit and over the whole column matrix, on widths
// odd and even, paddings 0 to 2, kernels 1 to 5 wide, row strides 1 to 3,
// at 1 and 3 workers (the column matrix starts full of NaN, so a position
// left unwritten shows).
func TestIm2colStride2(t *testing.T) {
	defer SetThreads(Threads())
	for _, h := range []int{1, 4, 7} {
		for _, w := range []int{2, 3, 8, 13, 16, 17} {
			for _, k := range [][2]int{{1, 1}, {3, 3}, {2, 5}, {3, 1}} {
				for _, pad := range []int{0, 1, 2} {
					for _, sh := range []int{1, 2, 3} {
						if w+2*pad < k[1] || h+2*pad < k[0] {
							continue
						}
						p := Conv2dParams{StrideH: sh, StrideW: 2, PadH: pad, PadW: pad}
						g := newConvGeom("test", []int{2, 3, h, w}, []int{4, 3, k[0], k[1]}, p)
						rng := testRNG(41)
						x := randT(rng, Float32, -1, 1, 2, 3, h, w).Float32s()
						rows, s := g.c*g.kh*g.kw, g.s()
						ld, off := s+5, 2
						for _, threads := range []int{1, 3} {
							if err := SetThreads(threads); err != nil {
								t.Fatal(err)
							}
							name := fmt.Sprintf("h %d w %d kernel %v pad %d stride %d threads %d", h, w, k, pad, sh, threads)
							want, got := make([]float32, rows*ld), make([]float32, rows*ld)
							for i := range got {
								want[i], got[i] = float32(math.NaN()), float32(math.NaN())
							}
							im2colGather(g, x, 1, want, ld, off, true)
							im2colStride2(g, x, 1, got, ld, off, true)
							for i := range got {
								if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
									t.Fatalf("%s: element %d = %v, want %v", name, i, got[i], want[i])
								}
							}
						}
					}
				}
			}
		}
	}
}
