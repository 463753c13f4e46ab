package tensor

import (
	"fmt"
	"runtime"
	"testing"
)

// The conv2d benchmarks use the shape of the paper's image ODE block:
// batch 32, 32→32 channels, 28×28, 3×3 kernel, padding 1, float32. Threads
// follow GOMAXPROCS (use -cpu 1,2). Run with -tags openblas for OpenBLAS.
const convFLOP = 2 * 32 * 32 * 32 * 28 * 28 * 9 // 462 MFLOP per pass

func convBenchInputs() (x, w, b *Tensor) {
	rng := NewRNG(1)
	return RandN(rng, Float32, 0, 1, 32, 32, 28, 28), RandN(rng, Float32, 0, 0.1, 32, 32, 3, 3), RandN(rng, Float32, 0, 1, 32)
}

// BenchmarkConv2dForward times one forward convolution.
func BenchmarkConv2dForward(b *testing.B) {
	SetThreads(runtime.GOMAXPROCS(0))
	defer SetThreads(0)
	x, w, bias := convBenchInputs()
	p := Conv2dParams{PadH: 1, PadW: 1}
	Conv2d(x, w, bias, p) // warm the scratch pool
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Conv2d(x, w, bias, p)
	}
	b.ReportMetric(float64(convFLOP)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
}

// BenchmarkConv2dBackward times the gradients with respect to input, weight
// and bias (two GEMMs of the forward's size, im2col and col2im).
func BenchmarkConv2dBackward(b *testing.B) {
	SetThreads(runtime.GOMAXPROCS(0))
	defer SetThreads(0)
	x, w, bias := convBenchInputs()
	p := Conv2dParams{PadH: 1, PadW: 1}
	gy := Conv2d(x, w, bias, p)
	Conv2dBackward(gy, x, w, p, true, true, true)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Conv2dBackward(gy, x, w, p, true, true, true)
	}
	b.ReportMetric(2*float64(convFLOP)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
}

// BenchmarkMatMul times MatMul on square float32 and float64 matrices through
// the package's dispatch: with OpenBLAS, the product is cut into blocks spread
// over SetThreads workers (use -cpu 1,2); with Gonum, Gonum parallelises.
func BenchmarkMatMul(b *testing.B) {
	for _, dt := range []DType{Float32, Float64} {
		for _, n := range []int{256, 512, 1024} {
			b.Run(dt.String()+"/n="+itoa(n), func(b *testing.B) {
				SetThreads(runtime.GOMAXPROCS(0))
				defer SetThreads(0)
				rng := NewRNG(1)
				x, y := RandN(rng, dt, 0, 1, n, n), RandN(rng, dt, 0, 1, n, n)
				MatMul(x, y, false, false)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					MatMul(x, y, false, false)
				}
				b.ReportMetric(2*float64(n)*float64(n)*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
			})
		}
	}
}

func itoa(n int) string {
	s := ""
	for n > 0 {
		s = string(rune('0'+n%10)) + s
		n /= 10
	}
	return s
}

// BenchmarkConv2dStrided times the im2col path on ResNet18's strided layers
// at width 16 on 28×28 images, batch 128 (aca classify's ResNet and NODE):
// the 3×3 stride-2 convolution that opens each of stages 2…4 and its 1×1
// stride-2 projection, forward and backward (input, weight and bias
// gradients) per iteration.
func BenchmarkConv2dStrided(b *testing.B) {
	SetThreads(runtime.GOMAXPROCS(0))
	defer SetThreads(0)
	for _, c := range []struct{ c, o, hw, k int }{
		{16, 32, 28, 3}, {32, 64, 14, 3}, {64, 128, 7, 3},
		{16, 32, 28, 1}, {32, 64, 14, 1}, {64, 128, 7, 1},
	} {
		b.Run(fmt.Sprintf("%dto%d_%dx%d_k%d", c.c, c.o, c.hw, c.hw, c.k), func(b *testing.B) {
			rng := testRNG(1)
			x := randT(rng, Float32, -1, 1, 128, c.c, c.hw, c.hw)
			w := randT(rng, Float32, -1, 1, c.o, c.c, c.k, c.k)
			p := Conv2dParams{StrideH: 2, StrideW: 2, PadH: c.k / 2, PadW: c.k / 2}
			gy := Conv2d(x, w, nil, p)
			Conv2dBackward(gy, x, w, p, true, true, true) // warm the scratch pool
			oh := gy.Shape()[2]
			flop := 3 * 2 * float64(128*c.o*c.c*c.k*c.k*oh*oh) // forward and two gradients
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				Conv2d(x, w, nil, p)
				Conv2dBackward(gy, x, w, p, true, true, true)
			}
			b.ReportMetric(flop*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
		})
	}
}
