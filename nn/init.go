package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/acaode/aca/tensor"
)

// FanMode selects which fan Kaiming initialisation scales by.
type FanMode int

const (
	// FanIn preserves the variance of activations in the forward pass.
	FanIn FanMode = iota
	// FanOut preserves the variance of gradients in the backward pass.
	FanOut
)

// Gains for common nonlinearities, as PyTorch's calculate_gain.
const (
	// GainLinear is the gain for linear maps, convolutions and sigmoid.
	GainLinear = 1.0
	// GainTanh is the gain for tanh (5/3).
	GainTanh = 5.0 / 3
	// GainReLU is the gain for ReLU (√2).
	GainReLU = math.Sqrt2
)

// GainLeakyReLU returns the gain for a leaky ReLU of negative slope a:
// √(2/(1+a²)).
func GainLeakyReLU(a float64) float64 { return math.Sqrt(2 / (1 + a*a)) }

// Fans returns the fan-in and fan-out of a weight of the given shape, as
// PyTorch computes them: for [out, in, k…] they are in·∏k and out·∏k. It
// panics for fewer than two dimensions.
func Fans(shape []int) (fanIn, fanOut int) {
	if len(shape) < 2 {
		panic(fmt.Sprintf("nn: fan in and fan out need a weight of at least two dimensions, have shape %v", shape))
	}
	rf := 1
	for _, d := range shape[2:] {
		rf *= d
	}
	return shape[1] * rf, shape[0] * rf
}

func fan(shape []int, mode FanMode) int {
	in, out := Fans(shape)
	if mode == FanOut {
		return out
	}
	return in
}

// fill overwrites t with draws from src (a tensor of t's shape and dtype).
func fill(t, src *tensor.Tensor) *tensor.Tensor { return t.CopyFrom(src) }

// Uniform fills t in place with samples uniform on [lo, hi) drawn from rng
// in row-major order, and returns t. It panics as tensor.RandU does (lo >
// hi, or a bound not finite); with lo = hi every element is lo.
func Uniform(rng *rand.Rand, t *tensor.Tensor, lo, hi float64) *tensor.Tensor {
	return fill(t, tensor.RandU(rng, t.DType(), lo, hi, t.Shape()...))
}

// Normal fills t in place with normal samples of the given mean and standard
// deviation drawn from rng in row-major order, and returns t.
func Normal(rng *rand.Rand, t *tensor.Tensor, mean, std float64) *tensor.Tensor {
	return fill(t, tensor.RandN(rng, t.DType(), mean, std, t.Shape()...))
}

// KaimingUniform fills t in place (He et al. 2015) with samples uniform on
// [−b, b), b = gain·√(3/fan), fan being t's fan-in or fan-out; it returns t.
// PyTorch's default for linear and convolution weights is
// KaimingUniform(rng, w, GainLeakyReLU(√5), FanIn), which is U(±1/√fan_in).
//
// It panics if gain is negative or not finite.
func KaimingUniform(rng *rand.Rand, t *tensor.Tensor, gain float64, mode FanMode) *tensor.Tensor {
	checkGain("KaimingUniform", gain)
	b := gain * math.Sqrt(3/float64(fan(t.Shape(), mode)))
	return Uniform(rng, t, -b, b)
}

// KaimingNormal fills t in place with normal samples of mean 0 and standard
// deviation gain/√fan, and returns t. It panics if gain is negative or not
// finite.
func KaimingNormal(rng *rand.Rand, t *tensor.Tensor, gain float64, mode FanMode) *tensor.Tensor {
	checkGain("KaimingNormal", gain)
	return Normal(rng, t, 0, gain/math.Sqrt(float64(fan(t.Shape(), mode))))
}

// XavierUniform fills t in place (Glorot and Bengio 2010) with samples
// uniform on [−b, b), b = gain·√(6/(fan_in+fan_out)), and returns t.
func XavierUniform(rng *rand.Rand, t *tensor.Tensor, gain float64) *tensor.Tensor {
	in, out := Fans(t.Shape())
	b := gain * math.Sqrt(6/float64(in+out))
	return Uniform(rng, t, -b, b)
}

// XavierNormal fills t in place with normal samples of mean 0 and standard
// deviation gain·√(2/(fan_in+fan_out)), and returns t.
func XavierNormal(rng *rand.Rand, t *tensor.Tensor, gain float64) *tensor.Tensor {
	in, out := Fans(t.Shape())
	return Normal(rng, t, 0, gain*math.Sqrt(2/float64(in+out)))
}

// defaultWeight returns a weight of the given shape with PyTorch's default
// initialisation for linear and convolution layers, U(±1/√fan_in), and a
// bias of length shape[0] drawn from the same range after it (nil if
// !bias).
func defaultWeight(rng *rand.Rand, dt tensor.DType, bias bool, shape ...int) (w, b *tensor.Tensor) {
	w = KaimingUniform(rng, tensor.Zeros(dt, shape...), GainLeakyReLU(math.Sqrt(5)), FanIn)
	if bias {
		in, _ := Fans(shape)
		bd := 1 / math.Sqrt(float64(in))
		b = Uniform(rng, tensor.Zeros(dt, shape[0]), -bd, bd)
	}
	return w, b
}

// checkGain panics, naming the initialiser, on a gain that is negative or
// not finite.
func checkGain(name string, gain float64) {
	if !(gain >= 0) || math.IsInf(gain, 0) {
		panic(fmt.Sprintf("nn: %s: gain %v: want a finite number ≥ 0", name, gain))
	}
}
