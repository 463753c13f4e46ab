package tensor

import (
	"fmt"
	"math"
)

// Softmax returns exp(x)/Σexp(x) along axis, computed stably (shifted by the maximum).
func Softmax(x *Tensor, axis int) *Tensor { return softmaxOp("Softmax", x, axis, false) }

// LogSoftmax returns x − log Σexp(x) along axis, computed stably.
func LogSoftmax(x *Tensor, axis int) *Tensor { return softmaxOp("LogSoftmax", x, axis, true) }

func softmaxOp(op string, x *Tensor, axis int, log bool) *Tensor {
	outer, n, inner, _ := axisSplit(op, x.shape, axis)
	out := alloc(x.dtype, x.shape)
	switch x.dtype {
	case Float32:
		softmaxKernel(x.f32, out.f32, outer, n, inner, log)
	case Float64:
		softmaxKernel(x.f64, out.f64, outer, n, inner, log)
	}
	return out
}

func softmaxKernel[T float](x, y []T, outer, n, inner int, log bool) {
	parallelFor(outer, max(1, elementwiseGrain/max(n*inner, 1)), func(lo, hi int) {
		for o := lo; o < hi; o++ {
			for in := 0; in < inner; in++ {
				base := o*n*inner + in
				m := math.Inf(-1)
				for k := 0; k < n; k++ {
					m = math.Max(m, float64(x[base+k*inner]))
				}
				s := 0.0
				if log {
					for k := 0; k < n; k++ {
						s += math.Exp(float64(x[base+k*inner]) - m)
					}
					ls := m + math.Log(s)
					for k := 0; k < n; k++ {
						y[base+k*inner] = T(float64(x[base+k*inner]) - ls)
					}
					continue
				}
				for k := 0; k < n; k++ {
					e := math.Exp(float64(x[base+k*inner]) - m)
					y[base+k*inner] = T(e)
					s += e
				}
				inv := 1 / s
				for k := 0; k < n; k++ {
					y[base+k*inner] = T(float64(y[base+k*inner]) * inv)
				}
			}
		}
	})
}

// SoftmaxGrad returns the input gradient of y = Softmax(x, axis) given gy:
// y·(gy − Σ gy·y).
func SoftmaxGrad(y, gy *Tensor, axis int) *Tensor {
	return softmaxGrad("SoftmaxGrad", y, gy, axis, false)
}

// LogSoftmaxGrad returns the input gradient of y = LogSoftmax(x, axis) given
// gy: gy − exp(y)·Σ gy.
func LogSoftmaxGrad(y, gy *Tensor, axis int) *Tensor {
	return softmaxGrad("LogSoftmaxGrad", y, gy, axis, true)
}

func softmaxGrad(op string, y, gy *Tensor, axis int, log bool) *Tensor {
	mustSameShape(op, y, gy)
	outer, n, inner, _ := axisSplit(op, y.shape, axis)
	gx := alloc(y.dtype, y.shape)
	switch y.dtype {
	case Float32:
		softmaxGradKernel(y.f32, gy.f32, gx.f32, outer, n, inner, log)
	case Float64:
		softmaxGradKernel(y.f64, gy.f64, gx.f64, outer, n, inner, log)
	}
	return gx
}

func softmaxGradKernel[T float](y, gy, gx []T, outer, n, inner int, log bool) {
	for o := 0; o < outer; o++ {
		for in := 0; in < inner; in++ {
			base := o*n*inner + in
			s := 0.0
			for k := 0; k < n; k++ {
				i := base + k*inner
				if log {
					s += float64(gy[i])
				} else {
					s += float64(gy[i]) * float64(y[i])
				}
			}
			for k := 0; k < n; k++ {
				i := base + k*inner
				if log {
					gx[i] = T(float64(gy[i]) - math.Exp(float64(y[i]))*s)
				} else {
					gx[i] = T(float64(y[i]) * (float64(gy[i]) - s))
				}
			}
		}
	}
}

// checkLabels panics unless logits is [N, C] and labels holds N classes in [0, C).
func checkLabels(op string, logits *Tensor, labels []int) {
	if logits.NDim() != 2 {
		panic(fmt.Sprintf("tensor: %s: want logits [N C], have %v", op, logits.shape))
	}
	if len(labels) != logits.shape[0] {
		panic(fmt.Sprintf("tensor: %s: %d labels for logits %v", op, len(labels), logits.shape))
	}
	for i, l := range labels {
		if l < 0 || l >= logits.shape[1] {
			panic(fmt.Sprintf("tensor: %s: label %d of sample %d is outside [0, %d)", op, l, i, logits.shape[1]))
		}
	}
}

// CrossEntropy returns the mean over the batch of −log softmax(logits)[label]
// for logits [N, C] and N class labels in [0, C).
func CrossEntropy(logits *Tensor, labels []int) float64 {
	checkLabels("CrossEntropy", logits, labels)
	lp := LogSoftmax(logits, 1)
	c := logits.shape[1]
	s := 0.0
	for i, l := range labels {
		if lp.dtype == Float32 {
			s -= float64(lp.f32[i*c+l])
		} else {
			s -= lp.f64[i*c+l]
		}
	}
	return s / float64(max(len(labels), 1))
}

// CrossEntropyGrad returns the gradient of g·CrossEntropy(logits, labels)
// with respect to the logits: g·(softmax(logits) − onehot(labels))/N.
func CrossEntropyGrad(logits *Tensor, labels []int, g float64) *Tensor {
	checkLabels("CrossEntropyGrad", logits, labels)
	p := Softmax(logits, 1)
	c := logits.shape[1]
	for i, l := range labels {
		if p.dtype == Float32 {
			p.f32[i*c+l]--
		} else {
			p.f64[i*c+l]--
		}
	}
	return p.ScaleInPlace(g / float64(max(len(labels), 1)))
}
