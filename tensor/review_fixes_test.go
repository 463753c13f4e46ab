package tensor

import (
	"math"
	"strings"
	"testing"
)

// Regression tests for problems found in review.

func panicMessage(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(sprint(r), "\n", " "), "  ", " "))
		}
	}()
	f()
	return ""
}

func sprint(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if e, ok := v.(error); ok {
		return e.Error()
	}
	return "non-string panic"
}

func TestReviewedPanics(t *testing.T) {
	x := Ones(Float64, 1, 1, 4, 4)
	for _, tc := range []struct {
		name string
		f    func()
		want []string
	}{
		{"pool on zero-height input", func() { AvgPool2d(New(Float64, 1, 1, 0, 4), Pool2dParams{KH: 2, KW: 2, PadH: 1, PadW: 1}) }, []string{"[1 1 0 4]", "no pixels"}},
		{"max pool on zero-width input", func() { MaxPool2d(New(Float64, 1, 1, 4, 0), Pool2dParams{KH: 2, KW: 2}) }, []string{"[1 1 4 0]"}},
		{"negative kernel", func() { MaxPool2d(x, Pool2dParams{KH: -2, KW: 2}) }, []string{"kernel must be at least 1"}},
		{"linear with a 0-D weight", func() { Linear(Ones(Float64, 2, 3), Scalar(Float64, 1), nil) }, []string{"[2 3]", "[]", "not a matrix"}},
		{"conv bias [1 O]", func() { Conv2d(x, Ones(Float64, 2, 1, 3, 3), Ones(Float64, 1, 2), Conv2dParams{}) }, []string{"bias [1 2]"}},
		{"group norm gamma [C 1]", func() { GroupNorm(Ones(Float64, 2, 4, 3), Ones(Float64, 4, 1), nil, 2, 1e-5) }, []string{"gamma has shape [4 1]"}},
		{"group norm backward without statistics", func() {
			GroupNormBackward(Ones(Float64, 2, 4), Ones(Float64, 2, 4), nil, nil, nil, 2, 1e-5)
		}, []string{"statistics"}},
		{"4-D matmul", func() { MatMul(Ones(Float64, 1, 2, 3, 4), Ones(Float64, 4, 5), false, false) }, []string{"[1 2 3 4]", "[4 5]"}},
	} {
		msg := panicMessage(tc.f)
		if msg == "" {
			t.Errorf("%s: no panic", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: message %q lacks %q", tc.name, msg, w)
			}
		}
	}
}

// TestIndexAddValidatesFirst: a bad index must leave the receiver untouched.
func TestIndexAddValidatesFirst(t *testing.T) {
	z := New(Float64, 3)
	if panicMessage(func() { z.IndexAdd(0, []int{0, 5}, Ones(Float64, 2)) }) == "" {
		t.Fatal("no panic for index 5 of 3")
	}
	if SumAll(z) != 0 {
		t.Errorf("receiver modified before the bad index was found: %v", z)
	}
}

// TestSumToFloat32Accumulates: summing many float32 rows keeps the digits a
// float64 accumulator gives (a float32 running sum drifts visibly).
func TestSumToFloat32Accumulates(t *testing.T) {
	const rows = 1 << 20
	x := Full(Float32, 0.1, rows, 2)
	got := SumTo(x, []int{2}).At(0)
	want := float64(float32(0.1)) * rows
	if d := got/want - 1; d > 1e-7 || d < -1e-7 {
		t.Errorf("sum of %d × 0.1f = %.9g, want %.9g (relative error %.2g)", rows, got, want, d)
	}
}

// TestShapeOverflow checks that a shape whose element count an int cannot
// hold panics naming it, instead of making a tensor of 0 elements (2^32 ×
// 2^32 wraps to 0) or failing in make; a zero dimension anywhere still
// makes an empty tensor.
func TestShapeOverflow(t *testing.T) {
	mustPanic(t, "New 2^32×2^32", func() { New(Float32, 1<<32, 1<<32) }, "more elements than an int can count", "[4294967296 4294967296]")
	mustPanic(t, "New 3×2^62", func() { New(Float64, 3, 1<<62) }, "more elements")
	mustPanic(t, "FromFloat32", func() { FromFloat32(nil, 1<<32, 1<<32) }, "more elements")
	mustPanic(t, "Reshape", func() { New(Float32, 0).Reshape(1<<32, 1<<32) }, "more elements")
	if n := New(Float32, 1<<40, 0, 1<<40).Len(); n != 0 {
		t.Errorf("a zero dimension: %d elements", n)
	}
}

// TestRandURange checks RandU's bounds: a range of width zero gives its
// value (KaimingUniform with gain 0 gives zeros), a reversed or infinite
// one panics naming it.
func TestRandURange(t *testing.T) {
	rng := NewRNG(1)
	for _, dt := range []DType{Float32, Float64} {
		for _, v := range RandU(rng, dt, 1, 1, 5).Values() {
			if v != 1 {
				t.Fatalf("%v: U[1, 1) gave %v", dt, v)
			}
		}
	}
	mustPanic(t, "lo > hi", func() { RandU(rng, Float32, 1, -1, 3) }, "[1, -1)")
	mustPanic(t, "NaN", func() { RandU(rng, Float64, math.NaN(), 1, 3) }, "NaN")
	mustPanic(t, "Inf", func() { RandU(rng, Float64, 0, math.Inf(1), 3) }, "+Inf")
}
