package tensor

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestDType(t *testing.T) {
	if Float32.String() != "float32" || Float64.String() != "float64" || DType(9).String() != "DType(9)" {
		t.Errorf("DType.String: %v %v %v", Float32, Float64, DType(9))
	}
	if Float32.Size() != 4 || Float64.Size() != 8 {
		t.Errorf("Size: %d %d", Float32.Size(), Float64.Size())
	}
	mustPanic(t, "Size of invalid dtype", func() { DType(0).Size() }, "DType(0)")
	if !Float32.Valid() || !Float64.Valid() || DType(0).Valid() || DType(3).Valid() {
		t.Error("Valid")
	}
	for _, c := range []struct {
		s  string
		dt DType
		ok bool
	}{{"float32", Float32, true}, {"f32", Float32, true}, {"float64", Float64, true}, {"f64", Float64, true}, {"float16", 0, false}, {"", 0, false}} {
		dt, err := ParseDType(c.s)
		if (err == nil) != c.ok || dt != c.dt {
			t.Errorf("ParseDType(%q) = %v, %v", c.s, dt, err)
		}
		if err != nil && !strings.Contains(err.Error(), c.s) {
			t.Errorf("ParseDType(%q) error %q does not name the input", c.s, err)
		}
	}
}

func TestConstructors(t *testing.T) {
	for _, dt := range dtypes {
		t.Run(dt.String(), func(t *testing.T) {
			shapes := [][]int{{}, {0}, {3}, {2, 3}, {2, 0, 4}, {2, 3, 4, 5}, {1, 2, 1, 2, 1}}
			for _, sh := range shapes {
				n := numelOf(sh)
				zero := make([]float64, n)
				checkClose(t, "New", New(dt, sh...), dt, sh, zero)
				checkClose(t, "Zeros", Zeros(dt, sh...), dt, sh, zero)
				ones := slices.Repeat([]float64{1}, n)
				checkClose(t, "Ones", Ones(dt, sh...), dt, sh, ones)
				full := slices.Repeat([]float64{-2.5}, n)
				checkClose(t, "Full", Full(dt, -2.5, sh...), dt, sh, full)
				x := Full(dt, 7, sh...)
				checkClose(t, "ZerosLike", ZerosLike(x), dt, sh, zero)
				if x.NDim() != len(sh) || x.Len() != n || x.Bytes() != int64(n*dt.Size()) {
					t.Errorf("%v: NDim %d Len %d Bytes %d", sh, x.NDim(), x.Len(), x.Bytes())
				}
				vals := make([]float64, n)
				for i := range vals {
					vals[i] = float64(i) - 0.25
				}
				checkClose(t, "FromValues", FromValues(dt, vals, sh...), dt, sh, vals)
			}
			s := Scalar(dt, 3.5)
			if s.NDim() != 0 || len(s.Shape()) != 0 || s.Len() != 1 || s.Item() != 3.5 || s.At() != 3.5 {
				t.Errorf("Scalar: %v", s)
			}
			// Full rounds to float32 for Float32.
			if v := Full(dt, 0.1, 1).At(0); (dt == Float32 && v != float64(float32(0.1))) || (dt == Float64 && v != 0.1) {
				t.Errorf("Full(0.1) = %v", v)
			}
			if v := FromValues(dt, []float64{1.0 / 3}, 1).At(0); (dt == Float32 && v != float64(float32(1.0/3))) || (dt == Float64 && v != 1.0/3) {
				t.Errorf("FromValues(1/3) = %v", v)
			}
			mustPanic(t, "New negative dim", func() { New(dt, 2, -1) }, "negative", "[2 -1]")
			mustPanic(t, "FromValues wrong length", func() { FromValues(dt, []float64{1, 2, 3}, 2, 2) }, "FromValues", "3", "[2 2]")
		})
	}
	mustPanic(t, "New invalid dtype", func() { New(DType(7), 2) }, "invalid dtype")
}

func TestFromFloatWrapsWithoutCopy(t *testing.T) {
	d32 := []float32{1, 2, 3, 4, 5, 6}
	x := FromFloat32(d32, 2, 3)
	if x.DType() != Float32 || !slices.Equal(x.Shape(), []int{2, 3}) || x.At(1, 2) != 6 {
		t.Fatalf("FromFloat32: %v", x)
	}
	d32[4] = 50
	if x.At(1, 1) != 50 {
		t.Error("FromFloat32 copied its data")
	}
	if &x.Float32s()[0] != &d32[0] {
		t.Error("Float32s does not share storage")
	}
	d64 := []float64{1, 2, 3, 4, 5, 6}
	y := FromFloat64(d64, 3, 2)
	if y.DType() != Float64 || !slices.Equal(y.Shape(), []int{3, 2}) || y.At(2, 0) != 5 {
		t.Fatalf("FromFloat64: %v", y)
	}
	y.Set(-1, 0, 1)
	if d64[1] != -1 {
		t.Error("FromFloat64 copied its data")
	}
	mustPanic(t, "FromFloat32 wrong length", func() { FromFloat32(d32, 4, 2) }, "FromFloat32", "[4 2]")
	mustPanic(t, "FromFloat64 wrong length", func() { FromFloat64(d64, 7) }, "FromFloat64", "[7]")
	mustPanic(t, "Float64s on float32", func() { x.Float64s() }, "float32")
	mustPanic(t, "Float32s on float64", func() { y.Float32s() }, "float64")
	// A shape longer than the inline buffer.
	z := FromFloat64(make([]float64, 32), 2, 2, 2, 2, 2)
	if !slices.Equal(z.Shape(), []int{2, 2, 2, 2, 2}) || z.Dim(-1) != 2 || z.Dim(4) != 2 {
		t.Errorf("5-D shape %v", z.Shape())
	}
	// The constructor must not keep the caller's shape slice.
	sh := []int{2, 3}
	w := New(Float32, sh...)
	sh[0] = 9
	if w.Dim(0) != 2 {
		t.Error("New aliases the caller's shape slice")
	}
}

func TestRandomDeterminism(t *testing.T) {
	for _, dt := range dtypes {
		a := RandN(NewRNG(42), dt, 0, 1, 4, 5)
		b := RandN(NewRNG(42), dt, 0, 1, 4, 5)
		c := RandN(NewRNG(43), dt, 0, 1, 4, 5)
		if !SameBits(a, b) {
			t.Errorf("%v RandN: same seed, different bits", dt)
		}
		if SameBits(a, c) || MaxAbsDiff(a, c) == 0 {
			t.Errorf("%v RandN: different seeds, same values", dt)
		}
		u1 := RandU(NewRNG(7), dt, -1, 2, 10)
		u2 := RandU(NewRNG(7), dt, -1, 2, 10)
		u3 := RandU(NewRNG(8), dt, -1, 2, 10)
		if !SameBits(u1, u2) {
			t.Errorf("%v RandU: same seed, different bits", dt)
		}
		if SameBits(u1, u3) {
			t.Errorf("%v RandU: different seeds, same values", dt)
		}
		// Consecutive draws from one source differ.
		rng := NewRNG(1)
		if SameBits(RandN(rng, dt, 0, 1, 8), RandN(rng, dt, 0, 1, 8)) {
			t.Errorf("%v: consecutive draws are identical", dt)
		}
	}
	// Float32 draws are the float64 draws rounded, in the same row-major order.
	a64 := RandN(NewRNG(5), Float64, 1, 2, 3, 7).Values()
	a32 := RandN(NewRNG(5), Float32, 1, 2, 3, 7).Values()
	for i := range a64 {
		if a32[i] != float64(float32(a64[i])) {
			t.Fatalf("RandN float32[%d] = %v, float64 draw %v", i, a32[i], a64[i])
		}
	}
}

func TestRandomMoments(t *testing.T) {
	const n = 200000
	for _, dt := range dtypes {
		v := RandN(NewRNG(11), dt, 2, 3, n).Values()
		m, s := moments(v)
		// Standard errors: 3/√n ≈ 0.0067 for the mean, ≈ 0.0047 for the std.
		if math.Abs(m-2) > 0.04 || math.Abs(s-3) > 0.03 {
			t.Errorf("%v RandN(2, 3): mean %v std %v", dt, m, s)
		}
		u := RandU(NewRNG(12), dt, -1, 3, n).Values()
		for i, x := range u {
			if x < -1 || x > 3 || (dt == Float64 && x == 3) {
				t.Fatalf("%v RandU[%d] = %v outside [-1, 3)", dt, i, x)
			}
		}
		m, s = moments(u)
		if math.Abs(m-1) > 0.02 || math.Abs(s-4/math.Sqrt(12)) > 0.01 {
			t.Errorf("%v RandU(-1, 3): mean %v std %v, want 1 and %v", dt, m, s, 4/math.Sqrt(12))
		}
	}
}

// maxSource is a random source stuck at its largest output, so that
// rng.Float64() returns the largest value below 1, 1 − 2⁻⁵³.
type maxSource struct{}

func (maxSource) Uint64() uint64 { return ^uint64(0) }

// TestRandUHalfOpen draws the largest uniform variate: RandU documents the
// half-open interval [lo, hi), so even that draw must stay below hi after
// conversion to the tensor's dtype.
func TestRandUHalfOpen(t *testing.T) {
	for _, dt := range dtypes {
		for _, r := range [][2]float64{{0, 1}, {-1, 3}, {2, 5}} {
			v := RandU(rand.New(maxSource{}), dt, r[0], r[1], 4).Values()
			for _, x := range v {
				if !(x >= r[0] && x < r[1]) {
					t.Errorf("%v RandU(lo=%v, hi=%v) with the largest variate 1−2⁻⁵³ returned %v, outside [lo, hi)", dt, r[0], r[1], x)
					break
				}
			}
		}
	}
}

func moments(v []float64) (mean, std float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	for _, x := range v {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(v)))
}

func TestAtSetItem(t *testing.T) {
	for _, dt := range dtypes {
		x := New(dt, 2, 3, 4)
		forEachIndex(x.Shape(), func(idx []int) {
			x.Set(float64(100*idx[0]+10*idx[1]+idx[2]), idx...)
		})
		vals := x.Values()
		forEachIndex(x.Shape(), func(idx []int) {
			want := float64(100*idx[0] + 10*idx[1] + idx[2])
			if x.At(idx...) != want || vals[flatIndex(x.Shape(), idx)] != want {
				t.Fatalf("%v At%v = %v, want %v", dt, idx, x.At(idx...), want)
			}
		})
		if x.Dim(0) != 2 || x.Dim(-1) != 4 || x.Dim(-3) != 2 {
			t.Errorf("Dim")
		}
		mustPanic(t, "Dim out of range", func() { x.Dim(3) }, "Dim", "[2 3 4]")
		mustPanic(t, "Dim negative out of range", func() { x.Dim(-4) }, "Dim")
		mustPanic(t, "At out of range", func() { x.At(0, 3, 0) }, "[0 3 0]", "[2 3 4]")
		mustPanic(t, "At negative", func() { x.At(0, -1, 0) }, "out of range")
		mustPanic(t, "At wrong rank", func() { x.At(1, 1) }, "[1 1]", "[2 3 4]")
		mustPanic(t, "Set out of range", func() { x.Set(1, 2, 0, 0) }, "out of range")
		mustPanic(t, "Item of many", func() { x.Item() }, "Item", "[2 3 4]")
		one := FromValues(dt, []float64{-4.5}, 1, 1)
		if one.Item() != -4.5 || one.At(0, 0) != -4.5 {
			t.Errorf("Item/At of [1 1]")
		}
		x.Set(0.1, 1, 2, 3)
		if got := x.At(1, 2, 3); (dt == Float32 && got != float64(float32(0.1))) || (dt == Float64 && got != 0.1) {
			t.Errorf("%v Set rounding: %v", dt, got)
		}
		if !strings.Contains(x.String(), dt.String()) || !strings.Contains(x.String(), "[2 3 4]") || !strings.Contains(x.String(), "16 more") {
			t.Errorf("String: %s", x)
		}
	}
}

func TestCloneCast(t *testing.T) {
	rng := testRNG(1)
	for _, dt := range dtypes {
		x := randT(rng, dt, -1, 1, 3, 4)
		c := x.Clone()
		if !SameBits(c, x) {
			t.Fatal("Clone differs")
		}
		c.Set(99, 0, 0)
		if x.At(0, 0) == 99 {
			t.Error("Clone shares storage")
		}
		s := Scalar(dt, 2).Clone()
		if s.NDim() != 0 || s.Item() != 2 {
			t.Error("Clone of a scalar")
		}
		same := x.Cast(dt)
		if !SameBits(same, x) {
			t.Error("Cast to own dtype differs")
		}
		same.Set(77, 1, 1)
		if x.At(1, 1) == 77 {
			t.Error("Cast to own dtype shares storage")
		}
	}
	v := []float64{0.1, -1e-3, 3.25, 1e30, -7}
	x64 := FromValues(Float64, v, 5)
	x32 := x64.Cast(Float32)
	if x32.DType() != Float32 || !slices.Equal(x32.Shape(), []int{5}) {
		t.Fatalf("Cast: %v", x32)
	}
	for i, w := range v {
		if x32.Float32s()[i] != float32(w) {
			t.Errorf("Cast to float32 [%d] = %v, want %v", i, x32.Float32s()[i], float32(w))
		}
	}
	back := x32.Cast(Float64)
	for i := range v {
		if back.Float64s()[i] != float64(float32(v[i])) {
			t.Errorf("Cast to float64 [%d] = %v", i, back.Float64s()[i])
		}
	}
}

func TestReshape(t *testing.T) {
	for _, dt := range dtypes {
		x := FromValues(dt, []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 3, 4)
		cases := []struct {
			in, want []int
		}{
			{[]int{12}, []int{12}},
			{[]int{2, 6}, []int{2, 6}},
			{[]int{-1, 6}, []int{2, 6}},
			{[]int{2, -1, 2}, []int{2, 3, 2}},
			{[]int{-1}, []int{12}},
			{[]int{1, 12, 1}, []int{1, 12, 1}},
			{[]int{1, 1, 1, 1, 12}, []int{1, 1, 1, 1, 12}},
			{[]int{2, 2, 3, -1}, []int{2, 2, 3, 1}},
		}
		for _, c := range cases {
			v := x.Reshape(c.in...)
			if !slices.Equal(v.Shape(), c.want) {
				t.Errorf("Reshape%v: shape %v, want %v", c.in, v.Shape(), c.want)
				continue
			}
			if !slices.Equal(v.Values(), x.Values()) {
				t.Errorf("Reshape%v changed the element order", c.in)
			}
		}
		// A view shares storage both ways.
		v := x.Reshape(2, 6)
		v.Set(-5, 1, 0)
		if x.At(1, 2) != -5 {
			t.Error("Reshape view does not share storage")
		}
		x.Set(-6, 2, 3)
		if v.At(1, 5) != -6 {
			t.Error("Reshape view does not see writes to the original")
		}
		v.Fill(1)
		if SumAll(x) != 12 {
			t.Error("Fill on a view did not reach the original")
		}
		// Reshape must not alias the caller's shape slice.
		sh := []int{4, 3}
		w := x.Reshape(sh...)
		sh[0] = 2
		if w.Dim(0) != 4 {
			t.Error("Reshape aliases the caller's shape slice")
		}
		// Scalar round trip.
		s := Scalar(dt, 3).Reshape(1, 1).Reshape()
		if s.NDim() != 0 || s.Item() != 3 {
			t.Errorf("scalar reshape: %v", s)
		}
		// Zero-size.
		z := New(dt, 0, 4).Reshape(4, 0, 2, 0)
		if !slices.Equal(z.Shape(), []int{4, 0, 2, 0}) {
			t.Errorf("zero-size reshape: %v", z.Shape())
		}
		mustPanic(t, "Reshape wrong count", func() { x.Reshape(5, 2) }, "Reshape", "[3 4]", "[5 2]")
		mustPanic(t, "Reshape -1 not dividing", func() { x.Reshape(5, -1) }, "Reshape", "[3 4]")
		mustPanic(t, "Reshape two -1", func() { x.Reshape(-1, -1) }, "Reshape", "[-1 -1]")
		mustPanic(t, "Reshape -2", func() { x.Reshape(-2, -6) }, "Reshape")
		mustPanic(t, "Reshape -1 with zero", func() { New(dt, 0, 3).Reshape(0, -1) }, "Reshape")
	}
}

func TestFillCopyFrom(t *testing.T) {
	for _, dt := range dtypes {
		x := New(dt, 2, 3)
		if x.Fill(2.5) != x {
			t.Error("Fill does not return its receiver")
		}
		checkClose(t, "Fill", x, dt, []int{2, 3}, slices.Repeat([]float64{2.5}, 6))
		src := FromValues(dt, []float64{1, 2, 3, 4, 5, 6}, 3, 2)
		if x.CopyFrom(src) != x {
			t.Error("CopyFrom does not return its receiver")
		}
		checkClose(t, "CopyFrom", x, dt, []int{2, 3}, []float64{1, 2, 3, 4, 5, 6})
		src.Set(100, 0, 0)
		if x.At(0, 0) != 1 {
			t.Error("CopyFrom aliases its source")
		}
		mustPanic(t, "CopyFrom size", func() { x.CopyFrom(New(dt, 5)) }, "CopyFrom", "[2 3]", "[5]")
		other := Float64
		if dt == Float64 {
			other = Float32
		}
		mustPanic(t, "CopyFrom dtype", func() { x.CopyFrom(New(other, 2, 3)) }, "CopyFrom", "float32", "float64")
	}
}

func TestAllCloseMaxAbsDiff(t *testing.T) {
	a := FromValues(Float64, []float64{1, 2, 3}, 3)
	b := FromValues(Float64, []float64{1, 2.001, 3}, 3)
	if AllClose(a, b, 0, 1e-4) || !AllClose(a, b, 0, 2e-3) || !AllClose(a, b, 1e-3, 0) || AllClose(a, b, 1e-4, 0) {
		t.Error("AllClose tolerances")
	}
	if d := MaxAbsDiff(a, b); math.Abs(d-0.001) > 1e-12 {
		t.Errorf("MaxAbsDiff = %v", d)
	}
	if AllClose(a, a.Reshape(1, 3), 1, 1) {
		t.Error("AllClose with different shapes")
	}
	// Dtypes may differ.
	if !AllClose(a.Cast(Float32), a, 0, 0) {
		t.Error("AllClose across dtypes")
	}
	nan := FromValues(Float64, []float64{1, math.NaN(), 3}, 3)
	if AllClose(nan, nan, 1, 1) || AllClose(a, nan, 1, 1) {
		t.Error("NaN compared close")
	}
	if d := MaxAbsDiff(a, nan); !math.IsNaN(d) {
		t.Errorf("MaxAbsDiff with NaN = %v", d)
	}
	nanFirst := FromValues(Float64, []float64{math.NaN(), 2, 100}, 3)
	if d := MaxAbsDiff(a, nanFirst); !math.IsNaN(d) {
		t.Errorf("MaxAbsDiff with a leading NaN = %v", d)
	}
	mustPanic(t, "MaxAbsDiff shapes", func() { MaxAbsDiff(a, New(Float64, 4)) }, "MaxAbsDiff", "[3]", "[4]")
	if !SameShape(a, b) || SameShape(a, a.Reshape(3, 1)) {
		t.Error("SameShape")
	}
}

// TestSameBits checks SameBits on what tells it apart from equality: signed
// zeros differ, a NaN matches the same NaN, and dtype or shape differences
// make tensors differ even with equal values.
func TestSameBits(t *testing.T) {
	for _, dt := range dtypes {
		a := FromValues(dt, []float64{1, 0, math.NaN(), -2.5}, 2, 2)
		if !SameBits(a, a.Clone()) {
			t.Errorf("%v: a tensor differs from its clone", dt)
		}
		b := a.Clone()
		b.Set(math.Copysign(0, -1), 0, 1)
		if SameBits(a, b) {
			t.Errorf("%v: +0 and −0 compare the same", dt)
		}
		if SameBits(a, a.Reshape(4)) || SameBits(a, a.Reshape(1, 4)) {
			t.Errorf("%v: tensors of different shapes compare the same", dt)
		}
	}
	if SameBits(FromValues(Float32, []float64{1}, 1), FromValues(Float64, []float64{1}, 1)) {
		t.Error("tensors of different dtypes compare the same")
	}
}
