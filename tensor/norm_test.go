package tensor

import (
	"fmt"
	"math"
	"testing"
)

const normEps = 1e-5

// chanOf returns the channel (axis 1) of every flat element of shape [N, C, ...],
// and the sample.
func chanOf(shape []int) (ch, sample []int) {
	s := numelOf(shape[2:])
	for i := 0; i < numelOf(shape); i++ {
		ch = append(ch, i/s%shape[1])
		sample = append(sample, i/(s*shape[1]))
	}
	return ch, sample
}

func vecOr(v *Tensor, n int, def float64) []float64 {
	if v == nil {
		out := make([]float64, n)
		for i := range out {
			out[i] = def
		}
		return out
	}
	return v.Values()
}

// refNormBackward is the textbook chain rule for y = γ·(x−μ)/√(σ²+ε) + β over
// the elements of one normalisation group (idx), with μ and σ² either the
// group's batch statistics (training: their dependence on x is followed) or
// constants. It writes gx for those elements.
func refNormBackward(idx []int, xv, gyv, gam []float64, mu, v float64, training bool, gx []float64) {
	inv := 1 / math.Sqrt(v+normEps)
	m := float64(len(idx))
	dxh := make([]float64, len(idx))
	for k, i := range idx {
		dxh[k] = gyv[i] * gam[k]
	}
	if !training {
		for k, i := range idx {
			gx[i] = dxh[k] * inv
		}
		return
	}
	dvar, dmu, sdev := 0.0, 0.0, 0.0
	for k, i := range idx {
		dvar += dxh[k] * (xv[i] - mu) * -0.5 * math.Pow(v+normEps, -1.5)
		dmu -= dxh[k] * inv
		sdev += -2 * (xv[i] - mu) / m
	}
	dmu += dvar * sdev
	for k, i := range idx {
		gx[i] = dxh[k]*inv + dvar*2*(xv[i]-mu)/m + dmu/m
	}
}

// normScale is the magnitude of the terms whose difference gives a normalised
// output, (|x| + |μ|)·|γ|/σ: computing x − μ in the input's precision (in any
// arrangement) rounds at that scale, which matters when σ ≪ |μ|, for example
// a group of a single element whose variance is 0 and σ = √ε.
func normScale(x, mu, inv, gamma float64) float64 {
	return (math.Abs(x) + math.Abs(mu)) * inv * math.Abs(gamma)
}

var bnShapes = [][]int{{8, 3}, {4, 3, 5, 6}, {2, 3, 7}, {1, 2, 3, 3}}

func TestBatchNorm(t *testing.T) {
	for _, shape := range bnShapes {
		for _, dt := range dtypes {
			rng := testRNG(uint64(len(shape)))
			c := shape[1]
			x := randT(rng, dt, -2, 3, shape...)
			xv := x.Values()
			ch, _ := chanOf(shape)
			// Reference statistics (two passes in float64).
			rm, rv, cnt := make([]float64, c), make([]float64, c), make([]float64, c)
			for i, v := range xv {
				rm[ch[i]] += v
				cnt[ch[i]]++
			}
			for k := range rm {
				rm[k] /= cnt[k]
			}
			for i, v := range xv {
				rv[ch[i]] += (v - rm[ch[i]]) * (v - rm[ch[i]])
			}
			for k := range rv {
				rv[k] /= cnt[k]
			}
			s := snap(x)
			mean, variance := BatchNormStats(x)
			s.check(t, "BatchNormStats")
			// Statistics are Float64 whatever x's dtype.
			checkClose(t, fmt.Sprintf("BatchNormStats mean %v of %v", shape, dt), mean, Float64, []int{c}, rm)
			checkClose(t, fmt.Sprintf("BatchNormStats variance %v of %v", shape, dt), variance, Float64, []int{c}, rv)

			gamma := randT(rng, dt, 0.5, 1.5, c)
			gamma.Set(0, c-1) // an exact zero scale must not cause trouble
			beta := randT(rng, dt, -1, 1, c)
			// Running statistics for evaluation mode.
			runMean := randT(rng, dt, -1, 1, c)
			runVar := randT(rng, dt, 0.5, 2, c)
			gy := randT(rng, dt, -1, 1, shape...)
			gyv := gy.Values()

			for _, st := range []struct {
				training bool
				statsDT  DType
			}{{true, Float64}, {true, dt}, {false, Float64}, {false, dt}} {
				training := st.training
				mu, va := mean, variance
				if !training {
					mu, va = runMean, runVar
				}
				// Statistics may be Float64 or x's dtype.
				mu, va = mu.Cast(st.statsDT), va.Cast(st.statsDT)
				muv, vav := mu.Values(), va.Values()
				for _, affine := range []bool{true, false} {
					g, b := gamma, beta
					if !affine {
						g, b = nil, nil
					}
					gv, bv := vecOr(g, c, 1), vecOr(b, c, 0)
					name := fmt.Sprintf("%v training %v stats %v affine %v", shape, training, st.statsDT, affine)

					want, scale := make([]float64, len(xv)), make([]float64, len(xv))
					for i, v := range xv {
						k := ch[i]
						inv := 1 / math.Sqrt(vav[k]+normEps)
						want[i] = (v-muv[k])*inv*gv[k] + bv[k]
						scale[i] = normScale(v, muv[k], inv, gv[k])
					}
					s := snap(x, mu, va, g, b)
					y := BatchNormApply(x, mu, va, g, b, normEps)
					s.check(t, "BatchNormApply")
					checkCloseScaled(t, "BatchNormApply "+name, y, dt, shape, want, scale, tol(dt))

					s = snap(gy, x, mu, va, g)
					gx, gg, gb := BatchNormBackward(gy, x, mu, va, g, normEps, training)
					s.check(t, "BatchNormBackward")
					wantGx := make([]float64, len(xv))
					wantGg, wantGb := make([]float64, c), make([]float64, c)
					for k := 0; k < c; k++ {
						var idx []int
						var gam []float64
						for i := range xv {
							if ch[i] == k {
								idx = append(idx, i)
								gam = append(gam, gv[k])
								xh := (xv[i] - muv[k]) / math.Sqrt(vav[k]+normEps)
								wantGg[k] += gyv[i] * xh
								wantGb[k] += gyv[i]
							}
						}
						refNormBackward(idx, xv, gyv, gam, muv[k], vav[k], training, wantGx)
					}
					checkClose(t, "BatchNormBackward gx "+name, gx, dt, shape, wantGx)
					checkClose(t, "BatchNormBackward gbeta "+name, gb, dt, []int{c}, wantGb)
					if affine {
						checkClose(t, "BatchNormBackward ggamma "+name, gg, dt, []int{c}, wantGg)
					} else if gg != nil {
						t.Errorf("BatchNormBackward %s: ggamma %v without gamma", name, gg)
					}
					if !AllFinite(gx) || !AllFinite(gb) || (gg != nil && !AllFinite(gg)) {
						t.Errorf("%v BatchNormBackward %s: non-finite gradient", dt, name)
					}
				}
			}
		}
	}
	for _, dt := range dtypes {
		x := New(dt, 4, 3, 2)
		v3 := Ones(dt, 3)
		mustPanic(t, "BatchNormStats rank", func() { BatchNormStats(New(dt, 5)) }, "BatchNormStats", "[5]")
		mustPanic(t, "BatchNormApply mean", func() { BatchNormApply(x, Ones(dt, 4), v3, nil, nil, normEps) }, "BatchNormApply", "mean", "[4]", "[4 3 2]")
		mustPanic(t, "BatchNormApply nil mean", func() { BatchNormApply(x, nil, v3, nil, nil, normEps) }, "BatchNormApply", "mean")
		mustPanic(t, "BatchNormApply gamma", func() { BatchNormApply(x, v3, v3, Ones(dt, 2), nil, normEps) }, "BatchNormApply", "gamma", "[2]")
		mustPanic(t, "BatchNormApply beta", func() { BatchNormApply(x, v3, v3, nil, Ones(dt, 5), normEps) }, "BatchNormApply", "beta", "[5]")
		mustPanic(t, "BatchNormBackward shapes", func() { BatchNormBackward(New(dt, 4, 3), x, v3, v3, nil, normEps, true) }, "BatchNormBackward", "[4 3]", "[4 3 2]")
		mustPanic(t, "BatchNormBackward variance", func() { BatchNormBackward(x, x, v3, nil, nil, normEps, true) }, "BatchNormBackward", "variance")
	}
	// Float64 statistics are accepted for any x; other mixtures are not.
	mustPanic(t, "BatchNormApply float32 stats for float64 x", func() {
		BatchNormApply(New(Float64, 2, 3), Ones(Float32, 3), Ones(Float64, 3), nil, nil, normEps)
	}, "BatchNormApply", "float32", "float64")
	mustPanic(t, "BatchNormApply gamma dtype", func() {
		BatchNormApply(New(Float32, 2, 3), Ones(Float64, 3), Ones(Float64, 3), Ones(Float64, 3), nil, normEps)
	}, "BatchNormApply", "float32", "float64")
	mustPanic(t, "BatchNormBackward gamma dtype", func() {
		BatchNormBackward(New(Float32, 2, 3), New(Float32, 2, 3), Ones(Float64, 3), Ones(Float64, 3), Ones(Float64, 3), normEps, true)
	}, "BatchNormBackward", "float32", "float64")
	mustPanic(t, "GroupNorm beta dtype", func() {
		GroupNorm(New(Float32, 2, 4), nil, Ones(Float64, 4), 2, normEps)
	}, "GroupNorm", "float32", "float64")
}

// TestBatchNormFiniteDifference differentiates BatchNormApply∘BatchNormStats
// numerically (training) and BatchNormApply with fixed statistics (evaluation).
func TestBatchNormFiniteDifference(t *testing.T) {
	shape := []int{3, 2, 2, 3}
	rng := testRNG(31)
	x := randT(rng, Float64, -2, 2, shape...)
	gamma := FromValues(Float64, []float64{1.3, 0}, 2)
	beta := FromValues(Float64, []float64{0.2, -0.4}, 2)
	gy := randT(rng, Float64, -1, 1, shape...)
	for _, training := range []bool{true, false} {
		rm, rv := FromValues(Float64, []float64{0.1, -0.3}, 2), FromValues(Float64, []float64{0.8, 1.7}, 2)
		loss := func(v []float64) float64 {
			xt := FromValues(Float64, v, shape...)
			m, va := rm, rv
			if training {
				m, va = BatchNormStats(xt)
			}
			return dotVals(BatchNormApply(xt, m, va, gamma, beta, normEps).Values(), gy.Values())
		}
		want := fdGrad(x.Values(), loss)
		m, va := rm, rv
		if training {
			m, va = BatchNormStats(x)
		}
		gx, gg, gb := BatchNormBackward(gy, x, m, va, gamma, normEps, training)
		checkCloseTol(t, fmt.Sprintf("BatchNormBackward gx vs finite difference, training %v", training), gx, Float64, shape, want, 1e-6)
		// Gradients of the affine parameters.
		lossG := func(g []float64) float64 {
			return dotVals(BatchNormApply(x, m, va, FromValues(Float64, g, 2), beta, normEps).Values(), gy.Values())
		}
		lossB := func(b []float64) float64 {
			return dotVals(BatchNormApply(x, m, va, gamma, FromValues(Float64, b, 2), normEps).Values(), gy.Values())
		}
		checkCloseTol(t, "BatchNormBackward ggamma vs finite difference", gg, Float64, []int{2}, fdGrad(gamma.Values(), lossG), 1e-6)
		checkCloseTol(t, "BatchNormBackward gbeta vs finite difference", gb, Float64, []int{2}, fdGrad(beta.Values(), lossB), 1e-6)
	}
}

// refGroupNorm returns y, the group statistics and the gradients of y
// (given gy) written with the textbook chain rule.
func refGroupNorm(x, gamma, beta, gy *Tensor, groups int) (y, yscale, mean, variance, gx, gg, gb []float64) {
	shape := x.Shape()
	n, c := shape[0], shape[1]
	cg := c / groups
	xv, gyv := x.Values(), gy.Values()
	gv, bv := vecOr(gamma, c, 1), vecOr(beta, c, 0)
	ch, sample := chanOf(shape)
	y, yscale, gx = make([]float64, len(xv)), make([]float64, len(xv)), make([]float64, len(xv))
	gg, gb = make([]float64, c), make([]float64, c)
	for s := 0; s < n; s++ {
		for g := 0; g < groups; g++ {
			var idx []int
			var gam []float64
			for i := range xv {
				if sample[i] == s && ch[i]/cg == g {
					idx = append(idx, i)
					gam = append(gam, gv[ch[i]])
				}
			}
			mu, v := 0.0, 0.0
			for _, i := range idx {
				mu += xv[i]
			}
			mu /= float64(len(idx))
			for _, i := range idx {
				v += (xv[i] - mu) * (xv[i] - mu)
			}
			v /= float64(len(idx))
			mean, variance = append(mean, mu), append(variance, v)
			inv := 1 / math.Sqrt(v+normEps)
			for _, i := range idx {
				xh := (xv[i] - mu) * inv
				y[i] = xh*gv[ch[i]] + bv[ch[i]]
				yscale[i] = normScale(xv[i], mu, inv, gv[ch[i]])
				gg[ch[i]] += gyv[i] * xh
				gb[ch[i]] += gyv[i]
			}
			refNormBackward(idx, xv, gyv, gam, mu, v, true, gx)
		}
	}
	return y, yscale, mean, variance, gx, gg, gb
}

func TestGroupNorm(t *testing.T) {
	cases := []struct {
		shape  []int
		groups []int
	}{
		{[]int{4, 6}, []int{1, 2, 3, 6}},
		{[]int{2, 4, 3, 5}, []int{1, 2, 4}},
		{[]int{3, 6, 7}, []int{1, 3, 6}},
		{[]int{1, 2, 2, 2}, []int{1, 2}},
	}
	for _, cs := range cases {
		for _, groups := range cs.groups {
			for _, dt := range dtypes {
				rng := testRNG(uint64(groups))
				c := cs.shape[1]
				x := randT(rng, dt, -2, 3, cs.shape...)
				gamma := randT(rng, dt, -1.5, 1.5, c)
				gamma.Set(0, 0) // an exact zero
				beta := randT(rng, dt, -1, 1, c)
				gy := randT(rng, dt, -1, 1, cs.shape...)
				for _, affine := range []bool{true, false} {
					g, b := gamma, beta
					if !affine {
						g, b = nil, nil
					}
					name := fmt.Sprintf("%v groups %d affine %v", cs.shape, groups, affine)
					ry, rys, rm, rv, rgx, rgg, rgb := refGroupNorm(x, g, b, gy, groups)
					s := snap(x, g, b)
					y, mean, variance := GroupNorm(x, g, b, groups, normEps)
					s.check(t, "GroupNorm")
					checkCloseScaled(t, "GroupNorm y "+name, y, dt, cs.shape, ry, rys, tol(dt))
					// Statistics are Float64 whatever x's dtype.
					checkClose(t, "GroupNorm mean "+name, mean, Float64, []int{cs.shape[0], groups}, rm)
					checkClose(t, "GroupNorm variance "+name, variance, Float64, []int{cs.shape[0], groups}, rv)
					s = snap(gy, x, mean, variance, g)
					gx, gg, gb := GroupNormBackward(gy, x, mean, variance, g, groups, normEps)
					s.check(t, "GroupNormBackward")
					checkClose(t, "GroupNormBackward gx "+name, gx, dt, cs.shape, rgx)
					checkClose(t, "GroupNormBackward gbeta "+name, gb, dt, []int{c}, rgb)
					if affine {
						checkClose(t, "GroupNormBackward ggamma "+name, gg, dt, []int{c}, rgg)
					} else if gg != nil {
						t.Errorf("GroupNormBackward %s: ggamma without gamma", name)
					}
					if !AllFinite(y) || !AllFinite(gx) || !AllFinite(gb) || (gg != nil && !AllFinite(gg)) {
						t.Errorf("%v GroupNorm %s: non-finite output", dt, name)
					}
				}
			}
		}
	}
	for _, dt := range dtypes {
		x := New(dt, 2, 6, 3)
		mustPanic(t, "GroupNorm groups", func() { GroupNorm(x, nil, nil, 4, normEps) }, "GroupNorm", "4 groups", "[2 6 3]")
		mustPanic(t, "GroupNorm zero groups", func() { GroupNorm(x, nil, nil, 0, normEps) }, "GroupNorm", "0 groups")
		mustPanic(t, "GroupNorm gamma", func() { GroupNorm(x, Ones(dt, 3), nil, 3, normEps) }, "GroupNorm", "gamma", "[3]")
		mustPanic(t, "GroupNorm rank", func() { GroupNorm(New(dt, 6), nil, nil, 1, normEps) }, "GroupNorm", "[6]")
		m, v := New(dt, 2, 3), Ones(dt, 2, 3)
		mustPanic(t, "GroupNormBackward stats", func() { GroupNormBackward(x, x, m, v, nil, 2, normEps) }, "GroupNormBackward", "[2 3]")
		mustPanic(t, "GroupNormBackward shapes", func() { GroupNormBackward(New(dt, 2, 6), x, m, v, nil, 3, normEps) }, "GroupNormBackward", "[2 6]", "[2 6 3]")
	}
}

func TestGroupNormFiniteDifference(t *testing.T) {
	shape := []int{2, 4, 3}
	rng := testRNG(32)
	x := randT(rng, Float64, -2, 2, shape...)
	gamma := FromValues(Float64, []float64{0, 1.2, -0.7, 0.9}, 4)
	beta := FromValues(Float64, []float64{0.1, 0.2, 0.3, -0.4}, 4)
	gy := randT(rng, Float64, -1, 1, shape...)
	for _, groups := range []int{1, 2, 4} {
		loss := func(v []float64) float64 {
			y, _, _ := GroupNorm(FromValues(Float64, v, shape...), gamma, beta, groups, normEps)
			return dotVals(y.Values(), gy.Values())
		}
		_, m, va := GroupNorm(x, gamma, beta, groups, normEps)
		gx, gg, gb := GroupNormBackward(gy, x, m, va, gamma, groups, normEps)
		checkCloseTol(t, fmt.Sprintf("GroupNormBackward gx vs finite difference, %d groups", groups), gx, Float64, shape, fdGrad(x.Values(), loss), 1e-6)
		lossG := func(g []float64) float64 {
			y, _, _ := GroupNorm(x, FromValues(Float64, g, 4), beta, groups, normEps)
			return dotVals(y.Values(), gy.Values())
		}
		lossB := func(b []float64) float64 {
			y, _, _ := GroupNorm(x, gamma, FromValues(Float64, b, 4), groups, normEps)
			return dotVals(y.Values(), gy.Values())
		}
		checkCloseTol(t, "GroupNormBackward ggamma vs finite difference", gg, Float64, []int{4}, fdGrad(gamma.Values(), lossG), 1e-6)
		checkCloseTol(t, "GroupNormBackward gbeta vs finite difference", gb, Float64, []int{4}, fdGrad(beta.Values(), lossB), 1e-6)
	}
}

// TestNormConstantInput normalises inputs with zero variance (ε keeps them finite).
func TestNormConstantInput(t *testing.T) {
	for _, dt := range dtypes {
		x := Full(dt, 2.5, 3, 4, 2)
		gamma := FromValues(dt, []float64{0, 1, 2, -1}, 4)
		gy := randT(testRNG(1), dt, -1, 1, 3, 4, 2)
		m, v := BatchNormStats(x)
		y := BatchNormApply(x, m, v, gamma, nil, normEps)
		gx, gg, gb := BatchNormBackward(gy, x, m, v, gamma, normEps, true)
		for _, r := range []*Tensor{m, v, y, gx, gg, gb} {
			if !AllFinite(r) {
				t.Errorf("%v BatchNorm of a constant input: %v", dt, r)
			}
		}
		checkClose(t, "BatchNormApply constant", y, dt, []int{3, 4, 2}, make([]float64, 24))
		for _, groups := range []int{1, 2, 4} {
			y, m, v := GroupNorm(x, gamma, nil, groups, normEps)
			gx, gg, gb := GroupNormBackward(gy, x, m, v, gamma, groups, normEps)
			for _, r := range []*Tensor{y, m, v, gx, gg, gb} {
				if !AllFinite(r) {
					t.Errorf("%v GroupNorm (%d groups) of a constant input: %v", dt, groups, r)
				}
			}
		}
	}
}

// TestGroupNormReLU checks the fused GroupNorm + ReLU against the two
// operations apart (GroupNorm is itself checked against a float64 reference
// above): the same bits forward and backward, for odd shapes, planes large
// enough to be split over workers, one and two threads, with and without
// gamma and beta, and with planes that normalise to exact zeros (where the
// ReLU's mask must be off, as ReLU's own is).
func TestGroupNormReLU(t *testing.T) {
	cases := []struct {
		shape  []int
		groups int
	}{
		{[]int{4, 6}, 3},
		{[]int{2, 4, 3, 5}, 2},
		{[]int{3, 6, 7}, 6},
		{[]int{5, 8, 17, 19}, 4},   // planes of 323, an odd length for the vector kernels
		{[]int{3, 32, 28, 28}, 32}, // the conv benchmark's layer, many workers' chunks
		{[]int{2, 3, 1}, 1},
	}
	for _, cs := range cases {
		for _, dt := range dtypes {
			rng := testRNG(uint64(len(cs.shape)))
			c := cs.shape[1]
			x := randT(rng, dt, -2, 3, cs.shape...)
			// Sample 0's first group is constant: it normalises to 0 exactly.
			gsz := numelOf(cs.shape[1:]) / cs.groups
			for j := 0; j < gsz; j++ {
				if dt == Float32 {
					x.Float32s()[j] = 0.5
				} else {
					x.Float64s()[j] = 0.5
				}
			}
			gamma := randT(rng, dt, -1.5, 1.5, c)
			gamma.Set(0, 0)
			beta := randT(rng, dt, -1, 1, c)
			beta.Set(0, 0)
			gy := randT(rng, dt, -1, 1, cs.shape...)
			for _, affine := range []bool{true, false} {
				g, b := gamma, beta
				if !affine {
					g, b = nil, nil
				}
				for _, th := range []int{1, 2} {
					name := fmt.Sprintf("%v %v groups %d affine %v threads %d", dt, cs.shape, cs.groups, affine, th)
					withThreads(t, th, func() {
						z, zm, zv := GroupNorm(x, g, b, cs.groups, normEps)
						want := ReLU(z)
						wgx, wgg, wgb := GroupNormBackward(UnaryGrad(OpReLU, z, want, gy, 0), x, zm, zv, g, cs.groups, normEps)

						s := snap(x, g, b)
						y, mean, variance := GroupNormReLU(x, g, b, cs.groups, normEps)
						s.check(t, "GroupNormReLU")
						if !SameBits(y, want) || !SameBits(mean, zm) || !SameBits(variance, zv) {
							t.Errorf("GroupNormReLU %s: not the bits of ReLU(GroupNorm)", name)
						}
						s = snap(gy, y, x, mean, variance, g)
						gx, gg, gb := GroupNormReLUBackward(gy, y, x, mean, variance, g, cs.groups, normEps)
						s.check(t, "GroupNormReLUBackward")
						if !SameBits(gx, wgx) || !SameBits(gb, wgb) {
							t.Errorf("GroupNormReLUBackward %s: gx or gbeta not the bits of the two backward passes", name)
						}
						if affine != (gg != nil) || (affine && !SameBits(gg, wgg)) {
							t.Errorf("GroupNormReLUBackward %s: ggamma differs", name)
						}
					})
				}
			}
		}
	}
	for _, dt := range dtypes {
		x := New(dt, 2, 6, 3)
		m, v := New(Float64, 2, 3), Ones(Float64, 2, 3)
		mustPanic(t, "GroupNormReLU groups", func() { GroupNormReLU(x, nil, nil, 4, normEps) }, "GroupNormReLU", "4 groups", "[2 6 3]")
		mustPanic(t, "GroupNormReLUBackward y", func() { GroupNormReLUBackward(x, nil, x, m, v, nil, 3, normEps) }, "GroupNormReLUBackward", "output")
		mustPanic(t, "GroupNormReLUBackward y shape", func() { GroupNormReLUBackward(x, New(dt, 2, 6), x, m, v, nil, 3, normEps) }, "GroupNormReLUBackward", "[2 6]", "[2 6 3]")
	}
}

// TestNormWriteEveryElement holds the normalisations that take their output
// or input gradient from recycled storage without clearing it to writing
// every element: each result is computed, its storage recycled filled with
// NaN, and computed again into that storage, for both dtypes, with and
// without gamma and beta, BatchNorm in training and evaluation mode.
func TestNormWriteEveryElement(t *testing.T) {
	DebugPoisonRecycled(true)
	defer DebugPoisonRecycled(false)
	again := func(name string, f func() *Tensor) {
		t.Helper()
		a := f()
		Recycle(f()) // poisoned storage of a's size
		if b := f(); !AllFinite(b) || !SameBits(a, b) {
			t.Fatalf("%s on recycled storage differs", name)
		}
	}
	for _, dt := range dtypes {
		rng := testRNG(7)
		x := randT(rng, dt, -2, 2, 3, 4, 5, 3)
		gy := randT(rng, dt, -1, 1, 3, 4, 5, 3)
		gamma, beta := randT(rng, dt, 0.5, 1.5, 4), randT(rng, dt, -1, 1, 4)
		for _, affine := range []bool{false, true} {
			g, b := (*Tensor)(nil), (*Tensor)(nil)
			if affine {
				g, b = gamma, beta
			}
			name := fmt.Sprintf("%v affine %v", dt, affine)
			mean, variance := BatchNormStats(x)
			again("BatchNormApply "+name, func() *Tensor { return BatchNormApply(x, mean, variance, g, b, normEps) })
			for _, training := range []bool{false, true} {
				again(fmt.Sprintf("BatchNormBackward %s training %v", name, training), func() *Tensor {
					gx, _, _ := BatchNormBackward(gy, x, mean, variance, g, normEps, training)
					return gx
				})
			}
			_, gm, gv := GroupNorm(x, g, b, 2, normEps)
			again("GroupNorm "+name, func() *Tensor { y, _, _ := GroupNorm(x, g, b, 2, normEps); return y })
			again("GroupNormBackward "+name, func() *Tensor { gx, _, _ := GroupNormBackward(gy, x, gm, gv, g, 2, normEps); return gx })
			yr, _, _ := GroupNormReLU(x, g, b, 2, normEps)
			again("GroupNormReLU "+name, func() *Tensor { y, _, _ := GroupNormReLU(x, g, b, 2, normEps); return y })
			again("GroupNormReLUBackward "+name, func() *Tensor {
				gx, _, _ := GroupNormReLUBackward(gy, yr, x, gm, gv, g, 2, normEps)
				return gx
			})
		}
	}
}
