package ode

import (
	"math"

	"github.com/acaode/aca/internal/vec"
	"github.com/acaode/aca/tensor"
)

// The solver's arithmetic on whole states: one fused pass per combination,
// accumulating in float64 whatever the state's dtype. The recorded (graph)
// path runs these same kernels, so a step re-run on a graph reproduces the
// unrecorded forward pass bit for bit.

// term is one addend of a linear combination: coef·src.
type term struct {
	coef float64
	t    *tensor.Tensor
}

// collect appends the terms with non-zero coefficients.
func collect(dst []term, coef []float64, ts []*tensor.Tensor) []term {
	for j, c := range coef {
		if c != 0 {
			dst = append(dst, term{c, ts[j]})
		}
	}
	return dst
}

// linInto writes out = Σ xs[m].coef·xs[m].t + h·Σ ks[j].coef·ks[j].t.
// out may alias none of the inputs.
func linInto(out *tensor.Tensor, xs []term, h float64, ks []term) {
	n := out.Len()
	if n < 2*parGrain {
		linRange(out, xs, h, ks, 0, n)
		return
	}
	linParallel(out, xs, h, ks)
}

// linParallel is linInto over several goroutines; elementwise, so any split
// gives the same bits. (A function of its own: the closure would make the
// terms of every call escape to the heap.)
func linParallel(out *tensor.Tensor, xs []term, h float64, ks []term) {
	tensor.ParallelFor(out.Len(), parGrain, func(lo, hi int) { linRange(out, xs, h, ks, lo, hi) })
}

// parGrain is the element count below which the solver's kernels stay on
// one goroutine.
const parGrain = 1 << 15

func linRange(out *tensor.Tensor, xs []term, h float64, ks []term, lo, hi int) {
	switch out.DType() {
	case tensor.Float64:
		if !lin64(out.Float64s()[lo:hi], xs, h, ks, lo) {
			linKernel(out.Float64s()[lo:hi], xs, h, ks, lo, (*tensor.Tensor).Float64s)
		}
	default:
		if !lin32(out.Float32s()[lo:hi], xs, h, ks, lo) {
			linKernel(out.Float32s()[lo:hi], xs, h, ks, lo, (*tensor.Tensor).Float32s)
		}
	}
}

// lin32 computes the common float32 combination y + h·Σ c_j·k_j with the
// vectorised vec.Lin32, whose rounding is linKernel's (double precision,
// each operation on its own). It reports false, doing nothing, for other
// combinations.
func lin32(out []float32, xs []term, h float64, ks []term, lo int) bool {
	if len(xs) != 1 || xs[0].coef != 1 || len(ks) == 0 || len(ks) > vec.MaxLinTerms {
		return false
	}
	hi := lo + len(out)
	kb, cb := terms32(ks, lo, hi)
	vec.Lin32(out, xs[0].t.Float32s()[lo:hi], h, cb[:len(ks)], kb[:len(ks)])
	return true
}

// terms32 returns the elements [lo, hi) of the float32 terms ks (at most
// vec.MaxLinTerms) and their factors, in arrays for the vec kernels.
func terms32(ks []term, lo, hi int) (kb [vec.MaxLinTerms][]float32, cb [vec.MaxLinTerms]float64) {
	for j, k := range ks {
		kb[j], cb[j] = k.t.Float32s()[lo:hi], k.coef
	}
	return kb, cb
}

// lin64 computes a float64 combination term by term with vectorised
// multiply-adds: out = a_0·x_0, then out += a_m·x_m and out += (h·c_j)·k_j
// in order, each a fused multiply-add (out = x_0 when a_0 = 1). Every
// backend and the re-runs of ACA share this kernel, so its rounding is the
// solver's. It reports false, doing nothing, if out shares storage with a
// term (the elementwise linKernel handles that).
func lin64(out []float64, xs []term, h float64, ks []term, lo int) bool {
	n := len(out)
	if n == 0 {
		return true
	}
	hi := lo + n
	for _, ts := range [2][]term{xs, ks} {
		for _, t := range ts {
			if &t.t.Float64s()[lo] == &out[0] {
				return false
			}
		}
	}
	first := true
	for _, x := range xs {
		d := x.t.Float64s()[lo:hi]
		switch {
		case first && x.coef == 1:
			copy(out, d)
		case first:
			clear(out)
			vec.Axpy64(x.coef, d, out)
		default:
			vec.Axpy64(x.coef, d, out)
		}
		first = false
	}
	if first {
		clear(out)
	}
	for _, k := range ks {
		vec.Axpy64(h*k.coef, k.t.Float64s()[lo:hi], out)
	}
	return true
}

func linKernel[E float32 | float64](out []E, xs []term, h float64, ks []term, lo int, data func(*tensor.Tensor) []E) {
	var xb, kb [8][]E
	var xc, kc [8]float64
	xd, kd := xb[:0], kb[:0]
	hi := lo + len(out)
	for i, x := range xs {
		xd = append(xd, data(x.t)[lo:hi])
		if i < len(xc) {
			xc[i] = x.coef
		}
	}
	for i, k := range ks {
		kd = append(kd, data(k.t)[lo:hi])
		if i < len(kc) {
			kc[i] = k.coef
		}
	}
	xcs, kcs := xc[:], kc[:]
	if len(xs) > len(xc) || len(ks) > len(kc) {
		xcs, kcs = make([]float64, len(xs)), make([]float64, len(ks))
		for i, x := range xs {
			xcs[i] = x.coef
		}
		for i, k := range ks {
			kcs[i] = k.coef
		}
	}
	// The common case, y + h·Σ c_j k_j, gets a loop without the x sum.
	if len(xd) == 1 && xcs[0] == 1 {
		y := xd[0]
		for i := range out {
			var s float64
			for j, kj := range kd {
				s += kcs[j] * float64(kj[i])
			}
			out[i] = E(float64(y[i]) + h*s)
		}
		return
	}
	for i := range out {
		var s, r float64
		for m, xm := range xd {
			r += xcs[m] * float64(xm[i])
		}
		for j, kj := range kd {
			s += kcs[j] * float64(kj[i])
		}
		out[i] = E(r + h*s)
	}
}

// errRatio returns the RMS over all elements of e_i / (atol + rtol·max(|y0_i|, |y1_i|)),
// with e = h·Σ ks[j].coef·ks[j].t the embedded error estimate.
func errRatio(h float64, ks []term, y0, y1 *tensor.Tensor, rtol, atol float64) float64 {
	return errRatioRange(h, ks, y0, y1, rtol, atol, 0, y0.Len())
}

// errRatioRange is errRatio over the elements [lo, hi) only.
func errRatioRange(h float64, ks []term, y0, y1 *tensor.Tensor, rtol, atol float64, lo, hi int) float64 {
	n := hi - lo
	if n <= 0 {
		return 0
	}
	var sum float64
	if n < 2*parGrain {
		sum = errSquaresT(h, ks, y0, y1, rtol, atol, lo, hi)
	} else {
		// Fixed blocks summed in order: the same bits for any thread count.
		blocks := (n + parGrain - 1) / parGrain
		part := make([]float64, blocks)
		tensor.ParallelFor(blocks, 1, func(b0, b1 int) {
			for b := b0; b < b1; b++ {
				part[b] = errSquaresT(h, ks, y0, y1, rtol, atol, lo+b*parGrain, min(lo+(b+1)*parGrain, hi))
			}
		})
		for _, p := range part {
			sum += p
		}
	}
	return math.Sqrt(sum / float64(n))
}

// errSquaresT is errSquares for the tensors' dtype.
func errSquaresT(h float64, ks []term, y0, y1 *tensor.Tensor, rtol, atol float64, lo, hi int) float64 {
	if y0.DType() == tensor.Float64 {
		return errSquares(h, ks, y0.Float64s(), y1.Float64s(), rtol, atol, lo, hi, (*tensor.Tensor).Float64s)
	}
	if len(ks) <= vec.MaxLinTerms {
		// The same operations, vectorised.
		kb, cb := terms32(ks, lo, hi)
		return vec.ErrSquares32(h, cb[:len(ks)], kb[:len(ks)], y0.Float32s()[lo:hi], y1.Float32s()[lo:hi], rtol, atol)
	}
	return errSquares(h, ks, y0.Float32s(), y1.Float32s(), rtol, atol, lo, hi, (*tensor.Tensor).Float32s)
}

// errSquares returns Σ q_i² over [lo, hi), q_i = e_i / (atol +
// rtol·max(|y0_i|, |y1_i|)).
func errSquares[E float32 | float64](h float64, ks []term, y0, y1 []E, rtol, atol float64, lo, hi int, data func(*tensor.Tensor) []E) float64 {
	var kb [8][]E
	kd := kb[:0]
	for _, k := range ks {
		kd = append(kd, data(k.t)[lo:hi])
	}
	y0, y1 = y0[lo:hi], y1[lo:hi]
	var sum float64
	for i := range y0 {
		var e float64
		for j, kj := range kd {
			e += ks[j].coef * float64(kj[i])
		}
		e *= h
		sc := atol + rtol*math.Max(math.Abs(float64(y0[i])), math.Abs(float64(y1[i])))
		if e == 0 {
			continue // also when sc = 0 (atol = 0 and the element is 0): no error
		}
		q := e / sc
		sum += q * q
	}
	return sum
}

// rmsScaled returns the RMS of x_i / (atol + rtol·|y_i|) (Hairer's norm for
// the initial step).
func rmsScaled(x, y *tensor.Tensor, rtol, atol float64) float64 {
	if x.DType() == tensor.Float32 && y.DType() == tensor.Float32 {
		// In place: Values would copy a large state to float64 twice.
		return rmsScaled32(x.Float32s(), y.Float32s(), rtol, atol)
	}
	return rmsScaledValues(x.Values(), y.Values(), rtol, atol)
}

// rmsScaled32 is rmsScaledValues on float32 elements, each converted to
// float64 exactly as Values converts it: vec.ErrSquares32 with the one
// term 1·x and y0 = y1 = y computes the same q_i (e_i = 1·(0 + 1·x_i) = x_i,
// max(|y_i|, |y_i|) = |y_i|, zeros skipped) and sums their squares in the
// same order, so the bits are those of the scalar loop, with the divisions
// vectorised.
func rmsScaled32(xv, yv []float32, rtol, atol float64) float64 {
	if len(xv) == 0 {
		return 0
	}
	yv = yv[:len(xv)]
	s := vec.ErrSquares32(1, []float64{1}, [][]float32{xv}, yv, yv, rtol, atol)
	return math.Sqrt(s / float64(len(xv)))
}

// mixedNorm returns the largest of norm over each segment [segs[i],
// segs[i+1]) of the elements: torchdiffeq's norm for a state made of
// several tensors (the adjoint's [z, a, a_θ]). Without segments it is norm
// over all the elements.
func mixedNorm(segs []int, n int, norm func(lo, hi int) float64) float64 {
	if len(segs) < 2 {
		return norm(0, n)
	}
	var m float64
	for i := 0; i+1 < len(segs); i++ {
		if segs[i+1] > segs[i] {
			m = math.Max(m, norm(segs[i], segs[i+1]))
		}
	}
	return m
}

func rmsScaledValues(xv, yv []float64, rtol, atol float64) float64 {
	if len(xv) == 0 {
		return 0
	}
	var s float64
	for i := range xv {
		if xv[i] == 0 {
			continue // 0/0 when atol = 0 and y_i = 0: nothing to measure
		}
		// Every operation rounded on its own (the conversions keep Go from
		// fusing them), as vec.ErrSquares32 rounds them for rmsScaled32.
		q := xv[i] / float64(atol+float64(rtol*math.Abs(yv[i])))
		s = float64(s + float64(q*q))
	}
	return math.Sqrt(s / float64(len(xv)))
}
