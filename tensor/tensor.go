package tensor

import (
	"bytes"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strings"
	"unsafe"
)

// Tensor is a dense, contiguous, row-major n-dimensional array of float32 or
// float64. The zero value is not usable; make tensors with the constructors.
// A scalar has shape [] and one element.
type Tensor struct {
	shape []int
	dtype DType
	f32   []float32
	f64   []float64
	// buf holds shapes of up to four dimensions without a separate allocation.
	buf [4]int
}

// numel returns the product of shape, panicking on a negative dimension
// or on a product that an int cannot hold.
func numel(op string, shape []int) int {
	n, over := 1, false
	for _, d := range shape {
		if d < 0 {
			// A copy in the message keeps shape itself from escaping, so
			// that callers' shape buffers stay on the stack.
			panic(fmt.Sprintf("tensor: %s: negative dimension in shape %v", op, append([]int(nil), shape...)))
		}
		n, over = mulDims(n, d, over)
	}
	if over {
		panic(fmt.Sprintf("tensor: %s: shape %v has more elements than an int can count", op, append([]int(nil), shape...)))
	}
	return n
}

// mulDims is n·d for an element count, with over recording an overflow
// of int on the way; a zero dimension later clears it (the count is 0).
// One multiplication, as the count is taken on every allocation.
func mulDims(n, d int, over bool) (int, bool) {
	if d == 0 {
		return 0, false
	}
	hi, lo := bits.Mul(uint(n), uint(d))
	if over || hi != 0 || lo > math.MaxInt {
		return 1, true // n = 0 cannot follow without a zero dimension
	}
	return int(lo), false
}

// alloc returns a zero-filled tensor, on recycled storage when there is
// some.
func alloc(dt DType, shape []int) *Tensor { return newTensor(dt, shape, true) }

// allocFull is alloc for a caller that writes every element: recycled
// storage is handed over as it is, without zeroing it first.
func allocFull(dt DType, shape []int) *Tensor { return newTensor(dt, shape, false) }

// newTensor is alloc (zero set) and allocFull.
func newTensor(dt DType, shape []int, zero bool) *Tensor {
	n := numel("New", shape)
	var t *Tensor
	switch dt {
	case Float32:
		var b []float32
		b, t = take(recycled32, n, zero)
		t.f32 = b
	case Float64:
		var b []float64
		b, t = take(recycled64, n, zero)
		t.f64 = b
	default:
		panic(fmt.Sprintf("tensor: New: invalid dtype %v", dt))
	}
	t.dtype = dt
	t.setShape(shape)
	return t
}

// take returns storage of n elements and a header, recycled where r has
// them: the storage zeroed if zero is set, the header cleared.
func take[T float](r *recycler[T], n int, zero bool) ([]T, *Tensor) {
	b, t := r.get(n)
	if b == nil {
		b = make([]T, n)
	} else if zero {
		clear(b)
	}
	if t == nil {
		t = new(Tensor)
	}
	return b, t
}

func (t *Tensor) setShape(shape []int) {
	if len(shape) <= len(t.buf) {
		t.shape = t.buf[:len(shape):len(shape)]
	} else {
		t.shape = make([]int, len(shape))
	}
	copy(t.shape, shape)
}

// New returns a zero-filled tensor of the given dtype and shape.
func New(dt DType, shape ...int) *Tensor { return alloc(dt, shape) }

// Zeros is New: a zero-filled tensor.
func Zeros(dt DType, shape ...int) *Tensor { return alloc(dt, shape) }

// ZerosLike returns a zero-filled tensor with x's dtype and shape.
func ZerosLike(x *Tensor) *Tensor { return alloc(x.dtype, x.shape) }

// Ones returns a tensor filled with 1.
func Ones(dt DType, shape ...int) *Tensor { return Full(dt, 1, shape...) }

// Full returns a tensor filled with v (rounded to float32 for Float32).
func Full(dt DType, v float64, shape ...int) *Tensor {
	t := alloc(dt, shape)
	t.Fill(v)
	return t
}

// Scalar returns a 0-dimensional tensor holding v.
func Scalar(dt DType, v float64) *Tensor { return Full(dt, v) }

// FromFloat32 wraps data (without copying) as a Float32 tensor of the given
// shape. It panics if len(data) does not match the shape.
func FromFloat32(data []float32, shape ...int) *Tensor {
	t := &Tensor{dtype: Float32, f32: data}
	t.setShape(shape)
	if n := numel("FromFloat32", t.shape); n != len(data) {
		panic(fmt.Sprintf("tensor: FromFloat32: %d elements do not fill shape %v (%d)", len(data), t.shape, n))
	}
	return t
}

// FromFloat64 wraps data (without copying) as a Float64 tensor of the given
// shape. It panics if len(data) does not match the shape.
func FromFloat64(data []float64, shape ...int) *Tensor {
	t := &Tensor{dtype: Float64, f64: data}
	t.setShape(shape)
	if n := numel("FromFloat64", t.shape); n != len(data) {
		panic(fmt.Sprintf("tensor: FromFloat64: %d elements do not fill shape %v (%d)", len(data), t.shape, n))
	}
	return t
}

// FromValues copies float64 values into a new tensor of the given dtype and
// shape (converting to float32 if asked).
func FromValues(dt DType, data []float64, shape ...int) *Tensor {
	t := alloc(dt, shape)
	if len(data) != t.Len() {
		panic(fmt.Sprintf("tensor: FromValues: %d elements do not fill shape %v (%d)", len(data), t.shape, t.Len()))
	}
	switch dt {
	case Float32:
		for i, v := range data {
			t.f32[i] = float32(v)
		}
	case Float64:
		copy(t.f64, data)
	}
	return t
}

// DType returns the element type.
func (t *Tensor) DType() DType { return t.dtype }

// Shape returns the dimensions. The slice belongs to the tensor: do not modify it.
func (t *Tensor) Shape() []int { return t.shape }

// NDim returns the number of dimensions (0 for a scalar).
func (t *Tensor) NDim() int { return len(t.shape) }

// Dim returns the size of dimension i; negative i counts from the end.
func (t *Tensor) Dim(i int) int {
	j := i
	if j < 0 {
		j += len(t.shape)
	}
	if j < 0 || j >= len(t.shape) {
		panic(fmt.Sprintf("tensor: Dim: axis %d out of range for shape %v", i, t.shape))
	}
	return t.shape[j]
}

// Len returns the number of elements.
func (t *Tensor) Len() int {
	if t.dtype == Float32 {
		return len(t.f32)
	}
	return len(t.f64)
}

// Bytes returns the number of bytes of element storage.
func (t *Tensor) Bytes() int64 { return int64(t.Len()) * int64(t.dtype.Size()) }

// Float32s returns the storage of a Float32 tensor (shared, not copied).
// It panics for a Float64 tensor.
func (t *Tensor) Float32s() []float32 {
	if t.dtype != Float32 {
		panic(fmt.Sprintf("tensor: Float32s on a %v tensor", t.dtype))
	}
	return t.f32
}

// Float64s returns the storage of a Float64 tensor (shared, not copied).
// It panics for a Float32 tensor.
func (t *Tensor) Float64s() []float64 {
	if t.dtype != Float64 {
		panic(fmt.Sprintf("tensor: Float64s on a %v tensor", t.dtype))
	}
	return t.f64
}

// Values returns a copy of the elements as float64, whatever the dtype.
func (t *Tensor) Values() []float64 {
	out := make([]float64, t.Len())
	switch t.dtype {
	case Float32:
		for i, v := range t.f32 {
			out[i] = float64(v)
		}
	case Float64:
		copy(out, t.f64)
	}
	return out
}

// offset converts a multi-index to a flat offset, panicking when it is out of range.
func (t *Tensor) offset(idx []int) int {
	if len(idx) != len(t.shape) {
		panic(fmt.Sprintf("tensor: index %v has %d coordinates for shape %v", idx, len(idx), t.shape))
	}
	off := 0
	for i, v := range idx {
		if v < 0 || v >= t.shape[i] {
			panic(fmt.Sprintf("tensor: index %v out of range for shape %v", idx, t.shape))
		}
		off = off*t.shape[i] + v
	}
	return off
}

// At returns the element at the multi-index idx as float64.
func (t *Tensor) At(idx ...int) float64 {
	o := t.offset(idx)
	if t.dtype == Float32 {
		return float64(t.f32[o])
	}
	return t.f64[o]
}

// Set stores v at the multi-index idx.
func (t *Tensor) Set(v float64, idx ...int) {
	o := t.offset(idx)
	if t.dtype == Float32 {
		t.f32[o] = float32(v)
	} else {
		t.f64[o] = v
	}
}

// Item returns the only element of a one-element tensor.
func (t *Tensor) Item() float64 {
	if t.Len() != 1 {
		panic(fmt.Sprintf("tensor: Item on a tensor of shape %v (%d elements)", t.shape, t.Len()))
	}
	if t.dtype == Float32 {
		return float64(t.f32[0])
	}
	return t.f64[0]
}

// Clone returns a deep copy.
func (t *Tensor) Clone() *Tensor {
	c := allocFull(t.dtype, t.shape)
	copy(c.f32, t.f32)
	copy(c.f64, t.f64)
	return c
}

// Cast returns a copy converted to dtype dt (a plain copy if t already is dt).
func (t *Tensor) Cast(dt DType) *Tensor {
	if dt == t.dtype {
		return t.Clone()
	}
	c := alloc(dt, t.shape)
	switch dt {
	case Float32:
		for i, v := range t.f64 {
			c.f32[i] = float32(v)
		}
	case Float64:
		for i, v := range t.f32 {
			c.f64[i] = float64(v)
		}
	}
	return c
}

// Reshape returns a view of t with a new shape sharing t's storage. One
// dimension may be -1 and is then inferred. It panics if the element counts
// differ.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	v := &Tensor{dtype: t.dtype, f32: t.f32, f64: t.f64}
	v.setShape(shape)
	inferShape("Reshape", t.shape, t.Len(), v.shape)
	return v
}

// inferShape resolves a single -1 in shape, in place, against n elements.
// (The messages format copies, so that shape does not escape.)
func inferShape(op string, from []int, n int, shape []int) {
	infer := -1
	known, over := 1, false
	for i, d := range shape {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d < 0:
			panic(fmt.Sprintf("tensor: %s: invalid shape %v", op, slices.Clone(shape)))
		default:
			known, over = mulDims(known, d, over)
		}
	}
	if over {
		panic(fmt.Sprintf("tensor: %s: shape %v has more elements than an int can count", op, slices.Clone(shape)))
	}
	if infer >= 0 {
		if known == 0 || n%known != 0 {
			panic(fmt.Sprintf("tensor: %s: cannot reshape %v (%d elements) to %v", op, from, n, slices.Clone(shape)))
		}
		shape[infer] = n / known
		return
	}
	if known != n {
		panic(fmt.Sprintf("tensor: %s: cannot reshape %v (%d elements) to %v (%d elements)", op, from, n, slices.Clone(shape), known))
	}
}

// Fill sets every element to v, in place, and returns t.
func (t *Tensor) Fill(v float64) *Tensor {
	switch t.dtype {
	case Float32:
		f := float32(v)
		for i := range t.f32 {
			t.f32[i] = f
		}
	case Float64:
		for i := range t.f64 {
			t.f64[i] = v
		}
	}
	return t
}

// CopyFrom copies src's elements into t, in place (same dtype and element
// count; shapes may differ) and returns t.
func (t *Tensor) CopyFrom(src *Tensor) *Tensor {
	sameDType("CopyFrom", t, src)
	if t.Len() != src.Len() {
		panic(fmt.Sprintf("tensor: CopyFrom: shapes %v and %v differ in size", t.shape, src.shape))
	}
	copy(t.f32, src.f32)
	copy(t.f64, src.f64)
	return t
}

// SameShape reports whether a and b have identical shapes.
func SameShape(a, b *Tensor) bool { return shapeEqual(a.shape, b.shape) }

// SameBits reports whether a and b have the same dtype and shape and
// bit-identical elements: NaNs with the same payload match, +0 and −0 do
// not. It is the check for results that must not depend on the thread
// count or on which of two equivalent code paths computed them.
func SameBits(a, b *Tensor) bool {
	if a.dtype != b.dtype || !shapeEqual(a.shape, b.shape) {
		return false
	}
	if a.dtype == Float32 {
		return sameStorage(a.f32, b.f32)
	}
	return sameStorage(a.f64, b.f64)
}

// sameStorage reports whether a and b hold the same bits (one memory
// comparison, for SameBits and the Winograd weight cache).
func sameStorage[T float](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 {
		return true
	}
	n := len(a) * int(unsafe.Sizeof(a[0]))
	return bytes.Equal(unsafe.Slice((*byte)(unsafe.Pointer(&a[0])), n), unsafe.Slice((*byte)(unsafe.Pointer(&b[0])), n))
}

func shapeEqual(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// sameDType panics with a message naming op when a and b differ in dtype.
func sameDType(op string, a, b *Tensor) {
	if a.dtype != b.dtype {
		panic(fmt.Sprintf("tensor: %s: dtypes %v and %v differ", op, a.dtype, b.dtype))
	}
}

// mustSameShape panics when a and b differ in shape or dtype.
func mustSameShape(op string, a, b *Tensor) {
	sameDType(op, a, b)
	if !shapeEqual(a.shape, b.shape) {
		panic(fmt.Sprintf("tensor: %s: shapes %v and %v differ", op, a.shape, b.shape))
	}
}

// AllClose reports whether a and b have the same shape and every pair of
// elements satisfies |a−b| ≤ atol + rtol·|b|. NaNs are never close. Dtypes may differ.
func AllClose(a, b *Tensor, rtol, atol float64) bool {
	if !shapeEqual(a.shape, b.shape) {
		return false
	}
	av, bv := a.Values(), b.Values()
	for i := range av {
		d := math.Abs(av[i] - bv[i])
		if !(d <= atol+rtol*math.Abs(bv[i])) {
			return false
		}
	}
	return true
}

// MaxAbsDiff returns max |a−b| over all elements (shapes must match).
func MaxAbsDiff(a, b *Tensor) float64 {
	if !shapeEqual(a.shape, b.shape) {
		panic(fmt.Sprintf("tensor: MaxAbsDiff: shapes %v and %v differ", a.shape, b.shape))
	}
	switch {
	case a.dtype == Float32 && b.dtype == Float32:
		return maxAbsDiff(a.f32, b.f32)
	case a.dtype == Float64 && b.dtype == Float64:
		return maxAbsDiff(a.f64, b.f64)
	}
	return maxAbsDiff(a.Values(), b.Values())
}

func maxAbsDiff[T float](a, b []T) float64 {
	b = b[:len(a)]
	m := 0.0
	for i, v := range a {
		d := math.Abs(float64(v) - float64(b[i]))
		if d > m || d != d {
			m = d
		}
	}
	return m
}

// String formats the tensor for debugging: dtype, shape and up to 8 leading values.
func (t *Tensor) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Tensor(%v, %v, [", t.dtype, t.shape)
	n := t.Len()
	for i := 0; i < n && i < 8; i++ {
		if i > 0 {
			b.WriteString(" ")
		}
		if t.dtype == Float32 {
			fmt.Fprintf(&b, "%g", t.f32[i])
		} else {
			fmt.Fprintf(&b, "%g", t.f64[i])
		}
	}
	if n > 8 {
		fmt.Fprintf(&b, " … (%d more)", n-8)
	}
	b.WriteString("])")
	return b.String()
}
