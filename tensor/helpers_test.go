package tensor

// Shared helpers for the tensor tests: dtype tolerances, deterministic input
// data, multi-index iteration, comparison against float64 references and
// panic checks. References in the tests are written with plain loops over
// multi-indices and computed in float64 from the (dtype-rounded) inputs.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// dtypes lists both element types; every kernel test runs over both.
var dtypes = []DType{Float32, Float64}

// tol is the relative tolerance of a kernel result of dtype dt against a
// float64 reference: |got − want| ≤ tol·(1 + |want|).
func tol(dt DType) float64 {
	if dt == Float32 {
		return 1e-5
	}
	return 1e-12
}

// testRNG returns a deterministic source for test data, independent of the
// package's NewRNG.
func testRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed)) }

// randVals returns n values uniform on [lo, hi).
func randVals(rng *rand.Rand, n int, lo, hi float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = lo + (hi-lo)*rng.Float64()
	}
	return v
}

// randT returns a tensor of dtype dt with values uniform on [lo, hi).
func randT(rng *rand.Rand, dt DType, lo, hi float64, shape ...int) *Tensor {
	return FromValues(dt, randVals(rng, numelOf(shape), lo, hi), shape...)
}

// intT returns a tensor of small integers in [lo, hi] (to provoke ties).
func intT(rng *rand.Rand, dt DType, lo, hi int, shape ...int) *Tensor {
	v := make([]float64, numelOf(shape))
	for i := range v {
		v[i] = float64(lo + rng.IntN(hi-lo+1))
	}
	return FromValues(dt, v, shape...)
}

func numelOf(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// forEachIndex calls fn for every multi-index of shape in row-major order.
// The slice passed to fn is reused; copy it to keep it.
func forEachIndex(shape []int, fn func(idx []int)) {
	if numelOf(shape) == 0 {
		return
	}
	idx := make([]int, len(shape))
	for {
		fn(idx)
		i := len(shape) - 1
		for ; i >= 0; i-- {
			idx[i]++
			if idx[i] < shape[i] {
				break
			}
			idx[i] = 0
		}
		if i < 0 {
			return
		}
	}
}

// flatIndex is the row-major offset of idx in shape.
func flatIndex(shape, idx []int) int {
	off := 0
	for i, v := range idx {
		off = off*shape[i] + v
	}
	return off
}

// bcastIndex maps an index of the broadcast output shape (rank ≥ len(shape))
// to the flat offset of the operand of the given shape under NumPy rules.
func bcastIndex(shape, outIdx []int) int {
	off := 0
	lead := len(outIdx) - len(shape)
	for i, d := range shape {
		v := outIdx[lead+i]
		if d == 1 {
			v = 0
		}
		off = off*d + v
	}
	return off
}

// closeTo reports whether got is within rtol·(1+|want|) of want; NaN matches
// NaN and infinities must match exactly.
func closeTo(got, want, rtol float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	if math.IsInf(want, 0) {
		return got == want
	}
	return math.Abs(got-want) <= rtol*(1+math.Abs(want))
}

// checkClose compares got with the reference (shape, values) at dtype dt's tolerance.
func checkClose(t *testing.T, what string, got *Tensor, dt DType, shape []int, want []float64) {
	t.Helper()
	checkCloseTol(t, what, got, dt, shape, want, tol(dt))
}

// checkCloseTol compares got with the reference at relative tolerance rtol.
func checkCloseTol(t *testing.T, what string, got *Tensor, dt DType, shape []int, want []float64, rtol float64) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: got nil tensor", what)
	}
	if got.DType() != dt {
		t.Fatalf("%s: dtype %v, want %v", what, got.DType(), dt)
	}
	if shape == nil {
		shape = []int{}
	}
	if !slices.Equal(got.Shape(), shape) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape(), shape)
	}
	if got.Len() != len(want) {
		t.Fatalf("%s: %d elements, reference has %d", what, got.Len(), len(want))
	}
	gv := got.Values()
	bad := 0
	worst, worstAt := 0.0, -1
	for i := range want {
		if !closeTo(gv[i], want[i], rtol) {
			bad++
			d := math.Abs(gv[i] - want[i])
			if worstAt < 0 || d > worst || math.IsNaN(d) {
				worst, worstAt = d, i
			}
		}
	}
	if bad > 0 {
		idx := unflat(shape, worstAt)
		t.Errorf("%s (%v %v): %d of %d elements off; worst at %v: got %.17g, want %.17g (|diff| %.3g, rtol %g)",
			what, dt, shape, bad, len(want), idx, gv[worstAt], want[worstAt], worst, rtol)
	}
}

// checkCloseScaled compares got with the reference where element i may be off
// by rtol·(1 + |want[i]| + scale[i]). scale[i] is the magnitude of the
// intermediate quantities that element is computed from (for a sum, the
// root-sum-square of its terms), so that a result that cancels to nearly zero
// is judged against the rounding its computation necessarily incurs, not
// against its own tiny size.
func checkCloseScaled(t *testing.T, what string, got *Tensor, dt DType, shape []int, want, scale []float64, rtol float64) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: got nil tensor", what)
	}
	if got.DType() != dt || !slices.Equal(got.Shape(), shape) || got.Len() != len(want) || len(scale) != len(want) {
		t.Fatalf("%s: got %v %v (%d elements), want %v %v (%d elements)", what, got.DType(), got.Shape(), got.Len(), dt, shape, len(want))
	}
	gv := got.Values()
	for i := range want {
		if d := math.Abs(gv[i] - want[i]); !(d <= rtol*(1+math.Abs(want[i])+scale[i])) {
			t.Errorf("%s (%v %v): at %v got %.17g, want %.17g (|diff| %.3g, allowed %.3g)",
				what, dt, shape, unflat(shape, i), gv[i], want[i], d, rtol*(1+math.Abs(want[i])+scale[i]))
			return
		}
	}
}

// checkVals compares plain float64 slices.
func checkVals(t *testing.T, what string, got, want []float64, rtol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		if !closeTo(got[i], want[i], rtol) {
			t.Errorf("%s: element %d: got %.17g, want %.17g", what, i, got[i], want[i])
			return
		}
	}
}

func unflat(shape []int, off int) []int {
	idx := make([]int, len(shape))
	for i := len(shape) - 1; i >= 0; i-- {
		if shape[i] > 0 {
			idx[i] = off % shape[i]
			off /= shape[i]
		}
	}
	return idx
}

// snapshot remembers tensors' contents so a test can verify that a function
// did not modify its arguments.
type snapshot struct {
	ts   []*Tensor
	copy []*Tensor
}

func snap(ts ...*Tensor) snapshot {
	s := snapshot{ts: ts}
	for _, x := range ts {
		if x == nil {
			s.copy = append(s.copy, nil)
			continue
		}
		s.copy = append(s.copy, x.Clone())
	}
	return s
}

func (s snapshot) check(t *testing.T, what string) {
	t.Helper()
	for i, x := range s.ts {
		if x != nil && !SameBits(x, s.copy[i]) {
			t.Errorf("%s modified argument %d", what, i)
		}
	}
}

// panicMsg runs f and returns the panic value formatted as a string, or
// ok=false if f returned normally.
func panicMsg(f func()) (msg string, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			msg, ok = fmt.Sprint(r), true
		}
	}()
	f()
	return "", false
}

// mustPanic fails unless f panics with a message containing every substring.
func mustPanic(t *testing.T, what string, f func(), substrs ...string) {
	t.Helper()
	msg, ok := panicMsg(f)
	if !ok {
		t.Errorf("%s: did not panic", what)
		return
	}
	for _, s := range substrs {
		if !strings.Contains(msg, s) {
			t.Errorf("%s: panic %q does not mention %q", what, msg, s)
		}
	}
}

// dotVals is Σ a·b in float64.
func dotVals(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// adjointClose checks an inner-product identity ⟨Ax, y⟩ = ⟨x, Aᵀy⟩ to rtol
// relative to scale, the magnitude of the sums involved.
func adjointClose(lhs, rhs, scale, rtol float64) bool {
	return math.Abs(lhs-rhs) <= rtol*(1+scale)
}

// sumAbs is Σ|v|.
func sumAbs(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += math.Abs(x)
	}
	return s
}

// withThreads runs f with SetThreads(n) and restores the default afterwards.
func withThreads(t *testing.T, n int, f func()) {
	t.Helper()
	SetThreads(n)
	defer SetThreads(0)
	f()
}
