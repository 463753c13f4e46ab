package tensor

import (
	"fmt"
	"runtime"
	"testing"
)

func TestSetThreads(t *testing.T) {
	t.Cleanup(func() { SetThreads(0) })
	SetThreads(3)
	if Threads() != 3 {
		t.Errorf("Threads() = %d after SetThreads(3)", Threads())
	}
	SetThreads(1)
	if Threads() != 1 {
		t.Errorf("Threads() = %d after SetThreads(1)", Threads())
	}
	// A negative count is an error now (it used to mean the default) and
	// changes nothing; see TestSetThreadsBounds.
	if err := SetThreads(-4); err == nil || Threads() != 1 {
		t.Errorf("SetThreads(-4): error %v, Threads() = %d; want an error and 1", err, Threads())
	}
	SetThreads(0)
	if Threads() != runtime.GOMAXPROCS(0) {
		t.Errorf("Threads() = %d after SetThreads(0), want GOMAXPROCS %d", Threads(), runtime.GOMAXPROCS(0))
	}
	if b := BLAS(); b != "native" && b != "openblas" && b != "gonum" {
		t.Errorf("BLAS() = %q", b)
	}
}

// threadKernels computes a set of results large enough for every kernel's
// parallel path; each is compared across thread counts.
func threadKernels(dt DType) map[string]*Tensor {
	rng := testRNG(77)
	out := map[string]*Tensor{}
	big := randT(rng, dt, -2, 2, 70001)
	big2 := randT(rng, dt, 0.5, 2, 70001)
	for _, c := range unaryCases {
		x := big
		if c.lo > 0 {
			x = big2
		}
		y := Unary(c.op, x, c.p)
		out["Unary "+c.name] = y
		if c.df != nil {
			out["UnaryGrad "+c.name] = UnaryGrad(c.op, x, y, big2, c.p)
		}
	}
	m := randT(rng, dt, -1, 1, 64, 1024)
	row := randT(rng, dt, -1, 1, 1024)
	col := randT(rng, dt, -1, 1, 64, 1)
	for _, bo := range binaryOps {
		out["Binary same "+bo.op.String()] = Binary(bo.op, big, big2)
		out["Binary row "+bo.op.String()] = Binary(bo.op, m, row)
		out["Binary col "+bo.op.String()] = Binary(bo.op, col, m)
	}
	out["AddScaledInPlace"] = big.Clone().AddScaledInPlace(0.3, big2)
	out["Permute 2-D"] = Permute(randT(rng, dt, -1, 1, 300, 257), 1, 0)
	out["Permute 3-D"] = Permute(randT(rng, dt, -1, 1, 40, 50, 60), 2, 0, 1)
	sm := randT(rng, dt, -3, 3, 200, 64, 8)
	out["Softmax"] = Softmax(sm, 1)
	out["LogSoftmax"] = LogSoftmax(sm, -1)
	img := randT(rng, dt, -1, 1, 4, 16, 32, 32)
	out["AvgPool2d"] = AvgPool2d(img, Pool2dParams{KH: 3, KW: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1})
	mp, _ := MaxPool2d(img, Pool2dParams{KH: 2, KW: 2})
	out["MaxPool2d"] = mp
	out["AvgPool2dBackward"] = AvgPool2dBackward(randT(rng, dt, -1, 1, 4, 16, 16, 16), img.Shape(), Pool2dParams{KH: 2, KW: 2})
	mean, variance := BatchNormStats(img)
	out["BatchNormStats mean"], out["BatchNormStats variance"] = mean, variance
	gamma := randT(rng, dt, 0.5, 1.5, 16)
	out["BatchNormApply"] = BatchNormApply(img, mean, variance, gamma, nil, normEps)
	gx, gg, gb := BatchNormBackward(img, img, mean, variance, gamma, normEps, true)
	out["BatchNormBackward gx"], out["BatchNormBackward ggamma"], out["BatchNormBackward gbeta"] = gx, gg, gb
	gy, gm, gv := GroupNorm(img, gamma, nil, 4, normEps)
	out["GroupNorm"] = gy
	gx, gg, gb = GroupNormBackward(img, img, gm, gv, gamma, 4, normEps)
	out["GroupNormBackward gx"], out["GroupNormBackward ggamma"], out["GroupNormBackward gbeta"] = gx, gg, gb
	gr, gm, gv := GroupNormReLU(img, gamma, nil, 4, normEps)
	out["GroupNormReLU"] = gr
	gx, gg, gb = GroupNormReLUBackward(img, gr, img, gm, gv, gamma, 4, normEps)
	out["GroupNormReLUBackward gx"], out["GroupNormReLUBackward ggamma"], out["GroupNormReLUBackward gbeta"] = gx, gg, gb
	for i, c := range []convCase{
		{1, 8, 16, 16, 4, 3, 3, Conv2dParams{PadH: 1, PadW: 1}},                         // one sample: parallel inside it
		{1, 8, 17, 17, 4, 3, 3, Conv2dParams{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}}, // one sample, im2col
		{9, 8, 12, 12, 6, 3, 3, Conv2dParams{PadH: 1, PadW: 1}},                         // samples over workers, partial block
		{5, 4, 13, 11, 3, 3, 2, Conv2dParams{StrideH: 2, StrideW: 1, PadH: 1, PadW: 1}}, // samples over workers, im2col
		{3, 4, 10, 10, 5, 1, 1, Conv2dParams{}},                                         // 1×1
		{37, 48, 5, 5, 3, 3, 3, Conv2dParams{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}}, // im2col groups of 5, the last of 2
		{2, 48, 9, 9, 3, 3, 3, Conv2dParams{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}},  // one group of 2: parallel inside it
		{40, 16, 8, 8, 32, 1, 1, Conv2dParams{StrideH: 2, StrideW: 2}},                  // 1×1 strided, ResNet's projection
		{16, 48, 8, 8, 48, 3, 3, Conv2dParams{PadH: 1, PadW: 1}},                        // Winograd, weight transforms over workers
	} {
		x := randT(rng, dt, -1, 1, c.n, c.c, c.h, c.w)
		w := randT(rng, dt, -1, 1, c.o, c.c, c.kh, c.kw)
		b := randT(rng, dt, -1, 1, c.o)
		y := Conv2d(x, w, b, c.p)
		out[fmt.Sprintf("Conv2d %d", i)] = y
		gx, gw, gb := Conv2dBackward(y, x, w, c.p, true, true, true)
		out[fmt.Sprintf("Conv2dBackward gx %d", i)] = gx
		out[fmt.Sprintf("Conv2dBackward gw %d", i)] = gw
		out[fmt.Sprintf("Conv2dBackward gb %d", i)] = gb
	}
	out["MatMul batched"] = MatMul(randT(rng, dt, -1, 1, 512, 16, 16), randT(rng, dt, -1, 1, 512, 16, 16), true, false)
	out["MatMul large"] = MatMul(randT(rng, dt, -1, 1, 2, 128, 64), randT(rng, dt, -1, 1, 2, 64, 128), false, false)
	out["Linear"] = Linear(randT(rng, dt, -1, 1, 256, 64), randT(rng, dt, -1, 1, 80, 64), randT(rng, dt, -1, 1, 80))
	return out
}

// TestThreadsDoNotChangeResults runs every kernel with 1, 2 and 3 workers: the
// package promises identical results for any thread count.
func TestThreadsDoNotChangeResults(t *testing.T) {
	for _, dt := range dtypes {
		var ref map[string]*Tensor
		withThreads(t, 1, func() { ref = threadKernels(dt) })
		for _, n := range []int{2, 3} {
			var got map[string]*Tensor
			withThreads(t, n, func() { got = threadKernels(dt) })
			for name, r := range ref {
				if !SameBits(got[name], r) {
					t.Errorf("%v %s: SetThreads(%d) differs from SetThreads(1) (max |diff| %g)", dt, name, n, MaxAbsDiff(got[name], r))
				}
			}
		}
	}
	if Threads() != runtime.GOMAXPROCS(0) {
		t.Errorf("thread count not restored: %d", Threads())
	}
}

// TestThreadsCaseTakesWinograd keeps threadKernels' Winograd convolution on
// the Winograd path in both passes, with enough kernels (O·C) for its weight
// transforms to be spread over workers.
func TestThreadsCaseTakesWinograd(t *testing.T) {
	g := newConvGeom("test", []int{16, 48, 8, 8}, []int{48, 48, 3, 3}, Conv2dParams{PadH: 1, PadW: 1})
	if !g.winograd(false) || !g.winograd(true) || g.o*g.c <= winoWeightGrain {
		t.Errorf("%+v: Winograd forward %v, backward %v, %d kernels (grain %d)", g, g.winograd(false), g.winograd(true), g.o*g.c, winoWeightGrain)
	}
}
