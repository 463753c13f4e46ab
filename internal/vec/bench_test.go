package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Benchmarks report ns/element ("ns/elem"). For each function there are
// three variants: "asm" (the AVX2 kernels; skipped without them), "go"
// (the package's fallback path, forced with useAsm=false) and "loop" (a
// plain Go loop over math.Tanh, math.Exp, y[i] += a*x[i], s += x[i]*y[i]).

var benchSizes = []int{1000, 802816}

func benchData64(n int) []float64 {
	r := rand.New(rand.NewPCG(1, 1))
	x := make([]float64, n)
	for i := range x {
		x[i] = r.NormFloat64() * 3
	}
	return x
}

func benchData32(n int) []float32 {
	x64 := benchData64(n)
	x := make([]float32, n)
	for i, v := range x64 {
		x[i] = float32(v)
	}
	return x
}

func runVariants(b *testing.B, n int, asm, goPath, loop func()) {
	for _, v := range []struct {
		name string
		f    func()
		asm  bool
	}{{"asm", asm, true}, {"go", goPath, false}, {"loop", loop, false}} {
		if v.f == nil {
			continue
		}
		b.Run(fmt.Sprintf("%s/n=%d", v.name, n), func(b *testing.B) {
			if v.asm && !haveAsm {
				b.Skip("no assembly kernels")
			}
			defer func(old bool) { useAsm = old }(useAsm)
			useAsm = v.asm
			for b.Loop() {
				v.f()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
		})
	}
}

func benchUnary64(b *testing.B, f func(dst, x []float64), scalar func(float64) float64) {
	for _, n := range benchSizes {
		x, dst := benchData64(n), make([]float64, n)
		call := func() { f(dst, x) }
		loop := func() {
			for i, v := range x {
				dst[i] = scalar(v)
			}
		}
		runVariants(b, n, call, call, loop)
	}
}

func benchUnary32(b *testing.B, f func(dst, x []float32), scalar func(float64) float64) {
	for _, n := range benchSizes {
		x, dst := benchData32(n), make([]float32, n)
		call := func() { f(dst, x) }
		loop := func() {
			for i, v := range x {
				dst[i] = float32(scalar(float64(v)))
			}
		}
		runVariants(b, n, call, call, loop)
	}
}

func sigmoidScalar(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

func BenchmarkTanh64(b *testing.B)    { benchUnary64(b, Tanh64, math.Tanh) }
func BenchmarkExp64(b *testing.B)     { benchUnary64(b, Exp64, math.Exp) }
func BenchmarkSigmoid64(b *testing.B) { benchUnary64(b, Sigmoid64, sigmoidScalar) }
func BenchmarkTanh32(b *testing.B)    { benchUnary32(b, Tanh32, math.Tanh) }
func BenchmarkExp32(b *testing.B)     { benchUnary32(b, Exp32, math.Exp) }
func BenchmarkSigmoid32(b *testing.B) { benchUnary32(b, Sigmoid32, sigmoidScalar) }

func BenchmarkAxpy64(b *testing.B) {
	for _, n := range benchSizes {
		x, y := benchData64(n), benchData64(n)
		a := 1e-9
		call := func() { Axpy64(a, x, y) }
		loop := func() {
			for i, v := range x {
				y[i] += a * v
			}
		}
		runVariants(b, n, call, call, loop)
	}
}

func BenchmarkAxpy32(b *testing.B) {
	for _, n := range benchSizes {
		x, y := benchData32(n), benchData32(n)
		a := float32(1e-9)
		call := func() { Axpy32(a, x, y) }
		loop := func() {
			for i, v := range x {
				y[i] += a * v
			}
		}
		runVariants(b, n, call, call, loop)
	}
}

var sink float64

func BenchmarkDot64(b *testing.B) {
	for _, n := range benchSizes {
		x, y := benchData64(n), benchData64(n)
		call := func() { sink = Dot64(x, y) }
		loop := func() {
			s := 0.0
			for i, v := range x {
				s += v * y[i]
			}
			sink = s
		}
		runVariants(b, n, call, call, loop)
	}
}

// BenchmarkTanh64Small is Tanh64 on arguments below 0.625 in magnitude,
// as in a small MLP's hidden layer (ode_demo's pre-activations after
// training are 97 % such blocks of 16): the rational path alone.
func BenchmarkTanh64Small(b *testing.B) {
	x := benchData64(1000)
	for i := range x {
		x[i] *= 0.2 / 3
		x[i] = math.Max(-0.6, math.Min(0.6, x[i]))
	}
	dst := make([]float64, len(x))
	b.SetBytes(8 * int64(len(x)))
	for b.Loop() {
		Tanh64(dst, x)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(x)), "ns/elem")
}

// BenchmarkDeinterleaveRows32 splits one row of 14 pairs (a row of a
// 28×28 image as package tensor's Winograd strips split it) and 28 such
// rows in one call, and 1000 pairs.
func BenchmarkDeinterleaveRows32(b *testing.B) {
	for _, sz := range [][2]int{{1, 14}, {28, 14}, {1, 1000}} {
		rows, n := sz[0], sz[1]
		src, d0, d1 := benchData32(2*n*rows), make([]float32, n*rows), make([]float32, n*rows)
		call := func() { DeinterleaveRows32(d0, d1, n, src, 2*n, rows, n) }
		loop := func() {
			for r := range d0 {
				pair := src[2*r : 2*r+2 : 2*r+2]
				d0[r], d1[r] = pair[0], pair[1]
			}
		}
		runVariants(b, n*rows, call, call, loop)
	}
}

func BenchmarkScale32(b *testing.B) {
	for _, n := range benchSizes {
		x, dst := benchData32(n), make([]float32, n)
		a := float32(0.5)
		call := func() { Scale32(dst, a, x) }
		loop := func() {
			for i, v := range x {
				dst[i] = a * v
			}
		}
		runVariants(b, n, call, call, loop)
	}
}

// BenchmarkWinoDots32 times the Winograd weight gradient's dot products at
// the shapes of aca classify's stages (m = O, n = C, k = a chunk's tiles,
// rows as far apart as package tensor lays them out), in GFLOPS.
func BenchmarkWinoDots32(b *testing.B) {
	const ld = 16*272 + 16 // tensor's winoStride for float32
	for _, sz := range [][3]int{{16, 16, 256}, {32, 32, 256}, {64, 64, 128}, {128, 128, 64}} {
		m, n, k := sz[0], sz[1], sz[2]
		a, bb, c := benchData32((m-1)*ld+k), benchData32((n-1)*ld+k), make([]float32, m*n)
		b.Run(fmt.Sprintf("m=%d/n=%d/k=%d", m, n, k), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				WinoDots32(m, n, k, a, ld, bb, ld, c, n, true)
			}
			b.ReportMetric(2*float64(m*n*k)*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "GFLOPS")
		})
	}
}
