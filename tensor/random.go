package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// NewRNG returns a deterministic random source seeded by seed (PCG). The same
// seed gives the same sequence on every platform and run.
func NewRNG(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// RandN returns a tensor of independent normal samples with the given mean
// and standard deviation, drawn from rng in row-major order.
func RandN(rng *rand.Rand, dt DType, mean, std float64, shape ...int) *Tensor {
	t := alloc(dt, shape)
	switch dt {
	case Float32:
		for i := range t.f32 {
			t.f32[i] = float32(mean + std*rng.NormFloat64())
		}
	case Float64:
		for i := range t.f64 {
			t.f64[i] = mean + std*rng.NormFloat64()
		}
	}
	return t
}

// RandU returns a tensor of independent samples uniform on [lo, hi), drawn
// from rng in row-major order. A draw that rounds up to hi (possible in
// float32, and in float64 for some ranges) is replaced by the largest value
// below hi, so hi itself never appears. With lo = hi (a range of width
// zero, such as a gain of 0) every element is lo and nothing is drawn. It
// panics if lo > hi or either is not finite.
func RandU(rng *rand.Rand, dt DType, lo, hi float64, shape ...int) *Tensor {
	if !(lo <= hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		panic(fmt.Sprintf("tensor: RandU: range [%v, %v): want finite bounds with lo ≤ hi", lo, hi))
	}
	t := alloc(dt, shape)
	if lo == hi {
		return t.Fill(lo)
	}
	switch dt {
	case Float32:
		top := math.Nextafter32(float32(hi), float32(math.Inf(-1)))
		for i := range t.f32 {
			t.f32[i] = min(float32(lo+(hi-lo)*rng.Float64()), top)
		}
	case Float64:
		top := math.Nextafter(hi, math.Inf(-1))
		for i := range t.f64 {
			t.f64[i] = min(lo+(hi-lo)*rng.Float64(), top)
		}
	}
	return t
}
