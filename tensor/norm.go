package tensor

import (
	"fmt"
	"github.com/acaode/aca/internal/vec"
	"math"
)

// channelView returns x's shape as [N, C, S]: batch, channels and the product
// of the remaining (spatial) dimensions, 1 for a 2-D input.
func channelView(op string, x *Tensor) (n, c, s int) {
	if x.NDim() < 2 {
		panic(fmt.Sprintf("tensor: %s: want input [N C ...], have %v", op, x.shape))
	}
	n, c, s = x.shape[0], x.shape[1], 1
	for _, d := range x.shape[2:] {
		s *= d
	}
	return n, c, s
}

// checkVec panics unless v is a vector of length c (or nil, if nilOK) of x's
// dtype; statistics (anyDType) may also be Float64.
func checkVec(op, name string, x, v *Tensor, c int, nilOK, anyDType bool) {
	if v == nil {
		if !nilOK {
			panic(fmt.Sprintf("tensor: %s: %s is required", op, name))
		}
		return
	}
	if !anyDType || v.dtype != Float64 {
		sameDType(op, x, v)
	}
	if v.NDim() != 1 || v.Len() != c {
		panic(fmt.Sprintf("tensor: %s: %s has shape %v, want [%d] for input %v", op, name, v.shape, c, x.shape))
	}
}

// vecAt returns v[i] as float64, or def when v is nil.
func vecAt(v *Tensor, i int, def float64) float64 {
	if v == nil {
		return def
	}
	if v.dtype == Float32 {
		return float64(v.f32[i])
	}
	return v.f64[i]
}

// BatchNormStats returns the per-channel mean and biased variance of x
// [N, C, ...] over every axis but the channel axis 1, computed in two passes
// and returned as Float64 whatever x's dtype: the backward pass needs them to
// match the forward exactly, and they are small.
func BatchNormStats(x *Tensor) (mean, variance *Tensor) {
	n, c, s := channelView("BatchNormStats", x)
	mean, variance = alloc(Float64, []int{c}), alloc(Float64, []int{c})
	m := float64(n * s)
	parallelFor(c, max(1, elementwiseGrain/max(n*s, 1)), func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			sum := 0.0
			for i := 0; i < n; i++ {
				sum += sumRange(x, (i*c+ch)*s, s)
			}
			mu := sum / m
			sq := 0.0
			for i := 0; i < n; i++ {
				sq += sqDevRange(x, (i*c+ch)*s, s, mu)
			}
			setVec(mean, ch, mu)
			setVec(variance, ch, sq/m)
		}
	})
	return mean, variance
}

func setVec(v *Tensor, i int, x float64) {
	if v.dtype == Float32 {
		v.f32[i] = float32(x)
	} else {
		v.f64[i] = x
	}
}

// sumRange returns the sum of elements [off, off+n) in float64: for
// float32, over eight lanes in vec.Sum32's fixed order; for float64, in
// order.
func sumRange(x *Tensor, off, n int) float64 {
	if x.dtype == Float32 {
		return vec.Sum32(x.f32[off : off+n])
	}
	s := 0.0
	for _, v := range x.f64[off : off+n] {
		s += v
	}
	return s
}

// sqDevRange returns Σ (x − mu)² over elements [off, off+n), summed as
// sumRange sums.
func sqDevRange(x *Tensor, off, n int, mu float64) float64 {
	if x.dtype == Float32 {
		return vec.SqDev32(x.f32[off:off+n], mu)
	}
	s := 0.0
	for _, v := range x.f64[off : off+n] {
		d := v - mu
		s += d * d
	}
	return s
}

// BatchNormApply returns (x − mean)/√(variance + eps)·gamma + beta with the
// per-channel vectors broadcast over axis 1 of x [N, C, ...]. gamma and beta
// may be nil (1 and 0); mean and variance may be Float64 or x's dtype.
// Training mode passes the batch statistics, evaluation mode the running ones.
func BatchNormApply(x, mean, variance, gamma, beta *Tensor, eps float64) *Tensor {
	n, c, s := channelView("BatchNormApply", x)
	checkVec("BatchNormApply", "mean", x, mean, c, false, true)
	checkVec("BatchNormApply", "variance", x, variance, c, false, true)
	checkVec("BatchNormApply", "gamma", x, gamma, c, true, false)
	checkVec("BatchNormApply", "beta", x, beta, c, true, false)
	scale, shift := make([]float64, c), make([]float64, c)
	for ch := 0; ch < c; ch++ {
		inv := 1 / math.Sqrt(vecAt(variance, ch, 0)+eps)
		scale[ch] = inv * vecAt(gamma, ch, 1)
		shift[ch] = vecAt(beta, ch, 0) - vecAt(mean, ch, 0)*scale[ch]
	}
	out := allocFull(x.dtype, x.shape) // channelAffine writes every element
	switch x.dtype {
	case Float32:
		channelAffine(x.f32, out.f32, n, c, s, false, func(i, ch int) (float64, float64) { return scale[ch], shift[ch] })
	case Float64:
		channelAffine(x.f64, out.f64, n, c, s, false, func(i, ch int) (float64, float64) { return scale[ch], shift[ch] })
	}
	return out
}

// channelAffine sets y = x·a + b per (sample, channel) plane with (a, b) =
// ab(i, ch), and then, if relu is set, y = max(y, 0) on the plane while it
// is in cache (as ReLU computes it, so with the same bits).
func channelAffine[T float](x, y []T, n, c, s int, relu bool, ab func(i, ch int) (float64, float64)) {
	parallelFor(n*c, max(1, elementwiseGrain/max(s, 1)), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			a64, b64 := ab(r/c, r%c)
			a, b := T(a64), T(b64)
			src, dst := x[r*s:(r+1)*s], y[r*s:(r+1)*s]
			if d32, ok := any(dst).([]float32); ok {
				vec.Affine32(d32, any(src).([]float32), float32(a), float32(b))
			} else {
				for j, v := range src {
					dst[j] = v*a + b
				}
			}
			if relu {
				reluMasked(dst, dst, dst)
			}
		}
	})
}

// BatchNormBackward returns the gradients of BatchNormApply with respect to
// x, gamma and beta. With training set, mean and variance are the batch
// statistics of x and their dependence on x is differentiated too; otherwise
// they are constants (evaluation mode). gamma may be nil; ggamma is then nil.
func BatchNormBackward(gy, x, mean, variance, gamma *Tensor, eps float64, training bool) (gx, ggamma, gbeta *Tensor) {
	mustSameShape("BatchNormBackward", gy, x)
	n, c, s := channelView("BatchNormBackward", x)
	checkVec("BatchNormBackward", "mean", x, mean, c, false, true)
	checkVec("BatchNormBackward", "variance", x, variance, c, false, true)
	checkVec("BatchNormBackward", "gamma", x, gamma, c, true, false)
	gx = allocFull(x.dtype, x.shape) // normGrad writes every element
	gbeta = alloc(x.dtype, []int{c})
	if gamma != nil {
		ggamma = alloc(x.dtype, []int{c})
	}
	m := float64(n * s)
	parallelFor(c, max(1, elementwiseGrain/max(n*s, 1)), func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			mu := vecAt(mean, ch, 0)
			inv := 1 / math.Sqrt(vecAt(variance, ch, 0)+eps)
			// Σgy and Σgy·x̂ over the channel.
			sg, sgx := 0.0, 0.0
			for i := 0; i < n; i++ {
				a, b := dotDev(gy, (i*c+ch)*s, x, (i*c+ch)*s, s, mu)
				sg += a
				sgx += b * inv
			}
			setVec(gbeta, ch, sg)
			if ggamma != nil {
				setVec(ggamma, ch, sgx)
			}
			k := vecAt(gamma, ch, 1) * inv
			for i := 0; i < n; i++ {
				off := (i*c + ch) * s
				if training {
					// gx = γ·inv/M · (M·gy − Σgy − x̂·Σgy·x̂)
					normGrad(gx, gy, off, x, off, s, k, mu, inv, k*sg/m, k*sgx/m)
				} else {
					normGrad(gx, gy, off, x, off, s, k, mu, inv, 0, 0)
				}
			}
		}
	})
	return gx, ggamma, gbeta
}

// dotDev returns Σg and Σg·(x−mu) over elements [goff, goff+n) of g and
// [off, off+n) of x, summed as sumRange sums.
func dotDev(g *Tensor, goff int, x *Tensor, off, n int, mu float64) (float64, float64) {
	if x.dtype == Float32 {
		return vec.DotDev32(g.f32[goff:goff+n], x.f32[off:off+n], mu)
	}
	a, b := 0.0, 0.0
	gs, xs := g.f64[goff:goff+n], x.f64[off:off+n]
	for j, v := range gs {
		a += v
		b += v * (xs[j] - mu)
	}
	return a, b
}

// normGrad sets gx = k·g − c1 − x̂·c2 with x̂ = (x−mu)·inv over elements
// [off, off+n) of gx and x and [goff, goff+n) of g.
func normGrad(gx, g *Tensor, goff int, x *Tensor, off, n int, k, mu, inv, c1, c2 float64) {
	if x.dtype == Float32 {
		vec.NormGrad32(gx.f32[off:off+n], g.f32[goff:goff+n], x.f32[off:off+n], k, mu, inv, c1, c2)
	} else {
		d, gs, xs := gx.f64[off:off+n], g.f64[goff:goff+n], x.f64[off:off+n]
		for j := range d {
			d[j] = k*gs[j] - c1 - (xs[j]-mu)*inv*c2
		}
	}
}

// planeGrads hands out the output gradient of one (sample, channel) plane
// of s elements at a time: gy's own, or, for a normalisation fused with a
// ReLU whose output is y, gy masked where y ≤ 0 (ReLU's backward rule, with
// the same bits), written into a buffer of one plane. A normalisation's
// backward pass reads each plane's gradient twice, so the masked gradient
// is computed twice while it is in cache instead of being stored whole.
// Each worker needs its own planeGrads.
type planeGrads struct {
	gy, y, buf *Tensor
	s          int
}

func newPlaneGrads(gy, y *Tensor, s int) *planeGrads {
	p := &planeGrads{gy: gy, y: y, s: s}
	if y != nil {
		p.buf = &Tensor{dtype: gy.dtype}
		if gy.dtype == Float32 {
			p.buf.f32 = getScratch[float32](s)
		} else {
			p.buf.f64 = getScratch[float64](s)
		}
	}
	return p
}

// plane returns plane r's gradient as a tensor and the offset it starts at.
func (p *planeGrads) plane(r int) (*Tensor, int) {
	if p.y == nil {
		return p.gy, r * p.s
	}
	lo, hi := r*p.s, (r+1)*p.s
	if p.gy.dtype == Float32 {
		reluMasked(p.buf.f32[:p.s], p.gy.f32[lo:hi], p.y.f32[lo:hi])
	} else {
		reluMasked(p.buf.f64[:p.s], p.gy.f64[lo:hi], p.y.f64[lo:hi])
	}
	return p.buf, 0
}

// release returns the buffer.
func (p *planeGrads) release() {
	if p.buf != nil {
		putScratch(p.buf.f32)
		putScratch(p.buf.f64)
	}
}

// GroupNorm normalises x [N, C, ...] over each group of C/groups consecutive
// channels (and all spatial positions) of each sample, then applies the
// per-channel gamma and beta (nil for 1 and 0). It also returns the group
// means and biased variances, shape [N, groups] and dtype Float64, for the
// backward pass.
func GroupNorm(x, gamma, beta *Tensor, groups int, eps float64) (y, mean, variance *Tensor) {
	return groupNorm("GroupNorm", x, gamma, beta, groups, eps, false)
}

// GroupNormReLU is ReLU(GroupNorm(x, gamma, beta, groups, eps)) in one pass
// over the output: each (sample, channel) plane is normalised and clamped
// while it is in cache, and the normalised tensor before the ReLU is never
// stored. Its results have the same bits as the two operations apart. Its
// backward pass is GroupNormReLUBackward.
func GroupNormReLU(x, gamma, beta *Tensor, groups int, eps float64) (y, mean, variance *Tensor) {
	return groupNorm("GroupNormReLU", x, gamma, beta, groups, eps, true)
}

// groupNorm is GroupNorm, followed by ReLU if relu is set.
func groupNorm(op string, x, gamma, beta *Tensor, groups int, eps float64, relu bool) (y, mean, variance *Tensor) {
	n, c, s := channelView(op, x)
	if groups < 1 || c%groups != 0 {
		panic(fmt.Sprintf("tensor: %s: %d channels of input %v do not split into %d groups", op, c, x.shape, groups))
	}
	checkVec(op, "gamma", x, gamma, c, true, false)
	checkVec(op, "beta", x, beta, c, true, false)
	mean, variance = alloc(Float64, []int{n, groups}), alloc(Float64, []int{n, groups})
	gs := c / groups * s
	mus, invs := make([]float64, n*groups), make([]float64, n*groups)
	parallelFor(n*groups, max(1, elementwiseGrain/max(gs, 1)), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			mu := sumRange(x, r*gs, gs) / float64(gs)
			v := sqDevRange(x, r*gs, gs, mu) / float64(gs)
			mus[r], invs[r] = mu, 1/math.Sqrt(v+eps)
			setVec(mean, r, mu)
			setVec(variance, r, v)
		}
	})
	y = allocFull(x.dtype, x.shape) // channelAffine writes every element
	cg := c / groups
	ab := func(i, ch int) (float64, float64) {
		r := i*groups + ch/cg
		a := invs[r] * vecAt(gamma, ch, 1)
		return a, vecAt(beta, ch, 0) - mus[r]*a
	}
	switch x.dtype {
	case Float32:
		channelAffine(x.f32, y.f32, n, c, s, relu, ab)
	case Float64:
		channelAffine(x.f64, y.f64, n, c, s, relu, ab)
	}
	return y, mean, variance
}

// GroupNormBackward returns the gradients of GroupNorm with respect to x,
// gamma and beta, given the statistics GroupNorm returned. gamma may be nil;
// ggamma is then nil.
func GroupNormBackward(gy, x, mean, variance, gamma *Tensor, groups int, eps float64) (gx, ggamma, gbeta *Tensor) {
	return groupNormBackward("GroupNormBackward", gy, nil, x, mean, variance, gamma, groups, eps)
}

// GroupNormReLUBackward returns the gradients of GroupNormReLU with respect
// to x, gamma and beta, given its output y and the statistics it returned:
// those of GroupNorm for gy masked where y ≤ 0, with the same bits as
// ReLU's and GroupNorm's backward passes apart, without storing the masked
// gradient. gamma may be nil; ggamma is then nil.
func GroupNormReLUBackward(gy, y, x, mean, variance, gamma *Tensor, groups int, eps float64) (gx, ggamma, gbeta *Tensor) {
	if y == nil {
		panic("tensor: GroupNormReLUBackward: the output GroupNormReLU returned is required")
	}
	mustSameShape("GroupNormReLUBackward", y, x)
	return groupNormBackward("GroupNormReLUBackward", gy, y, x, mean, variance, gamma, groups, eps)
}

// groupNormBackward is GroupNormBackward, for a fused ReLU with output y if
// y is not nil.
func groupNormBackward(op string, gy, y, x, mean, variance, gamma *Tensor, groups int, eps float64) (gx, ggamma, gbeta *Tensor) {
	mustSameShape(op, gy, x)
	n, c, s := channelView(op, x)
	if mean == nil || variance == nil {
		panic("tensor: " + op + ": the statistics GroupNorm returned are required")
	}
	if groups < 1 || c%groups != 0 || mean.Len() != n*groups || variance.Len() != n*groups {
		panic(fmt.Sprintf("tensor: %s: input %v, %d groups, statistics %v and %v", op, x.shape, groups, mean.shape, variance.shape))
	}
	checkVec(op, "gamma", x, gamma, c, true, false)
	cg := c / groups
	gx = allocFull(x.dtype, x.shape) // normGrad writes every element
	gbeta = alloc(x.dtype, []int{c})
	if gamma != nil {
		ggamma = alloc(x.dtype, []int{c})
	}
	// Per (sample, channel): Σgy and Σgy·x̂, reduced to groups and to channels.
	sg, sgx := make([]float64, n*c), make([]float64, n*c)
	parallelFor(n*c, max(1, elementwiseGrain/max(s, 1)), func(lo, hi int) {
		pg := newPlaneGrads(gy, y, s)
		defer pg.release()
		for r := lo; r < hi; r++ {
			g := r/c*groups + r%c/cg
			gr, goff := pg.plane(r)
			a, b := dotDev(gr, goff, x, r*s, s, vecAt(mean, g, 0))
			sg[r], sgx[r] = a, b/math.Sqrt(vecAt(variance, g, 0)+eps)
		}
	})
	for r := 0; r < n*c; r++ {
		ch := r % c
		setVec(gbeta, ch, vecAt(gbeta, ch, 0)+sg[r])
		if ggamma != nil {
			setVec(ggamma, ch, vecAt(ggamma, ch, 0)+sgx[r])
		}
	}
	m := float64(cg * s)
	parallelFor(n*groups, max(1, elementwiseGrain/max(cg*s, 1)), func(lo, hi int) {
		pg := newPlaneGrads(gy, y, s)
		defer pg.release()
		for r := lo; r < hi; r++ {
			i, gi := r/groups, r%groups
			mu := vecAt(mean, r, 0)
			inv := 1 / math.Sqrt(vecAt(variance, r, 0)+eps)
			// With dx̂ = gy·γ: gx = inv·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)).
			mg, mgx := 0.0, 0.0
			for ch := gi * cg; ch < (gi+1)*cg; ch++ {
				gm := vecAt(gamma, ch, 1)
				mg += gm * sg[i*c+ch]
				mgx += gm * sgx[i*c+ch]
			}
			c1, c2 := inv*mg/m, inv*mgx/m
			for ch := gi * cg; ch < (gi+1)*cg; ch++ {
				off := (i*c + ch) * s
				gr, goff := pg.plane(i*c + ch)
				normGrad(gx, gr, goff, x, off, s, vecAt(gamma, ch, 1)*inv, mu, inv, c1, c2)
			}
		}
	})
	return gx, ggamma, gbeta
}
