package tensor

import (
	"fmt"
	"math"
	"slices"
	"testing"
)

// softmaxGroups returns, for every element of shape, the flat index of its
// group (all elements that differ only along axis share one).
func softmaxGroups(shape []int, axis int) ([]int, int) {
	keep := slices.Clone(shape)
	keep[axis] = 1
	g := make([]int, 0, numelOf(shape))
	forEachIndex(shape, func(idx []int) { g = append(g, bcastIndex(keep, idx)) })
	return g, numelOf(keep)
}

// refLogSumExp is log Σ exp(x) along axis per group, shifted by the group max.
func refLogSumExp(xv []float64, groups []int, ng int) []float64 {
	m := make([]float64, ng)
	for i := range m {
		m[i] = math.Inf(-1)
	}
	for i, v := range xv {
		m[groups[i]] = math.Max(m[groups[i]], v)
	}
	s := make([]float64, ng)
	for i, v := range xv {
		s[groups[i]] += math.Exp(v - m[groups[i]])
	}
	for i := range s {
		s[i] = m[i] + math.Log(s[i])
	}
	return s
}

func refSoftmax(x *Tensor, axis int, log bool) []float64 {
	xv := x.Values()
	groups, ng := softmaxGroups(x.Shape(), axis)
	lse := refLogSumExp(xv, groups, ng)
	out := make([]float64, len(xv))
	for i, v := range xv {
		out[i] = v - lse[groups[i]]
		if !log {
			out[i] = math.Exp(out[i])
		}
	}
	return out
}

var softmaxAxes = []int{0, 1, 2, -1, -2, -3}

func TestSoftmaxLogSoftmax(t *testing.T) {
	shape := []int{3, 4, 5}
	for _, dt := range dtypes {
		for _, big := range []bool{false, true} {
			rng := testRNG(21)
			x := randT(rng, dt, -3, 3, shape...)
			if big {
				// Inputs of ±1000 would overflow a naive exp.
				v := x.Values()
				for i := range v {
					if i%2 == 0 {
						v[i] += 1000
					} else {
						v[i] -= 1000
					}
				}
				x = FromValues(dt, v, shape...)
			}
			for _, axis := range softmaxAxes {
				ax := (axis + 3) % 3
				name := fmt.Sprintf("axis %d large %v", axis, big)
				s := snap(x)
				y := Softmax(x, axis)
				ly := LogSoftmax(x, axis)
				s.check(t, "Softmax")
				checkClose(t, "Softmax "+name, y, dt, shape, refSoftmax(x, ax, false))
				checkClose(t, "LogSoftmax "+name, ly, dt, shape, refSoftmax(x, ax, true))
				if !AllFinite(y) || !AllFinite(ly) {
					t.Errorf("%v %s: non-finite output", dt, name)
				}
				// Every group sums to 1.
				groups, ng := softmaxGroups(shape, ax)
				sums := make([]float64, ng)
				for i, v := range y.Values() {
					sums[groups[i]] += v
				}
				for g, s := range sums {
					if math.Abs(s-1) > 10*tol(dt) {
						t.Errorf("%v Softmax %s: group %d sums to %v", dt, name, g, s)
					}
				}
			}
		}
		// A uniform row gives 1/n; a single element gives 1 (log 0).
		checkClose(t, "Softmax uniform", Softmax(Full(dt, 1000, 2, 4), 1), dt, []int{2, 4}, slices.Repeat([]float64{0.25}, 8))
		checkClose(t, "Softmax single", Softmax(Full(dt, -7, 3, 1), 1), dt, []int{3, 1}, []float64{1, 1, 1})
		checkClose(t, "LogSoftmax single", LogSoftmax(Full(dt, -7, 3, 1), -1), dt, []int{3, 1}, []float64{0, 0, 0})
		x := New(dt, 2, 3)
		mustPanic(t, "Softmax axis", func() { Softmax(x, 2) }, "Softmax", "[2 3]")
		mustPanic(t, "LogSoftmax axis", func() { LogSoftmax(x, -3) }, "LogSoftmax", "[2 3]")
	}
}

func TestSoftmaxGrad(t *testing.T) {
	shape := []int{3, 4, 5}
	for _, dt := range dtypes {
		rng := testRNG(22)
		x := randT(rng, dt, -2, 2, shape...)
		gy := randT(rng, dt, -1, 1, shape...)
		for _, axis := range softmaxAxes {
			ax := (axis + 3) % 3
			groups, ng := softmaxGroups(shape, ax)
			gv := gy.Values()
			for _, log := range []bool{false, true} {
				var y, got *Tensor
				if log {
					y = LogSoftmax(x, axis)
				} else {
					y = Softmax(x, axis)
				}
				s := snap(y, gy)
				if log {
					got = LogSoftmaxGrad(y, gy, axis)
				} else {
					got = SoftmaxGrad(y, gy, axis)
				}
				s.check(t, "SoftmaxGrad")
				// Closed form from the reference softmax p = exp(log p).
				lp := refSoftmax(x, ax, true)
				sum := make([]float64, ng)
				for i := range lp {
					if log {
						sum[groups[i]] += gv[i]
					} else {
						sum[groups[i]] += gv[i] * math.Exp(lp[i])
					}
				}
				want := make([]float64, len(lp))
				for i := range lp {
					p := math.Exp(lp[i])
					if log {
						want[i] = gv[i] - p*sum[groups[i]]
					} else {
						want[i] = p * (gv[i] - sum[groups[i]])
					}
				}
				op := map[bool]string{false: "SoftmaxGrad", true: "LogSoftmaxGrad"}[log]
				checkClose(t, fmt.Sprintf("%s axis %d", op, axis), got, dt, shape, want)
			}
		}
		mustPanic(t, "SoftmaxGrad shapes", func() { SoftmaxGrad(New(dt, 2, 3), New(dt, 3, 2), 1) }, "SoftmaxGrad", "[2 3]", "[3 2]")
		mustPanic(t, "LogSoftmaxGrad axis", func() { LogSoftmaxGrad(New(dt, 2, 3), New(dt, 2, 3), 5) }, "LogSoftmaxGrad", "[2 3]")
	}
}

// fdGrad is the central-difference gradient of f at x (float64).
func fdGrad(x []float64, f func(x []float64) float64) []float64 {
	g := make([]float64, len(x))
	xp := slices.Clone(x)
	for i := range x {
		h := 1e-5 * math.Max(1, math.Abs(x[i]))
		xp[i] = x[i] + h
		fp := f(xp)
		xp[i] = x[i] - h
		fm := f(xp)
		xp[i] = x[i]
		g[i] = (fp - fm) / (2 * h)
	}
	return g
}

func TestSoftmaxGradFiniteDifference(t *testing.T) {
	shape := []int{2, 3, 4}
	rng := testRNG(23)
	x := randT(rng, Float64, -2, 2, shape...)
	gy := randT(rng, Float64, -1, 1, shape...)
	for _, axis := range softmaxAxes {
		for _, log := range []bool{false, true} {
			apply, grad := Softmax, SoftmaxGrad
			if log {
				apply, grad = LogSoftmax, LogSoftmaxGrad
			}
			loss := func(v []float64) float64 {
				return dotVals(apply(FromValues(Float64, v, shape...), axis).Values(), gy.Values())
			}
			want := fdGrad(x.Values(), loss)
			got := grad(apply(x, axis), gy, axis)
			checkCloseTol(t, fmt.Sprintf("softmax grad vs finite difference, log %v axis %d", log, axis), got, Float64, shape, want, 1e-7)
		}
	}
}

func TestCrossEntropy(t *testing.T) {
	for _, dt := range dtypes {
		for _, big := range []bool{false, true} {
			rng := testRNG(24)
			n, c := 6, 5
			x := randT(rng, dt, -3, 3, n, c)
			if big {
				v := x.Values()
				for i := range v {
					v[i] *= 400 // magnitudes up to ±1200
				}
				x = FromValues(dt, v, n, c)
			}
			labels := []int{0, 4, 2, 2, 1, 3}
			lp := refSoftmax(x, 1, true)
			want := 0.0
			for i, l := range labels {
				want -= lp[i*c+l]
			}
			want /= float64(n)
			s := snap(x)
			got := CrossEntropy(x, labels)
			if !closeTo(got, want, tol(dt)) {
				t.Errorf("%v CrossEntropy (large %v) = %v, want %v", dt, big, got, want)
			}
			for _, g := range []float64{1, 0.5, -2} {
				gr := CrossEntropyGrad(x, labels, g)
				s.check(t, "CrossEntropy")
				wantG := make([]float64, n*c)
				for i := range wantG {
					wantG[i] = math.Exp(lp[i])
					if i%c == labels[i/c] {
						wantG[i]--
					}
					wantG[i] *= g / float64(n)
				}
				checkClose(t, fmt.Sprintf("CrossEntropyGrad g=%v large %v", g, big), gr, dt, []int{n, c}, wantG)
				if !AllFinite(gr) {
					t.Errorf("%v CrossEntropyGrad not finite", dt)
				}
			}
		}
		x := New(dt, 3, 4)
		mustPanic(t, "CrossEntropy label high", func() { CrossEntropy(x, []int{0, 4, 1}) }, "CrossEntropy", "label 4", "[0, 4)")
		mustPanic(t, "CrossEntropy label negative", func() { CrossEntropy(x, []int{0, 1, -1}) }, "CrossEntropy", "label -1", "sample 2")
		mustPanic(t, "CrossEntropyGrad label", func() { CrossEntropyGrad(x, []int{7, 0, 0}, 1) }, "CrossEntropyGrad", "label 7", "sample 0")
		mustPanic(t, "CrossEntropy count", func() { CrossEntropy(x, []int{0, 1}) }, "CrossEntropy", "2 labels", "[3 4]")
		mustPanic(t, "CrossEntropy rank", func() { CrossEntropy(New(dt, 3), []int{0, 1, 2}) }, "CrossEntropy", "[3]")
	}
	// The gradient is the derivative of the loss (finite difference in float64).
	rng := testRNG(25)
	x := randT(rng, Float64, -2, 2, 4, 3)
	labels := []int{2, 0, 1, 2}
	want := fdGrad(x.Values(), func(v []float64) float64 { return 0.7 * CrossEntropy(FromValues(Float64, v, 4, 3), labels) })
	checkCloseTol(t, "CrossEntropyGrad vs finite difference", CrossEntropyGrad(x, labels, 0.7), Float64, []int{4, 3}, want, 1e-7)
}
