package ode

import (
	"fmt"

	"github.com/acaode/aca/tensor"
)

// tensorBackend runs the solver on plain tensors, recording nothing. It
// reuses the buffers it allocates (stage inputs, trial states) across steps.
// The dynamics write each derivative into a buffer of the backend, so
// whatever memory they compute it in is never kept or written to.
type tensorBackend struct {
	// f writes f(t, y) into dst, a buffer of the state's shape and dtype.
	f     func(t float64, y, dst *tensor.Tensor) error
	dtype tensor.DType
	shape []int
	free  []*tensor.Tensor
	// owned lists the buffers handed out and not yet released (a few dozen
	// at most, so a slice beats a map).
	owned []*tensor.Tensor
	xs    []term
	ks    []term
	// segs, if set, splits the state into parts whose error norms are
	// taken separately, the largest deciding (see mixedNorm).
	segs []int
}

func newTensorBackend(y0 *tensor.Tensor, f func(t float64, y, dst *tensor.Tensor) error) *tensorBackend {
	return &tensorBackend{f: f, dtype: y0.DType(), shape: y0.Shape()}
}

// get returns a buffer of the state's shape, owned by the backend.
func (b *tensorBackend) get() *tensor.Tensor {
	var t *tensor.Tensor
	if n := len(b.free); n > 0 {
		t = b.free[n-1]
		b.free = b.free[:n-1]
	} else {
		t = tensor.Zeros(b.dtype, b.shape...)
	}
	b.owned = append(b.owned, t)
	return t
}

// disown removes t from the owned list and reports whether it was there.
func (b *tensorBackend) disown(t *tensor.Tensor) bool {
	for i := len(b.owned) - 1; i >= 0; i-- {
		if b.owned[i] == t {
			last := len(b.owned) - 1
			b.owned[i] = b.owned[last]
			b.owned = b.owned[:last]
			return true
		}
	}
	return false
}

func (b *tensorBackend) release(t *tensor.Tensor) {
	if t == nil {
		return
	}
	if b.disown(t) {
		b.free = append(b.free, t)
	}
}

func (b *tensorBackend) keep(t *tensor.Tensor) *tensor.Tensor {
	if b.disown(t) {
		return t
	}
	return t.Clone()
}

// checkDerivative verifies that the dynamics returned a derivative shaped
// like the state.
func checkDerivative(t float64, y, dy *tensor.Tensor) error {
	if dy == nil {
		return fmt.Errorf("ode: the dynamics returned nil at t = %g", t)
	}
	if dy.DType() != y.DType() || !tensor.SameShape(dy, y) {
		return fmt.Errorf("ode: the dynamics returned a %v %v derivative for a %v %v state at t = %g", dy.DType(), dy.Shape(), y.DType(), y.Shape(), t)
	}
	return nil
}

func (b *tensorBackend) eval(t, _ float64, y *tensor.Tensor, _ when[float64]) (*tensor.Tensor, error) {
	dst := b.get()
	if err := b.f(t, y, dst); err != nil {
		b.release(dst)
		return nil, err
	}
	return dst, nil
}

// copyDerivative checks the derivative dy the dynamics returned for y and
// copies it into dst.
func copyDerivative(t float64, y, dy, dst *tensor.Tensor) error {
	if err := checkDerivative(t, y, dy); err != nil {
		return err
	}
	dst.CopyFrom(dy)
	return nil
}

func (b *tensorBackend) lin(x []*tensor.Tensor, a []float64, h float64, k []*tensor.Tensor, c []float64) *tensor.Tensor {
	out := b.get()
	b.xs = collect(b.xs[:0], a, x)
	b.ks = collect(b.ks[:0], c, k)
	linInto(out, b.xs, h, b.ks)
	return out
}

func (b *tensorBackend) dense(x []*tensor.Tensor, a, _ []float64, h float64, k []*tensor.Tensor, c, _ []float64, _ float64, _ float64, _ *float64) *tensor.Tensor {
	return b.lin(x, a, h, k, c)
}

func (b *tensorBackend) add(x, y float64) float64 { return x + y }

func (b *tensorBackend) errRatio(h float64, k []*tensor.Tensor, e []float64, y0, y1 *tensor.Tensor, rtol, atol float64) float64 {
	b.ks = collect(b.ks[:0], e, k)
	if b.segs != nil {
		return mixedNorm(b.segs, y0.Len(), func(lo, hi int) float64 {
			return errRatioRange(h, b.ks, y0, y1, rtol, atol, lo, hi)
		})
	}
	return errRatio(h, b.ks, y0, y1, rtol, atol)
}

func (b *tensorBackend) control(h, ratio float64, c *controller) float64 {
	f, _ := c.factor(ratio)
	hn, _ := c.clampStep(h * f)
	return hn
}

func (b *tensorBackend) initialStep(t0 float64, y0, f0 *tensor.Tensor, dir float64, o *Options) (float64, error) {
	norm := rmsScaled
	if b.segs != nil {
		norm = func(x, y *tensor.Tensor, rtol, atol float64) float64 {
			xv, yv := x.Values(), y.Values()
			return mixedNorm(b.segs, len(xv), func(lo, hi int) float64 {
				return rmsScaledValues(xv[lo:hi], yv[lo:hi], rtol, atol)
			})
		}
	}
	eval := func(t float64, y *tensor.Tensor) (*tensor.Tensor, error) { return b.eval(t, 0, y, when[float64]{}) }
	return hairer(eval, b.release, norm, t0, y0, f0, dir, o.Method.Order, o.RTol, o.ATol)
}

func (b *tensorBackend) finite(t *tensor.Tensor) bool { return tensor.AllFinite(t) }
func (b *tensorBackend) float(s float64) float64      { return s }
func (b *tensorBackend) constant(x float64) float64   { return x }
