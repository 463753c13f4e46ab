package tensor

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/acaode/aca/internal/vec"
)

// BenchmarkWinogradShapes times Conv2d and Conv2dBackward on 3×3,
// stride-1, padding-1 float32 shapes with the Winograd path on and off: the
// measurements behind the shape rule of convGeom.winograd. Threads follow
// GOMAXPROCS.
func BenchmarkWinogradShapes(b *testing.B) {
	for _, s := range []struct{ n, c, o, hw int }{
		{32, 32, 32, 28}, // the image ODE block
		// The NODE18 and ResNet18 stages of aca classify at width 16,
		// batch 128, and wider ones.
		{128, 8, 8, 28}, {128, 16, 16, 28}, {128, 24, 24, 28}, {128, 16, 32, 14},
		{128, 32, 32, 7}, {128, 32, 32, 4}, {128, 64, 64, 4}, {128, 128, 128, 7}, {128, 256, 256, 4},
		// Fewer samples per chunk: a short batch, wide layers (the paper's
		// width 64), a large image in several chunks.
		{64, 128, 128, 4}, {64, 32, 32, 4}, {128, 256, 256, 7}, {128, 512, 512, 4}, {8, 64, 64, 56},
		// Small batches: chunks of one sample.
		{8, 16, 16, 28}, {8, 64, 64, 7}, {8, 128, 128, 4}, {8, 32, 32, 10}, {32, 32, 32, 7},
	} {
		for _, on := range []bool{false, true} {
			name := fmt.Sprintf("n=%d/c=%d/o=%d/%dx%d/winograd=%v", s.n, s.c, s.o, s.hw, s.hw, on)
			rng := NewRNG(1)
			x := RandN(rng, Float32, 0, 1, s.n, s.c, s.hw, s.hw)
			w := RandN(rng, Float32, 0, 0.1, s.o, s.c, 3, 3)
			p := Conv2dParams{PadH: 1, PadW: 1}
			for _, pass := range []string{"forward", "backward"} {
				b.Run(name+"/"+pass, func(b *testing.B) {
					defer func(old int) { winoPolicy = old }(winoPolicy)
					winoPolicy = winoOff
					if on {
						winoPolicy = winoAlways
					}
					benchConvPass(b, x, w, p, pass)
				})
			}
		}
	}
}

// BenchmarkWinogradTiles times the Winograd path's products on the
// micro-tiles (tiles=true) against the BLAS (tiles=false), float32, 3×3,
// padding 1: the measurement behind winoTiles. Threads follow GOMAXPROCS.
func BenchmarkWinogradTiles(b *testing.B) {
	for _, s := range []struct{ n, c, o, hw int }{
		{32, 32, 32, 28}, {128, 16, 16, 28}, {128, 32, 32, 14}, {128, 64, 64, 7}, {128, 128, 128, 4},
	} {
		rng := NewRNG(1)
		x := RandN(rng, Float32, 0, 1, s.n, s.c, s.hw, s.hw)
		w := RandN(rng, Float32, 0, 0.1, s.o, s.c, 3, 3)
		p := Conv2dParams{PadH: 1, PadW: 1}
		for _, pass := range []string{"forward", "backward"} {
			for _, tiles := range []bool{false, true} {
				if tiles && !vec.HasAVX2() {
					continue
				}
				name := fmt.Sprintf("n=%d/c=%d/o=%d/%dx%d/%s/tiles=%v", s.n, s.c, s.o, s.hw, s.hw, pass, tiles)
				b.Run(name, func(b *testing.B) {
					defer func(old int, t bool) { winoPolicy, winoTiles = old, t }(winoPolicy, winoTiles)
					winoPolicy, winoTiles = winoAlways, tiles
					benchConvPass(b, x, w, p, pass)
				})
			}
		}
	}
}

// benchConvPass times Conv2d (pass "forward") or Conv2dBackward of all
// three gradients on GOMAXPROCS threads, after one untimed run of both.
func benchConvPass(b *testing.B, x, w *Tensor, p Conv2dParams, pass string) {
	SetThreads(runtime.GOMAXPROCS(0))
	defer SetThreads(0)
	y := Conv2d(x, w, nil, p)
	Conv2dBackward(y, x, w, p, true, true, true)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if pass == "forward" {
			Conv2d(x, w, nil, p)
		} else {
			Conv2dBackward(y, x, w, p, true, true, true)
		}
	}
}
